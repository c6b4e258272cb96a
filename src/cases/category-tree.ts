import type { Db, Trx } from '../lib/db.js'
import type { CategoryRow } from './routing.js'

/**
 * Which categories are in force: active, and every category above active too. An
 * administrator who deactivates a category withdraws its sub-categories with it (public intake,
 * the citizens' tree, Open311's services), while each keeps its own `active` for the day the
 * parent is reactivated; cases filed under any of them keep their category.
 */

export type TreeRow = Pick<CategoryRow, 'code' | 'parent_code' | 'active'>

/** Deeper than any code the API accepts (four segments): a loop an edit of the table made ends here. */
const MAX_DEPTH = 16

export const isActive = (v: unknown) => v === true || v === 1 || v === '1' || v === 't' || v === 'true'

/** The codes of `rows` in force. A parent the rows do not hold (a row an edit left behind) withdraws nothing. */
export function inForce(rows: readonly TreeRow[]): Set<string> {
  const byCode = new Map(rows.map((r) => [r.code, r]))
  const known = new Map<string, boolean>()
  const check = (code: string, depth: number): boolean => {
    const seen = known.get(code)
    if (seen !== undefined) return seen
    const r = byCode.get(code)!
    const parent = r.parent_code ? byCode.get(r.parent_code) : undefined
    const ok = isActive(r.active) && (!parent || (depth < MAX_DEPTH && check(parent.code, depth + 1)))
    known.set(code, ok)
    return ok
  }
  return new Set(rows.filter((r) => check(r.code, 0)).map((r) => r.code))
}

/** Whether `row` is in force, reading the categories above it (intake's cache miss: config-reads.ts). */
export async function chainInForce(db: Db | Trx, row: TreeRow): Promise<boolean> {
  let r: TreeRow | undefined = row
  for (let depth = 0; r; depth++) {
    if (!isActive(r.active)) return false
    if (!r.parent_code || depth >= MAX_DEPTH) return true
    r = await db('categories').where({ code: r.parent_code }).first('code', 'parent_code', 'active')
  }
  return true
}
