import { isPostgres, nowIso, type Db, type Trx } from '../lib/db.js'
import { badRequest, conflict, msg, notFound, problem, type Msg } from '../lib/errors.js'
import { isUniqueViolation } from '../lib/retry.js'
import { isBlank } from '../lib/text.js'
import type { DefinitionStore } from '../engine/definitions.js'
import { chainInForce, inForce, isActive } from './category-tree.js'
import { DEFAULT_LIMITS, PROCEDURES, durationLengthMs, limitsFor, type CategoryRow } from './routing.js'
import { URGENCIES } from './service.js'

/**
 * The category tree administered from the web app (`/api/categories`, the city's administrator
 * only: categories are city-wide). A category decides each new case's deadlines (its limits per
 * urgency), its owning duty, default level and procedure; a change applies to the cases filed
 * after it (intake's cache sees this node's write at once, config-reads.ts), and a case keeps
 * the limits it was filed under (its process variables `responseLimit`/`resolveLimit`, which every
 * later recomputation of its deadlines reads).
 */

/**
 * The bounds of a category's limits. At least 10 minutes: a limit is the time people have to
 * act, and a shorter one makes a case overdue before the dispatcher or the unit can have read it
 * (a zero one, as it is filed), each counting against the unit's on-time rate. At most 365 days:
 * the longest 12345 standard is 15 days (domain.md), a case past a year escapes every monthly
 * assessment meanwhile, and an unbounded limit is how `P99999Y` put deadlines past 2199, where
 * timers refuse them (migration 032); a year keeps every deadline, extensions included, far
 * inside 2000–2199. Years and months are refused: their length follows the calendar (P1Y from
 * 1 March 2027 is 366 days), so only weeks, days, hours, minutes and seconds have one to bound.
 */
export const LIMIT_MIN_MINUTES = 10
export const LIMIT_MAX_DAYS = 365
const MIN_MS = LIMIT_MIN_MINUTES * 60_000
const MAX_MS = LIMIT_MAX_DAYS * 86_400_000
/** A year or month designator: before the `T` (after it, M is minutes). */
const CALENDAR_UNIT = /^P[^T]*[YM]/

export type Urgency = (typeof URGENCIES)[number]
export type LimitPair = { response: string; resolve: string }
export type Limits = Record<Urgency, LimitPair>

/** What a change sets; absent fields stay as they are (on creation: the parent's, else the platform's). */
export type CategoryFields = {
  name?: string
  nameEn?: string
  duty?: string | null
  defaultLevel?: string
  procedure?: string
  /** Whole pairs, for the urgencies given; the others stay. */
  limits?: Partial<Record<Urgency, LimitPair>>
  sort?: number
  active?: boolean
}
export type CategoryInput = CategoryFields & { code: string; name: string; nameEn: string }

type StoredCategory = CategoryRow & { updated_at: string | null; updated_by: string | null }

export type CategoryAdminView = {
  code: string
  parentCode: string | null
  name: string
  nameEn: string | null
  duty: string | null
  defaultLevel: string | null
  procedure: string
  limits: Limits
  sort: number
  active: boolean
  inForce: boolean
  updatedAt: string | null
  updatedBy: string | null
}

const TOP_DEFAULTS = { duty: null, default_level: 'township', procedure: 'ordinary' }

/** Each urgency's limits as intake uses them (a row without one for an urgency: its `normal` ones). */
function limitsOf(row: Pick<CategoryRow, 'limits'>): Limits {
  return Object.fromEntries(URGENCIES.map((u) => [u, { ...limitsFor(row, u) }])) as Limits
}

export function categoryView(row: StoredCategory, inForceNow: boolean): CategoryAdminView {
  return {
    code: row.code,
    parentCode: row.parent_code,
    name: row.name,
    nameEn: row.name_en,
    duty: row.duty,
    defaultLevel: row.default_level,
    procedure: row.procedure,
    limits: limitsOf(row),
    sort: Number(row.sort),
    active: isActive(row.active),
    inForce: inForceNow,
    updatedAt: row.updated_at ?? null,
    updatedBy: row.updated_by ?? null,
  }
}

/** Every category, withdrawn ones too, in the order the tree shows them. */
export async function listCategories(db: Db): Promise<CategoryAdminView[]> {
  const rows: StoredCategory[] = await db('categories').orderBy([{ column: 'sort' }, { column: 'code' }])
  const shown = inForce(rows)
  return rows.map((r) => categoryView(r, shown.has(r.code)))
}

/** The length of one limit, or why it cannot be one. */
function limitLength(value: string, where: { urgency: Urgency; limit: 'response' | 'resolve' }): number | Msg {
  const ms = durationLengthMs(value)
  if (ms === null) return msg('error.category.badDuration', { ...where, value })
  if (CALENDAR_UNIT.test(value)) return msg('error.category.calendarUnit', { ...where, value })
  // NaN (a number of hours past what a date holds) is too long, not within bounds.
  if (!(ms <= MAX_MS)) return msg('error.category.durationLong', { ...where, days: LIMIT_MAX_DAYS })
  if (ms < MIN_MS) return msg('error.category.durationShort', { ...where, minutes: LIMIT_MIN_MINUTES })
  return ms
}

type Problem = ReturnType<typeof problem>

/** The problems of the limits given, each naming its field (`limits/<urgency>/<response|resolve>`). */
export function limitProblems(limits: Partial<Record<Urgency, LimitPair>>): Problem[] {
  const out: Problem[] = []
  for (const urgency of URGENCIES) {
    const pair = limits[urgency]
    if (!pair) continue
    const response = limitLength(pair.response, { urgency, limit: 'response' })
    const resolve = limitLength(pair.resolve, { urgency, limit: 'resolve' })
    if (typeof response !== 'number') out.push(problem(response, { field: `limits/${urgency}/response` }))
    if (typeof resolve !== 'number') out.push(problem(resolve, { field: `limits/${urgency}/resolve` }))
    // The first response is part of the handling: it cannot be due after the matter is to be resolved.
    if (typeof response === 'number' && typeof resolve === 'number' && response > resolve)
      out.push(problem(msg('error.category.responseAfterResolve', { urgency }), { field: `limits/${urgency}/response` }))
  }
  return out
}

/**
 * A procedure a category may start: one of the four shipped, or a key with a city version in
 * force (a key only a county deployed, or whose city versions are withdrawn, would leave cases
 * with nothing to start). Intake starts the key as routing's table does (`engine.start(procedure)`).
 */
async function procedureProblem(trx: Trx, definitions: DefinitionStore, key: string): Promise<Msg | null> {
  if ((PROCEDURES as readonly string[]).includes(key)) return null
  return (await definitions.inForce(key, null, trx)) ? null : msg('error.category.unknownProcedure', { procedure: key })
}

/** The problems of the fields a change gives (names, procedure, limits), each naming its field. */
async function fieldProblems(trx: Trx, definitions: DefinitionStore, f: CategoryFields): Promise<Problem[]> {
  const out: Problem[] = []
  if (f.name !== undefined && isBlank(f.name)) out.push(problem(msg('error.category.blankName'), { field: 'name' }))
  if (f.nameEn !== undefined && isBlank(f.nameEn)) out.push(problem(msg('error.category.blankNameEn'), { field: 'nameEn' }))
  if (f.procedure !== undefined) {
    const bad = await procedureProblem(trx, definitions, f.procedure)
    if (bad) out.push(problem(bad, { field: 'procedure' }))
  }
  if (f.limits) out.push(...limitProblems(f.limits))
  return out
}

const refuse = (problems: Problem[]) => {
  if (problems.length) throw badRequest(msg('error.category.invalid'), problems)
}

/** `a.b.c` → `a.b`; a top-level code has none. */
export const parentOf = (code: string): string | null => (code.includes('.') ? code.slice(0, code.lastIndexOf('.')) : null)

/**
 * Adds a category under the parent its code names (`parent.child`), or at the top. What it does
 * not give it takes from its parent (duty, level, procedure, limits), as the seed's tree does.
 */
export async function createCategory(db: Db, definitions: DefinitionStore, by: string, input: CategoryInput): Promise<CategoryAdminView> {
  try {
    return await db.transaction(async (trx) => {
      if (await trx('categories').where({ code: input.code }).first('code')) throw conflict(msg('error.category.codeTaken', { category: input.code }))
      const parentCode = parentOf(input.code)
      const parent: StoredCategory | undefined = parentCode ? await trx('categories').where({ code: parentCode }).first() : undefined
      const problems = await fieldProblems(trx, definitions, input)
      if (parentCode && !parent) problems.unshift(problem(msg('error.category.unknownParent', { parent: parentCode }), { field: 'code' }))
      refuse(problems)
      const base = parent ?? TOP_DEFAULTS
      const inherited = parent ? limitsOf(parent) : (Object.fromEntries(URGENCIES.map((u) => [u, { ...DEFAULT_LIMITS }])) as Limits)
      const sort = input.sort ?? Number((await trx('categories').max({ m: 'sort' }).first())?.m ?? -1) + 1
      const now = nowIso()
      const row: StoredCategory = {
        code: input.code,
        parent_code: parentCode,
        name: input.name.trim(),
        name_en: input.nameEn.trim(),
        duty: input.duty !== undefined ? input.duty : base.duty,
        default_level: input.defaultLevel ?? base.default_level,
        procedure: input.procedure ?? base.procedure,
        limits: JSON.stringify({ ...inherited, ...input.limits }),
        sort,
        active: input.active ?? true,
        updated_at: now,
        updated_by: by,
      }
      await trx('categories').insert(row)
      return categoryView(row, await chainInForce(trx, row))
    })
  } catch (err) {
    // Two administrators adding one code at once: the second insert meets the first's row.
    if (isUniqueViolation(err)) throw conflict(msg('error.category.codeTaken', { category: input.code }))
    throw err
  }
}

/** Changes a category, in one transaction; its code and place in the tree stay (cases hang on the code). */
export async function updateCategory(db: Db, definitions: DefinitionStore, by: string, code: string, change: CategoryFields): Promise<CategoryAdminView> {
  return db.transaction(async (trx) => {
    const q = trx('categories').where({ code })
    const row: StoredCategory | undefined = await (isPostgres(trx) ? q.forUpdate() : q).first()
    if (!row) throw notFound(msg('error.category.notFound', { category: code }))
    refuse(await fieldProblems(trx, definitions, change))
    const update: Partial<StoredCategory> = { updated_at: nowIso(), updated_by: by }
    if (change.name !== undefined) update.name = change.name.trim()
    if (change.nameEn !== undefined) update.name_en = change.nameEn.trim()
    if (change.duty !== undefined) update.duty = change.duty
    if (change.defaultLevel !== undefined) update.default_level = change.defaultLevel
    if (change.procedure !== undefined) update.procedure = change.procedure
    if (change.limits) update.limits = JSON.stringify({ ...limitsOf(row), ...change.limits })
    if (change.sort !== undefined) update.sort = change.sort
    if (change.active !== undefined) update.active = change.active
    await trx('categories').where({ code }).update(update)
    const changed = { ...row, ...update }
    return categoryView(changed, await chainInForce(trx, changed))
  })
}
