import type { Trx } from '../lib/db.js'
import type { InstanceRow } from './rows.js'
import type { EngineHolder } from './step-context.js'

/**
 * The engine cache: a live engine parked after its instance's step on this node, taken for
 * that instance's next step when nothing changed the instance since (same revision).
 */
export class EngineCache {
  private live = new Map<string, { holder: EngineHolder; revision: number }>()

  constructor(
    /** How many parked engines to keep in memory for their instance's next step (0: none). */
    private liveLimit = 16,
  ) {}

  /**
   * The parked engine of `instance` if it can serve its next step; it is taken out either way,
   * and put back only after a commit (`remember`).
   */
  take(instance: InstanceRow): EngineHolder | undefined {
    const live = this.live.get(instance.id)
    this.live.delete(instance.id)
    const reuse = live && live.revision === instance.revision && live.holder.engine.state === 'running'
    return reuse ? live.holder : undefined
  }

  /** Keeps a parked engine for the instance's next step on this node, once `trx` has committed. */
  remember(trx: Trx, instance: InstanceRow, holder: EngineHolder) {
    // knex's transaction object carries the promise of its outcome (untyped in knex's typings).
    const committed = (trx as Trx & { executionPromise?: Promise<unknown> }).executionPromise
    if (!committed || this.liveLimit <= 0) return
    const revision = instance.revision
    committed.then(
      () => {
        this.live.delete(instance.id)
        this.live.set(instance.id, { holder, revision })
        // Bounded: the oldest engines go first, so memory does not grow with waiting instances.
        for (const id of this.live.keys()) {
          if (this.live.size <= this.liveLimit) break
          this.live.delete(id)
        }
      },
      () => undefined,
    )
  }
}
