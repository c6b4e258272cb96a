import { randomUUID, timingSafeEqual } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'
import type { FastifyInstance } from 'fastify'
import type { Knex } from 'knex'
import type { Db, Trx } from '../lib/db.js'
import { countUpTo, escapeLike, isPostgres, nowIso, wherePrefix } from '../lib/db.js'
import { insertRows, setClause, sqlRows } from '../lib/hot-sql.js'
import { CASE_TEXT_PG } from '../../migrations/008_case_text.js'
import { badRequest, conflict, forbidden, msg, notFound, unprocessable } from '../lib/errors.js'
import { eventMessage, publicEventData, publicEventMessage } from '../messages/index.js'
import { decodeCursor, encodeCursor, TOTAL_CAP, totalFields } from '../lib/cursor.js'
import { parseStoredJson } from '../lib/stored-json.js'
import type { Actor } from '../org/index.js'
import type { TaskRow } from '../engine/runtime.js'
import type { HistoryRow } from '../engine/rows.js'
import { taskView } from '../tasks/service.js'
import { chinaDay, nextCaseNo, trackingCode } from './numbering.js'
import type { ConfigReads } from './config-reads.js'
import { addDuration, byLevel, centresFor, route, unitGroup, type CategoryRow, type RegionRow, type UnitRow } from './routing.js'
import { ruleIdOf } from './routing-decision.js'
import { openTasksWithRole, platformModel } from './markers.js'
import { noticesOfCase } from '../notify/outbox.js'
import { hasRole, isCountyAdmin, isSystemAdmin, workTenant } from '../org/policy.js'
import { cutText, isBlank } from '../lib/text.js'

export const CHANNELS = [
  'hotline',
  '12345',
  '12315',
  'wechat',
  'mini_program',
  'app',
  'web',
  'suggestion_box',
  'walk_in',
  'grid_report',
  'secretary_mailbox',
  'secretary_reception',
  'deputy_station',
  'wechat_group',
  'visit',
  'letter',
  'open311',
  'other',
] as const
export const STATUSES = ['received', 'dispatched', 'in_progress', 'awaiting_evaluation', 'closed'] as const
export const URGENCIES = ['normal', 'urgent', 'emergency'] as const
export const PETITIONER_TYPES = ['person', 'legal_person', 'organisation'] as const

/** A case_events row (migrations/004_cases_flow.ts): what happened to a case, by whom, when. */
export interface CaseEventRow {
  id: string
  case_id: string
  type: string
  actor: string | null
  at: string
  from_value: string | null
  to_value: string | null
  message: string | null
  /** JSON: the event's parameters. */
  data: string | null
  public: boolean | number
}

export interface CaseRow {
  id: string
  case_no: string
  tracking_code: string
  channel: string
  petitioner_type: string
  petitioner_name: string | null
  petitioner_phone: string | null
  anonymous: boolean | number
  title: string | null
  description: string
  category: string
  region_code: string
  region_path: string
  tenant: string
  address: string | null
  lat: number | null
  lng: number | null
  urgency: string
  procedure: string
  status: (typeof STATUSES)[number]
  level: string | null
  resolved_level: string | null
  owner_unit: string | null
  department: string | null
  response_due_at: string | null
  resolve_due_at: string | null
  responded_at: string | null
  resolved_at: string | null
  closed_at: string | null
  overdue: boolean | number
  created_at: string
  updated_at: string
  month: string
  eval_resolved: boolean | number | null
  eval_satisfaction: string | null
  eval_comment: string | null
  evaluated_at: string | null
  evaluated_by: string | null
  /** Set when the evaluation period ran out and the case closed as not evaluated. */
  evaluation_expired_at?: string | null
  /** Set while an approved exclusion (剔单) stands: the rates leave the case out when exclusions apply. */
  excluded_at?: string | null
  instance_id: string | null
  created_by: string | null
  result: string | null
  dispatcher_group: string | null
  revision: number
  /** The main case this one was linked to as a duplicate (重复件); it then follows that case. */
  duplicate_of?: string | null
  /** The recurring problem (共性问题) the case was placed in, and when it was placed. */
  cluster_id?: string | null
  clustered_at?: string | null
}

/**
 * Work done inside the intake's transaction (the Idempotency-Key, src/cases/idempotency.ts):
 * `claim` first, so a concurrent duplicate waits there before any other work; `record` last,
 * so the key and the first answer commit with the case or not at all.
 */
export interface IntakeHooks {
  claim(trx: Trx): Promise<void>
  record(trx: Trx, row: CaseRow): Promise<void>
}

export interface IntakeInput {
  channel: string
  title?: string
  description: string
  category: string
  regionCode: string
  address?: string
  lat?: number
  lng?: number
  urgency?: string
  petitioner: { type: string; name?: string; phone?: string; anonymous: boolean }
}

/**
 * What every channel's intake refuses before it reads anything (400s, before the 422s of an
 * unknown region or category): a description that shows nothing ("   ", zero-width spaces:
 * minLength counted them, and the case was stored with an empty title), and half a map point —
 * the citizens' form and staff intake took `lat` without `lng` and stored a point nowhere,
 * where Open311 refuses the same request (src/open311/service.ts).
 */
function checkIntakeText(input: IntakeInput) {
  if (isBlank(input.description)) throw badRequest(msg('error.input.blank', { field: 'description' }), [{ path: 'body/description' }])
  if ((input.lat == null) !== (input.lng == null)) {
    const field = input.lat == null ? 'lat' : 'lng'
    throw badRequest(msg('error.case.halfPoint', { field }), [{ path: `body/${field}` }])
  }
}

/** The citizen-facing status names. */
export const STATUS_NAMES: Record<string, string> = {
  received: '已受理 / Received',
  dispatched: '已派单 / Dispatched',
  in_progress: '办理中 / In progress',
  awaiting_evaluation: '待评价 / Awaiting evaluation',
  closed: '已办结 / Closed',
}

/**
 * A citizen acting through a public route. No staff role and no group: it can do only what a
 * public route grants it explicitly, for the one case whose tracking code it proved.
 */
export const CITIZEN_ACTOR: Actor = Object.freeze({
  id: 'citizen',
  username: 'citizen',
  displayName: '群众 / Citizen',
  roles: Object.freeze(['citizen']) as unknown as string[],
  unitCode: null,
  regionCode: null,
  regionPath: '',
  tenant: null,
  groups: Object.freeze([]) as unknown as string[],
})

/** A case number or its start: county prefix, China date, optional sequence (XH20261122-0042). */
const CASE_NO = /^[A-Za-z]{2}\d{6,8}(-\d*)?$/
// Administrators are asked through src/org/policy.ts; these are the other roles' reach.
const REGION_SCOPED_ROLES = ['dispatcher', 'leader', 'supervisor', 'callback', 'grid_worker', 'grid_leader']
const PERSONAL_DATA_ROLES = ['dispatcher', 'callback']
/** Sees every case's petitioner (where not anonymous), involved or not. */
const seesAllPersonalData = (actor: Actor) => hasRole(actor, PERSONAL_DATA_ROLES)
const bool = (v: unknown) => v === true || v === 1 || v === '1' || v === 't' || v === 'true'

export interface CaseQuery {
  status?: string
  procedure?: string
  category?: string
  region?: string
  channel?: string
  overdue?: boolean
  from?: string
  to?: string
  q?: string
  limit?: number
  cursor?: string
  offset?: number
}

/** Intake, scoped reads, history, the diagram view and evaluations of cases. */
export class CaseService {
  /**
   * The row intake inserted and the owning unit routing read, for the first handler of the
   * step that starts its procedure (takeFresh): nothing else writes the row in between, and
   * re-reading it (with the unit, and the returns a new case cannot have) was three statements
   * of every intake.
   */
  private readonly fresh = new WeakMap<Trx, { row: CaseRow; owner: UnitRow | null }>()
  /**
   * An intake's events (`received`, and its first handler's, e.g. `dispatched`), written as one
   * multi-row insert at the end of its procedure's first step instead of one insert each.
   * Nothing in that step reads them back.
   */
  private readonly eventBuffers = new WeakMap<Trx, object[]>()
  /**
   * The category, owning unit and region rows an intake read, by case id, for the names in its
   * answer (three reads of the same rows, a few milliseconds later, before). Taken by the first
   * names() of that case; bounded, as a replayed or public intake asks for none.
   */
  private readonly intakeNames = new Map<string, { category: CategoryRow; unit: UnitRow | null; region: RegionRow }>()
  /**
   * The tasks an intake's steps left open, by its transaction (the engine's step listener fills
   * it). A new case has no other tasks, so its answer shows these instead of reading them back
   * after the commit (the last read of every staff intake).
   */
  private readonly intakeTasks = new WeakMap<Trx, Map<string, TaskRow>>()

  constructor(
    private app: FastifyInstance,
    /** The configuration every intake reads, cached (config-reads.ts). */
    private config: ConfigReads,
  ) {
    app.engine.onStep((e) => {
      const open = this.intakeTasks.get(e.trx)
      if (!open) return
      for (const t of e.createdTasks) open.set(t.id, t)
      for (const t of e.completedTasks) open.delete(t.id)
      for (const t of e.cancelledTasks) open.delete(t.id)
    })
  }

  /** What intake left for this transaction's first handler on case `id`; given once, then null. */
  takeFresh(trx: Trx, id: string | null): { row: CaseRow; owner: UnitRow | null } | null {
    const f = this.fresh.get(trx)
    if (!f || f.row.id !== id) return null
    this.fresh.delete(trx)
    return f
  }

  private get db(): Db {
    return this.app.db
  }

  // ── events ──────────────────────────────────────────────────────────────────

  async event(
    trx: Db | Trx,
    caseId: string,
    type: string,
    opts: { actor?: string | null; from?: string | null; to?: string | null; message?: string | null; data?: unknown; public?: boolean } = {},
  ) {
    const buffered = this.eventBuffers.get(trx as Trx)
    const row = {
      // Time-ordered (UUIDv7, monotonic within a millisecond): timelines sort by (at, id), and
      // a step writes several events in one millisecond (evaluated, closed); with random ids
      // they came out in any order, "closed" before "evaluated".
      id: uuidv7(),
      case_id: caseId,
      type,
      actor: opts.actor ?? null,
      at: nowIso(),
      from_value: opts.from ?? null,
      to_value: opts.to ?? null,
      message: opts.message ?? null,
      data: opts.data === undefined ? null : JSON.stringify(opts.data),
      public: opts.public ?? false,
    }
    if (buffered) buffered.push(row)
    else await insertRows(trx, 'case_events', [row])
  }

  // ── intake ──────────────────────────────────────────────────────────────────

  async category(trx: Db | Trx, code: string): Promise<CategoryRow> {
    const row = await this.config.category(trx, code)
    if (!row || !bool(row.active)) throw unprocessable(msg('error.case.unknownCategory', { category: code }))
    return row
  }

  /**
   * Creates a case and starts its procedure: the case row, its number, the process instance
   * and the first tasks commit in one transaction.
   *
   * `receivedAt` (platform code only, never from a request): when the matter was received, for
   * the demo history's open cases (src/demo/history.ts); number, deadlines and timers follow it.
   * `opened`: given the tasks the intake left open once it has committed (its procedure's first
   * tasks, in the order they were created), for an answer that shows them (receiptAndRow).
   * `place`: places the new case in the recurring problems inside the intake's transaction
   * (Clusters.placeFresh); what it answers is written with the case's last update.
   */
  async intake(
    input: IntakeInput,
    opts: {
      actor: Actor | null
      hooks?: IntakeHooks
      procedure?: string
      receivedAt?: Date
      opened?: (tasks: TaskRow[]) => void
      place?: (trx: Trx, row: CaseRow) => Promise<{ clustered_at: string; cluster_id: string | null } | null>
    },
  ): Promise<CaseRow> {
    checkIntakeText(input)
    const region = await this.app.org.regionRow(input.regionCode)
    if (!region) throw unprocessable(msg('error.org.unknownRegion', { region: input.regionCode }))
    if (opts.actor && !isSystemAdmin(opts.actor) && !this.app.org.canSeeRegion(opts.actor, region.path)) {
      throw forbidden(msg('error.case.outsideArea'))
    }
    const anonymous = !!input.petitioner.anonymous
    const now = opts.receivedAt ?? new Date()
    const tenant = region.tenant ?? ''
    // PostgreSQL: the number is drawn in a short transaction of its own. Drawn inside intake,
    // the counter row stayed locked for the whole step, so every node's intakes of a county
    // and day queued behind each other. A failed intake leaves a gap in the day's numbers.
    // (SQLite has one writer anyway: there it stays in the intake and rolls back with it.)
    const drawn = isPostgres(this.db) ? await this.db.transaction((t) => nextCaseNo(t, tenant, now)) : null
    let opened: Map<string, TaskRow> | undefined
    const committed = await this.db.transaction(async (trx) => {
      await opts.hooks?.claim(trx)
      const category = await this.category(trx, input.category)
      const urgency = input.urgency ?? 'normal'
      const regions = byLevel(await this.app.org.regionChain(region.path, trx))
      const centres = await centresFor(trx, regions, (codes) => this.config.centres(trx, codes))
      const r = await route(
        trx,
        {
          category,
          path: region.path,
          tenant: region.tenant ?? '',
          urgency,
          regions,
          decisions: this.app.decisions,
          // An administrator's matter: the case is routed by the next version (or the dispatcher).
          unusable: (version, err) => this.app.log.error({ version, err: err.message }, 'routing decision version fails today’s checks; skipped'),
        },
        (token, chain) => this.config.owner(trx, token, chain),
      )
      // A root-cause case made of a recurring problem is handled jointly whatever the rule says.
      if (opts.procedure) r.procedure = opts.procedure as typeof r.procedure
      // A rule may name a unit nobody staffs (yet): the case would wait for nobody. The nearest
      // centre's dispatcher decides instead, and the event says which unit the rule named.
      const unstaffed = r.owner && !(await this.app.org.isStaffed(unitGroup(r.owner), tenant || null, trx)) ? r.owner.code : null
      if (unstaffed) r.owner = null
      const nowS = now.toISOString()
      const caseNo = drawn ?? (await nextCaseNo(trx, tenant, now))
      const id = randomUUID()
      const responseDue = addDuration(now, r.responseLimit)
      const resolveDue = addDuration(now, r.resolveLimit)
      const row: CaseRow = {
        id,
        case_no: caseNo,
        tracking_code: trackingCode(),
        channel: input.channel,
        petitioner_type: input.petitioner.type,
        petitioner_name: anonymous ? null : input.petitioner.name?.trim() || null,
        petitioner_phone: anonymous ? null : input.petitioner.phone?.trim() || null,
        anonymous,
        // No title given: the start of the description, cut between characters (cutText); at
        // most 200 code points, the title's own limit, whatever the graphemes hold.
        title: input.title && !isBlank(input.title) ? input.title.trim() : cutText(input.description.trim(), { graphemes: 40, codePoints: 200 }),
        description: input.description,
        category: category.code,
        region_code: region.code,
        region_path: region.path,
        tenant,
        address: input.address ?? null,
        lat: input.lat ?? null,
        lng: input.lng ?? null,
        urgency,
        procedure: r.procedure,
        status: 'received',
        level: r.level,
        resolved_level: null,
        owner_unit: r.owner?.code ?? null,
        department: null,
        response_due_at: responseDue,
        resolve_due_at: resolveDue,
        responded_at: null,
        resolved_at: null,
        closed_at: null,
        overdue: false,
        created_at: nowS,
        updated_at: nowS,
        month: chinaDay(now).month,
        eval_resolved: null,
        eval_satisfaction: null,
        eval_comment: null,
        evaluated_at: null,
        evaluated_by: null,
        instance_id: null,
        created_by: opts.actor?.username ?? null,
        result: null,
        dispatcher_group: `dispatcher@${centres.nearest.code}`,
        revision: 0,
      }
      await insertRows(trx, 'cases', [row])
      this.eventBuffers.set(trx, [])
      this.fresh.set(trx, {
        row: { ...row, evaluation_expired_at: null, excluded_at: null, duplicate_of: null, cluster_id: null, clustered_at: null },
        owner: r.owner ?? null,
      })
      await this.event(trx, id, 'received', {
        actor: opts.actor?.username ?? null,
        to: 'received',
        message: eventMessage('received', { channel: input.channel }),
        data: {
          channel: input.channel,
          category: category.code,
          rule: ruleIdOf(r.rule),
          owner: r.owner?.code ?? null,
          ...(unstaffed && { unstaffedOwner: unstaffed }),
        },
        public: true,
      })
      const county = centres.byLevel.get('county')
      const city = centres.byLevel.get('city')
      const tokens = (role: string, units: (string | undefined)[]) => [...new Set(units.filter(Boolean).map((u) => `${role}@${u}`))].join(',')
      const dispatcherGroup = `dispatcher@${centres.nearest.code}`
      const grid = regions.get('grid') ?? regions.get('village')
      const followUp = (await this.config.setting(trx, 'cases.follow_up_cycle')) ?? 'R52/P7D'
      const variables: Record<string, unknown> = {
        caseId: id,
        caseNo,
        category: category.code,
        regionCode: region.code,
        urgency,
        channel: input.channel,
        procedure: r.procedure,
        level: r.level,
        ownerUnit: r.owner?.code ?? null,
        handlerGroup: r.owner ? unitGroup(r.owner) : dispatcherGroup,
        needsDispatch: !r.owner,
        dispatcherGroup,
        coordinatorGroup: dispatcherGroup,
        leaderGroup: tokens('leader', [centres.nearest.code, county?.code, city?.code]),
        callbackGroup: tokens('callback', [county?.code, city?.code]),
        supervisorGroup: tokens('supervisor', [county?.code, city?.code]),
        gridGroup: grid ? `unit:${grid.code}` : dispatcherGroup,
        responseLimit: r.responseLimit,
        resolveLimit: r.resolveLimit,
        responseDue,
        resolveDue,
        followUpCycle: followUp,
        handlingRounds: 0,
      }
      if (opts.opened) this.intakeTasks.set(trx, (opened = new Map()))
      // A procedure that calls no case handler leaves it unused.
      const instance = await this.app.engine.start(r.procedure, {
        tenant: tenant || null,
        variables,
        caseId: id,
        actor: opts.actor?.username ?? 'citizen',
        trx,
      })
      this.intakeTasks.delete(trx)
      const events = this.eventBuffers.get(trx) ?? []
      this.eventBuffers.delete(trx)
      if (events.length) await insertRows(trx, 'case_events', events)
      // What placing compares (words, place, category, time) is as intake wrote it.
      const placed = opts.place ? await opts.place(trx, row) : null
      // The row as the step's handlers left it, from the update itself (RETURNING, both databases).
      const set = setClause({ instance_id: instance.id, ...placed })
      const [created] = await sqlRows<CaseRow>(trx, `update "cases" set ${set.sql} where "id" = ? returning *`, [...set.bindings, id])
      this.fresh.delete(trx)
      if (this.intakeNames.size >= 64) this.intakeNames.delete(this.intakeNames.keys().next().value!)
      this.intakeNames.set(id, { category, unit: created.owner_unit === r.owner?.code ? r.owner : null, region })
      await opts.hooks?.record(trx, created)
      return created
    })
    if (opened) opts.opened!([...opened.values()])
    return committed
  }

  // ── access ──────────────────────────────────────────────────────────────────

  /** Restricts a cases query to what `actor` may see (region scope, or a task on the case). */
  scope(q: Knex.QueryBuilder, actor: Actor) {
    const prefix = this.regionPrefix(actor)
    if (prefix === null) return q
    const involved = this.involvement(actor)
    return q.where((w) => {
      if (prefix !== '\u0000') w.where((r) => wherePrefix(this.db, r, 'cases.region_path', prefix))
      w.orWhereIn('cases.id', involved)
    })
  }

  /**
   * The region subtree whose every case `actor` sees: null for all of them, '\u0000' for none
   * (they see only the cases they have a task on).
   */
  private regionPrefix(actor: Actor): string | null {
    if (isSystemAdmin(actor)) return null
    const regionScoped = isCountyAdmin(actor) || actor.roles.some((r) => REGION_SCOPED_ROLES.includes(r))
    return regionScoped ? this.app.org.visibleRegionPrefix(actor) : '\u0000'
  }

  /** Whether `scope` lets `actor` see every case of the region subtree `path` (by region alone). */
  seesSubtree(actor: Actor, path: string): boolean {
    const prefix = this.regionPrefix(actor)
    return prefix === null || (!prefix.includes('\u0000') && path.startsWith(prefix))
  }

  /**
   * The ids of the cases the actor has, had or is offered a task on, as one union of indexed
   * lookups. (As a correlated EXISTS with ORs inside, PostgreSQL scanned every task for it:
   * a county user's case list at 1M cases took 70 ms per query.) Only tasks of a tenant the
   * actor works on count (policy's `workTenant`, as for the tasks themselves): a task of
   * another county offered to a token they also hold gives them no sight of its case.
   */
  private involvement(actor: Actor): Knex.QueryBuilder {
    const db = this.db
    const own = workTenant(actor)
    const inScope = (q: Knex.QueryBuilder, alias: string) => (own === undefined ? q : q.where(`${alias}.tenant`, own))
    const groups = actor.groups.filter((g) => !g.startsWith('role:'))
    const offered = inScope(
      db('task_candidates as ic')
        .join('tasks as it', 'it.id', 'ic.task_id')
        .select('it.case_id')
        .where((c) => {
          c.where({ 'ic.kind': 'user', 'ic.value': actor.username })
          if (groups.length) c.orWhere((g) => g.where('ic.kind', 'group').whereIn('ic.value', groups))
        }),
      'it',
    )
    return inScope(db('tasks as at').select('at.case_id').where('at.assignee', actor.username), 'at').union([
      inScope(db('tasks as ct').select('ct.case_id').where('ct.completed_by', actor.username), 'ct'),
      offered,
    ])
  }

  /**
   * The same as `involvement`, asked of one case row at a time (a correlated EXISTS): for
   * checking a single case or a page of them, where building the whole set would be waste.
   */
  private involvedIn(actor: Actor) {
    const groups = actor.groups.filter((g) => !g.startsWith('role:'))
    const own = workTenant(actor)
    return function (this: Knex.QueryBuilder) {
      this.select(1).from('tasks as it').whereRaw('it.case_id = cases.id')
      if (own !== undefined) this.where('it.tenant', own)
      this.where((w) => {
        w.where('it.assignee', actor.username)
          .orWhere('it.completed_by', actor.username)
          .orWhereExists(function (this: Knex.QueryBuilder) {
            this.select(1)
              .from('task_candidates as ic')
              .whereRaw('ic.task_id = it.id')
              .where((c) => {
                c.where({ 'ic.kind': 'user', 'ic.value': actor.username })
                if (groups.length) c.orWhere((g) => g.where('ic.kind', 'group').whereIn('ic.value', groups))
              })
          })
      })
    }
  }

  private async isInvolved(actor: Actor, caseId: string, trx: Db | Trx = this.db): Promise<boolean> {
    const row = await trx('cases').where('cases.id', caseId).whereExists(this.involvedIn(actor)).first('cases.id')
    return !!row
  }

  /** The case if `actor` may see it; otherwise 404 (never reveal that it exists). */
  async visible(actor: Actor, id: string, trx: Db | Trx = this.db): Promise<CaseRow> {
    const q = trx('cases').where('cases.id', id).first('cases.*')
    this.scope(q, actor)
    const row = (await q) as CaseRow | undefined
    if (!row) throw notFound(msg('error.case.notFound', { caseNo: id }))
    return row
  }

  async seesPersonalData(actor: Actor, row: CaseRow, trx: Db | Trx = this.db): Promise<boolean> {
    if (bool(row.anonymous)) return false
    if (seesAllPersonalData(actor)) return true
    return this.isInvolved(actor, row.id, trx)
  }

  // ── views ───────────────────────────────────────────────────────────────────

  view(
    row: CaseRow,
    personal: boolean,
    names?: { category?: string | null; ownerUnit?: string | null; ownerUnitEn?: string | null; region?: string | null; regionEn?: string | null },
  ) {
    const anonymous = bool(row.anonymous)
    const now = nowIso()
    return {
      id: row.id,
      caseNo: row.case_no,
      channel: row.channel,
      petitioner: {
        type: row.petitioner_type,
        name: personal && !anonymous ? row.petitioner_name : null,
        phone: personal && !anonymous ? row.petitioner_phone : null,
        anonymous,
      },
      title: row.title,
      description: row.description,
      category: row.category,
      categoryName: names?.category ?? null,
      regionCode: row.region_code,
      regionName: names?.region ?? null,
      regionNameEn: names?.regionEn ?? null,
      address: row.address,
      lat: row.lat == null ? null : Number(row.lat),
      lng: row.lng == null ? null : Number(row.lng),
      urgency: row.urgency,
      procedure: row.procedure,
      status: row.status,
      level: row.level,
      resolvedLevel: row.resolved_level,
      ownerUnit: row.owner_unit,
      ownerUnitName: names?.ownerUnit ?? null,
      ownerUnitNameEn: names?.ownerUnitEn ?? null,
      tenant: row.tenant || null,
      responseDueAt: row.response_due_at,
      resolveDueAt: row.resolve_due_at,
      respondedAt: row.responded_at,
      resolvedAt: row.resolved_at,
      createdAt: row.created_at,
      closedAt: row.closed_at,
      overdue: bool(row.overdue) || (!row.closed_at && !!row.resolve_due_at && row.resolve_due_at < now),
      result: row.result,
      instanceId: row.instance_id,
      evaluation: row.evaluated_at
        ? {
            resolved: row.eval_resolved == null ? null : bool(row.eval_resolved),
            satisfaction: row.eval_satisfaction,
            comment: row.eval_comment,
            evaluatedAt: row.evaluated_at,
          }
        : null,
      evaluationExpiredAt: row.evaluation_expired_at ?? null,
      excludedAt: row.excluded_at ?? null,
      duplicateOf: row.duplicate_of ?? null,
      clusterId: row.cluster_id ?? null,
    }
  }

  private async names(rows: CaseRow[]) {
    const cats = new Map<string, string>()
    const units = new Map<string, { name: string; name_en: string | null }>()
    const regions = new Map<string, { name: string; name_en: string | null }>()
    // What intake read of a case it just registered, for the answer to that intake.
    for (const r of rows) {
      const seen = this.intakeNames.get(r.id)
      if (!seen) continue
      this.intakeNames.delete(r.id)
      if (seen.category.code === r.category) cats.set(r.category, `${seen.category.name} / ${seen.category.name_en ?? r.category}`)
      if (seen.unit && seen.unit.code === r.owner_unit) units.set(seen.unit.code, { name: seen.unit.name, name_en: seen.unit.name_en ?? null })
      if (seen.region.code === r.region_code) regions.set(r.region_code, { name: seen.region.name, name_en: seen.region.name_en ?? null })
    }
    const catCodes = [...new Set(rows.map((r) => r.category))].filter((c) => !cats.has(c))
    const unitCodes = [...new Set(rows.map((r) => r.owner_unit).filter((u): u is string => !!u))].filter((c) => !units.has(c))
    const regionCodes = [...new Set(rows.map((r) => r.region_code).filter((c): c is string => !!c))].filter((c) => !regions.has(c))
    if (catCodes.length)
      for (const c of await this.db('categories').whereIn('code', catCodes).select('code', 'name', 'name_en'))
        cats.set(c.code, `${c.name} / ${c.name_en ?? c.code}`)
    if (unitCodes.length) for (const u of await this.db('org_units').whereIn('code', unitCodes).select('code', 'name', 'name_en')) units.set(u.code, u)
    // Places and units by name in both languages (the UI shows a code to nobody).
    if (regionCodes.length) for (const g of await this.db('regions').whereIn('code', regionCodes).select('code', 'name', 'name_en')) regions.set(g.code, g)
    return (r: CaseRow) => {
      const u = r.owner_unit ? units.get(r.owner_unit) : undefined
      const g = regions.get(r.region_code)
      return {
        category: cats.get(r.category) ?? null,
        ownerUnit: u?.name ?? null,
        ownerUnitEn: u ? u.name_en || u.name : null,
        region: g?.name ?? null,
        regionEn: g ? g.name_en || g.name : null,
      }
    }
  }

  /** `view` with the category, place and unit named, as `detail` names them (a task page's case summary). */
  async namedView(row: CaseRow, personal: boolean) {
    return this.view(row, personal, (await this.names([row]))(row))
  }

  async detail(actor: Actor, id: string) {
    return this.detailOf(actor, await this.visible(actor, id))
  }

  /** The detail of a case already known to be visible to `actor`; `open`: its open tasks, when known. */
  private async detailOf(actor: Actor, row: CaseRow, open?: TaskRow[]) {
    const personal = await this.seesPersonalData(actor, row)
    const names = await this.names([row])
    const tasks: TaskRow[] = open ?? (await this.db('tasks').where({ case_id: row.id, status: 'open' }).orderBy('created_at'))
    const people = await this.app.org.displayNames(tasks.map((t) => t.assignee))
    return {
      ...this.view(row, personal, names(row)),
      activeTasks: tasks.map((t) => ({ ...taskView(t), assigneeName: (t.assignee && people.get(t.assignee)) || null })),
    }
  }

  /**
   * What staff who registered a case get back: the case as they see it, or, when their role
   * does not let them follow it (a department handler sees only cases it has tasks on), the
   * case as registered. A 404 there made the client think the intake failed and register the
   * case again, while it had been saved.
   */
  async receipt(actor: Actor, id: string) {
    return (await this.receiptAndRow(actor, id)).receipt
  }

  /**
   * The receipt and the case row it shows, read once (intake also needs the row: bench/sql-trace.ts).
   * `known`: the row as the caller just wrote it (an intake's, placed in its cluster), not read
   * again; whether the actor sees it is then judged by region when that suffices. `open`: with
   * it, the tasks that intake left open (intake's `opened`).
   */
  async receiptAndRow(actor: Actor, id: string, known?: CaseRow, open?: TaskRow[]) {
    const visible = known && this.seesSubtree(actor, known.region_path) ? known : await this.visible(actor, id).catch(() => null)
    if (visible) return { receipt: await this.detailOf(actor, visible, known && open), row: visible }
    const row: CaseRow = known ?? (await this.db('cases').where({ id }).first())
    const names = await this.names([row])
    return { receipt: { ...this.view(row, !bool(row.anonymous), names(row)), activeTasks: [] }, row }
  }

  async list(actor: Actor, query: CaseQuery) {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 200)
    const base = this.db('cases')
    this.scope(base, actor)
    if (query.status) base.where('cases.status', query.status)
    await this.filter(base, query)
    // The first page says how many match, exactly up to TOTAL_CAP; later pages need not.
    const total = query.cursor ? null : await countUpTo(this.db, base, TOTAL_CAP)
    return this.listPage(actor, base, query, limit, total)
  }

  /**
   * The case-list filters (procedure, category subtree, channel, region subtree, overdue,
   * filing dates, text or case number) on a query that reads `cases` under that name: the
   * case list and the task list (which joins each task's case) filter the same way.
   */
  async filter(base: Knex.QueryBuilder, query: Omit<CaseQuery, 'status' | 'limit' | 'cursor' | 'offset'>) {
    if (query.procedure) base.where('cases.procedure', query.procedure)
    if (query.category)
      base.where((w) => w.where('cases.category', query.category!).orWhere((x) => wherePrefix(this.db, x, 'cases.category', `${query.category}.`)))
    if (query.channel) base.where('cases.channel', query.channel)
    if (query.region) {
      // An unknown region matches no case (an empty page, as an unknown status or category does).
      const prefix = await this.app.org.regionSubtreePrefix(query.region)
      if (prefix === null) base.whereRaw('1 = 0')
      else wherePrefix(this.db, base, 'cases.region_path', prefix)
    }
    const now = nowIso()
    if (query.overdue === true)
      base.where((w) => w.where('cases.overdue', true).orWhere((x) => x.whereNull('cases.closed_at').where('cases.resolve_due_at', '<', now)))
    if (query.overdue === false) base.where('cases.overdue', false).where((x) => x.whereNotNull('cases.closed_at').orWhere('cases.resolve_due_at', '>=', now))
    if (query.from) base.where('cases.created_at', '>=', new Date(query.from).toISOString())
    if (query.to) base.where('cases.created_at', '<', new Date(query.to).toISOString())
    if (query.q && CASE_NO.test(query.q.trim())) {
      // A case number (or its start, as read out on the phone): the unique index, not a scan.
      wherePrefix(this.db, base, 'cases.case_no', query.q.trim().toUpperCase())
    } else if (query.q) {
      this.textFilter(base, query.q)
    }
  }

  private async listPage(actor: Actor, base: Knex.QueryBuilder, query: CaseQuery, limit: number, total: number | null) {
    const page = base.clone().select('cases.*')
    if (query.cursor) {
      const [at, cid] = decodeCursor(query.cursor)
      page.where((w) => w.where('cases.created_at', '<', at).orWhere((x) => x.where('cases.created_at', at).where('cases.id', '<', cid)))
    } else if (query.offset) page.offset(query.offset)
    page
      .orderBy([
        { column: 'cases.created_at', order: 'desc' },
        { column: 'cases.id', order: 'desc' },
      ])
      .limit(limit + 1)
    const rows: CaseRow[] = await page
    const more = rows.length > limit
    const items = rows.slice(0, limit)
    const names = await this.names(items)
    const personalAll = seesAllPersonalData(actor)
    const involvedIds = new Set<string>()
    if (!personalAll && items.length) {
      const inv = await this.db('cases')
        .whereIn(
          'cases.id',
          items.map((r) => r.id),
        )
        .whereExists(this.involvedIn(actor))
        .select('cases.id')
      for (const r of inv) involvedIds.add(r.id)
    }
    const last = items[items.length - 1]
    return {
      items: items.map((r) => this.view(r, !bool(r.anonymous) && (personalAll || involvedIds.has(r.id)), names(r))),
      ...totalFields(total, TOTAL_CAP),
      next: more && last ? encodeCursor(last.created_at, last.id) : null,
    }
  }

  /**
   * `q` as a substring of title, description or case number, case-insensitive (Unicode letters
   * too), answered by the trigram indexes of migration 008 from three characters on; shorter
   * text scans. Both databases find the same cases: a match lies within one of the three.
   */
  private textFilter(q: Knex.QueryBuilder, text: string) {
    const like = `%${escapeLike(text)}%`
    if (isPostgres(this.db)) {
      // The index is over the three joined by spaces, so it alone also matched across a
      // boundary ("…堵塞 请" from a title's end and a description's start), which SQLite's
      // per-column FTS never did. It stays the pre-filter the planner uses (rebuilding it over
      // another expression costs minutes at 1M cases); the per-column test decides.
      return q
        .whereRaw(`${CASE_TEXT_PG} ilike ? escape '\\'`, [like])
        .where((w) =>
          w
            .whereRaw("cases.title ilike ? escape '\\'", [like])
            .orWhereRaw("cases.description ilike ? escape '\\'", [like])
            .orWhereRaw("cases.case_no ilike ? escape '\\'", [like]),
        )
    }
    if ([...text].length >= 3) {
      return q.whereRaw('cases.id in (select case_id from cases_text where cases_text match ?)', [`"${text.replace(/"/g, '""')}"`])
    }
    // SQLite's LIKE folds ASCII letters only, where the trigram index and PostgreSQL's ilike fold
    // all: a short query with other cased letters ("Жк") compares lower-cased text instead, through
    // the connection's `unicode_lower` (src/lib/db.ts), a JavaScript call per row, so only then.
    const column = hasNonAsciiCase(text) ? (c: string) => `unicode_lower(${c})` : (c: string) => c
    const pattern = hasNonAsciiCase(text) ? `%${escapeLike(text.toLowerCase())}%` : like
    return q.where((w) =>
      w
        .whereRaw(`${column('cases.title')} like ? escape '\\'`, [pattern])
        .orWhereRaw(`${column('cases.description')} like ? escape '\\'`, [pattern])
        .orWhereRaw(`${column('cases.case_no')} like ? escape '\\'`, [pattern]),
    )
  }

  /** Engine history of every instance of the case, and the case's own events, in order. */
  async history(actor: Actor, id: string) {
    const row = await this.visible(actor, id)
    const engine = await this.db('history').where({ case_id: row.id }).orderBy('id')
    const events = await this.db('case_events')
      .where({ case_id: row.id })
      .orderBy([{ column: 'at' }, { column: 'id' }])
    const items = [
      ...engine.map((h: HistoryRow, i: number) => {
        const data = parseStoredJson(h.data) as Record<string, unknown> | null
        return {
          at: h.at as string,
          seq: i,
          source: 'engine' as const,
          type: h.type as string,
          actor: h.actor ?? null,
          instanceId: h.instance_id,
          elementId: h.element_id ?? null,
          elementType: h.element_type ?? null,
          name: h.name ?? null,
          from: h.type === 'variable_change' ? (data?.from ?? null) : null,
          to: h.type === 'variable_change' ? (data?.to ?? null) : null,
          message: null as string | null,
          data,
        }
      }),
      ...events.map((e: CaseEventRow, i: number) => ({
        at: e.at as string,
        seq: 1e9 + i,
        source: 'case' as const,
        type: e.type as string,
        actor: e.actor ?? null,
        instanceId: null,
        elementId: null,
        elementType: null,
        name: null,
        from: e.from_value ?? null,
        to: e.to_value ?? null,
        message: e.message ?? null,
        data: parseStoredJson(e.data),
      })),
    ]
    items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq))
    const names = await this.app.org.displayNames(items.map((x) => x.actor as string | null))
    return items.map(({ seq: _seq, ...rest }) => ({ ...rest, actorName: (rest.actor && names.get(rest.actor)) || null }))
  }

  /** The current procedure's diagram and the state of each activity, for the viewer. */
  async diagram(actor: Actor, id: string) {
    const row = await this.visible(actor, id)
    // Imported and demo history cases were written without an instance (src/demo/history.ts).
    if (!row.instance_id) throw notFound(msg('error.case.noInstance', { caseNo: row.case_no }))
    const instance = await this.db('process_instances').where({ id: row.instance_id }).first()
    const def = await this.db('process_definitions').where({ id: instance.definition_id }).first('xml', 'key', 'version')
    const states = new Map<string, string>()
    const hist = await this.db('history').where({ instance_id: instance.id }).whereIn('type', ['activity_end', 'task_cancel', 'timer_fired']).orderBy('id')
    // A task whose deadline timer (shuoshi:deadline) fired after it was created is overdue,
    // whatever the clock says (the poller may have been driven ahead of it).
    const { deadlineOf } = platformModel(await this.app.engine.definitions.load(instance.definition_id))
    const lateSince = new Map<string, string>()
    for (const h of hist) if (h.type === 'timer_fired' && deadlineOf.has(h.element_id)) lateSince.set(deadlineOf.get(h.element_id)!, h.at)
    for (const h of hist) if (h.element_id && h.type === 'task_cancel' && !states.has(h.element_id)) states.set(h.element_id, 'cancelled')
    for (const h of hist) if (h.element_id && h.type === 'activity_end') states.set(h.element_id, 'completed')
    const now = nowIso()
    for (const a of JSON.parse(instance.activities || '[]') as { id: string; type: string }[]) {
      if (a.type !== 'bpmn:BoundaryEvent') states.set(a.id, 'active')
    }
    const open: TaskRow[] = await this.db('tasks').where({ instance_id: instance.id, status: 'open' })
    for (const t of open) {
      const late = (t.due_at && t.due_at < now) || (lateSince.get(t.element_id) ?? '') >= t.created_at
      states.set(t.element_id, late ? 'overdue' : 'active')
    }
    return {
      key: def.key,
      version: def.version,
      xml: def.xml,
      activities: [...states.entries()].map(([eid, state]) => ({ id: eid, state })),
    }
  }

  // ── citizens ────────────────────────────────────────────────────────────────

  async byTrackingCode(caseNo: string, code: string | undefined): Promise<CaseRow> {
    // A number read off a message or over the phone is typed in any case ("xh20261205-0002"), as the
    // code already is; numbers the platform gives are upper case, and an imported one that is not
    // (an Open311 or Baltimore number) still matches exactly first.
    const typed = caseNo.trim()
    const rows: CaseRow[] = await this.db('cases').whereIn('case_no', [...new Set([typed, typed.toUpperCase()])])
    const row = rows.find((r) => r.case_no === typed) ?? rows[0]
    const given = Buffer.from(String(code ?? '').toUpperCase())
    const expected = Buffer.from(row?.tracking_code ?? 'no-such-case-code')
    const ok = !!row && given.length === expected.length && timingSafeEqual(given, expected)
    if (!ok) throw notFound(msg('error.case.trackingNotFound', { caseNo }))
    return row!
  }

  /**
   * The citizen's view. A case linked as a duplicate follows its main case: status, dates,
   * result and evaluation are the main case's, and the timeline is its own events up to the
   * link followed by the main case's public events (no personal data either way).
   */
  async track(caseNo: string, code: string | undefined) {
    const row = await this.byTrackingCode(caseNo, code)
    const main: CaseRow | null = row.duplicate_of ? ((await this.db('cases').where({ id: row.duplicate_of }).first()) ?? null) : null
    const shown = main ?? row
    const events = await this.db('case_events')
      .whereIn('case_id', main ? [row.id, main.id] : [row.id])
      .where({ public: true })
      .orderBy([{ column: 'at' }, { column: 'id' }])
    const cat = await this.db('categories').where({ code: shown.category }).first('name', 'name_en')
    const evalTask = (await openTasksWithRole(this.app.engine.definitions, row.id, 'evaluation', this.db))[0]
    const finished = shown.status === 'awaiting_evaluation' || shown.status === 'closed'
    return {
      caseNo: row.case_no,
      status: shown.status,
      statusName: STATUS_NAMES[shown.status] ?? shown.status,
      title: row.title,
      category: shown.category,
      categoryName: cat ? `${cat.name} / ${cat.name_en}` : null,
      categoryNames: cat ? { name: cat.name, nameEn: cat.name_en ?? null } : null,
      procedure: shown.procedure,
      createdAt: row.created_at,
      responseDueAt: shown.response_due_at,
      resolveDueAt: shown.resolve_due_at,
      respondedAt: shown.responded_at,
      closedAt: shown.closed_at,
      awaitingEvaluation: !!evalTask,
      evaluation: shown.evaluated_at ? { resolved: bool(shown.eval_resolved), satisfaction: shown.eval_satisfaction, evaluatedAt: shown.evaluated_at } : null,
      // The handler's result is the citizen's once it is reported back (feedback), verbatim.
      result: finished ? shown.result : null,
      duplicateOf: main ? { caseNo: main.case_no } : null,
      timeline: events.map((e: CaseEventRow) => {
        const data = parseStoredJson(e.data) as Record<string, unknown> | null
        return {
          at: e.at,
          type: e.type,
          status: e.to_value && STATUS_NAMES[e.to_value] ? e.to_value : null,
          // Rebuilt from what the citizen may see: the stored message ends with staff-only text.
          message: publicEventMessage(e.type, data),
          // The sentence's parameters and the public text (EVENT_TEXT): the UI renders event.<type>.
          data: publicEventData(e.type, data),
          ...(main && { caseNo: e.case_id === main.id ? main.case_no : row.case_no }),
        }
      }),
      // An undelivered evaluation reminder is moot once the case no longer awaits an evaluation.
      notices: (await noticesOfCase(this.db, row.id)).filter((n) => n.kind !== 'evaluation_due' || n.delivered || shown.status === 'awaiting_evaluation'),
    }
  }

  /** Records the citizen's evaluation by completing the open evaluation task (409 when none). */
  async evaluate(row: CaseRow, actor: Actor, input: { resolved: boolean; satisfaction: string; comment?: string }, source: 'citizen' | 'callback') {
    return this.db.transaction(async (trx) => {
      const task: TaskRow | undefined = (await openTasksWithRole(this.app.engine.definitions, row.id, 'evaluation', trx))[0]
      if (!task) throw conflict(msg('error.case.notAwaitingEvaluation'))
      // The citizen proved the tracking code of this case, which grants this one task. Callback
      // staff whose area covers the case take the citizen's answer down whoever a county's
      // diagram offers the task to (only they and the citizen are recorded: case.evaluate);
      // others are checked as the task's candidates like any other completion.
      const authorised = source === 'citizen' || this.seesSubtree(actor, row.region_path)
      await this.app.tasks.complete(
        actor,
        task.id,
        { resolved: input.resolved, satisfaction: input.satisfaction, comment: input.comment ?? '' },
        { trx, platform: { evaluationSource: source }, authorised },
      )
      return (await trx('cases').where({ id: row.id }).first()) as CaseRow
    })
  }
}

/** Whether `text` has a letter outside ASCII whose case can change (LIKE on SQLite would not fold it). */
function hasNonAsciiCase(text: string): boolean {
  for (const ch of text) if (ch > '\x7f' && ch.toLowerCase() !== ch.toUpperCase()) return true
  return false
}
