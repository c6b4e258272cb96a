/**
 * A year of demo history (issue 12, item 10): generated from a fixed seed, so every demo
 * database shows the same trends, rankings, bulletin and clusters on its first day.
 *
 * Two kinds of case, for a reason each:
 *
 * - **Closed history** is written straight into the tables a finished case leaves: `cases`,
 *   `case_events` (the same types and data shapes the handlers write, messages rendered by the
 *   same catalogue), `case_returns`, `case_exclusions`, `case_supervisions`, `case_counters`.
 *   Running the engine through ~4,000 cases × 6 steps would take minutes at start (a step costs
 *   20–40 ms of CPU here), and nothing the metrics, the bulletin or the clusters read comes from
 *   the engine's own rows. These cases have no process instance, like imported ones
 *   (`source` marks them; the case page shows their events, and no diagram).
 * - **Open cases** (the last weeks, and a few older ones now overdue) go through the real intake
 *   (`CaseService.intake` with `receivedAt`), so each has its instance, its first task, its
 *   deadline timers and its notices, and a person can work it; timers already past fire on the
 *   poller's first round as a real overdue supervision.
 *
 * Everything is dated before the start of the current China day (the anchor), so two starts on
 * the same day give the same figures and nothing is in the future.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Knex } from 'knex'
import type { Db, Trx } from '../lib/db.js'
import type { CaseEventRow, CaseRow } from '../cases/service.js'
import type { ReturnRow } from '../cases/returns.js'
import type { ExclusionRow } from '../cases/exclusions.js'
import { eventMessage, names, type EventType, type Params } from '../messages/index.js'
import { prefixFor, trackingCode } from '../cases/numbering.js'
import { ancestry, durationLengthMs, centresFor, resolveOwner, routeWith, type CategoryRow, type RegionRow, type UnitRow } from '../cases/routing.js'
import { routingHit, ruleIdOf, type RoutingHit } from '../cases/routing-decision.js'
import type { DecisionService } from '../decisions/service.js'
import { rng } from '../lib/rng.js'
import { parseStoredJson } from '../lib/stored-json.js'

export const DEMO_SEED = 20261202
export const DEMO_SOURCE = 'demo'
const DAY = 86_400_000
const CST = 8 * 3_600_000

/** Weighted choice: `[value, weight][]`. */
function weighted<T>(rand: () => number, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0)
  let x = rand() * total
  for (const [v, w] of items) if ((x -= w) < 0) return v
  return items[items.length - 1][0]
}

/** Channel mix of a county 12345 centre: the phone first, then WeChat and the grid's own reports. */
const CHANNELS = [
  ['hotline', 30],
  ['12345', 18],
  ['wechat', 12],
  ['mini_program', 10],
  ['grid_report', 10],
  ['app', 5],
  ['web', 5],
  ['walk_in', 4],
  ['secretary_mailbox', 2],
  ['letter', 2],
  ['visit', 2],
] as const

/** Share of the year's cases per leaf category, and the months (1–12, China time) it peaks in. */
const CATEGORIES: [string, number, number[]][] = [
  ['environment.garbage', 10, [6, 7, 8]],
  ['environment.noise', 6, [5, 6, 7, 8]],
  ['environment.pollution', 3, [11, 12, 1]],
  ['roads.damage', 6, [7, 8, 3]],
  ['roads.lighting', 4, [11, 12, 1]],
  ['utilities.water', 6, [6, 7, 8]],
  ['utilities.power', 3, [7, 8]],
  ['utilities.gas', 2, [11, 12]],
  ['utilities.heating', 5, [11, 12, 1, 2]],
  ['housing.property', 8, []],
  ['housing.old_estate', 2, [4, 5]],
  ['land.use', 3, [3, 4]],
  ['land.contract', 2, [3, 10]],
  ['neighbour.land', 3, [3, 4]],
  ['neighbour.building', 3, [4, 5]],
  ['neighbour.family', 2, [2]],
  ['safety.falling', 2, [7, 8]],
  ['safety.fire', 2, [1, 2, 12]],
  ['safety.security', 3, []],
  ['social.subsistence', 2, [1]],
  ['social.elderly', 2, []],
  ['market.consumer', 4, [11, 6]],
  ['market.food', 2, [7, 8]],
  ['logistics.parcel', 3, [11, 12]],
  ['urban.stall', 4, [5, 6, 7, 8]],
  ['urban.parking', 4, []],
  ['labour.wages', 3, [12, 1, 2]],
  ['policy.insurance', 2, []],
  ['other', 2, []],
]

/** What people write, per category: `{place}` becomes the village or community. */
const TITLES: Record<string, string[]> = {
  'environment.garbage': ['{place}村口垃圾堆放多日无人清运', '{place}垃圾桶满溢，气味很大', '{place}河边有人倾倒建筑垃圾'],
  'environment.noise': ['{place}附近工地夜间施工噪音扰民', '{place}广场舞音响声音过大', '{place}饭店排风机噪音严重'],
  'environment.pollution': ['{place}附近工厂冒黑烟', '{place}有人焚烧秸秆', '{place}小作坊排放异味'],
  'roads.damage': ['{place}主路出现大坑，雨天积水', '{place}路面塌陷存在安全隐患', '{place}井盖松动'],
  'roads.lighting': ['{place}路灯不亮，夜间出行不便', '{place}路灯白天常亮', '{place}一段道路没有照明'],
  'utilities.water': ['{place}停水两天未恢复', '{place}自来水发黄', '{place}供水管道漏水'],
  'utilities.power': ['{place}频繁停电', '{place}电压不稳', '{place}电线杆倾斜'],
  'utilities.gas': ['{place}燃气表异常', '{place}闻到燃气味', '{place}燃气开户迟迟未办'],
  'utilities.heating': ['{place}暖气不热，室温不到十五度', '{place}供暖管道漏水', '{place}暖气至今未通'],
  'housing.property': ['{place}小区物业不作为', '{place}电梯经常故障', '{place}楼道照明损坏'],
  'housing.old_estate': ['{place}老旧小区改造进度慢', '{place}改造后外墙脱落', '{place}改造施工占用车位'],
  'land.use': ['{place}有人在耕地上建房', '{place}占用基本农田堆放杂物', '{place}违法占地建厂房'],
  'land.contract': ['{place}土地承包费未兑现', '{place}承包合同到期纠纷', '{place}土地流转款拖欠'],
  'neighbour.land': ['{place}宅基地边界纠纷', '{place}邻居占用宅基地', '{place}院墙越界纠纷'],
  'neighbour.building': ['{place}邻居建房堵住通道', '{place}建房占道影响通行', '{place}加盖房屋影响采光'],
  'neighbour.family': ['{place}家庭赡养纠纷', '{place}兄弟分家矛盾', '{place}婚姻家庭矛盾求助'],
  'safety.falling': ['{place}楼上花盆有坠落隐患', '{place}广告牌松动', '{place}外墙瓷砖脱落'],
  'safety.fire': ['{place}楼道堆放杂物堵塞消防通道', '{place}电动车楼道充电', '{place}消防栓损坏'],
  'safety.security': ['{place}夜间有可疑人员', '{place}电动车被盗', '{place}有人聚众赌博'],
  'social.subsistence': ['{place}低保申请咨询进度', '{place}困难家庭申请救助', '{place}临时救助未到账'],
  'social.elderly': ['{place}老人无人照料', '{place}养老驿站服务咨询', '{place}高龄补贴未发放'],
  'market.consumer': ['{place}超市出售过期商品', '{place}预付卡商家跑路', '{place}网购退款纠纷'],
  'market.food': ['{place}餐馆卫生条件差', '{place}无证流动摊贩卖熟食', '{place}学校门口食品安全'],
  'logistics.parcel': ['{place}快递丢件无人负责', '{place}快递站拒绝送货上门', '{place}快递柜长期故障'],
  'urban.stall': ['{place}早市占道经营', '{place}路边摊堵塞道路', '{place}夜市油烟扰民'],
  'urban.parking': ['{place}车辆乱停堵塞消防通道', '{place}共享单车乱放', '{place}僵尸车长期占用车位'],
  'labour.wages': ['{place}工地拖欠农民工工资', '{place}公司拖欠工资三个月', '{place}讨薪无门'],
  'policy.insurance': ['{place}医保报销政策咨询', '{place}养老保险缴费咨询', '{place}新农合报销问题'],
  other: ['{place}村务公开问题', '{place}网络信号差', '{place}公交班次少'],
}
const RESULTS = ['已现场核实并处理完毕', '已协调相关单位解决', '已督促责任方整改到位', '已向群众解释政策并妥善处理', '已安排人员维修完成']
const RETURN_REASONS = ['不属于本单位职责范围', '事项属于上级部门管理', '地址不在本辖区']
const EXCLUSION_REASONS: [string, string][] = [
  ['duplicate', '同一诉求重复反映'],
  ['malicious', '恶意反复投诉'],
  ['outside_remit', '属于司法程序处理事项'],
  ['force_majeure', '暴雨导致无法按期处理'],
]
const SATISFACTION = [
  ['satisfied', 64],
  ['basically_satisfied', 22],
  ['dissatisfied', 14],
] as const

interface Ref {
  regions: (RegionRow & { name: string })[]
  categories: Map<string, CategoryRow>
  units: UnitRow[]
  usersByUnit: Map<string, string[]>
}

/** A case planned by the generator: `open` ones go through intake, the rest are written as history. */
export interface PlannedCase {
  index: number
  createdAt: string
  open: boolean
  channel: string
  category: string
  regionCode: string
  urgency: string
  title: string
  description: string
  /** Closed history only: the rows a real case would have left. */
  /** The cases row (no address or place: those columns stay NULL), with the demo's source. */
  row?: Omit<CaseRow, 'address' | 'lat' | 'lng'> & { source: string; external_id: string }
  events?: CaseEventRow[]
  returns?: ReturnRow[]
  exclusions?: ExclusionRow[]
  supervisions?: SupervisionInsert[]
}

/** A case_supervisions row as the history writes it: the timers' overdue ones, and a supervisor's order (kind `manual`) with its reply. */
interface SupervisionInsert {
  id: string
  case_id: string
  stage: string
  unit: string
  due_at: string | null
  created_at: string
  kind: 'overdue' | 'manual'
  issued_by?: string
  message?: string
  reply_due_at?: string
  replied_at?: string
  replied_by?: string | null
  reply?: string
}

export interface HistoryPlan {
  anchor: string
  cases: PlannedCase[]
}

/** Start of the China day that `now` falls in, as a Date (UTC). */
export function chinaDayStart(now: Date): Date {
  const d = new Date(now.getTime() + CST)
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - CST)
}

const iso = (ms: number) => new Date(ms).toISOString()
const cstMonth = (ms: number) => iso(ms + CST).slice(0, 7)
// Not addDuration: that keeps a case's deadline within the years timers accept, and 1970 is not one.
const durationMs = (d: string) => {
  const ms = durationLengthMs(d)
  if (ms === null) throw new Error(`not a duration: ${d}`)
  return ms
}

async function loadRef(db: Db): Promise<Ref> {
  const regions = await db('regions').whereIn('level', ['township', 'village', 'grid']).orderBy('path')
  const categories = new Map<string, CategoryRow>((await db('categories').where({ active: true })).map((c: CategoryRow) => [c.code, c]))
  const units: UnitRow[] = await db('org_units').orderBy('code')
  const usersByUnit = new Map<string, string[]>()
  for (const u of await db('users').where({ active: true }).whereNotNull('unit_code').orderBy('username').select('username', 'unit_code')) {
    usersByUnit.set(u.unit_code, [...(usersByUnit.get(u.unit_code) ?? []), u.username])
  }
  return { regions, categories, units, usersByUnit }
}

/**
 * Plans the year before `now`'s China day: which cases, when, and for closed ones every row.
 * Pure given the database's reference data (regions, categories, units, rules) and the seed.
 */
export async function planHistory(db: Db, decisions: DecisionService, opts: { now?: Date; seed?: number; days?: number } = {}): Promise<HistoryPlan> {
  const ref = await loadRef(db)
  const rand = rng(opts.seed ?? DEMO_SEED)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]
  const anchor = chinaDayStart(opts.now ?? new Date()).getTime()
  const days = opts.days ?? 365
  const regionByCode = new Map(ref.regions.map((r) => [r.code, r]))
  // Where people live: villages and grids weigh more than a township's own seat.
  const places = ref.regions.map((r) => [r, r.level === 'grid' ? 3 : r.level === 'village' ? 2 : 1] as const)
  const cats = CATEGORIES.filter(([c]) => ref.categories.has(c))

  // Routing is the live decision's answer (routingHit, resolveOwner and routeWith, as route()
  // in src/cases/routing.ts), each hit kept per category, place and urgency and each owner
  // token resolved once per region: calling route() per case cost ~2.5 s of CPU at start.
  const hits = new Map<string, Promise<RoutingHit | null>>()
  const perRegion = new Map<string, Promise<{ regions: Map<string, RegionRow>; centre: UnitRow; county: UnitRow }>>()
  const regionInfo = (region: RegionRow) => {
    let p = perRegion.get(region.code)
    if (!p) {
      p = (async () => {
        const regions = await ancestry(db, region.path)
        const centres = await centresFor(db, regions)
        return { regions, centre: centres.nearest, county: centres.byLevel.get('county') ?? centres.nearest }
      })()
      perRegion.set(region.code, p)
    }
    return p
  }
  const owners = new Map<string, Promise<UnitRow | null>>()
  const routed = async (category: CategoryRow, region: RegionRow, urgency: string) => {
    const info = await regionInfo(region)
    const hitKey = `${category.code}|${region.code}|${urgency}`
    let hit = hits.get(hitKey)
    if (!hit) hits.set(hitKey, (hit = routingHit(db, decisions, { category: category.code, path: region.path, tenant: region.tenant ?? '', urgency })))
    const rule = await hit
    let owner: Promise<UnitRow | null> = Promise.resolve(null)
    if (rule) {
      const k = `${rule.owner}|${region.code}`
      owner = owners.get(k) ?? resolveOwner(db, rule.owner, info.regions)
      owners.set(k, owner)
    }
    return { ...routeWith(rule, await owner, category, urgency), centre: info.centre, county: info.county }
  }
  // A unit that could take a case the rule leaves to the dispatcher (or a returned one).
  const countyUnits = (tenant: string, duty: string | null) =>
    ref.units.filter((u) => {
      const r = regionByCode.get(u.region_code)
      const inCounty = u.region_code === tenant || (r ? r.tenant === tenant : false)
      return inCounty && ['department', 'section', 'station'].includes(u.kind) && (ref.usersByUnit.has(u.code) || !duty || u.duty === duty)
    })
  const actorOf = (unit: string | null | undefined) => (unit ? (ref.usersByUnit.get(unit)?.[0] ?? null) : null)
  const isDepartment = (u: UnitRow) => ['department', 'section', 'station'].includes(u.kind)

  const cases: PlannedCase[] = []
  for (let d = days; d >= 1; d--) {
    const dayStart = anchor - d * DAY
    const month = Number(iso(dayStart + CST).slice(5, 7))
    const weekday = new Date(dayStart + CST).getUTCDay()
    // Summer rain and winter heating bring more calls; the Spring Festival fewer.
    const season = [0, 1.15, 0.75, 0.95, 1.0, 1.05, 1.25, 1.35, 1.3, 1.0, 0.95, 1.15, 1.25][month]
    const n = Math.round(10 * season * (weekday === 0 || weekday === 6 ? 0.7 : 1.08) * (0.75 + rand() * 0.5))
    for (let i = 0; i < n; i++) {
      // Office hours mostly (08:00–20:00 China time).
      const createdMs = dayStart + Math.floor((8 + rand() * 12) * 3_600_000 + rand() * 60_000)
      const [category] = weighted(
        rand,
        cats.map((c) => [c, c[1] * (c[2].includes(month) ? 2.5 : 1)] as const),
      )
      const region = weighted(rand, places)
      const urgency = weighted(rand, [
        ['normal', 88],
        ['urgent', 10],
        ['emergency', 2],
      ] as const)
      const channel = weighted(rand, CHANNELS)
      const village = region.level === 'grid' ? (regionByCode.get(region.parent_code ?? '') ?? region) : region
      const title = pick(TITLES[category] ?? TITLES.other).replace('{place}', village.name)
      const description = `${title}，希望有关部门尽快处理。`
      const age = (anchor - createdMs) / DAY
      const plan: PlannedCase = {
        index: cases.length,
        createdAt: iso(createdMs),
        open: false,
        channel,
        category,
        regionCode: region.code,
        urgency,
        title,
        description,
      }
      cases.push(plan)

      const cat = ref.categories.get(category)!
      const r = await routed(cat, region, urgency)
      const responseMs = durationMs(r.responseLimit)
      const resolveMs = durationMs(r.resolveLimit)
      // Recent cases are still being worked; a few older ones are stuck and overdue now.
      const openChance = age < 2 ? 0.5 : age < 7 ? 0.1 : age < 21 ? 0.02 : age < 60 ? 0.003 : 0
      if (rand() < openChance) {
        plan.open = true
        continue
      }
      // ── the closed case's life ──
      const tenant = region.tenant ?? ''
      const events: CaseEventRow[] = []
      const ev = (type: EventType, at: number, o: { actor?: string | null; from?: string | null; to?: string | null; data?: Params; public?: boolean } = {}) =>
        events.push({
          id: randomUUID(),
          case_id: '',
          type,
          actor: o.actor ?? null,
          at: iso(at),
          from_value: o.from ?? null,
          to_value: o.to ?? null,
          message: eventMessage(type, o.data ?? {}),
          data: o.data ? JSON.stringify(o.data) : null,
          public: o.public ?? false,
        })
      const dispatcher = actorOf(r.centre.code)
      let t = createdMs
      ev('received', t, { to: 'received', data: { channel, category, rule: ruleIdOf(r.rule), owner: r.owner?.code ?? null }, public: true })
      let owner: UnitRow = r.owner ?? pick(countyUnits(tenant, cat.duty).length ? countyUnits(tenant, cat.duty) : [r.centre])
      t += Math.floor(rand() * Math.min(responseMs / 4, 2 * 3_600_000))
      ev('dispatched', t, {
        actor: r.owner ? null : dispatcher,
        from: 'received',
        to: 'dispatched',
        data: { unit: owner.code, ...names('unit', owner), level: r.level, by: r.owner ? 'rule' : 'dispatcher', note: null },
        public: true,
      })
      const returns: ReturnRow[] = []
      // 退单: ~5 % are given back as not the unit's remit; the dispatcher mostly agrees.
      if (rand() < 0.05) {
        const others = countyUnits(tenant, null).filter((u) => u.code !== owner.code)
        const rejected = rand() < 0.2 || !others.length
        t += Math.floor(rand() * responseMs * 0.5)
        const id = randomUUID()
        const reason = pick(RETURN_REASONS)
        const by = actorOf(owner.code)
        ev('returned', t, { actor: by, from: owner.code, data: { returnId: id, unit: owner.code, reason, stage: 'signFor' } })
        ev('redispatching', t, { to: 'received', public: true })
        const decidedAt = t + Math.floor(rand() * 3 * 3_600_000)
        returns.push({
          id,
          case_id: '',
          tenant,
          unit: owner.code,
          month: cstMonth(t),
          reason,
          returned_by: by,
          returned_at: iso(t),
          status: rejected ? 'rejected' : 'accepted',
          decided_by: dispatcher,
          decided_at: iso(decidedAt),
          decision_reason: rejected ? '经核实属于该单位职责，请继续办理' : null,
        })
        t = decidedAt
        if (rejected) {
          ev('return_rejected', t, {
            actor: dispatcher,
            from: 'received',
            to: owner.code,
            data: { returnId: id, unit: owner.code, reason: '经核实属于该单位职责，请继续办理', returnReason: reason, returnedBy: by },
          })
          ev('dispatched', t, { to: 'dispatched', data: { unit: owner.code, ...names('unit', owner), by: 'return_rejected' }, public: true })
        } else {
          const to = pick(others)
          ev('return_accepted', t, {
            actor: dispatcher,
            from: owner.code,
            to: to.code,
            data: { returnId: id, unit: owner.code, to: to.code, ...names('unit', to), reason: null, returnReason: reason },
          })
          ev('dispatched', t, {
            actor: dispatcher,
            from: owner.code,
            to: 'dispatched',
            data: { unit: to.code, ...names('unit', to), level: to.level, by: 'dispatcher', note: null },
            public: true,
          })
          owner = to
        }
      }
      const handler = actorOf(owner.code)
      const responseDue = createdMs + responseMs
      let resolveDue = createdMs + resolveMs
      // Sign-for: 95 % within the response limit.
      const respondedAt = Math.max(
        t + 60_000,
        rand() < 0.95 ? createdMs + Math.floor(responseMs * (0.1 + rand() * 0.8)) : responseDue + Math.floor(responseMs * (0.1 + rand())),
      )
      ev('signed_for', respondedAt, { actor: handler, from: 'dispatched', to: 'in_progress', data: { reply: null }, public: true })
      const supervisions: SupervisionInsert[] = []
      if (respondedAt > responseDue)
        supervisions.push({
          id: randomUUID(),
          case_id: '',
          stage: 'response',
          unit: owner.code,
          due_at: iso(responseDue),
          created_at: iso(responseDue + 60_000),
          kind: 'overdue',
        })
      // Handling: ~88 % finish by the deadline, the rest up to twice the limit.
      let resolvedAt =
        rand() < 0.88
          ? respondedAt + Math.floor((resolveDue - respondedAt) * (0.2 + rand() * 0.75))
          : resolveDue + Math.floor(resolveMs * (0.05 + rand() * 0.9))
      resolvedAt = Math.max(resolvedAt, respondedAt + 600_000)
      if (resolvedAt > resolveDue)
        supervisions.push({
          id: randomUUID(),
          case_id: '',
          stage: 'resolve',
          unit: owner.code,
          due_at: iso(resolveDue),
          created_at: iso(resolveDue + 60_000),
          kind: 'overdue',
        })
      // 督办单: a supervisor's order on ~2 % of cases, answered in time mostly.
      if (rand() < 0.02) {
        const at = respondedAt + Math.floor((resolvedAt - respondedAt) * rand())
        const replyDue = at + 2 * DAY
        const replied = at + Math.floor((rand() < 0.85 ? 1.5 : 3) * DAY * rand()) + 3_600_000
        const id = randomUUID()
        const message = '请加快办理进度，按时反馈'
        const issuer = tenant === 'xianghe' ? 'xianghe-supervisor' : 'supervisor'
        supervisions.push({
          id,
          case_id: '',
          stage: 'order',
          unit: owner.code,
          due_at: null,
          created_at: iso(at),
          kind: 'manual',
          issued_by: issuer,
          message,
          reply_due_at: iso(replyDue),
          replied_at: iso(replied),
          replied_by: handler,
          reply: '已加派人手，正在处理',
        })
        const data = { orderId: id, unit: owner.code, ...names('unit', owner), message, replyDue: iso(replyDue) }
        ev('supervision_order', at, { actor: issuer, to: owner.code, data })
        ev('supervision_reply', replied, {
          actor: handler,
          from: owner.code,
          data: { orderId: id, unit: owner.code, reply: '已加派人手，正在处理', late: replied > replyDue },
        })
      }
      for (const s of supervisions.filter((x) => x.kind === 'overdue'))
        ev('supervision', Date.parse(s.created_at), { data: { stage: s.stage, unit: owner.code, due: s.due_at } })
      let result = pick(RESULTS)
      ev('resolved', resolvedAt, { actor: handler, data: { level: r.level, unit: owner.code, result } })
      ev('feedback', resolvedAt + 1000, {
        actor: handler,
        from: 'in_progress',
        to: 'awaiting_evaluation',
        data: { evaluationDue: iso(resolvedAt + 5 * DAY), result },
        public: true,
      })
      // Evaluation: most citizens answer within days; ~12 % never do and the period closes it.
      let closedAt: number
      let evaluation: { resolved: boolean; satisfaction: string; at: number; by: string | null } | null = null
      let expiredAt: string | null = null
      let firstResolved = resolvedAt
      if (rand() < 0.88) {
        let at = resolvedAt + Math.floor(rand() * 3 * DAY) + 3_600_000
        let satisfaction: string = weighted(rand, SATISFACTION)
        const by = rand() < 0.6 ? 'citizen' : tenant === 'xianghe' ? 'xianghe-callback' : 'callback'
        const resolvedYes = (s: string) => rand() < (s === 'satisfied' ? 0.98 : s === 'basically_satisfied' ? 0.85 : 0.3)
        let yes = resolvedYes(satisfaction)
        ev('evaluated', at, {
          actor: by,
          to: satisfaction,
          data: { resolved: yes, satisfaction, source: by === 'citizen' ? 'citizen' : 'callback' },
          public: true,
        })
        if (satisfaction === 'dissatisfied') {
          // One round of re-handling (the procedure's rehandle branch), then the final word.
          ev('rehandle', at + 1000, { from: 'awaiting_evaluation', to: 'in_progress', public: true })
          resolveDue = at + resolveMs
          firstResolved = at + Math.floor(resolveMs * (0.2 + rand() * 0.6))
          result = pick(RESULTS)
          ev('resolved', firstResolved, { actor: handler, data: { level: r.level, unit: owner.code, result } })
          ev('feedback', firstResolved + 1000, {
            actor: handler,
            from: 'in_progress',
            to: 'awaiting_evaluation',
            data: { evaluationDue: iso(firstResolved + 5 * DAY), result },
            public: true,
          })
          at = firstResolved + Math.floor(rand() * 2 * DAY) + 3_600_000
          satisfaction = rand() < 0.5 ? 'basically_satisfied' : 'dissatisfied'
          yes = resolvedYes(satisfaction)
          ev('evaluated', at, {
            actor: by,
            to: satisfaction,
            data: { resolved: yes, satisfaction, source: by === 'citizen' ? 'citizen' : 'callback' },
            public: true,
          })
        }
        evaluation = { resolved: yes, satisfaction, at, by }
        closedAt = at + 1000
        ev('closed', closedAt, { from: 'awaiting_evaluation', to: 'closed', data: { resolvedLevel: r.level }, public: true })
      } else {
        closedAt = resolvedAt + 5 * DAY
        expiredAt = iso(closedAt)
        ev('evaluation_expired', closedAt, { from: 'awaiting_evaluation', to: 'closed', data: { resolvedLevel: r.level }, public: true })
      }
      if (closedAt >= anchor) {
        // Not finished yet by today: a live case instead (nothing dated in the future).
        plan.open = true
        continue
      }
      // 剔单: ~1 % approved as out of assessment (malicious, outside the remit, force majeure).
      const exclusions: ExclusionRow[] = []
      let excludedAt: string | null = null
      if (rand() < 0.012) {
        const [code, reason] = pick(EXCLUSION_REASONS)
        const reqAt = respondedAt + 3_600_000
        const decAt = Math.min(reqAt + DAY, closedAt - 1000)
        const id = randomUUID()
        const supervisor = tenant === 'xianghe' ? 'xianghe-supervisor' : 'supervisor'
        exclusions.push({
          id,
          case_id: '',
          tenant,
          reason_code: code,
          reason,
          evidence: JSON.stringify([]),
          requested_by: handler ?? 'demo',
          requested_unit: owner.code,
          requested_at: iso(reqAt),
          status: 'approved',
          decided_by: supervisor,
          decided_at: iso(decAt),
          decision_note: '情况属实，同意剔除',
        })
        excludedAt = iso(decAt)
        ev('exclusion_requested', reqAt, { actor: handler, data: { exclusionId: id, reasonCode: code, reason, evidence: [], unit: owner.code } })
        ev('exclusion_approved', decAt, {
          actor: supervisor,
          data: { exclusionId: id, reasonCode: code, note: '情况属实，同意剔除', requestedBy: handler ?? 'demo' },
        })
      }
      events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
      plan.events = events
      plan.returns = returns
      plan.exclusions = exclusions
      plan.supervisions = supervisions
      plan.row = {
        id: '',
        case_no: '',
        tracking_code: '',
        channel,
        petitioner_type: 'person',
        petitioner_name: null,
        petitioner_phone: null,
        anonymous: true,
        title,
        description,
        category,
        region_code: region.code,
        region_path: region.path,
        tenant,
        urgency,
        procedure: r.procedure,
        status: 'closed',
        level: r.level,
        resolved_level: r.level,
        owner_unit: owner.code,
        department: isDepartment(owner) ? owner.code : null,
        response_due_at: iso(responseDue),
        resolve_due_at: iso(resolveDue),
        responded_at: iso(respondedAt),
        resolved_at: iso(firstResolved),
        closed_at: iso(closedAt),
        overdue: supervisions.some((s) => s.kind === 'overdue'),
        created_at: iso(createdMs),
        updated_at: iso(closedAt),
        month: cstMonth(createdMs),
        eval_resolved: evaluation ? evaluation.resolved : null,
        eval_satisfaction: evaluation?.satisfaction ?? null,
        eval_comment: null,
        evaluated_at: evaluation ? iso(evaluation.at) : null,
        evaluated_by: evaluation?.by ?? null,
        evaluation_expired_at: expiredAt,
        excluded_at: excludedAt,
        instance_id: null,
        created_by: null,
        result,
        dispatcher_group: `dispatcher@${r.centre.code}`,
        source: DEMO_SOURCE,
        external_id: String(plan.index),
        revision: 0,
      }
    }
  }
  // Each open case is a real intake (~30–60 ms of CPU): past MAX_OPEN, the oldest of the recent
  // ones are left out rather than making the first start slow (older stuck ones always stay).
  const open = cases.filter((c) => c.open && anchor - Date.parse(c.createdAt) < 21 * DAY)
  const drop = new Set(open.slice(0, Math.max(0, open.length - MAX_OPEN)))
  return { anchor: iso(anchor), cases: cases.filter((c) => !drop.has(c)) }
}

/** Open cases of the last three weeks started through intake at most. */
const MAX_OPEN = 40

async function insertChunks(trx: Trx, table: string, rows: Record<string, unknown>[]) {
  if (!rows.length) return
  // One column set for every row (a multi-row INSERT names its columns once).
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  rows = rows.map((r) => Object.fromEntries(cols.map((c) => [c, r[c] ?? null])))
  // A plain multi-row VALUES (knex writes SQLite's multi-row insert as a compound SELECT, which
  // stops at 500 terms), under both databases' bound-parameter limits.
  const per = Math.min(400, Math.max(1, Math.floor(8000 / cols.length)))
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per)
    const values = chunk.flatMap((r) => cols.map((c) => r[c]))
    const tuple = `(${cols.map(() => '?').join(',')})`
    await trx.raw(`INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(',')}) VALUES ${chunk.map(() => tuple).join(',')}`, values as Knex.RawBinding[])
  }
}

export interface HistoryResult {
  closed: number
  open: number
  ms: number
}

/**
 * Writes the plan: closed history in one transaction (claimed by the `demo.history` setting, so
 * two nodes starting together on an empty PostgreSQL write it once), then each open case
 * through the real intake, dated back to when it was received.
 */
export async function writeHistory(app: FastifyInstance, plan: HistoryPlan, opts: { seed?: number } = {}): Promise<HistoryResult | null> {
  const t0 = Date.now()
  const db = app.db
  const closed = plan.cases.filter((c) => c.row)
  const wrote = await db.transaction(async (trx) => {
    if (await trx('cases').first('id')) return false
    const claimed = await trx('settings')
      .insert({ key: 'demo.history', value: JSON.stringify({ seed: opts.seed ?? DEMO_SEED, anchor: plan.anchor }) })
      .onConflict('key')
      .ignore()
      .returning('key')
    if (!claimed.length) return false
    const counters = new Map<string, number>()
    const cases: Record<string, unknown>[] = []
    const events: Record<string, unknown>[] = []
    const returns: Record<string, unknown>[] = []
    const exclusions: Record<string, unknown>[] = []
    const supervisions: Record<string, unknown>[] = []
    for (const c of closed) {
      const id = randomUUID()
      const key =
        prefixFor(c.row!.tenant) +
        iso(Date.parse(c.createdAt) + CST)
          .slice(0, 10)
          .replace(/-/g, '')
      const n = (counters.get(key) ?? 0) + 1
      counters.set(key, n)
      // A real random code, not the seed's: the seed is public, and a code is what opens a case's tracking page.
      cases.push({ ...c.row, id, case_no: `${key}-${String(n).padStart(4, '0')}`, tracking_code: trackingCode() })
      for (const e of c.events!) events.push({ ...e, case_id: id })
      for (const r of c.returns!) returns.push({ ...r, case_id: id })
      for (const x of c.exclusions!) exclusions.push({ ...x, case_id: id })
      for (const s of c.supervisions!) supervisions.push({ ...s, case_id: id })
    }
    await insertChunks(trx, 'cases', cases)
    await insertChunks(trx, 'case_events', events)
    await insertChunks(trx, 'case_returns', returns)
    await insertChunks(trx, 'case_exclusions', exclusions)
    await insertChunks(trx, 'case_supervisions', supervisions)
    // The day counters go on from the history's numbers: an open case drawn for the same day follows them.
    await insertChunks(
      trx,
      'case_counters',
      [...counters].map(([key, value]) => ({ key, value })),
    )
    return true
  })
  if (!wrote) return null
  let open = 0
  for (const c of plan.cases.filter((x) => x.open)) {
    const receivedAt = new Date(c.createdAt)
    const row = await app.cases.intake(
      {
        channel: c.channel,
        category: c.category,
        regionCode: c.regionCode,
        urgency: c.urgency,
        title: c.title,
        description: c.description,
        petitioner: { type: 'person', anonymous: true },
      },
      { actor: null, receivedAt },
    )
    // The intake step's rows carry the clock's time: date them with the case (the engine's own
    // rows through the engine's command).
    await db.transaction(async (trx) => {
      await trx('case_events').where({ case_id: row.id }).update({ at: c.createdAt })
      // A deadline already past at intake supervised in the intake's own step: dated when it fell
      // due, as the poller would have written it, not before the deadline its sentence names.
      for (const s of await trx('case_events').where({ case_id: row.id, type: 'supervision' }).select('id', 'data')) {
        const due = (parseStoredJson(s.data) as { due?: string | null } | null)?.due
        if (due && due > c.createdAt) await trx('case_events').where({ id: s.id }).update({ at: due })
      }
      for (const s of await trx('case_supervisions').where({ case_id: row.id }).select('id', 'due_at'))
        if (s.due_at) await trx('case_supervisions').where({ id: s.id }).update({ created_at: s.due_at })
      if (row.instance_id) await app.engine.redateStart(trx, row.instance_id, c.createdAt)
      await trx('cases')
        .where({ id: row.id })
        .update({ source: DEMO_SOURCE, external_id: String(c.index) })
    })
    open++
  }
  return { closed: closed.length, open, ms: Date.now() - t0 }
}
