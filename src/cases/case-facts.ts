import type { Db, Trx } from '../lib/db.js'
import type { Comparable } from './similar.js'

/** What a case says, where and when, and its number: written at intake, compared by similarity. */
export type Facts = Comparable & { case_no: string }

/** A case as the township reads select it: what may have changed since its facts were copied. */
export interface Narrow {
  id: string
  updated_at: string
  status: string
  cluster_id?: string | null
  /** The shared read's flags (clusters.ts readShared); absent from a candidates read of its own. */
  sim?: unknown
  clu?: unknown
}
export type Completed = Facts & Required<Narrow> & { cluster_id: string | null }

/** The columns of `Facts`, with `updated_at`, which says whether a cached copy is still the row's. */
export const FACT_COLUMNS = [
  'cases.id',
  'cases.case_no',
  'cases.title',
  'cases.description',
  'cases.address',
  'cases.category',
  'cases.region_code',
  'cases.region_path',
  'cases.lat',
  'cases.lng',
  'cases.created_at',
  'cases.updated_at',
]

/**
 * A node's copy of the facts of the cases its intakes compared a new case with, by id.
 *
 * Each intake reads the newest few hundred cases of its township (clusters.ts readShared,
 * similar.ts candidateQuery), nearly all of them the ones the intake before read. Decoding their
 * text, place and category into JavaScript, and sorting those wide rows, was most of that read:
 * with 600 cases in the window, 2.3 ms of native SQLite for all columns against 0.9 ms for the
 * ids and flags alone (bench/sql-native.ts). So the township is read narrow — id, `updated_at`
 * and what changes (status, cluster, the flags) — and the facts come from here; the rows not
 * cached are read by id in one statement.
 *
 * A cached copy is used only while the row's `updated_at` is the one it was read at. Nothing
 * rewrites a case's facts today, but whatever would (a recategorisation, a corrected address)
 * goes through an update that sets `updated_at`, as every write of a case row does
 * (handlers.ts `update`), so a changed case is read again, never compared by its old words. The
 * price: a case whose status moved since it was cached costs a row of the by-id read.
 */
export class CaseFacts {
  private readonly byId = new Map<string, { at: string; facts: Facts }>()
  constructor(private readonly max = 10_000) {}

  /** Keeps `row`'s facts, as of its `updated_at`. */
  remember(row: Facts & { updated_at: string }): Facts {
    // Bounded: cleared whole when full, as GramCache is (the next intakes refill what they need).
    if (this.byId.size >= this.max && !this.byId.has(row.id)) this.byId.clear()
    const facts = factsOf(row)
    this.byId.set(row.id, { at: row.updated_at, facts })
    return facts
  }

  /**
   * `rows` (read narrow) completed with their facts, in their order; the facts of those not
   * cached at their `updated_at` are read by id first.
   */
  async complete(db: Db | Trx, rows: Narrow[]): Promise<Completed[]> {
    const found = rows.map((r) => {
      const cached = this.byId.get(r.id)
      return cached?.at === r.updated_at ? cached.facts : undefined
    })
    const missing = rows.filter((_, i) => !found[i]).map((r) => r.id)
    if (missing.length) {
      const read = new Map<string, Facts>()
      for (const row of (await db('cases').whereIn('cases.id', missing).select(FACT_COLUMNS)) as (Facts & { updated_at: string })[])
        read.set(row.id, this.remember(row))
      rows.forEach((r, i) => (found[i] ??= read.get(r.id)))
    }
    const out: Completed[] = []
    rows.forEach((r, i) => {
      const f = found[i]
      // Cases are never deleted; were one gone between the two reads, it is left out as the first would have.
      if (!f) return
      // One object literal of one shape: Object.assign onto the driver's row cost ~140 µs per
      // 500 rows against ~10 (V8 adds the properties one by one, changing the row's shape each time).
      out.push({
        id: r.id,
        case_no: f.case_no,
        title: f.title,
        description: f.description,
        address: f.address,
        category: f.category,
        region_code: f.region_code,
        region_path: f.region_path,
        lat: f.lat,
        lng: f.lng,
        created_at: f.created_at,
        updated_at: r.updated_at,
        status: r.status,
        cluster_id: r.cluster_id ?? null,
        sim: r.sim,
        clu: r.clu,
      })
    })
    return out
  }
}

function factsOf(r: Facts): Facts {
  return {
    id: r.id,
    case_no: r.case_no,
    title: r.title,
    description: r.description,
    address: r.address,
    category: r.category,
    region_code: r.region_code,
    region_path: r.region_path,
    lat: r.lat,
    lng: r.lng,
    created_at: r.created_at,
  }
}
