import type { Db, Trx } from '../lib/db.js'
import type { TableWatch, WatchedCache } from '../lib/write-invalidated.js'
import { sqlFirst } from '../lib/hot-sql.js'
import { ORG_CACHE_MS } from '../org/service.js'
import { resolveOwner, type CategoryRow, type RegionRow, type UnitRow } from './routing.js'
import { chainInForce } from './category-tree.js'

const MAX = 2000

/**
 * What every intake reads of the platform's configuration — the category, the units that own
 * and dispatch its region, the follow-up cycle — kept for ORG_CACHE_MS (issue 13: four of an
 * intake's 28 statements, each a cold point read of ~100–140 µs of native SQLite in a step, plus
 * knex's own cost). The TableWatch empties these at once on this node's own writes (an
 * administrator's edit, a seed, a test's direct write); another node sees an edit within
 * ORG_CACHE_MS, as it sees a user or region edit (src/org/service.ts).
 *
 * The values are shared between intakes: callers read them, never change them.
 */
export class ConfigReads {
  private readonly categories: WatchedCache<CategoryRow | undefined>
  private readonly centreRows: WatchedCache<UnitRow[]>
  private readonly owners: WatchedCache<UnitRow | null>
  private readonly settings: WatchedCache<string | null>

  constructor(watch: TableWatch) {
    const opts = { ttlMs: ORG_CACHE_MS, max: MAX }
    this.categories = watch.cache(['categories'], opts)
    this.centreRows = watch.cache(['org_units'], opts)
    this.owners = watch.cache(['org_units'], opts)
    this.settings = watch.cache(['settings'], opts)
  }

  /**
   * The category a case may be filed under: undefined when it is unknown, inactive, or under an
   * inactive category (category-tree.ts). The categories above are read on a miss only.
   */
  category(db: Db | Trx, code: string): Promise<CategoryRow | undefined> {
    return this.categories.get(code, async () => {
      const row: CategoryRow | undefined = await db('categories').where({ code }).first()
      return row && (await chainInForce(db, row)) ? row : undefined
    })
  }

  /** The centre units of the regions' codes (routing.ts centresFor). */
  centres(db: Db | Trx, codes: string[]): Promise<UnitRow[]> {
    return this.centreRows.get(codes.join(','), () => db('org_units').whereIn('region_code', codes).where({ kind: 'centre' }))
  }

  /** routing.ts resolveOwner, by the owner token and the regions it may look at. */
  owner(db: Db | Trx, owner: string, regions: Map<string, RegionRow>): Promise<UnitRow | null> {
    const key = `${owner}|${[...regions].map(([level, r]) => `${level}=${r.code}`).join(',')}`
    return this.owners.get(key, () => resolveOwner(db, owner, regions))
  }

  setting(db: Db | Trx, key: string): Promise<string | null> {
    // (SQL text: src/lib/hot-sql.ts.)
    return this.settings.get(
      key,
      async () => (await sqlFirst<{ value: string }>(db, 'select "value" from "settings" where "key" = ? limit 1', [key]))?.value ?? null,
    )
  }
}
