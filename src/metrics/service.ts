import type { Knex } from 'knex'
import { inSlices, isPostgres, wherePrefix, type Db } from '../lib/db.js'
import { badRequest, forbidden, msg } from '../lib/errors.js'
import type { Actor } from '../org/index.js'
import { DEFAULT_DEFINITIONS, mergeDefinitions, SETTINGS_KEY, type MetricDefinitions } from './definitions.js'
import { CATEGORY_LABELS } from './labels.js'
import { isSystemAdmin } from '../org/policy.js'

export const GROUP_BY = ['month', 'region', 'department', 'category'] as const
export type GroupBy = (typeof GROUP_BY)[number]

export interface RatesQuery {
  from?: string
  to?: string
  region?: string
  department?: string
  category?: string
  groupBy?: GroupBy
  exclusions?: Exclusions
}

/**
 * Whether approved exclusions (剔单, `cases.excluded_at`) apply: `apply` (default) leaves an
 * excluded case in `received` but out of every rate's numerator and denominator; `ignore`
 * counts it like any other case. `excluded` is reported either way.
 */
export const EXCLUSIONS = ['apply', 'ignore'] as const
export type Exclusions = (typeof EXCLUSIONS)[number]

/** Counts and the rates derived from them; a rate is null when its denominator is 0. */
export type RateBlock = {
  received: number
  /** Received cases excluded from assessment (an approved exclusion stands). */
  excluded: number
  /** The cases the rates judge: received less the excluded ones when exclusions apply, else received. */
  assessed: number
  responded: number
  responseRate: number | null
  closed: number
  closureRate: number | null
  evaluated: number
  resolved: number
  resolutionRate: number | null
  satisfied: number
  satisfactionRate: number | null
  onTime: number
  /** Closed cases judged for timeliness: the on-time rate's denominator. */
  onTimeBase: number
  /** Closed cases without a resolution deadline (apart from the on-time rate by default). */
  closedNoDeadline: number
  /** Closed because the citizen did not evaluate within the evaluation period: not in `evaluated`. */
  notEvaluated: number
  onTimeRate: number | null
  atOrBelowTownship: number
  atOrBelowTownshipRate: number | null
}

export type Group = RateBlock & {
  key: string | null
  label: string
  labelEn: string | null
}

export type RegionRef = {
  code: string
  name: string
  path: string
}

export type RatesResult = {
  groupBy: GroupBy | null
  /** The period as UTC instants: `from` inclusive, `to` exclusive (null: open). */
  period: { from: string | null; to: string | null }
  region: RegionRef | null
  department: string | null
  category: string | null
  exclusions: Exclusions
  overall: RateBlock
  groups: Group[]
}

/** An aggregate row: the count columns by name (numbers on SQLite, numeric strings on PostgreSQL). */
type Row = Record<string, unknown>
const COUNT_KEYS = [
  'received',
  'excluded',
  'assessed',
  'responded',
  'closed',
  'evaluated',
  'resolved',
  'satisfied',
  'onTime',
  'onTimeBase',
  'closedNoDeadline',
  'notEvaluated',
  'atOrBelowTownship',
] as const
type Counts = Record<(typeof COUNT_KEYS)[number], number>

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d)

export function rateBlock(c: Counts): RateBlock {
  return {
    received: c.received,
    excluded: c.excluded,
    assessed: c.assessed,
    responded: c.responded,
    responseRate: ratio(c.responded, c.assessed),
    closed: c.closed,
    closureRate: ratio(c.closed, c.assessed),
    evaluated: c.evaluated,
    resolved: c.resolved,
    resolutionRate: ratio(c.resolved, c.evaluated),
    satisfied: c.satisfied,
    satisfactionRate: ratio(c.satisfied, c.evaluated),
    onTime: c.onTime,
    onTimeBase: c.onTimeBase,
    closedNoDeadline: c.closedNoDeadline,
    notEvaluated: c.notEvaluated,
    onTimeRate: ratio(c.onTime, c.onTimeBase),
    atOrBelowTownship: c.atOrBelowTownship,
    atOrBelowTownshipRate: ratio(c.atOrBelowTownship, c.closed),
  }
}

const zeroCounts = (): Counts => ({
  received: 0,
  excluded: 0,
  assessed: 0,
  responded: 0,
  closed: 0,
  evaluated: 0,
  resolved: 0,
  satisfied: 0,
  onTime: 0,
  onTimeBase: 0,
  closedNoDeadline: 0,
  notEvaluated: 0,
  atOrBelowTownship: 0,
})
const countsOf = (row: Row): Counts => {
  const c = zeroCounts()
  for (const k of COUNT_KEYS) c[k] = Number(row[k] ?? 0)
  return c
}
const addCounts = (a: Counts, b: Counts) => {
  for (const k of COUNT_KEYS) a[k] += b[k]
}

/** `x` with LIKE's wildcards escaped (used with `escape '\'`). */

// ── periods ─────────────────────────────────────────────────────────────────────

const PERIOD_RE = /^(\d{4})-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?)?)?$/
export const PERIOD_PATTERN = PERIOD_RE.source

/**
 * A period bound as a UTC instant. `YYYY-MM` and `YYYY-MM-DD` are local (reporting zone)
 * months and days: as `from` they start there, as `to` they include the whole month / day.
 * A date-time without zone is local too; a date-time `to` is inclusive.
 * Returns the ISO instant of `from` (inclusive) or of `to` (exclusive); throws 400 when invalid.
 */
export function parseBound(text: string, which: 'from' | 'to', offsetMinutes: number): string {
  const m = PERIOD_RE.exec(text)
  const bad = () => badRequest(msg('error.metrics.badDate', { which, value: text }))
  if (!m) throw bad()
  const [, ys, mos, ds, hs, mis, ss, mss, zone] = m
  const y = Number(ys)
  const mo = Number(mos)
  const d = ds ? Number(ds) : 1
  const h = hs ? Number(hs) : 0
  const mi = mis ? Number(mis) : 0
  const s = ss ? Number(ss) : 0
  const ms = mss ? Number(mss.padEnd(3, '0')) : 0
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate()
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59) throw bad()
  let offset = offsetMinutes
  if (zone) {
    if (zone === 'Z') offset = 0
    else {
      const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!
      if (Number(z[2]) > 14 || Number(z[3]) > 59) throw bad()
      offset = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3]))
    }
  }
  let local: number
  if (!ds) local = which === 'from' ? Date.UTC(y, mo - 1, 1) : Date.UTC(y, mo, 1)
  else if (!hs) local = Date.UTC(y, mo - 1, d + (which === 'to' ? 1 : 0))
  else local = Date.UTC(y, mo - 1, d, h, mi, s, ms) + (which === 'to' ? 1 : 0)
  const instant = local - offset * 60_000
  if (!Number.isFinite(instant) || instant < Date.UTC(1000, 0, 1) || instant > Date.UTC(9999, 0, 1)) throw bad()
  return new Date(instant).toISOString()
}

/** The `month` column's value (YYYY-MM, China Standard Time) of a UTC instant. */
export function cstMonth(isoOrMs: string | number): string {
  const t = typeof isoOrMs === 'number' ? isoOrMs : Date.parse(isoOrMs)
  return new Date(t + 8 * 3_600_000).toISOString().slice(0, 7)
}

// ── scope ───────────────────────────────────────────────────────────────────────

const BELOW_COUNTY = msg('error.metrics.belowCounty')

/**
 * The region-path prefix an actor's figures are limited to (null: everything). Administrators
 * and city-level staff see everything, county staff their county; anyone below county level
 * (or without a region) is refused.
 */
export function metricsScope(actor: Actor): string | null {
  if (isSystemAdmin(actor)) return null
  const parts = actor.regionPath.split('/').filter(Boolean)
  if (parts.length === 1) return null
  if (parts.length === 2) return `/${parts[0]}/${parts[1]}/`
  throw forbidden(BELOW_COUNTY)
}

// ── the service ─────────────────────────────────────────────────────────────────

export interface Filters {
  fromIso?: string
  toIso?: string
  prefix?: string | null
  department?: string
  category?: string
  month?: string
  monthFrom?: string
  monthTo?: string
  exclusions?: Exclusions
}

export class MetricsService {
  private defs: MetricDefinitions = DEFAULT_DEFINITIONS
  private categoriesTable?: Promise<boolean>
  readonly pg: boolean

  constructor(private readonly db: Db) {
    this.pg = isPostgres(db)
  }

  get definitions(): MetricDefinitions {
    return this.defs
  }

  /** Reads the stored overrides (`settings['metrics.definitions']`); called at start-up. */
  async loadDefinitions(): Promise<MetricDefinitions> {
    const row = await this.db('settings').where({ key: SETTINGS_KEY }).first('value')
    let stored: unknown
    try {
      stored = row ? JSON.parse(row.value) : null
    } catch {
      stored = null
    }
    this.defs = mergeDefinitions(stored)
    return this.defs
  }

  /** Stores overrides (merged over the defaults) and uses them from now on. */
  async saveDefinitions(overrides: unknown): Promise<MetricDefinitions> {
    const defs = mergeDefinitions(overrides)
    const value = JSON.stringify(defs)
    await this.db('settings').insert({ key: SETTINGS_KEY, value }).onConflict('key').merge()
    this.defs = defs
    return defs
  }

  // SQL building blocks ──────────────────────────────────────────────────────────

  /**
   * SUM(CASE …) columns for every count, with their bindings. `perRow`: the same conditions as
   * one case's own 0/1 columns (CASE … without SUM, 1 for COUNT(*)), to be read beside that
   * case's other columns without a GROUP BY (`perCase`).
   */
  aggregateSql(exclusions: Exclusions = 'apply', perRow = false): { sql: string; bindings: string[] } {
    const d = this.defs
    const bindings: string[] = []
    const inList = (values: string[]) => {
      if (values.length === 0) return null
      bindings.push(...values)
      return `(${values.map(() => '?').join(', ')})`
    }
    // An excluded case stays in `received` and leaves every other count (the rates' numerators
    // and denominators) when exclusions apply.
    const kept = exclusions === 'apply' ? 'excluded_at IS NULL AND ' : ''
    const total = (oneOrZero: string) => (perRow ? oneOrZero : `SUM(${oneOrZero})`)
    const sum = (cond: string) => total(`CASE WHEN ${kept}${cond} THEN 1 ELSE 0 END`)
    const count = perRow ? '1' : 'COUNT(*)'
    const closedList = inList(d.closedStatuses)
    const closed = closedList ? `status IN ${closedList}` : '1 = 0'
    const evaluated = '(evaluated_at IS NOT NULL OR eval_resolved IS NOT NULL OR eval_satisfaction IS NOT NULL)'
    const responded = d.noDeadlineIsOnTime
      ? 'responded_at IS NOT NULL AND (response_due_at IS NULL OR responded_at <= response_due_at)'
      : 'responded_at IS NOT NULL AND response_due_at IS NOT NULL AND responded_at <= response_due_at'
    const cols: string[] = [
      `${count} AS received`,
      `${total('CASE WHEN excluded_at IS NOT NULL THEN 1 ELSE 0 END')} AS excluded`,
      `${kept ? sum('1 = 1') : count} AS assessed`,
      `${sum(responded)} AS responded`,
      `${sum(closed)} AS closed`,
      `${sum(evaluated)} AS evaluated`,
      `${sum(`${evaluated} AND eval_resolved`)} AS resolved`,
    ]
    // The second IN list needs its bindings after the ones above: build in order.
    const satList = inList(d.satisfiedValues)
    cols.push(`${sum(satList ? `${evaluated} AND eval_satisfaction IN ${satList}` : '1 = 0')} AS satisfied`)
    const q = (name: string) => (this.pg ? `"${name}"` : name)
    // The unit is judged by when it reported its result, not by when the citizen got round to
    // evaluating (closed_at); a case closed without a result (a duplicate) finished at closure.
    const finished = d.onTimeBy === 'finished' ? 'COALESCE(resolved_at, closed_at)' : 'closed_at'
    const apart = d.closedWithoutDeadline === 'apart'
    const closed2 = inList(d.closedStatuses)!
    cols.push(
      `${sum(`status IN ${closed2} AND ${finished} IS NOT NULL AND ${apart ? 'resolve_due_at IS NOT NULL AND ' : '(resolve_due_at IS NULL OR '}${finished} <= resolve_due_at${apart ? '' : ')'}`)} AS ${q('onTime')}`,
    )
    const closed3 = inList(d.closedStatuses)!
    cols.push(`${sum(`status IN ${closed3}${apart ? ' AND resolve_due_at IS NOT NULL' : ''}`)} AS ${q('onTimeBase')}`)
    const closed4 = inList(d.closedStatuses)!
    cols.push(`${sum(`status IN ${closed4} AND resolve_due_at IS NULL`)} AS ${q('closedNoDeadline')}`)
    cols.push(`${sum('evaluation_expired_at IS NOT NULL')} AS ${q('notEvaluated')}`)
    // Resolved there: a closure the citizen said did not resolve the matter is not counted.
    // Both lists or neither: binding the statuses for a condition left out ('1 = 0', no
    // levels) shifted every binding after them, and the query failed (500).
    const atOrBelow = d.townshipOrBelowLevels.length
      ? `status IN ${inList(d.closedStatuses)} AND resolved_level IN ${inList(d.townshipOrBelowLevels)} AND (eval_resolved IS NULL OR eval_resolved ${this.pg ? '= true' : '<> 0'})`
      : '1 = 0'
    cols.push(`${sum(atOrBelow)} AS ${q('atOrBelowTownship')}`)
    return { sql: cols.join(',\n  '), bindings }
  }

  /** The first path segment after the first `prefixLength` characters of region_path. */
  segmentAfter(prefixLength: number): string {
    const n = Math.trunc(prefixLength) + 1
    if (this.pg) return `split_part(substr(region_path, ${n}), '/', 1)`
    const rest = `substr(region_path, ${n})`
    return `substr(${rest}, 1, instr(${rest}, '/') - 1)`
  }

  /** The n-th segment (1 = city, 2 = county, 3 = township) of region_path; '' when absent. */
  nthSegment(n: number): string {
    if (this.pg) return `split_part(region_path, '/', ${Math.trunc(n) + 1})`
    let rest = `substr(region_path, 2)`
    for (let i = 1; i < n; i++) rest = `substr(${rest}, instr(${rest}, '/') + 1)`
    return `CASE WHEN instr(${rest}, '/') > 0 THEN substr(${rest}, 1, instr(${rest}, '/') - 1) ELSE '' END`
  }

  topCategory(): string {
    if (this.pg) return `split_part(category, '.', 1)`
    return `CASE WHEN instr(category, '.') > 0 THEN substr(category, 1, instr(category, '.') - 1) ELSE category END`
  }

  applyFilters(q: Knex.QueryBuilder, f: Filters): Knex.QueryBuilder {
    // A case linked as a duplicate (重复件) is the same matter as its main case: counted once,
    // as the main case, in received and in every figure.
    q.whereNull('duplicate_of')
    if (f.fromIso) q.where('created_at', '>=', f.fromIso)
    if (f.toIso) q.where('created_at', '<', f.toIso)
    // Implied by the created_at bounds (month is created_at's CST month): lets the
    // (department|category, month) indexes narrow the scan.
    if (f.month) q.where('month', f.month)
    if (f.monthFrom && f.monthFrom === f.monthTo) q.where('month', f.monthFrom)
    else {
      if (f.monthFrom) q.where('month', '>=', f.monthFrom)
      if (f.monthTo) q.where('month', '<=', f.monthTo)
    }
    if (f.prefix) {
      // A subtree, in the form each database answers from an index.
      wherePrefix(this.db, q, 'region_path', f.prefix)
    }
    if (f.department) q.where('department', f.department)
    if (f.category) {
      const c = f.category
      q.where((w) => w.where('category', c).orWhere((x) => wherePrefix(this.db, x, 'category', `${c}.`)))
    }
    return q
  }

  /** One aggregate query: counts per value of `keyExpr` (or one row when null). */
  async aggregate(f: Filters, keyExpr: string | null): Promise<{ key: string | null; counts: Counts }[]> {
    const agg = this.aggregateSql(f.exclusions)
    const q = this.db('cases')
    if (keyExpr) q.select(this.db.raw(`${keyExpr} AS k,\n  ${agg.sql}`, agg.bindings)).groupByRaw('1')
    else q.select(this.db.raw(agg.sql, agg.bindings))
    this.applyFilters(q, f)
    const rows: (Row & { k?: string | null })[] = await q
    return rows.map((r) => ({ key: keyExpr ? (r.k ?? null) : null, counts: countsOf(r) }))
  }

  /**
   * Every case of `f` with `columns` of its row and its own counts (each 0 or 1), in one read:
   * what `aggregate(f, 'id')` counts per case, without the GROUP BY and without reading the
   * cases a second time for their columns (the bulletin at 1M cases read the month's 42k rows
   * twice; bench/bigdata.ts).
   */
  async perCase<T extends Row>(f: Filters, columns: string[]): Promise<{ row: T; counts: Counts }[]> {
    const agg = this.aggregateSql(f.exclusions, true)
    const q = this.db('cases').select(...columns, this.db.raw(agg.sql, agg.bindings))
    this.applyFilters(q, f)
    const rows: T[] = await q
    return rows.map((row) => ({ row, counts: countsOf(row) }))
  }

  /** Resolves `region` against the actor's scope: 400 unknown, 403 outside the scope. */
  async resolveRegion(actor: Actor, code: string | undefined): Promise<{ scope: string | null; region: RegionRef | null; prefix: string | null }> {
    const scope = metricsScope(actor)
    if (!code) return { scope, region: null, prefix: scope }
    const row = await this.db('regions').where({ code }).first('code', 'name', 'path')
    if (!row) throw badRequest(msg('error.org.unknownRegion', { region: code }))
    if (scope !== null && !row.path.startsWith(scope)) throw forbidden(msg('error.metrics.outsideScope'))
    return { scope, region: { code: row.code, name: row.name, path: row.path }, prefix: row.path }
  }

  periodFilters(from?: string, to?: string): Filters {
    const off = this.defs.utcOffsetMinutes
    const f: Filters = {}
    if (from) {
      f.fromIso = parseBound(from, 'from', off)
      f.monthFrom = cstMonth(f.fromIso)
    }
    if (to) {
      f.toIso = parseBound(to, 'to', off)
      f.monthTo = cstMonth(Date.parse(f.toIso) - 1)
    }
    if (f.fromIso && f.toIso && f.fromIso >= f.toIso) throw badRequest(msg('error.metrics.fromAfterTo'))
    return f
  }

  // ── GET /api/metrics/ageing ─────────────────────────────────────────────────────

  /**
   * Open cases by how long past their handling deadline (resolve_due_at) they are now: the
   * leader's "who is stuck" chart. One aggregate over the open cases of the scope (duplicates
   * count once, as everywhere); `notDue` are open and still within their deadline.
   */
  async ageing(actor: Actor, query: { region?: string; now?: Date }) {
    const { region, prefix } = await this.resolveRegion(actor, query.region)
    const now = query.now ?? new Date()
    const ago = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString()
    const edges = [now.toISOString(), ago(1), ago(3), ago(7), ago(30)]
    const q = this.db('cases').whereNot('status', 'closed')
    this.applyFilters(q, { prefix })
    const row: Record<string, unknown> = await q
      .select(
        this.db.raw(
          `COUNT(*) AS n,
  SUM(CASE WHEN resolve_due_at IS NULL OR resolve_due_at >= ? THEN 1 ELSE 0 END) AS b_notdue,
  SUM(CASE WHEN resolve_due_at < ? AND resolve_due_at >= ? THEN 1 ELSE 0 END) AS b0,
  SUM(CASE WHEN resolve_due_at < ? AND resolve_due_at >= ? THEN 1 ELSE 0 END) AS b1,
  SUM(CASE WHEN resolve_due_at < ? AND resolve_due_at >= ? THEN 1 ELSE 0 END) AS b3,
  SUM(CASE WHEN resolve_due_at < ? AND resolve_due_at >= ? THEN 1 ELSE 0 END) AS b7,
  SUM(CASE WHEN resolve_due_at < ? THEN 1 ELSE 0 END) AS b30`,
          [edges[0], edges[0], edges[1], edges[1], edges[2], edges[2], edges[3], edges[3], edges[4], edges[4]],
        ),
      )
      .first()
    const n = (k: string) => Number(row?.[k] ?? 0)
    return {
      asOf: now.toISOString(),
      region,
      open: n('n'),
      buckets: [
        { key: 'notDue', count: n('b_notdue') },
        { key: '0-1d', count: n('b0') },
        { key: '1-3d', count: n('b1') },
        { key: '3-7d', count: n('b3') },
        { key: '7-30d', count: n('b7') },
        { key: '30d+', count: n('b30') },
      ],
    }
  }

  // ── GET /api/metrics/rates ──────────────────────────────────────────────────────

  async rates(actor: Actor, query: RatesQuery): Promise<RatesResult> {
    const { region, prefix } = await this.resolveRegion(actor, query.region)
    const exclusions = query.exclusions ?? 'apply'
    const f: Filters = { ...this.periodFilters(query.from, query.to), prefix, department: query.department, category: query.category, exclusions }
    const groupBy = query.groupBy ?? null
    let keyExpr: string | null = null
    const base = prefix ?? '/'
    if (groupBy === 'month') keyExpr = 'month'
    else if (groupBy === 'department') keyExpr = 'department'
    else if (groupBy === 'category') keyExpr = this.topCategory()
    else if (groupBy === 'region') keyExpr = this.segmentAfter(base.length)
    const rows = await this.aggregate(f, keyExpr)

    const overall = zeroCounts()
    for (const r of rows) addCounts(overall, r.counts)
    let groups: Group[] = []
    if (groupBy) {
      const labels = await this.labels(
        groupBy,
        rows.map((r) => r.key),
        base,
      )
      groups = rows.map((r) => {
        const l = labels(r.key)
        return { key: l.key, label: l.label, labelEn: l.labelEn, ...rateBlock(r.counts) }
      })
      if (groupBy === 'month') groups.sort((a, b) => String(a.key).localeCompare(String(b.key)))
      else groups.sort((a, b) => b.received - a.received || String(a.key ?? '').localeCompare(String(b.key ?? '')))
    }
    return {
      groupBy,
      period: { from: f.fromIso ?? null, to: f.toIso ?? null },
      region,
      department: query.department ?? null,
      category: query.category ?? null,
      exclusions,
      overall: rateBlock(overall),
      groups,
    }
  }

  /** Display labels of group keys (regions, departments, categories). */
  async labels(
    groupBy: GroupBy,
    keys: (string | null)[],
    base = '/',
  ): Promise<(key: string | null) => { key: string | null; label: string; labelEn: string | null }> {
    const present = keys.filter((k): k is string => typeof k === 'string' && k !== '')
    const names = new Map<string, { name: string; nameEn: string | null }>()
    const load = async (table: string, codes: string[]) => {
      const rows = await inSlices(codes, (slice) =>
        this.db(table).whereIn('code', slice).select<{ code: string; name: string; name_en: string | null }[]>('code', 'name', 'name_en'),
      )
      for (const r of rows) names.set(r.code, { name: r.name, nameEn: r.name_en ?? null })
    }
    if (groupBy === 'region') {
      const self = base === '/' ? null : base.split('/').filter(Boolean).pop()!
      await load('regions', self ? [...present, self] : present)
      return (key) => {
        if (!key) {
          const n = self ? names.get(self) : undefined
          return { key: self, label: `${n?.name ?? self ?? ''}（本级）`, labelEn: n?.nameEn ? `${n.nameEn} (this level)` : '(this level)' }
        }
        const n = names.get(key)
        return { key, label: n?.name ?? key, labelEn: n?.nameEn ?? null }
      }
    }
    if (groupBy === 'department') {
      await load('org_units', present)
      return (key) => {
        if (!key) return { key: null, label: '未指定部门', labelEn: 'no department' }
        const n = names.get(key)
        return { key, label: n?.name ?? key, labelEn: n?.nameEn ?? null }
      }
    }
    if (groupBy === 'category') {
      const fromTable = await this.categoryNames(present)
      return (key) => {
        const k = key ?? ''
        const t = fromTable.get(k)
        const b = CATEGORY_LABELS[k]
        return { key, label: t?.name ?? b?.zh ?? k, labelEn: t?.nameEn ?? b?.en ?? null }
      }
    }
    return (key) => ({ key, label: key ?? '', labelEn: null })
  }

  /** Names from the `categories` table when the cases capability has created one. */
  private async categoryNames(codes: string[]): Promise<Map<string, { name: string; nameEn: string | null }>> {
    const out = new Map<string, { name: string; nameEn: string | null }>()
    this.categoriesTable ??= this.db.schema.hasTable('categories').catch(() => false)
    if (!codes.length || !(await this.categoriesTable)) return out
    try {
      const rows = await this.db('categories').whereIn('code', codes)
      for (const r of rows) if (r.name) out.set(r.code, { name: r.name, nameEn: r.name_en ?? null })
    } catch {
      // a table of another shape: fall back to the built-in labels
    }
    return out
  }

  // ── GET /api/metrics/overview ─────────────────────────────────────────────────

  async overview(actor: Actor, query: { month?: string; region?: string; exclusions?: Exclusions }) {
    const exclusions = query.exclusions ?? 'apply'
    const { region, prefix } = await this.resolveRegion(actor, query.region)
    const month = query.month ?? cstMonth(Date.now())
    const [y, m] = month.split('-').map(Number)
    if (!/^\d{4}-\d{2}$/.test(month) || m < 1 || m > 12) throw badRequest(msg('error.metrics.badMonth', { month }))
    const months: string[] = []
    for (let i = 11; i >= 0; i--) months.push(new Date(Date.UTC(y, m - 1 - i, 1)).toISOString().slice(0, 7))

    // status × channel counts of the month
    const sc = this.applyFilters(this.db('cases').select('status', 'channel').count({ n: '*' }).groupBy('status', 'channel'), { month, prefix })
    const scRows: { status: string; channel: string; n: number | string }[] = await sc
    const byStatus = new Map<string, number>()
    const byChannel = new Map<string, number>()
    for (const r of scRows) {
      byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + Number(r.n))
      byChannel.set(r.channel, (byChannel.get(r.channel) ?? 0) + Number(r.n))
    }
    const sorted = (mp: Map<string, number>) => [...mp].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))

    // top categories of the month (top-level)
    const catRows: { k: string | null; n: number | string }[] = await this.applyFilters(
      this.db('cases')
        .select(this.db.raw(`${this.topCategory()} AS k`))
        .count({ n: '*' })
        .groupByRaw('1'),
      { month, prefix },
    )
    const catLabels = await this.labels(
      'category',
      catRows.map((r) => r.k),
    )
    const topCategories = catRows
      .map((r) => ({ ...catLabels(r.k), count: Number(r.n) }))
      .sort((a, b) => b.count - a.count || String(a.key).localeCompare(String(b.key)))
      .slice(0, 10)

    // 12-month trend
    const trendRows = await this.aggregate({ monthFrom: months[0], monthTo: month, prefix, exclusions }, 'month')
    const byMonth = new Map(trendRows.map((r) => [r.key, r.counts]))
    const trend = months.map((mo) => ({ month: mo, ...rateBlock(byMonth.get(mo) ?? zeroCounts()) }))

    // rankings of the month
    const score = (b: RateBlock): number | null => {
      const w = this.defs.scoreWeights
      let total = 0
      let weight = 0
      for (const k of Object.keys(w) as (keyof typeof w)[]) {
        const v = b[k]
        if (v !== null && w[k] > 0) {
          total += v * w[k]
          weight += w[k]
        }
      }
      return weight === 0 ? null : total / weight
    }
    const rank = <T extends { score: number | null; received: number; key: string | null }>(list: T[]) =>
      list
        .sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || b.received - a.received || String(a.key).localeCompare(String(b.key)))
        .map((x, i) => ({ rank: i + 1, ...x }))

    const townRows = (await this.aggregate({ month, prefix, exclusions }, this.nthSegment(3))).filter((r) => r.key)
    const townLabels = await this.labels(
      'region',
      townRows.map((r) => r.key),
      '/',
    )
    const townships = rank(
      townRows.map((r) => {
        const b = rateBlock(r.counts)
        return { ...townLabels(r.key), ...b, score: score(b) }
      }),
    )
    const deptRows = (await this.aggregate({ month, prefix, exclusions }, 'department')).filter((r) => r.key)
    const deptLabels = await this.labels(
      'department',
      deptRows.map((r) => r.key),
    )
    const departments = rank(
      deptRows.map((r) => {
        const b = rateBlock(r.counts)
        return { ...deptLabels(r.key), ...b, score: score(b) }
      }),
    )

    return {
      month,
      region,
      exclusions,
      totals: { ...trend[trend.length - 1], byStatus: sorted(byStatus), byChannel: sorted(byChannel) },
      topCategories,
      trend,
      townships,
      departments,
      scoreWeights: this.defs.scoreWeights,
    }
  }
}
