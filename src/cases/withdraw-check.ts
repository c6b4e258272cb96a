import { msg } from '../lib/errors.js'
import type { WithdrawCheck } from '../engine/withdrawals.js'
import { chainInForce, type TreeRow } from './category-tree.js'
import { PROCEDURES } from './routing.js'

/**
 * What intake needs of the engine's keys when an administrator withdraws one (src/engine/withdrawals.ts).
 * Intake starts the procedure its routing rule names, else its category's, else `ordinary`
 * (routing.ts); rules and the routing decision name one of the four shipped procedures, a
 * category any key with a city version (category-admin.ts). A withdrawal that would leave such a
 * key with no version for new cases — the city's own versions, which nothing stands behind, or a
 * county's when the city's is withdrawn too — is refused with a 409 saying that cases could no
 * longer be filed. With a version to fall back on (a county's own version withdrawn: the city
 * default) it is allowed: that is what withdrawing a county's customisation is for.
 */
export const intakeNeedsCheck: WithdrawCheck = async ({ key, fallback, trx }) => {
  if (fallback) return null
  const refusal = msg('error.case.procedureNeededByIntake', { key })
  if ((PROCEDURES as readonly string[]).includes(key)) return refusal
  const naming: TreeRow[] = await trx('categories').where({ procedure: key }).select('code', 'parent_code', 'active')
  for (const row of naming) if (await chainInForce(trx, row)) return refusal
  return null
}
