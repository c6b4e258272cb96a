import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../lib/db.js'
import { isPostgres, nowIso } from '../lib/db.js'
import { HttpError } from '../lib/errors.js'
import { EngineError } from './errors.js'
import { PollLoop } from '../lib/poll-loop.js'
import { recordTimerIncident } from './incidents.js'
import type { Runtime, TimerRow } from './runtime.js'
import { cutText } from '../lib/text.js'

/** How long a node owns a claimed timer before another node may take it over. */
const CLAIM_MS = 30_000
const BATCH = 20
const MAX_ATTEMPTS = 5

/**
 * Fires due timers from the `timers` table. Several nodes may poll one PostgreSQL: a claim
 * takes rows with FOR UPDATE SKIP LOCKED and leases them; the firing step commits the
 * timer's status with the engine state, so a timer fires exactly once even when a node
 * dies mid-step (its lease runs out and another node fires it).
 */
export class TimerPoller {
  private readonly loop: PollLoop

  constructor(
    private db: Db,
    private runtime: Runtime,
    private nodeId: string,
    intervalMs: number,
    private log: FastifyBaseLogger,
  ) {
    this.loop = new PollLoop(
      () => this.poll(),
      intervalMs,
      (err) => this.log.error({ err }, 'timer poll failed'),
    )
  }

  start() {
    this.loop.start()
  }

  /** Stops claiming; waits for the batch in hand to finish. */
  stop() {
    return this.loop.stop()
  }

  /** Claims the timers due now and fires them; returns how many fired. */
  async poll(now = new Date()): Promise<number> {
    let total = 0
    for (;;) {
      const claimed = await this.claim(now)
      if (!claimed.length) return total
      for (const timer of claimed) {
        if (this.loop.stopping) break
        try {
          const fired = await this.db.transaction(async (trx) => {
            // Re-read under the transaction: another node may have fired it since the claim.
            const current: TimerRow | undefined = await trx('timers').where({ id: timer.id, status: 'pending', claimed_by: this.nodeId }).first()
            if (!current) return false
            return this.runtime.fireTimer(trx, current)
          })
          if (fired) total++
        } catch (err) {
          this.log.warn({ err, timer: timer.id }, 'timer firing failed')
          const attempts = timer.attempts + 1
          // A refusal (the engine's own error, or a handler's HTTP error) is the step itself
          // failing (a budget, a missing called process): running it again fails again, so it becomes an incident at once.
          // A conflict (another step moved the instance) or a database error is retried first.
          const refused = (err instanceof HttpError && err.statusCode !== 409) || (err instanceof EngineError && err.code !== 'conflict')
          if (refused || attempts >= MAX_ATTEMPTS) {
            await recordTimerIncident(this.db, { ...timer, attempts }, err)
          } else {
            await this.db('timers')
              .where({ id: timer.id, status: 'pending' })
              .update({ attempts, error: cutText(String((err as Error).message), { codePoints: 2000 }), claimed_by: null, claimed_until: null })
          }
        }
      }
      if (claimed.length < BATCH) return total
    }
  }

  private async claim(now: Date): Promise<TimerRow[]> {
    const nowS = now.toISOString()
    const until = new Date(now.getTime() + CLAIM_MS).toISOString()
    return this.db.transaction(async (trx) => {
      const q = trx('timers')
        .where({ status: 'pending' })
        .where('due_at', '<=', nowS)
        .where((w) => w.whereNull('claimed_until').orWhere('claimed_until', '<', nowIso()))
        // A failed instance waits for an administrator (an incident), not for the poller.
        .whereNotExists((s) =>
          s.select(1).from('process_instances').whereRaw('process_instances.id = timers.instance_id').where('process_instances.status', 'failed'),
        )
        .orderBy('due_at')
        .limit(BATCH)
        .select('*')
      if (isPostgres(this.db)) q.forUpdate().skipLocked()
      const rows: TimerRow[] = await q
      if (!rows.length) return []
      await trx('timers')
        .whereIn(
          'id',
          rows.map((r) => r.id),
        )
        .update({ claimed_by: this.nodeId, claimed_until: until })
      return rows.map((r) => ({ ...r, claimed_by: this.nodeId, claimed_until: until }))
    })
  }
}
