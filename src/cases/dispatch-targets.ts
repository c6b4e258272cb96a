import type { Db, Trx } from '../lib/db.js'
import type { DecisionService } from '../decisions/service.js'
import { wherePrefix } from '../lib/db.js'
import { msg, type Msg } from '../lib/errors.js'
import { names } from '../messages/index.js'
import { computeGroups, groupsMatch, parseList, type Actor, type OrgService } from '../org/service.js'
import { workTenant } from '../org/policy.js'
import type { CaseRow } from './service.js'
import { ancestry, resolveOwner, route, unitGroup, type CategoryRow, type UnitRow } from './routing.js'

/**
 * Task fields that name the unit a case goes to (the variables `case.assign` and `case.joint`
 * read). What a dispatcher, reviewer or coordinator types there is checked here before the
 * engine moves, and again by the handler that acts on it.
 */
export const UNIT_FIELDS = ['targetUnit', 'leadUnit', 'coUnits'] as const

export const unitCodes = (v: unknown): string[] => (Array.isArray(v) ? v : String(v ?? '').split(',')).map((s) => String(s).trim()).filter(Boolean)

/** Who chose a unit, as far as the reach of their choice goes (null: the platform's own step). */
export type Chooser = Pick<Actor, 'roles' | 'tenant'> | null

/**
 * Why `code` cannot take `row`'s case, or null when it can. A case stays in its county: the
 * target is a unit of the case's county (any township of it), or a unit of a region above the
 * case (the city: where an escalation goes) — that one only when chosen by someone who works at
 * the city's level (`by`): a county's staff pass a case beyond the county's authority by
 * escalating it, which the city's centre reviews (domain.md, 超事权问题提级办), not by naming a
 * city bureau themselves (a township centre did, and the case was counted as the county's). And
 * someone must be there to sign for it: at least one active member who receives the unit's
 * tasks, or the case would wait for nobody.
 */
export async function unitProblem(
  trx: Db | Trx,
  org: OrgService,
  row: Pick<CaseRow, 'region_path' | 'tenant'>,
  code: string,
  by: Chooser = null,
): Promise<Msg | null> {
  const unit: (UnitRow & { path: string }) | undefined = await trx('org_units as u')
    .join('regions as r', 'r.code', 'u.region_code')
    .where('u.code', code)
    .first('u.*', 'r.path')
  if (!unit) return msg('error.org.unknownUnit', { unit: code })
  const county = countyPath(row.region_path, row.tenant)
  if (!servesCounty(unit.path, county)) return msg('error.case.unitOutsideCounty', { unit: code, ...names('unit', unit) })
  if (!withinReach(unit.path, county, by)) return msg('error.case.unitAboveCounty', { unit: code, ...names('unit', unit) })
  const receivers = await org.usersInGroups([unitGroup(unit)], { tenant: row.tenant || null, limit: 1, db: trx })
  if (!receivers.length) return msg('error.case.unitNobody', { unit: code, ...names('unit', unit) })
  return null
}

/** A unit above the county is within reach only of city-level staff (and the platform's own steps). */
function withinReach(unitPath: string, countyPath: string, by: Chooser): boolean {
  return !by || workTenant(by) === undefined || unitPath.startsWith(countyPath)
}

/** Who a handler's `ctx.actor` (a username) is, for `unitProblem`'s reach; null when nobody is named. */
export async function chooser(trx: Db | Trx, username: string | null): Promise<Chooser> {
  if (!username) return null
  const u: { roles: string; tenant: string | null } | undefined = await trx('users').where({ username }).first('roles', 'tenant')
  // A name no user has (removed since): the narrower reach, a county's.
  return u ? { roles: parseList(u.roles), tenant: u.tenant || null } : { roles: [], tenant: '?' }
}

/**
 * Whether a unit at `unitPath` may take a county's cases: a unit of the county (any township
 * of it), or of a region above it (the city: where an escalation goes). Dispatch and a
 * county's routing rules use the same reach.
 */
export function servesCounty(unitPath: string, countyPath: string): boolean {
  return unitPath.startsWith(countyPath) || countyPath.startsWith(unitPath)
}

export interface DispatchTarget {
  code: string
  name: string
  nameEn: string | null
  kind: string
  level: string
  regionCode: string
  regionName: string
  regionNameEn: string | null
  /** What the routing rules would choose (or the case category's duty near the case). */
  suggested: boolean
}

/**
 * The units that can take `row`'s case from `by` — exactly those `unitProblem` accepts: of the
 * case's county or (for city-level staff) a region above it, with an active member who receives the unit's tasks — the
 * routing rule's suggestion first, then units on the case's own region path (nearest first),
 * then the rest in the organisation's order. `q` matches the Chinese or English name or the
 * code. One query for the units and one for their members, not one per unit.
 */
export async function dispatchTargets(
  db: Db | Trx,
  org: OrgService,
  row: Pick<CaseRow, 'region_path' | 'tenant' | 'category' | 'urgency'>,
  opts: { q?: string; limit?: number; decisions: DecisionService; by: Chooser },
): Promise<DispatchTarget[]> {
  const county = countyPath(row.region_path, row.tenant)
  const above = county
    .split('/')
    .filter(Boolean)
    .map((_, i, parts) => `/${parts.slice(0, i + 1).join('/')}/`)
  const units: (UnitRow & { path: string; region_name: string; region_name_en: string | null })[] = await db('org_units as u')
    .join('regions as r', 'r.code', 'u.region_code')
    // servesCounty in SQL: the county's subtree, or a region the county lies in.
    .where((w) => w.where((x) => wherePrefix(db as Db, x, 'r.path', county)).orWhereIn('r.path', above))
    .orderBy([{ column: 'u.sort' }, { column: 'u.code' }])
    .select('u.*', 'r.path', 'r.name as region_name', 'r.name_en as region_name_en')
  const q = opts.q?.trim().toLowerCase()
  const inReach = units.filter((u) => withinReach(u.path, county, opts.by))
  const matching = q
    ? inReach.filter((u) => u.name.toLowerCase().includes(q) || (u.name_en ?? '').toLowerCase().includes(q) || u.code.toLowerCase().includes(q))
    : inReach
  if (!matching.length) return []
  // Who would receive each unit's tasks: the same users and the same match unitProblem asks for.
  const tenant = row.tenant || null
  const receivers = await org.usersInGroups([...new Set(matching.map((u) => unitGroup(u)))], { tenant, db })
  const held = receivers.map((u) => ({ groups: computeGroups(u.roles, u.unitCode, u.groups), user: u }))
  const staffed = matching.filter((u) => held.some((r) => groupsMatch(r.groups, r.user, [unitGroup(u)], tenant)))
  const suggestion = await suggestedUnit(db, row, opts.decisions)
  const depth = (u: { path: string }) => (row.region_path.startsWith(u.path) ? u.path.length : 0)
  const ranked = staffed.map((u, i) => ({ u, i, s: u.code === suggestion ? 1 : 0, d: depth(u) })).sort((a, b) => b.s - a.s || b.d - a.d || a.i - b.i)
  return ranked.slice(0, opts.limit ?? 50).map(({ u, s }) => ({
    code: u.code,
    name: u.name,
    nameEn: u.name_en ?? null,
    kind: u.kind,
    level: u.level,
    regionCode: u.region_code,
    regionName: u.region_name,
    regionNameEn: u.region_name_en ?? null,
    suggested: !!s,
  }))
}

/**
 * The unit the routing rules choose for the case; when no rule names one (the case came to a
 * dispatcher for that reason), a unit of the category's duty in the case's township, else its
 * county.
 */
async function suggestedUnit(
  db: Db | Trx,
  row: Pick<CaseRow, 'region_path' | 'tenant' | 'category' | 'urgency'>,
  decisions: DecisionService,
): Promise<string | null> {
  const category: CategoryRow | undefined = await db('categories').where({ code: row.category }).first()
  if (!category) return null
  const regions = await ancestry(db, row.region_path)
  const r = await route(db, { category, path: row.region_path, tenant: row.tenant, urgency: row.urgency, regions, decisions })
  if (r.owner) return r.owner.code
  if (!category.duty) return null
  const near = (await resolveOwner(db, `@township:${category.duty}`, regions)) ?? (await resolveOwner(db, `@county:${category.duty}`, regions))
  return near?.code ?? null
}

/** The path of the case's county (`/langfang/xianghe/`), or of the case's own region for a city case. */
function countyPath(regionPath: string, tenant: string): string {
  if (!tenant) return regionPath
  const i = regionPath.indexOf(`/${tenant}/`)
  return i < 0 ? regionPath : regionPath.slice(0, i + tenant.length + 2)
}
