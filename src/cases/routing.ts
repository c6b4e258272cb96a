import { randomUUID } from 'node:crypto'
import type { Db, Trx } from '../lib/db.js'
import { msg, unprocessable, type Msg } from '../lib/errors.js'
import { LIMITS } from '../engine/validate-limits.js'
import { parseStoredJson } from '../lib/stored-json.js'
import type { DecisionService } from '../decisions/service.js'
import type { RegionRow, UnitRow } from '../org/rows.js'
import { routingHit, type RoutingHit } from './routing-decision.js'

/**
 * Routing: which unit owns a case, at which level, by which procedure and with which
 * deadlines — read from the deployed `routing` decision (routing-decision.ts) and `categories`
 * (data administrators edit). `pickRule` is the rule choice the decision tables replaced, kept
 * as the reference the conversion of `routing_rules` rows is tested against.
 * A case no rule covers (or whose rule names a unit the region lacks) goes to the
 * dispatcher of the centre where it arose.
 */

export const LEVELS = ['grid', 'village', 'township', 'county', 'city'] as const
export type Level = (typeof LEVELS)[number]
export const PROCEDURES = ['ordinary', 'joint', 'escalation', 'one_case_one_plan'] as const

// The organisation's rows, owned by src/org; re-exported for the modules that route with them.
export type { RegionRow, UnitRow } from '../org/rows.js'

export interface CategoryRow {
  code: string
  parent_code: string | null
  name: string
  name_en: string | null
  duty: string | null
  default_level: string | null
  procedure: string
  limits: string
  sort: number
  active: boolean | number
}
export interface RuleRow {
  id: string
  tenant: string
  category: string | null
  region: string | null
  owner: string
  level: string | null
  procedure: string | null
  response_limit: string | null
  resolve_limit: string | null
  sort: number
  updated_at: string
  updated_by: string | null
}

/** A routing rule as administrators write it (PUT /api/routing-rules, the seed). */
export interface RuleInput {
  id?: string
  category?: string | null
  region?: string | null
  owner: string
  level?: string | null
  procedure?: string | null
  responseLimit?: string | null
  resolveLimit?: string | null
}

/** The row a rule is stored as; `sort` keeps the order rules are tried in. */
export function ruleRow(r: RuleInput, tenant: string, sort: number, by: string, now: string) {
  return {
    id: r.id && /^[0-9a-f-]{36}$/.test(r.id) ? r.id : randomUUID(),
    tenant,
    category: r.category ?? null,
    region: r.region ?? null,
    owner: r.owner,
    level: r.level ?? null,
    procedure: r.procedure ?? null,
    response_limit: r.responseLimit ?? null,
    resolve_limit: r.resolveLimit ?? null,
    sort,
    updated_at: now,
    updated_by: by,
  }
}

/** The regions from the city down to `path`'s last code, keyed by level. */
export async function ancestry(db: Db | Trx, path: string): Promise<Map<string, RegionRow>> {
  const codes = path.split('/').filter(Boolean)
  return byLevel(await db('regions').whereIn('code', codes))
}

/** Region rows keyed by level. */
export function byLevel(rows: RegionRow[]): Map<string, RegionRow> {
  const byLevel = new Map<string, RegionRow>()
  for (const r of rows) byLevel.set(r.level, r)
  return byLevel
}

/** The candidate-group token of the people who work a unit's cases. */
export function unitGroup(unit: Pick<UnitRow, 'code' | 'kind'>): string {
  return unit.kind === 'centre' ? `dispatcher@${unit.code}` : `unit:${unit.code}`
}

export interface Centres {
  /** Centre units by level (township, county, city). */
  byLevel: Map<string, UnitRow>
  /** The nearest centre above (or at) the case's region: where a case without a rule goes. */
  nearest: UnitRow
}

/** `read`: the centre units of the region codes (intake's are cached: config-reads.ts). */
export async function centresFor(
  db: Db | Trx,
  regions: Map<string, RegionRow>,
  read: (codes: string[]) => Promise<UnitRow[]> = (codes) => db('org_units').whereIn('region_code', codes).where({ kind: 'centre' }),
): Promise<Centres> {
  const codes = [...regions.values()].map((r) => r.code)
  const units = await read(codes)
  const byLevel = new Map<string, UnitRow>()
  for (const u of units) {
    const region = [...regions.values()].find((r) => r.code === u.region_code)
    if (region) byLevel.set(region.level, u)
  }
  const nearest = byLevel.get('township') ?? byLevel.get('county') ?? byLevel.get('city')
  if (!nearest) throw unprocessable(msg('error.case.noCentre'))
  return { byLevel, nearest }
}

/** Resolves a rule's owner token (`@grid`, `@county:land`, a unit code …) for a region. */
export async function resolveOwner(db: Db | Trx, owner: string, regions: Map<string, RegionRow>): Promise<UnitRow | null> {
  if (!owner.startsWith('@')) return (await db('org_units').where({ code: owner }).first()) ?? null
  const [what, duty] = owner.slice(1).split(':')
  if (what === 'grid' || what === 'village') {
    const region = regions.get(what)
    return region ? ((await db('org_units').where({ code: region.code }).first()) ?? null) : null
  }
  if (what === 'centre') {
    const region = regions.get('township') ?? regions.get('county') ?? regions.get('city')
    return region ? ((await db('org_units').where({ region_code: region.code, kind: 'centre' }).first()) ?? null) : null
  }
  if (what === 'township' || what === 'county' || what === 'city') {
    const region = regions.get(what)
    if (!region || !duty) return null
    return (await db('org_units').where({ region_code: region.code, duty }).whereNot({ kind: 'centre' }).orderBy('sort').first()) ?? null
  }
  return null
}

const categoryMatches = (rule: string | null, code: string) => rule == null || rule === code || code.startsWith(rule + '.')

/** The rule that applies: county overrides first, then the most specific category, then region. */
export function pickRule(rules: RuleRow[], category: string, path: string, tenant: string): RuleRow | null {
  let best: RuleRow | null = null
  let bestScore = -1
  for (const r of rules) {
    if (r.tenant !== '' && r.tenant !== tenant) continue
    if (!categoryMatches(r.category, category)) continue
    if (r.region && !path.includes(`/${r.region}/`)) continue
    const regionDepth = r.region ? path.slice(0, path.indexOf(`/${r.region}/`)).split('/').length : 0
    const score = (r.tenant !== '' ? 1_000_000 : 0) + (r.category ? r.category.split('.').length : 0) * 1000 + regionDepth * 10 - Math.min(r.sort, 9) / 10
    if (score > bestScore) {
      best = r
      bestScore = score
    }
  }
  return best
}

export interface Route {
  owner: UnitRow | null
  level: string
  procedure: string
  responseLimit: string
  resolveLimit: string
  /** The decision rule that matched (routing-decision.ts), or null when none did. */
  rule: RoutingHit | null
}

/** The platform's limits where a category's row gives none it can use for an urgency. */
export const DEFAULT_LIMITS = Object.freeze({ response: 'PT24H', resolve: 'P7D' })

type LimitPair = { response: string; resolve: string }
const isPair = (v: unknown): v is LimitPair =>
  !!v && typeof v === 'object' && typeof (v as LimitPair).response === 'string' && typeof (v as LimitPair).resolve === 'string'

/** A category's limits for an urgency (else its `normal` ones, else DEFAULT_LIMITS); unreadable text gives the defaults, not a 500. */
export function limitsFor(category: Pick<CategoryRow, 'limits'>, urgency: string): LimitPair {
  const stored = parseStoredJson(category.limits)
  const limits = (stored && typeof stored === 'object' ? stored : {}) as Record<string, unknown>
  const own = Object.hasOwn(limits, urgency) ? limits[urgency] : undefined
  return isPair(own) ? own : isPair(limits.normal) ? limits.normal : DEFAULT_LIMITS
}

/**
 * Routes a case by the `routing` decision (county's version, then the city's); what the rule
 * leaves empty comes from the category (its level, procedure and limits per urgency).
 */
export async function route(
  db: Db | Trx,
  input: {
    category: CategoryRow
    path: string
    tenant: string
    urgency: string
    regions: Map<string, RegionRow>
    decisions: DecisionService
    /** Told of a routing version skipped because it no longer passes today's checks. */
    unusable?: (versionId: string, err: Error) => void
  },
  /** How the rule's owner token is resolved (intake's are cached: config-reads.ts). */
  owner: (token: string, regions: Map<string, RegionRow>) => Promise<UnitRow | null> = (token, regions) => resolveOwner(db, token, regions),
): Promise<Route> {
  const rule = await routingHit(
    db,
    input.decisions,
    { category: input.category.code, path: input.path, tenant: input.tenant, urgency: input.urgency },
    input.unusable,
  )
  const unit = rule ? await owner(rule.owner, input.regions) : null
  return routeWith(rule, unit, input.category, input.urgency)
}

const usable = (limit: string | null | undefined) => (limit && isDuration(limit) ? limit : null)

/** The route given the rule that applies and its resolved owner (for callers that cache both). */
export function routeWith(rule: RoutingHit | null, owner: UnitRow | null, category: CategoryRow, urgency: string): Route {
  const limits = limitsFor(category, urgency)
  return {
    owner,
    level: rule?.level ?? (owner?.level as string | undefined) ?? category.default_level ?? 'township',
    procedure: rule?.procedure ?? category.procedure ?? 'ordinary',
    // A limit intake cannot use (a computed output, a version stored before today's check)
    // falls back to the category's: a citizen's petition is not refused for an administrator's table.
    responseLimit: usable(rule?.responseLimit) ?? limits.response,
    resolveLimit: usable(rule?.resolveLimit) ?? limits.resolve,
    rule,
  }
}

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/

/** `from + duration` (ISO-8601 durations: P7D, PT2H, P1DT12H), or null when it is not one. */
function shift(from: Date, duration: string): Date | null {
  const m = DURATION.exec(duration)
  if (!m || duration === 'P' || duration.endsWith('T')) return null
  const d = new Date(from.getTime())
  if (m[1]) d.setUTCFullYear(d.getUTCFullYear() + Number(m[1]))
  if (m[2]) d.setUTCMonth(d.getUTCMonth() + Number(m[2]))
  const ms = (Number(m[3] ?? 0) * 7 + Number(m[4] ?? 0)) * 86400e3 + Number(m[5] ?? 0) * 3600e3 + Number(m[6] ?? 0) * 60e3 + Number(m[7] ?? 0) * 1e3
  return new Date(d.getTime() + ms)
}

/**
 * `from + duration` as an ISO string. Every deadline a case stores comes from here, so here it
 * is kept within the years timers accept (LIMITS.dateMin/dateMax): a six-digit year sorts
 * before today as text (PostgreSQL called such a case overdue), the deadline timer armed from
 * it refused every later step of the case, and an invalid date threw a bare RangeError.
 */
export function addDuration(from: Date, duration: string): string {
  const d = shift(from, duration)
  if (!d) throw unprocessable(msg('error.case.badDuration', { value: duration }))
  const t = d.getTime()
  if (!(t >= LIMITS.dateMin && t < LIMITS.dateMax)) throw unprocessable(msg('error.case.deadlineOutOfRange', { value: duration }))
  return d.toISOString()
}

/**
 * Why `s` cannot be a deadline's limit (a rule's, a setting's), or null: an ISO-8601 duration no
 * longer than a diagram's timer may be (LIMITS.durationMaxMs, `deploy.limit.durationLong`).
 */
export function durationProblem(s: string): Msg | null {
  const ms = durationLengthMs(s)
  if (ms === null) return msg('error.case.badDuration', { value: s })
  if (!(ms <= LIMITS.durationMaxMs)) return msg('error.case.durationLong', { value: s })
  return null
}

/** How long a duration is, in ms counted from 1970 (months and years as the calendar has them then), or null. */
export function durationLengthMs(s: string): number | null {
  return shift(new Date(0), s)?.getTime() ?? null
}

export function isDuration(s: string): boolean {
  return durationProblem(s) === null
}
