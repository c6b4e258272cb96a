import { randomUUID } from 'node:crypto'
import { inSlices, nowIso, wherePrefix, type Db } from '../lib/db.js'
import { badRequest, conflict, forbidden, msg, notFound } from '../lib/errors.js'
import type { Actor } from '../org/index.js'
import { cstMonth, parseBound, rateBlock, type MetricsService, type RateBlock } from '../metrics/index.js'
import { emptyFacts, type Facts } from './facts.js'
import { countOf, mergeLayers, validateLayer, type ItemInput, type ScoringItem } from './items.js'
import { canAdministerAnyTenant, isSystemAdmin } from '../org/policy.js'
import type { CaseRow } from '../cases/service.js'

export type UnitKind = 'township' | 'department'

export type ItemScore = {
  code: string
  count: number
  points: number
}

export type UnitRow = {
  rank: number
  kind: UnitKind
  key: string
  label: string
  labelEn: string | null
  points: number
  /** Cases of the month counted for the unit (excluded ones included) and those excluded. */
  received: number
  excluded: number
  items: ItemScore[]
  /** The metrics rate block of the unit's cases of the month, excluded cases left out. */
  rates: RateBlock
}

export type Bulletin = {
  month: string
  region: { code: string; name: string; nameEn: string | null; path: string } | null
  /** Whose scoring items apply: a county code, or null for the city's own list. */
  county: string | null
  /** When the figures were worked out: overdue open work is judged at this time. */
  asOf: string
  items: ScoringItem[]
  overall: { received: number; excluded: number; rates: RateBlock }
  townships: UnitRow[]
  departments: UnitRow[]
}

export type CaseLine = {
  caseId: string
  caseNo: string
  title: string | null
  category: string
  status: string
  regionCode: string
  department: string | null
  count: number
  points: number
}

type Counts = Parameters<typeof rateBlock>[0]
/** Adds one case's counts (every key the metrics module reports) into a unit's. */
const add = (a: Counts, b: Counts) => {
  for (const k of Object.keys(b) as (keyof Counts)[]) a[k] = (a[k] ?? 0) + b[k]
}

interface CaseInfo {
  id: string
  caseNo: string
  title: string | null
  category: string
  status: string
  regionCode: string
  regionPath: string
  department: string | null
  excluded: boolean
}

/** The case columns every read of the bulletin selects (caseCols): what CaseInfo is made of. */
type CaseCols = Pick<CaseRow, 'id' | 'case_no' | 'title' | 'category' | 'status' | 'region_code' | 'region_path' | 'department' | 'excluded_at'>
/** The month's cases as the bulletin reads them: CaseCols and the columns the facts come from. */
type MonthCase = CaseCols &
  Pick<
    CaseRow,
    | 'channel'
    | 'urgency'
    | 'procedure'
    | 'level'
    | 'resolved_level'
    | 'duplicate_of'
    | 'response_due_at'
    | 'responded_at'
    | 'resolve_due_at'
    | 'resolved_at'
    | 'closed_at'
    | 'eval_satisfaction'
    | 'eval_resolved'
  >

/** One unit's cases with their facts there (a case counts for its township and its department). */
interface UnitWork {
  kind: UnitKind
  key: string
  /** `shared`: the facts object is the case's own, shared by its township and department rows (copied before a record is counted on one). */
  cases: Map<string, { info: CaseInfo; facts: Facts; home: boolean; shared?: boolean; metric?: Counts }>
}

/** The n-th segment (1 = city, 2 = county, 3 = township) of a region path; null when absent. */
const segment = (path: string, n: number): string | null => path.split('/').filter(Boolean)[n - 1] ?? null

const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/
const DEPARTMENT_KINDS = new Set(['department', 'section', 'station'])

/**
 * The monthly bulletin (一月一通报): per township and per department, every scoring item's
 * count and points, the metrics rate block, the cases behind each item, the xlsx export and
 * the published snapshots. Reads the cases table through MetricsService (the rate formulas
 * are its own) plus the assessment records of migration 013.
 */
export class BulletinService {
  constructor(
    private readonly db: Db,
    private readonly metrics: MetricsService,
  ) {}

  // ── scoring items ─────────────────────────────────────────────────────────────

  private async layer(tenant: string): Promise<ItemInput[]> {
    const rows = await this.db('scoring_items')
      .where({ tenant })
      .orderBy([{ column: 'position' }, { column: 'code' }])
    return rows.map((r) => ({
      code: r.code,
      name: r.name ?? null,
      nameEn: r.name_en ?? null,
      appliesTo: r.applies_to ?? null,
      points: r.points == null ? null : Number(r.points),
      count: r.count ?? null,
      enabled: r.enabled == null ? null : Boolean(r.enabled),
    }))
  }

  /** The items in force for a county ('' or null: the city's list). */
  async items(county: string | null): Promise<ScoringItem[]> {
    const city = await this.layer('')
    return mergeLayers(city, county ? await this.layer(county) : [])
  }

  async itemLayers(county: string | null) {
    const city = await this.layer('')
    const overrides = county ? await this.layer(county) : []
    return { county, items: mergeLayers(city, overrides), city, overrides }
  }

  /** The county a caller may edit: admin any (or the city with none), county_admin only its own. */
  async editableCounty(actor: Actor, county: string | undefined): Promise<string | null> {
    const admin = isSystemAdmin(actor)
    if (!canAdministerAnyTenant(actor)) throw forbidden(msg('error.bulletin.editAdminOnly'))
    if (!admin) {
      if (!actor.tenant) throw forbidden(msg('error.bulletin.noCounty'))
      if (county && county !== actor.tenant) throw forbidden(msg('error.bulletin.countyOnly'))
      return actor.tenant
    }
    return county ? this.county(county) : null
  }

  /** A county code, checked (400 when it is not a county). */
  async county(code: string): Promise<string> {
    const r = await this.db('regions').where({ code }).first('level')
    if (!r || r.level !== 'county') throw badRequest(msg('error.rules.unknownCounty', { county: code }))
    return code
  }

  /** Replaces one layer (the city's list, or a county's overrides) in one transaction. */
  async saveLayer(actor: Actor, county: string | null, items: ItemInput[]) {
    const tenant = county ?? ''
    const city = county ? new Map((await this.layer('')).map((c) => [c.code, c])) : null
    validateLayer(items, city)
    const now = nowIso()
    await this.db.transaction(async (trx) => {
      await trx('scoring_items').where({ tenant }).delete()
      if (items.length) {
        await trx('scoring_items').insert(
          items.map((it, i) => ({
            id: randomUUID(),
            tenant,
            code: it.code,
            name: it.name ?? null,
            name_en: it.nameEn ?? null,
            applies_to: it.appliesTo ?? null,
            points: it.points ?? null,
            count: it.count ?? null,
            enabled: it.enabled ?? null,
            position: (i + 1) * 10,
            updated_at: now,
            updated_by: actor.username,
          })),
        )
      }
    })
    return this.itemLayers(county)
  }

  // ── the bulletin ──────────────────────────────────────────────────────────────

  checkMonth(month: string) {
    if (!MONTH_RE.test(month)) throw badRequest(msg('error.metrics.badMonth', { month }))
  }

  /** Region and scope as the metrics routes resolve them; the county whose items apply. */
  private async scope(actor: Actor, regionCode: string | undefined) {
    const { prefix } = await this.metrics.resolveRegion(actor, regionCode)
    // Without a region a county's staff get their county: name it, as the export's title does.
    const r = prefix ? await this.db('regions').where({ path: prefix }).first('code', 'name', 'name_en', 'path') : null
    const full: Bulletin['region'] = r ? { code: r.code, name: r.name, nameEn: r.name_en ?? null, path: r.path } : null
    const county = prefix ? segment(prefix, 2) : null
    return { region: full, prefix, county }
  }

  /** Every unit's cases and facts for the month (the shared work of the bulletin and its drill-down). */
  private async work(month: string, prefix: string | null, asOf: string): Promise<Map<string, UnitWork>> {
    const defs = this.metrics.definitions
    const off = defs.utcOffsetMinutes
    const monthFrom = parseBound(month, 'from', off)
    const monthTo = parseBound(month, 'to', off)
    const units = new Map<string, UnitWork>()
    const unit = (kind: UnitKind, key: string) => {
      const id = `${kind}:${key}`
      let u = units.get(id)
      if (!u) units.set(id, (u = { kind, key, cases: new Map() }))
      return u
    }
    const slot = (u: UnitWork, info: CaseInfo) => {
      let s = u.cases.get(info.id)
      if (!s) u.cases.set(info.id, (s = { info, facts: emptyFacts(), home: false }))
      return s
    }
    const infoOf = (r: CaseCols): CaseInfo => ({
      id: r.id,
      caseNo: r.case_no,
      title: r.title ?? null,
      category: r.category,
      status: r.status,
      regionCode: r.region_code,
      regionPath: r.region_path,
      department: r.department ?? null,
      excluded: r.excluded_at != null,
    })
    const caseCols = ['id', 'case_no', 'title', 'category', 'status', 'region_code', 'region_path', 'department', 'excluded_at']

    // 1. The month's cases (the cohort rule of the rates: received in the month), each with its
    //    own metric counts from MetricsService (its perCase: the aggregate's conditions per row),
    //    so the rate formulas are the metrics module's, not a copy.
    const perCase = await this.metrics.perCase<MonthCase>({ month, prefix }, [
      ...caseCols,
      'channel',
      'urgency',
      'procedure',
      'level',
      'resolved_level',
      'duplicate_of',
      'response_due_at',
      'responded_at',
      'resolve_due_at',
      'resolved_at',
      'closed_at',
      'eval_satisfaction',
      'eval_resolved',
    ])
    const rehandledQ = this.db('case_events')
      .join('cases', 'cases.id', 'case_events.case_id')
      .where('case_events.type', 'rehandle')
      .where('cases.month', month)
      .distinct('case_events.case_id as id')
    if (prefix) wherePrefix(this.db, rehandledQ, 'cases.region_path', prefix)
    const rehandled = new Set((await rehandledQ).map((r: { id: string }) => r.id))
    for (const { row: r, counts: m } of perCase) {
      const info = infoOf(r)
      const f = emptyFacts()
      f.received = true
      f.category = r.category ?? null
      f.channel = r.channel ?? null
      f.urgency = r.urgency ?? null
      f.procedure = r.procedure ?? null
      f.level = r.level ?? null
      f.resolvedLevel = r.resolved_level ?? null
      f.status = r.status ?? null
      f.duplicate = r.duplicate_of != null
      if (info.excluded) {
        // An excluded case stays in "received" but is out of assessment: no other item counts.
        f.excluded = true
      } else {
        f.respondedInTime = m.responded > 0
        f.responseOverdue = r.response_due_at != null && (r.responded_at != null ? r.responded_at > r.response_due_at : asOf > r.response_due_at)
        f.closed = m.closed > 0
        f.closedOnTime = m.onTime > 0
        f.closedNoDeadline = m.closedNoDeadline > 0
        // The time the unit finished, as the on-time rate judges it (definitions.onTimeBy).
        const finished = defs.onTimeBy === 'finished' ? (r.resolved_at ?? r.closed_at) : r.closed_at
        f.resolvedOverdue = r.resolve_due_at != null && (finished != null ? finished > r.resolve_due_at : asOf > r.resolve_due_at)
        f.evaluated = m.evaluated > 0
        f.resolved = m.resolved > 0
        f.satisfied = m.satisfied > 0
        f.dissatisfied = f.evaluated && !f.satisfied && r.eval_satisfaction != null
        f.unresolved = f.evaluated && !f.resolved && r.eval_resolved != null
        f.notEvaluated = m.notEvaluated > 0
        f.rehandled = rehandled.has(r.id)
        f.dissatisfiedAfterRehandle = f.rehandled && f.dissatisfied
        f.atOrBelowTownship = m.atOrBelowTownship > 0
      }
      const homes: UnitWork[] = []
      const town = segment(r.region_path, 3)
      if (town) homes.push(unit('township', town))
      if (r.department) homes.push(unit('department', r.department))
      for (const u of homes) u.cases.set(info.id, { info, facts: f, home: true, shared: true, metric: m })
    }

    // 2. The month's records naming a unit: returns (by the month of the return) and
    //    supervision (by the month it was issued). They count for the named unit, on cases of
    //    the region that are not excluded, whichever month the case was received in.
    const events: {
      unit: string
      fact: 'returned' | 'returnAccepted' | 'returnRejected' | 'supervisionOrder' | 'supervisionReplyLate' | 'overdueSupervision'
      row: CaseCols
    }[] = []
    const returnsQ = this.db('case_returns')
      .join('cases', 'cases.id', 'case_returns.case_id')
      .where('case_returns.month', month)
      .select(...caseCols.map((c) => `cases.${c}`), 'case_returns.unit as ev_unit', 'case_returns.status as ev_status')
    if (prefix) wherePrefix(this.db, returnsQ, 'cases.region_path', prefix)
    for (const r of await returnsQ) {
      events.push({ unit: r.ev_unit, fact: 'returned', row: r })
      if (r.ev_status === 'accepted') events.push({ unit: r.ev_unit, fact: 'returnAccepted', row: r })
      if (r.ev_status === 'rejected') events.push({ unit: r.ev_unit, fact: 'returnRejected', row: r })
    }
    const supQ = this.db('case_supervisions')
      .join('cases', 'cases.id', 'case_supervisions.case_id')
      .where('case_supervisions.created_at', '>=', monthFrom)
      .where('case_supervisions.created_at', '<', monthTo)
      .whereNotNull('case_supervisions.unit')
      .select(
        ...caseCols.map((c) => `cases.${c}`),
        'case_supervisions.unit as ev_unit',
        'case_supervisions.kind as ev_kind',
        'case_supervisions.reply_due_at as ev_due',
        'case_supervisions.replied_at as ev_replied',
      )
    if (prefix) wherePrefix(this.db, supQ, 'cases.region_path', prefix)
    for (const r of await supQ) {
      if (r.ev_kind === 'manual') {
        events.push({ unit: r.ev_unit, fact: 'supervisionOrder', row: r })
        const late = r.ev_due != null && (r.ev_replied != null ? r.ev_replied > r.ev_due : asOf > r.ev_due)
        if (late) events.push({ unit: r.ev_unit, fact: 'supervisionReplyLate', row: r })
      } else {
        events.push({ unit: r.ev_unit, fact: 'overdueSupervision', row: r })
      }
    }
    const unitCodes = [...new Set(events.map((e) => e.unit))]
    const unitInfo = new Map<string, { department: boolean; township: string | null }>()
    const us = await inSlices(unitCodes, (slice) =>
      this.db('org_units')
        .leftJoin('regions', 'regions.code', 'org_units.region_code')
        .whereIn('org_units.code', slice)
        .select<{ code: string; kind: string; path: string | null }[]>('org_units.code', 'org_units.kind', 'regions.path'),
    )
    for (const u of us) unitInfo.set(u.code, { department: DEPARTMENT_KINDS.has(u.kind), township: u.path ? segment(u.path, 3) : null })
    for (const e of events) {
      const info = infoOf(e.row)
      if (info.excluded) continue
      // The unit that returned / was supervised: its department row (departments, sections,
      // stations, as cases.department is set) and the township it sits in, if any.
      const u = unitInfo.get(e.unit)
      const targets: UnitWork[] = []
      if (!u || u.department) targets.push(unit('department', e.unit))
      if (u?.township) targets.push(unit('township', u.township))
      for (const t of targets) {
        const s = slot(t, info)
        if (s.shared) {
          s.facts = { ...s.facts }
          s.shared = false
        }
        ;(s.facts[e.fact] as number) += 1
      }
    }
    return units
  }

  /**
   * The metrics module's counts of no case: every key its rate block needs, all 0 (an empty
   * aggregate), so a unit without cases gets the same block shape without a copy of the keys.
   */
  private async zero(): Promise<Counts> {
    const [row] = await this.metrics.aggregate({ month: '0000-00' }, null)
    return row.counts
  }

  async bulletin(actor: Actor, month: string, regionCode?: string, asOf = nowIso()): Promise<Bulletin> {
    return (await this.compute(actor, month, regionCode, asOf)).bulletin
  }

  /** The bulletin and every penalised (unit, item, case) — the export — from one pass over the month. */
  async withPenalties(actor: Actor, month: string, regionCode?: string, asOf = nowIso()) {
    const { bulletin, units } = await this.compute(actor, month, regionCode, asOf)
    return { bulletin, penalties: penaltiesOf(bulletin, units) }
  }

  private async compute(
    actor: Actor,
    month: string,
    regionCode: string | undefined,
    asOf: string,
  ): Promise<{ bulletin: Bulletin; units: Map<string, UnitWork> }> {
    this.checkMonth(month)
    const { region, prefix, county } = await this.scope(actor, regionCode)
    const items = await this.items(county)
    const active = items.filter((i) => i.enabled)
    const units = await this.work(month, prefix, asOf)

    // Every township of the region is listed, with nothing to count or not; departments when
    // something counted for them.
    const townQ = this.db('regions').where({ level: 'township' }).select('code')
    if (prefix) wherePrefix(this.db, townQ, 'path', prefix)
    for (const t of await townQ) if (!units.has(`township:${t.code}`)) units.set(`township:${t.code}`, { kind: 'township', key: t.code, cases: new Map() })

    const zero = await this.zero()
    const overallCounts = { ...zero }
    let overallReceived = 0
    let overallExcluded = 0
    const seen = new Set<string>()
    const rowsOf = (kind: UnitKind): Omit<UnitRow, 'rank' | 'label' | 'labelEn'>[] =>
      [...units.values()]
        .filter((u) => u.kind === kind)
        .map((u) => {
          const counts = { ...zero }
          let received = 0
          let excluded = 0
          const scores = active.filter((i) => i.appliesTo === 'both' || i.appliesTo === kind).map((i) => ({ item: i, count: 0 }))
          for (const s of u.cases.values()) {
            if (s.home) {
              received++
              if (s.info.excluded) excluded++
              // Excluded cases too: the metrics module keeps them in `received` and out of
              // every rate (its `exclusions: apply`), so the bulletin's rates are its rates.
              if (s.metric) add(counts, s.metric)
              if (!seen.has(s.info.id)) {
                seen.add(s.info.id)
                overallReceived++
                if (s.info.excluded) overallExcluded++
                if (s.metric) add(overallCounts, s.metric)
              }
            }
            for (const sc of scores) sc.count += countOf(sc.item, s.facts)
          }
          const itemScores = scores.map((sc) => ({ code: sc.item.code, count: sc.count, points: round(sc.count * sc.item.points) }))
          return {
            kind,
            key: u.key,
            points: round(itemScores.reduce((a, b) => a + b.points, 0)),
            received,
            excluded,
            items: itemScores,
            rates: rateBlock(counts),
          }
        })
    const townships = await this.ranked('region', rowsOf('township'))
    const departments = await this.ranked('department', rowsOf('department'))
    const bulletin: Bulletin = {
      month,
      region,
      county,
      asOf,
      items,
      overall: { received: overallReceived, excluded: overallExcluded, rates: rateBlock(overallCounts) },
      townships,
      departments,
    }
    return { bulletin, units }
  }

  /** Labels, then rank by points (equal points share a rank), then cases received, then code. */
  private async ranked(kind: 'region' | 'department', rows: Omit<UnitRow, 'rank' | 'label' | 'labelEn'>[]): Promise<UnitRow[]> {
    const labels = await this.metrics.labels(
      kind,
      rows.map((r) => r.key),
      '/',
    )
    rows.sort((a, b) => b.points - a.points || b.received - a.received || a.key.localeCompare(b.key))
    let rank = 0
    return rows.map((r, i) => {
      if (i === 0 || rows[i - 1].points !== r.points) rank = i + 1
      const l = labels(r.key)
      return { rank, ...r, label: l.label, labelEn: l.labelEn }
    })
  }

  /** The cases behind one item at one unit (the click-through), or behind every item with points. */
  async cases(
    actor: Actor,
    month: string,
    q: { region?: string; kind: UnitKind; unit: string; item?: string },
    asOf = nowIso(),
  ): Promise<{ items: (CaseLine & { item: string })[] }> {
    this.checkMonth(month)
    const { prefix, county } = await this.scope(actor, q.region)
    const items = (await this.items(county)).filter((i) => i.enabled && (i.appliesTo === 'both' || i.appliesTo === q.kind))
    const chosen = q.item ? items.filter((i) => i.code === q.item) : items
    if (q.item && !chosen.length) throw notFound(msg('error.bulletin.itemNotFound', { code: q.item }))
    const units = await this.work(month, prefix, asOf)
    const u = units.get(`${q.kind}:${q.unit}`)
    const out: (CaseLine & { item: string })[] = []
    for (const s of u?.cases.values() ?? []) {
      for (const it of chosen) {
        const count = countOf(it, s.facts)
        if (count === 0) continue
        const { id, caseNo, title, category, status, regionCode, department } = s.info
        out.push({ item: it.code, caseId: id, caseNo, title, category, status, regionCode, department, count, points: round(count * it.points) })
      }
    }
    out.sort((a, b) => a.caseNo.localeCompare(b.caseNo) || a.item.localeCompare(b.item))
    return { items: out }
  }

  // ── publishing (公示) ─────────────────────────────────────────────────────────

  /**
   * Freezes a finished month's bulletin of a county (or, for administrators, the city).
   * Publishing twice is a conflict: a published bulletin does not change.
   */
  async publish(actor: Actor, month: string, regionCode: string | undefined) {
    this.checkMonth(month)
    const admin = isSystemAdmin(actor)
    if (!canAdministerAnyTenant(actor)) throw forbidden(msg('error.bulletin.publishAdminOnly'))
    const code = regionCode ?? (admin ? undefined : (actor.tenant ?? undefined))
    if (!code) throw badRequest(msg('error.bulletin.regionRequired'))
    const reg = await this.db('regions').where({ code }).first('code', 'path', 'level')
    if (!reg) throw badRequest(msg('error.bulletin.unknownRegion', { region: code }))
    if (reg.level !== 'county' && reg.level !== 'city') throw badRequest(msg('error.bulletin.publishLevel'))
    if (!admin && segment(reg.path, 2) !== actor.tenant) throw forbidden(msg('error.bulletin.publishCountyOnly'))
    if (month >= cstMonth(Date.now())) throw conflict(msg('error.bulletin.monthNotOver', { month }))
    const b = await this.bulletin(actor, month, code)
    const row = {
      id: randomUUID(),
      month,
      region_code: code,
      region_path: reg.path,
      tenant: segment(reg.path, 2) ?? '',
      published_at: nowIso(),
      published_by: actor.username,
      data: JSON.stringify(b),
    }
    // The unique (month, region_code) index settles two publishers racing.
    const inserted = await this.db('bulletin_publications').insert(row).onConflict(['month', 'region_code']).ignore().returning('id')
    if (!inserted.length) throw conflict(msg('error.bulletin.published', { month }))
    return { month, region: code, publishedAt: row.published_at, bulletin: b }
  }

  /** Published bulletins, public view: rates and points by unit, no cases, no people. */
  async published(q: { county?: string; month?: string }) {
    const query = this.db('bulletin_publications')
      .orderBy([{ column: 'month', order: 'desc' }, { column: 'region_code' }])
      .limit(60)
    if (q.county) query.where({ region_code: q.county })
    if (q.month) {
      this.checkMonth(q.month)
      query.where({ month: q.month })
    }
    const rows = await query
    return {
      items: rows.map((r) => {
        const b = JSON.parse(r.data) as Bulletin
        const unitPublic = (u: UnitRow) => ({ rank: u.rank, code: u.key, name: u.label, nameEn: u.labelEn, points: u.points, rates: publicRates(u.rates) })
        return {
          month: r.month,
          region: b.region ? { code: b.region.code, name: b.region.name, nameEn: b.region.nameEn } : { code: r.region_code, name: r.region_code, nameEn: null },
          publishedAt: r.published_at,
          overall: publicRates(b.overall.rates),
          townships: b.townships.map(unitPublic),
          departments: b.departments.map(unitPublic),
        }
      }),
    }
  }
}

const round = (x: number) => Math.round(x * 100) / 100

export type PenaltyLine = CaseLine & { item: string; kind: UnitKind; unit: string }

/** Every penalised (unit, item, case) of a bulletin: the export's third sheet. */
function penaltiesOf(b: Bulletin, units: Map<string, UnitWork>): PenaltyLine[] {
  const penal = b.items.filter((i) => i.enabled && i.points < 0)
  const out: PenaltyLine[] = []
  for (const u of units.values()) {
    for (const s of u.cases.values()) {
      for (const it of penal) {
        if (it.appliesTo !== 'both' && it.appliesTo !== u.kind) continue
        const count = countOf(it, s.facts)
        if (!count) continue
        const { id, caseNo, title, category, status, regionCode, department } = s.info
        out.push({
          kind: u.kind,
          unit: u.key,
          item: it.code,
          caseId: id,
          caseNo,
          title,
          category,
          status,
          regionCode,
          department,
          count,
          points: round(count * it.points),
        })
      }
    }
  }
  out.sort((a, b) => a.kind.localeCompare(b.kind) || a.unit.localeCompare(b.unit) || a.caseNo.localeCompare(b.caseNo) || a.item.localeCompare(b.item))
  return out
}

/** The figures a public page shows: counts of cases and the rates, nothing that names a case. */
function publicRates(r: RateBlock) {
  return {
    received: r.received,
    responseRate: r.responseRate,
    resolutionRate: r.resolutionRate,
    satisfactionRate: r.satisfactionRate,
    closureRate: r.closureRate,
    onTimeRate: r.onTimeRate,
  }
}
