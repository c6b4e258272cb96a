import { escapeLike, isPostgres, nowIso, type Db, type Trx } from '../lib/db.js'
import { badRequest, conflict, forbidden, msg, notFound, problem, unprocessable } from '../lib/errors.js'
import { isBlank } from '../lib/text.js'
import { isUniqueViolation } from '../lib/retry.js'
import { names } from '../messages/index.js'
import { canAdministerRegion, canRenameRegion, isSystemAdmin } from './policy.js'
import { REGION_LEVELS, regionView, unitView, type Actor, type OrgUnit, type Region } from './service.js'
import type { RegionRow, UnitRow } from './rows.js'

/**
 * Regions and org units administered from the web app (`/api/org/tree`, `/api/org/regions`,
 * `/api/org/units`; src/org/org-routes.ts), as the command line's import adds them
 * (src/org/bootstrap.ts) and with the same rules: a code is an identity — cases, users,
 * candidate groups and routing rules name it — so it never changes, and a region never moves
 * (its `path` is every case's place in the tree), nor does a unit leave its region. Names, and a
 * unit's duty, may change. A region or unit nothing names yet (a mistaken addition) may be
 * deleted; nothing is deactivated (README of src/org: what would have to respect it).
 *
 * Scope (policy.ts): the city's administrator everywhere; a county administrator inside their
 * county (never the city's level, never another county; a county's own name is the city's).
 *
 * Every write goes through this node's knex, so the org caches (`regionRow`, `regionChain`, the
 * actors; intake's units, src/cases/config-reads.ts) are emptied by the TableWatch at once here,
 * and within ORG_CACHE_MS on the other nodes.
 */

/** The kinds a unit created here may have: what routing and the seed know (`centre` receives the dispatcher's queue). */
export const UNIT_KINDS = ['centre', 'department', 'section', 'station', 'village_committee', 'grid'] as const

export type RegionAdminView = Region & {
  hasChildren: boolean
  /** The actor may add and change its units, and add regions under it (but under a grid). */
  mayAdminister: boolean
  /** The actor may rename it. */
  mayRename: boolean
  updatedAt: string | null
  updatedBy: string | null
}

/** A unit as the org page lists it (its `parentCode` is not in the page's answer). */
export type UnitAdminView = OrgUnit & {
  /** Active users placed in the unit: a unit nobody staffs receives no case (intake sends it to the dispatcher). */
  members: number
  mayChange: boolean
  updatedAt: string | null
  updatedBy: string | null
}

export type OrgTree = {
  /** The region shown; null: the top of the tree (the city's administrator only). */
  region: RegionAdminView | null
  /** The regions above it, the city first. */
  ancestors: RegionAdminView[]
  children: RegionAdminView[]
  units: UnitAdminView[]
}

export type NewRegion = { code: string; name: string; nameEn: string; parentCode: string }
export type RegionChange = { name?: string; nameEn?: string }
export type NewUnit = { code: string; name: string; nameEn: string; kind: string; regionCode: string; duty?: string | null }
export type UnitChange = { name?: string; nameEn?: string; duty?: string | null }

const outside = () => forbidden(msg('error.org.regionOutsideScope'))

/** A name that shows nothing (spaces, zero-width characters) lists the region or unit as nobody on every page: a 400 naming the field. */
function refuseBlankNames(f: { name?: string; nameEn?: string }) {
  const blank = (['name', 'nameEn'] as const).filter((k) => f[k] !== undefined && isBlank(f[k]))
  if (blank.length)
    throw badRequest(
      msg('error.org.blankName'),
      blank.map((field) => problem(msg('error.org.blankName'), { field })),
    )
}

function regionAdminView(by: Actor, r: RegionRow, hasChildren: boolean): RegionAdminView {
  return {
    ...regionView(r),
    hasChildren,
    mayAdminister: canAdministerRegion(by, r),
    mayRename: canRenameRegion(by, r),
    updatedAt: r.updated_at ?? null,
    updatedBy: r.updated_by ?? null,
  }
}

function unitAdminView(by: Actor, u: UnitRow, region: Pick<RegionRow, 'tenant'>, members: number): UnitAdminView {
  return {
    ...unitView(u),
    members,
    mayChange: canAdministerRegion(by, region),
    updatedAt: u.updated_at ?? null,
    updatedBy: u.updated_by ?? null,
  }
}

/** Which of `codes` have child regions. */
async function withChildren(db: Db | Trx, codes: string[]): Promise<Set<string>> {
  if (!codes.length) return new Set()
  const rows: { parent_code: string }[] = await db('regions').whereIn('parent_code', codes).groupBy('parent_code').select('parent_code')
  return new Set(rows.map((r) => r.parent_code))
}

/** Active members per unit code. */
async function memberCounts(db: Db | Trx, codes: string[]): Promise<Map<string, number>> {
  if (!codes.length) return new Map()
  const rows: { unit_code: string; n: number | string }[] = await db('users')
    .whereIn('unit_code', codes)
    .where({ active: true })
    .groupBy('unit_code')
    .select('unit_code')
    .count({ n: '*' })
  return new Map(rows.map((r) => [r.unit_code, Number(r.n)]))
}

/**
 * The region a county administrator starts at (their county), or null for the city's
 * administrator (the top of the tree). A county administrator without a county has none: 403.
 */
function rootOf(by: Actor): string | null {
  if (isSystemAdmin(by)) return null
  if (!by.tenant) throw outside()
  return by.tenant
}

/**
 * One level of the tree as `by` administers it: `code`'s region (default: the actor's root),
 * the regions above it (for the way back), its child regions and its units. Another county's
 * region, or the city's, is a 403 to a county administrator; an unknown one a 404.
 */
export async function orgTree(db: Db, by: Actor, code?: string): Promise<OrgTree> {
  const wanted = code ?? rootOf(by)
  if (wanted === null) {
    const top: RegionRow[] = await db('regions')
      .whereNull('parent_code')
      .orderBy([{ column: 'sort' }, { column: 'code' }])
    const parents = await withChildren(
      db,
      top.map((r) => r.code),
    )
    return { region: null, ancestors: [], children: top.map((r) => regionAdminView(by, r, parents.has(r.code))), units: [] }
  }
  const region: RegionRow | undefined = await db('regions').where({ code: wanted }).first()
  if (!region) throw notFound(msg('error.org.unknownRegion', { region: wanted }))
  if (!canAdministerRegion(by, region)) throw outside()
  const above = region.path.split('/').filter((c) => c && c !== region.code)
  const [ancestorRows, childRows, unitRows] = await Promise.all([
    above.length ? db('regions').whereIn('code', above) : Promise.resolve([] as RegionRow[]),
    db('regions')
      .where({ parent_code: region.code })
      .orderBy([{ column: 'sort' }, { column: 'code' }]) as Promise<RegionRow[]>,
    db('org_units')
      .where({ region_code: region.code })
      .orderBy([{ column: 'sort' }, { column: 'code' }]) as Promise<UnitRow[]>,
  ])
  const [parents, members] = await Promise.all([
    withChildren(
      db,
      childRows.map((r) => r.code),
    ),
    memberCounts(
      db,
      unitRows.map((u) => u.code),
    ),
  ])
  const ancestors = above.map((c) => (ancestorRows as RegionRow[]).find((r) => r.code === c)).filter((r): r is RegionRow => !!r)
  return {
    region: regionAdminView(by, region, childRows.length > 0),
    ancestors: ancestors.map((r) => regionAdminView(by, r, true)),
    children: childRows.map((r) => regionAdminView(by, r, parents.has(r.code))),
    units: unitRows.map((u) => unitAdminView(by, u, region, members.get(u.code) ?? 0)),
  }
}

/** A row read for a change, locked on PostgreSQL so the checks and the write see one row. */
async function lockedRow<R>(trx: Trx, table: 'regions' | 'org_units', code: string): Promise<R | undefined> {
  const q = trx(table).where({ code })
  return (isPostgres(trx) ? q.forUpdate() : q).first()
}

const nextSort = async (trx: Trx, table: 'regions' | 'org_units') => Number((await trx(table).max({ m: 'sort' }).first())?.m ?? 0) + 1

/**
 * Adds a region under `parentCode`: its level the one below the parent's, its path the parent's
 * plus its code, its tenant the county it lies in (a new county's own code). Nothing is added
 * under a grid. An unknown parent is a 422 (the body names it), a code in use a 409.
 */
export async function createRegion(db: Db, by: Actor, input: NewRegion): Promise<RegionAdminView> {
  refuseBlankNames(input)
  try {
    return await db.transaction(async (trx) => {
      const parent: RegionRow | undefined = await trx('regions').where({ code: input.parentCode }).first()
      if (!parent) throw unprocessable(msg('error.org.unknownRegion', { region: input.parentCode }))
      if (!canAdministerRegion(by, parent)) throw outside()
      const level = REGION_LEVELS[REGION_LEVELS.indexOf(parent.level) + 1]
      if (!level) throw unprocessable(msg('error.org.gridNoChildren', { region: parent.code, ...names('region', parent) }))
      if (await trx('regions').where({ code: input.code }).first('code')) throw conflict(msg('error.org.regionCodeTaken', { code: input.code }))
      const row: RegionRow = {
        code: input.code,
        name: input.name.trim(),
        name_en: input.nameEn.trim(),
        level,
        parent_code: parent.code,
        path: `${parent.path}${input.code}/`,
        // The county is the tenant: a new county's own code, else the parent's county.
        tenant: level === 'county' ? input.code : parent.tenant,
        sort: await nextSort(trx, 'regions'),
        updated_at: nowIso(),
        updated_by: by.username,
      }
      await trx('regions').insert(row)
      return regionAdminView(by, row, false)
    })
  } catch (err) {
    // Two administrators adding one code at once: the second insert meets the first's row.
    if (isUniqueViolation(err)) throw conflict(msg('error.org.regionCodeTaken', { code: input.code }))
    throw err
  }
}

/** Renames a region (Chinese, English or both); its code, level and place stay. */
export async function updateRegion(db: Db, by: Actor, code: string, change: RegionChange): Promise<RegionAdminView> {
  refuseBlankNames(change)
  return db.transaction(async (trx) => {
    const row = await lockedRow<RegionRow>(trx, 'regions', code)
    if (!row) throw notFound(msg('error.org.unknownRegion', { region: code }))
    if (!canRenameRegion(by, row)) throw row.level === 'county' && canAdministerRegion(by, row) ? forbidden(msg('error.org.countyNameCityOnly')) : outside()
    const update: Partial<RegionRow> = { updated_at: nowIso(), updated_by: by.username }
    if (change.name !== undefined) update.name = change.name.trim()
    if (change.nameEn !== undefined) update.name_en = change.nameEn.trim()
    await trx('regions').where({ code }).update(update)
    return regionAdminView(by, { ...row, ...update }, Boolean(await trx('regions').where({ parent_code: code }).first('code')))
  })
}

/**
 * Adds a unit in a region: its level the region's. A region has one centre (routing sends the
 * cases no rule places to the nearest centre's dispatcher, and would pick either of two at random).
 */
export async function createUnit(db: Db, by: Actor, input: NewUnit): Promise<UnitAdminView> {
  refuseBlankNames(input)
  try {
    return await db.transaction(async (trx) => {
      const region: RegionRow | undefined = await trx('regions').where({ code: input.regionCode }).first()
      if (!region) throw unprocessable(msg('error.org.unknownRegion', { region: input.regionCode }))
      if (!canAdministerRegion(by, region)) throw outside()
      if (await trx('org_units').where({ code: input.code }).first('code')) throw conflict(msg('error.org.unitCodeTaken', { code: input.code }))
      if (input.kind === 'centre') {
        const centre: UnitRow | undefined = await trx('org_units').where({ region_code: region.code, kind: 'centre' }).first()
        if (centre)
          throw conflict(msg('error.org.centreExists', { region: region.code, unit: centre.code, ...names('region', region), ...names('unit', centre) }))
      }
      const row: UnitRow = {
        code: input.code,
        name: input.name.trim(),
        name_en: input.nameEn.trim(),
        kind: input.kind,
        level: region.level,
        region_code: region.code,
        parent_code: null,
        duty: input.duty ?? null,
        sort: await nextSort(trx, 'org_units'),
        updated_at: nowIso(),
        updated_by: by.username,
      }
      await trx('org_units').insert(row)
      return unitAdminView(by, row, region, 0)
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(msg('error.org.unitCodeTaken', { code: input.code }))
    throw err
  }
}

/**
 * Renames a unit or changes its duty (what routing's `@township:<duty>` / `@county:<duty>`
 * finds it by: cases filed afterwards follow it; cases already routed keep their unit).
 */
export async function updateUnit(db: Db, by: Actor, code: string, change: UnitChange): Promise<UnitAdminView> {
  refuseBlankNames(change)
  return db.transaction(async (trx) => {
    const row = await lockedRow<UnitRow>(trx, 'org_units', code)
    if (!row) throw notFound(msg('error.org.unknownUnit', { unit: code }))
    const region: RegionRow | undefined = await trx('regions').where({ code: row.region_code }).first()
    // A unit whose region row is missing belongs to nobody's county: the city's administrator's.
    if (!canAdministerRegion(by, { tenant: region?.tenant ?? '' })) throw outside()
    const update: Partial<UnitRow> = { updated_at: nowIso(), updated_by: by.username }
    if (change.name !== undefined) update.name = change.name.trim()
    if (change.nameEn !== undefined) update.name_en = change.nameEn.trim()
    if (change.duty !== undefined) update.duty = change.duty
    await trx('org_units').where({ code }).update(update)
    return unitAdminView(by, { ...row, ...update }, { tenant: region?.tenant ?? '' }, (await memberCounts(trx, [code])).get(code) ?? 0)
  })
}

/** What may still name a region or unit, in the order a refusal names the first found (`orgRef.*` in the catalogue). */
type Reference = 'regions' | 'units' | 'users' | 'cases' | 'rules' | 'definitions' | 'tasks'

/** Whether a text column of `table` holds `code` anywhere (a diagram, a decision table): conservative, as a refusal is safe. */
const mentions = (trx: Trx, table: string, column: string, code: string) =>
  trx(table)
    .whereRaw(`?? like ? escape '\\'`, [column, `%${escapeLike(code)}%`])
    .first(trx.raw('1 as found'))

/** The first thing that still names region `code`, or null. */
async function regionReference(trx: Trx, code: string): Promise<Reference | null> {
  if (await trx('regions').where({ parent_code: code }).first('code')) return 'regions'
  if (await trx('org_units').where({ region_code: code }).first('code')) return 'units'
  if (await trx('users').where({ region_code: code }).first('id')) return 'users'
  for (const [table, column] of [
    ['cases', 'region_code'],
    ['case_clusters', 'region_code'],
    ['bulletin_publications', 'region_code'],
  ] as const)
    if (await trx(table).where(column, code).first(trx.raw('1 as found'))) return 'cases'
  if (await trx('routing_rules').where({ region: code }).first('id')) return 'rules'
  if ((await mentions(trx, 'resource_definitions', 'source', code)) || (await mentions(trx, 'process_definitions', 'xml', code))) return 'definitions'
  return null
}

/** The first thing that still names unit `code`, or null. */
async function unitReference(trx: Trx, code: string): Promise<Reference | null> {
  if (await trx('users').where({ unit_code: code }).first('id')) return 'users'
  for (const [table, column] of [
    ['cases', 'owner_unit'],
    ['case_returns', 'unit'],
    ['case_exclusions', 'requested_unit'],
    ['case_supervisions', 'unit'],
  ] as const)
    if (await trx(table).where(column, code).first(trx.raw('1 as found'))) return 'cases'
  if (await trx('routing_rules').where({ owner: code }).first('id')) return 'rules'
  if ((await mentions(trx, 'resource_definitions', 'source', code)) || (await mentions(trx, 'process_definitions', 'xml', code))) return 'definitions'
  // A task or a notice offered to the unit's group (`unit:<code>`, `<role>@<code>`), or a process's variables naming it (a joint case's co-units).
  const offered = trx('task_candidates').where((w) => w.where('value', `unit:${code}`).orWhereRaw(`?? like ? escape '\\'`, ['value', `%@${escapeLike(code)}`]))
  if (await offered.first('task_id')) return 'tasks'
  if ((await mentions(trx, 'notifications', 'recipient', code)) || (await mentions(trx, 'process_instances', 'variables', code))) return 'tasks'
  return null
}

/**
 * Deletes a region nothing names: no region or unit under it, nobody placed in it, no case
 * filed in it, no routing rule, decision table or diagram mentioning it (409 naming the first
 * found). A county or the city is never deleted here (their code is a tenant every module keys
 * by); a mistakenly added township, village or grid is.
 */
export async function deleteRegion(db: Db, by: Actor, code: string): Promise<void> {
  await db.transaction(async (trx) => {
    const row = await lockedRow<RegionRow>(trx, 'regions', code)
    if (!row) throw notFound(msg('error.org.unknownRegion', { region: code }))
    if (row.level === 'city' || row.level === 'county' || !canAdministerRegion(by, row)) throw outside()
    const used = await regionReference(trx, code)
    if (used) throw conflict(msg('error.org.regionInUse', { region: code, what: used, ...names('region', row) }))
    await trx('regions').where({ code }).del()
  })
}

/** Deletes a unit nothing names: nobody in it, no case, rule, diagram, task or notice naming it (409 naming the first found). */
export async function deleteUnit(db: Db, by: Actor, code: string): Promise<void> {
  await db.transaction(async (trx) => {
    const row = await lockedRow<UnitRow>(trx, 'org_units', code)
    if (!row) throw notFound(msg('error.org.unknownUnit', { unit: code }))
    const region: RegionRow | undefined = await trx('regions').where({ code: row.region_code }).first()
    if (!canAdministerRegion(by, { tenant: region?.tenant ?? '' })) throw outside()
    const used = await unitReference(trx, code)
    if (used) throw conflict(msg('error.org.unitInUse', { unit: code, what: used, ...names('unit', row) }))
    await trx('org_units').where({ code }).del()
  })
}
