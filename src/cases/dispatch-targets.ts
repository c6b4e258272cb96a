import type { Db, Trx } from '../lib/db.js'
import { msg, type Msg } from '../lib/errors.js'
import { names } from '../messages/index.js'
import type { OrgService } from '../org/service.js'
import type { CaseRow } from './service.js'
import { unitGroup, type UnitRow } from './routing.js'

/**
 * Task fields that name the unit a case goes to (the variables `case.assign` and `case.joint`
 * read). What a dispatcher, reviewer or coordinator types there is checked here before the
 * engine moves, and again by the handler that acts on it.
 */
export const UNIT_FIELDS = ['targetUnit', 'leadUnit', 'coUnits'] as const

export const unitCodes = (v: unknown): string[] =>
  (Array.isArray(v) ? v : String(v ?? '').split(','))
    .map((s) => String(s).trim())
    .filter(Boolean)

/**
 * Why `code` cannot take `row`'s case, or null when it can. A case stays in its county: the
 * target is a unit of the case's county (any township of it), or a unit of a region above the
 * case (the city: where an escalation goes). And someone must be there to sign for it: at
 * least one active member who receives the unit's tasks, or the case would wait for nobody.
 */
export async function unitProblem(trx: Db | Trx, org: OrgService, row: Pick<CaseRow, 'region_path' | 'tenant'>, code: string): Promise<Msg | null> {
  const unit: (UnitRow & { path: string }) | undefined = await trx('org_units as u')
    .join('regions as r', 'r.code', 'u.region_code')
    .where('u.code', code)
    .first('u.*', 'r.path')
  if (!unit) return msg('error.org.unknownUnit', { unit: code })
  if (!servesCounty(unit.path, countyPath(row.region_path, row.tenant))) return msg('error.case.unitOutsideCounty', { unit: code, ...names('unit', unit) })
  const receivers = await org.usersInGroups([unitGroup(unit)], { tenant: row.tenant || null, limit: 1, db: trx })
  if (!receivers.length) return msg('error.case.unitNobody', { unit: code, ...names('unit', unit) })
  return null
}

/**
 * Whether a unit at `unitPath` may take a county's cases: a unit of the county (any township
 * of it), or of a region above it (the city: where an escalation goes). Dispatch and a
 * county's routing rules use the same reach.
 */
export function servesCounty(unitPath: string, countyPath: string): boolean {
  return unitPath.startsWith(countyPath) || countyPath.startsWith(unitPath)
}

/** The path of the case's county (`/langfang/xianghe/`), or of the case's own region for a city case. */
function countyPath(regionPath: string, tenant: string): string {
  if (!tenant) return regionPath
  const i = regionPath.indexOf(`/${tenant}/`)
  return i < 0 ? regionPath : regionPath.slice(0, i + tenant.length + 2)
}
