import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { Engine } from 'bpmn-engine'
import * as Elements from 'bpmn-elements'
import type { Db, Trx } from '../lib/db.js'
import { nowIso } from '../lib/db.js'
import { conflict, HttpError, msg, notFound, RevisionConflict, unprocessable } from '../lib/errors.js'
import type { DefinitionStore, LoadedDefinition } from './definitions.js'
import { feelContext, feelExpressions } from './expressions.js'
import { evalFeel, resolveValue } from './feel.js'
import type { ElementInfo } from './model.js'
import { persistExternalTasks, type ExternalCreated, type ExternalOutcome } from './external-tasks.js'
import { cardinalityProblem, LIMITS, STEP_LIMITS, timerLimitProblem, type LimitProblem } from './validate-limits.js'
import { bilingual } from '../messages/index.js'

export interface InstanceRow {
  id: string
  definition_id: string
  key: string
  tenant: string
  case_id: string | null
  parent_id: string | null
  parent_execution_id: string | null
  parent_element_id: string | null
  status: 'running' | 'completed' | 'failed'
  state: string | null
  variables: string
  activities: string | null
  revision: number
  started_at: string
  started_by: string | null
  ended_at: string | null
  error: string | null
}

export interface TaskRow {
  id: string
  instance_id: string
  case_id: string | null
  process_key: string
  tenant: string
  element_id: string
  execution_id: string
  name: string | null
  assignee: string | null
  candidate_users: string | null
  candidate_groups: string | null
  due_at: string | null
  priority: number
  form_key: string | null
  status: 'open' | 'completed' | 'cancelled'
  created_at: string
  claimed_at: string | null
  ended_at: string | null
  completed_by: string | null
  data: string | null
}

export interface TimerRow {
  id: string
  instance_id: string
  element_id: string
  execution_id: string
  parent_execution_id: string | null
  timer_type: string | null
  value: string | null
  due_at: string
  status: 'pending' | 'fired' | 'cancelled' | 'failed'
  claimed_by: string | null
  claimed_until: string | null
  attempts: number
  error: string | null
  created_at: string
  fired_at: string | null
}

export interface HistoryInput {
  instance_id: string | null
  case_id: string | null
  type: string
  element_id?: string | null
  element_type?: string | null
  name?: string | null
  actor?: string | null
  at: string
  data?: string | null
}

/** What one step changed, handed to step listeners inside the step's transaction. */
export interface StepEffects {
  trx: Trx
  instance: InstanceRow
  definition: LoadedDefinition
  createdTasks: TaskRow[]
  completedTasks: TaskRow[]
  cancelledTasks: TaskRow[]
  /** Element ids of activities that ended (completed normally) in this step. */
  endedActivities: string[]
  ended: boolean
  variables: Record<string, unknown>
  actor: string | null
}

export type StepListener = (effects: StepEffects) => Promise<void> | void

export interface HandlerContext {
  trx: Trx
  instanceId: string
  caseId: string | null
  tenant: string | null
  elementId: string
  variables: Readonly<Record<string, unknown>>
  inputs: Record<string, unknown>
  actor: string | null
}
export type Handler = (ctx: HandlerContext) => Promise<Record<string, unknown> | void> | Record<string, unknown> | void

/** Keys bpmn-elements leaves on the process environment's variables that are not data. */
const engineKeys = new Set(['fields', 'content', 'properties'])
const waitingTaskTypes = new Set(['bpmn:UserTask', 'bpmn:ManualTask'])
/** How often a step's event-loop watch re-arms (see StepContext.lastTurn). */
const TURN_MS = 10
const MAX_CALL_DEPTH = 16

export function cleanVariables(vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(vars ?? {})) if (!engineKeys.has(k) && typeof v !== 'function') out[k] = v
  return out
}

function splitList(value: unknown): string[] {
  if (value == null) return []
  const list = Array.isArray(value) ? value : String(value).split(',')
  return list.map((v) => String(v).trim()).filter(Boolean)
}

function toIso(value: unknown): string | null {
  if (value == null || value === '') return null
  if (value instanceof Date) return value.toISOString()
  const s = String(value)
  // An ISO duration counts from now: a deadline written as "P7D" is a week from creation.
  if (/^P(?!$)/.test(s)) return String(evalFeel('now() + duration(d)', { d: s }))
  const d = new Date(s)
  if (Number.isNaN(d.getTime())) throw unprocessable(msg('error.engine.notADate', { value: s }))
  return d.toISOString()
}

/**
 * Sets variables where the flow reads them: the activity's own environment (a subprocess
 * has a copy) and the process's, which is what is saved.
 */
function setVariables(ctx: StepContext, environment: any, values: Record<string, unknown>) {
  if (environment?.variables) Object.assign(environment.variables, values)
  Object.assign(ctx.variables(), values)
}

/**
 * Runs engine work; what the engine throws (a failing service task surfaces from signal()
 * or execute()) fails the step with a 422 in persist, while our own HTTP errors pass through.
 */
async function engineRun(ctx: StepContext, fn: () => unknown) {
  try {
    await fn()
  } catch (err) {
    if (err instanceof HttpError) throw err
    ctx.error ??= err as Error
  }
}

/**
 * The limit an armed timer breaks (its value may come from an expression, so deploy could
 * not check it): the same rules as a literal, plus a due time within the sane date range.
 */
function runtimeTimerProblem(c: any): LimitProblem | null {
  const kind = c.timerType as string | undefined
  const value = kind ? c[kind] : undefined
  const p = kind && typeof value === 'string' ? safeTimerProblem(kind, value) : null
  if (p) return p
  const expireAt = c.expireAt == null ? NaN : new Date(c.expireAt).getTime()
  if (c.expireAt != null && (Number.isNaN(expireAt) || expireAt < LIMITS.dateMin || expireAt >= LIMITS.dateMax)) {
    return msg('step.dueOutOfRange', { due: String(c.expireAt) })
  }
  return null
}

function safeTimerProblem(kind: string, value: string): LimitProblem | null {
  if (kind !== 'timeDuration' && kind !== 'timeDate' && kind !== 'timeCycle') return null
  try {
    return value.trim() ? timerLimitProblem(kind, value.trim()) : null
  } catch {
    return null // not ISO-8601: bpmn-elements reports that itself
  }
}

/** Fires the engine's armed timer of an execution, if it has one; true when it fired. */
function fireArmed(ctx: StepContext, executionId: string): boolean {
  const ref = (ctx.timers as any).executing.find((r: any) => r.owner?.executionId === executionId)
  if (!ref) return false
  ref.callback(...ref.args)
  return true
}

/** Sets the expiry of each armed timer in a saved engine state to its due time in the table. */
export function alignTimers(state: unknown, dueByExecution: Map<string, string>) {
  const visit = (o: any) => {
    if (!o || typeof o !== 'object') return
    if (Array.isArray(o)) return o.forEach(visit)
    if (typeof o.executionId === 'string' && 'expireAt' in o) {
      const due = dueByExecution.get(o.executionId)
      if (due && o.expireAt !== due) {
        o.expireAt = due
        if ('timeout' in o) o.timeout = Date.parse(due) - Date.now()
        // A recovered timer takes the earlier of expireAt and its re-parsed timeDate.
        if (typeof o.timeDate === 'string') o.timeDate = due
      }
    }
    for (const k in o) visit(o[k])
  }
  visit(state)
}

/**
 * Inserts rows in chunks in the step's transaction. Not knex's batchInsert: each call of that
 * waits a 1 ms timer and wraps itself in a savepoint (2 more statements) — on SQLite ~2 ms of
 * every insert, a third of a step's wall time (bench/profile.ts). The step's transaction
 * already makes the chunks atomic.
 */
async function insertRows(trx: Trx, table: string, rows: object[], chunkSize: number) {
  for (let i = 0; i < rows.length; i += chunkSize) await trx(table).insert(rows.slice(i, i + chunkSize))
}

/**
 * Who receives a task comes from expressions over variables: a value longer than the columns
 * hold (255 characters; PostgreSQL refuses it) fails the step with a 422 naming the task
 * rather than the database's error.
 */
function checkReceivers(t: TaskRow) {
  const tooLong = [t.assignee, ...splitList(t.candidate_users), ...splitList(t.candidate_groups)].find((v) => v != null && v.length > 255)
  if (tooLong) {
    throw unprocessable(msg('error.engine.receiverTooLong', { element: t.element_id }), [{ elementId: t.element_id, message: 'receiver too long' }])
  }
}

/** A silent logger: bpmn-engine's debug output is noise at our level. */
function silentLogger() {
  const noop = () => {}
  return { debug: noop, error: noop, warn: noop }
}

interface StepRun {
  /** Acts on the running execution (signal a task, fire a timer, deliver a message). */
  act?: (ctx: StepContext) => void | Promise<void>
  actor: string | null
}

/**
 * A step that went over one of its budgets (STEP_LIMITS) or met an out-of-bounds value from
 * an expression: it fails that instance only. `elementId` names where it happened.
 */
export class StepLimitError extends Error {
  constructor(
    readonly elementId: string | null,
    problem: LimitProblem,
  ) {
    super(`${elementId ? `${elementId}: ` : ''}${bilingual(problem.key, problem.params)}`)
  }
}

/**
 * A live engine with what is wired into it once: its listener, its timers and its services
 * all act on `ctx`, the step now running, so a cached engine can serve the next step.
 */
class EngineHolder {
  readonly listener = new EventEmitter()
  // Timers never run in-process: the poller fires them from the timers table.
  readonly timers = new Elements.Timers({ setTimeout: (() => 0) as any, clearTimeout: () => undefined })
  engine!: Engine
  ctx!: StepContext
  /** External tasks waiting in this engine: the service callback of each, by execution id. */
  readonly externalWaits = new Map<string, (err: Error | null, output?: Record<string, unknown>) => void>()
}

class StepContext {
  readonly pending = new Set<Promise<unknown>>()
  execution: any
  readonly createdTasks = new Map<string, TaskRow>()
  readonly endedExecutions = new Set<string>()
  readonly leftExecutions = new Set<string>()
  readonly endedActivities: string[] = []
  readonly timersArmed = new Map<string, TimerRow>()
  readonly timersFired = new Set<string>()
  /** Executions with a pending timer row when the step began (read by `step`; none for a new instance). */
  pendingTimers = new Set<string>()
  readonly subscriptions: any[] = []
  readonly calls: { elementId: string; executionId: string; calledElement: string }[] = []
  readonly history: HistoryInput[] = []
  /** Data submitted for a signalled task, applied when its activity ends. */
  readonly taskOutputs = new Map<string, Record<string, unknown>>()
  /** External tasks that started waiting in this step (or were announced again on resume). */
  readonly externalCreated = new Map<string, ExternalCreated>()
  ended = false
  error: Error | null = null
  /** What this step has used of STEP_LIMITS; `overBudget` once it went over. */
  private used = { activities: 0, tasks: 0, timers: 0 }
  private readonly entries = new Map<string, number>()
  private readonly startedAt = Date.now()
  overBudget: StepLimitError | null = null
  /**
   * When the event loop last got a turn during this step: a timer re-arms itself every
   * few ms and cannot run while the engine holds the thread, so `Date.now() - lastTurn`
   * is how long the current synchronous stretch has blocked everyone else (/health).
   */
  private lastTurn = Date.now()
  private turnTimer: NodeJS.Timeout | null = setTimeout(() => this.turn(), TURN_MS).unref()

  private turn() {
    this.lastTurn = Date.now()
    this.turnTimer = setTimeout(() => this.turn(), TURN_MS).unref()
  }

  /** The step is over (written or failed): stop watching the event loop. */
  finish() {
    if (this.turnTimer) clearTimeout(this.turnTimer)
    this.turnTimer = null
  }

  constructor(
    readonly trx: Trx,
    readonly instance: InstanceRow,
    readonly def: LoadedDefinition,
    readonly actor: string | null,
    readonly holder: EngineHolder,
  ) {
    holder.ctx = this
  }

  get timers() {
    return this.holder.timers
  }

  /**
   * Charges one activity event to the step's budget; throws when the step must stop.
   * bpmn-engine runs synchronously inside smqp, and a runaway (a `R/PT0S` cycle, a flow
   * looping back) never returns to us; the engine's own listener does not even hear it, as
   * smqp queues events for a consumer still busy up the stack. So each activity's broker
   * feeds this directly (see `newEngine`): the throw is not caught by smqp and unwinds the
   * run to `engineRun`. Once over budget every further event throws too, in case something
   * in between caught the first.
   */
  charge(type: string, c: any) {
    if (this.overBudget) throw this.overBudget
    let problem: LimitProblem | null = null
    if (type === 'activity.start') {
      // Per scope: each iteration of a multi-instance subprocess runs its children afresh.
      const scoped = `${c.parent?.executionId ?? ''}/${c.id}`
      const entered = c.isMultiInstance || typeof c.id !== 'string' ? 0 : (this.entries.get(scoped) ?? 0) + 1
      if (entered) this.entries.set(scoped, entered)
      if (++this.used.activities > STEP_LIMITS.activities) {
        problem = msg('step.activities', { max: STEP_LIMITS.activities })
      } else if (entered > STEP_LIMITS.reentries) {
        problem = msg('step.loop', { count: entered })
      } else if (typeof c.loopCardinality === 'number') {
        problem = cardinalityProblem(c.loopCardinality)
      }
    } else if (type === 'activity.wait' && waitingTaskTypes.has(c.type) && ++this.used.tasks > STEP_LIMITS.tasks) {
      problem = msg('step.tasks', { max: STEP_LIMITS.tasks })
    } else if (type === 'activity.timer') {
      if (++this.used.timers > STEP_LIMITS.timers) {
        problem = msg('step.timers', { max: STEP_LIMITS.timers })
      } else {
        problem = runtimeTimerProblem(c)
      }
    }
    if (!problem) {
      const now = Date.now()
      if (now - this.startedAt > STEP_LIMITS.ms) {
        problem = msg('step.time', { seconds: STEP_LIMITS.ms / 1000 })
      } else if (this.used.activities > STEP_LIMITS.syncAfter && this.turnTimer && now - this.lastTurn > STEP_LIMITS.syncMs + TURN_MS) {
        problem = msg('step.cpu', { ms: STEP_LIMITS.syncMs })
      }
    }
    if (problem) this.fail(c.id ?? null, problem)
  }

  /** Fails the step (see `charge`): records why, and throws to unwind the engine. */
  fail(elementId: string | null, problem: LimitProblem): never {
    this.overBudget = new StepLimitError(elementId, problem)
    this.error ??= this.overBudget
    throw this.overBudget
  }

  get engine() {
    return this.holder.engine
  }

  event(type: string, api: any, data?: unknown) {
    this.history.push({
      instance_id: this.instance.id,
      case_id: this.instance.case_id,
      type,
      element_id: api?.id ?? null,
      element_type: api?.type ?? null,
      name: api?.name ?? this.def.elements.get(api?.id)?.name ?? null,
      actor: this.actor,
      at: nowIso(),
      data: data === undefined ? null : JSON.stringify(data),
    })
  }

  track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p)
    p.finally(() => this.pending.delete(p)).catch(() => undefined)
    return p
  }

  async settle() {
    while (this.pending.size) await Promise.allSettled([...this.pending])
    await new Promise((r) => setImmediate(r))
  }

  variables(): Record<string, unknown> {
    const proc = this.execution?.definitions?.[0]?.getProcesses?.()[0]
    return proc?.environment?.variables ?? {}
  }
}

/**
 * The durable runtime. Every change is a "step": recover the instance's engine state,
 * act, let the engine run to its next waits, then write state, tasks, timers,
 * subscriptions and history in the caller's transaction. The instance row's revision
 * makes concurrent steps on one instance fail (409) instead of overwriting each other.
 */
export class Runtime {
  private handlers = new Map<string, Handler>()
  private live = new Map<string, { holder: EngineHolder; revision: number }>()
  private stepListeners: StepListener[] = []
  private expressions = feelExpressions()

  constructor(
    private db: Db,
    readonly definitions: DefinitionStore,
    /** How many parked engines to keep in memory for their instance's next step (0: none). */
    private liveLimit = 16,
  ) {}

  /** Runs business rule tasks (camunda:decisionRef): set by the decisions module (business-rule.ts). */
  private ruleTask: ((info: ElementInfo) => Handler) | null = null
  setBusinessRuleHandler(fn: (info: ElementInfo) => Handler) {
    this.ruleTask = fn
  }

  registerHandler(name: string, handler: Handler) {
    this.handlers.set(name, handler)
  }

  handlerNames(): ReadonlySet<string> {
    return new Set(this.handlers.keys())
  }

  onStep(listener: StepListener) {
    this.stepListeners.push(listener)
  }

  /** Runs `fn` in the caller's transaction, or a new one. */
  private inTrx<T>(trx: Trx | undefined, fn: (trx: Trx) => Promise<T>): Promise<T> {
    return trx ? fn(trx) : this.db.transaction(fn)
  }

  async start(
    key: string,
    opts: { tenant?: string | null; variables?: Record<string, unknown>; caseId?: string | null; actor?: string | null; trx?: Trx; definitionId?: string },
  ): Promise<InstanceRow> {
    return this.inTrx(opts.trx, async (trx) => {
      const defRow = opts.definitionId ? await this.definitions.get(opts.definitionId, trx) : await this.definitions.resolve(key, opts.tenant, trx)
      return this.startDefinition(trx, defRow.id, {
        tenant: opts.tenant ?? defRow.tenant,
        variables: opts.variables ?? {},
        caseId: opts.caseId ?? null,
        actor: opts.actor ?? null,
      })
    })
  }

  private async startDefinition(
    trx: Trx,
    definitionId: string,
    opts: {
      tenant: string | null
      variables: Record<string, unknown>
      caseId: string | null
      actor: string | null
      parent?: { id: string; executionId: string; elementId: string }
      depth?: number
    },
  ): Promise<InstanceRow> {
    const def = await this.definitions.load(definitionId, trx)
    const instance: InstanceRow = {
      id: randomUUID(),
      definition_id: def.row.id,
      key: def.row.key,
      tenant: opts.tenant ?? '',
      case_id: opts.caseId,
      parent_id: opts.parent?.id ?? null,
      parent_execution_id: opts.parent?.executionId ?? null,
      parent_element_id: opts.parent?.elementId ?? null,
      status: 'running',
      state: null,
      variables: JSON.stringify(opts.variables),
      activities: null,
      revision: 0,
      started_at: nowIso(),
      started_by: opts.actor,
      ended_at: null,
      error: null,
    }
    const holder = this.newEngine(def, instance)
    const ctx = new StepContext(trx, instance, def, opts.actor, holder)
    try {
      ctx.event('instance_start', { id: def.row.key, type: 'bpmn:Process', name: def.row.name }, { definitionId: def.row.id, version: def.row.version })
      await engineRun(ctx, async () => {
        ctx.execution = await holder.engine.execute({ listener: holder.listener, variables: { ...opts.variables } })
      })
      await ctx.settle()
    } finally {
      ctx.finish()
    }
    await this.persist(trx, ctx, { insert: true, depth: opts.depth ?? 0 })
    return instance
  }

  /**
   * Completes a waiting user task: the caller has checked who may complete it; this moves
   * the engine on, and the step marks the task row completed with `data` (or 409s).
   */
  async completeTask(trx: Trx, task: TaskRow, data: Record<string, unknown>, actor: string | null): Promise<InstanceRow> {
    const instance = await this.loadInstance(trx, task.instance_id)
    return this.step(trx, instance, {
      actor,
      act: (ctx) => {
        ctx.taskOutputs.set(task.execution_id, data)
        // By execution id alone: bpmn-elements accepts a signal whose id OR execution id
        // matches, so naming the element would complete every parallel iteration of it.
        ctx.execution.signal({ executionId: task.execution_id })
        if (!ctx.endedExecutions.has(task.execution_id) && !ctx.error) {
          throw conflict(msg('error.task.notWaiting', { element: task.element_id }))
        }
      },
    })
  }

  /**
   * Ends a waiting external task as a worker reported: completed with variables, or a BPMN
   * error (which a boundary event must catch; otherwise a 422 and nothing changes). The
   * caller has checked the lock and marked the row.
   */
  async resumeExternal(
    trx: Trx,
    task: { instance_id: string; execution_id: string; element_id: string },
    outcome: ExternalOutcome,
    actor: string | null,
  ): Promise<InstanceRow> {
    const instance = await this.loadInstance(trx, task.instance_id)
    return this.step(trx, instance, {
      actor,
      act: (ctx) => {
        const resume = ctx.holder.externalWaits.get(task.execution_id)
        if (!resume) throw conflict(msg('error.externalTask.notWaiting', { element: task.element_id }))
        ctx.holder.externalWaits.delete(task.execution_id)
        if (outcome.kind === 'complete') {
          resume(null, outcome.variables)
        } else {
          setVariables(ctx, null, outcome.variables)
          resume(Object.assign(new Error(outcome.message || outcome.code), { code: outcome.code }))
          if (ctx.error) throw unprocessable(msg('error.externalTask.uncaughtError', { code: outcome.code, element: task.element_id }))
        }
        if (!ctx.endedExecutions.has(task.execution_id) && !ctx.leftExecutions.has(task.execution_id) && !ctx.error) {
          throw conflict(msg('error.externalTask.notWaiting', { element: task.element_id }))
        }
      },
    })
  }

  /** Fires one due timer (called by the poller with the row it claimed). */
  async fireTimer(trx: Trx, timer: TimerRow): Promise<boolean> {
    const instance = await trx('process_instances').where({ id: timer.instance_id }).first()
    if (!instance || instance.status !== 'running') {
      await trx('timers').where({ id: timer.id }).update({ status: 'cancelled', claimed_by: null, claimed_until: null })
      return false
    }
    let fired = false
    await this.step(trx, instance, {
      actor: null,
      act: (ctx) => {
        // An expired timer already fired while the engine resumed; otherwise fire it now.
        if (ctx.timersFired.has(timer.execution_id)) {
          fired = true
          return
        }
        fired = fireArmed(ctx, timer.execution_id)
      },
    })
    if (!fired) await trx('timers').where({ id: timer.id, status: 'pending' }).update({ status: 'cancelled', claimed_by: null, claimed_until: null })
    return fired
  }

  /** Delivers a message (or a BPMN signal) to one waiting subscription of an instance. */
  async deliver(
    trx: Trx,
    sub: { instance_id: string; ref_id: string; execution_id: string; kind: string; name: string },
    variables: Record<string, unknown>,
    actor: string | null,
  ): Promise<InstanceRow> {
    const instance = await this.loadInstance(trx, sub.instance_id)
    return this.step(trx, instance, {
      actor,
      act: (ctx) => {
        ctx.event(sub.kind === 'signal' ? 'signal_received' : 'message_received', { id: sub.ref_id }, { name: sub.name, variables })
        Object.assign(ctx.variables(), variables)
        ctx.execution.signal({ id: sub.ref_id, executionId: sub.execution_id })
      },
    })
  }

  /** Sets process variables of a running instance (without moving the flow). */
  async setVariables(trx: Trx, instanceId: string, variables: Record<string, unknown>, actor: string | null): Promise<InstanceRow> {
    const instance = await this.loadInstance(trx, instanceId)
    return this.step(trx, instance, { actor, act: (ctx) => void Object.assign(ctx.variables(), variables) })
  }

  /** The definition's element a task waits at, with its declarations (form fields, …). */
  async taskElement(
    trx: Db | Trx,
    task: Pick<TaskRow, 'instance_id' | 'element_id'>,
  ): Promise<{ definitionId: string; element: ElementInfo | undefined } | null> {
    const row: { definition_id: string } | undefined = await trx('process_instances').where({ id: task.instance_id }).first('definition_id')
    if (!row) return null
    return { definitionId: row.definition_id, element: (await this.definitions.load(row.definition_id, trx)).elements.get(task.element_id) }
  }

  async loadInstance(trx: Db | Trx, id: string): Promise<InstanceRow> {
    const row: InstanceRow | undefined = await trx('process_instances').where({ id }).first()
    if (!row) throw notFound(msg('error.engine.instanceNotFound', { id }))
    if (row.status !== 'running') throw conflict(msg('error.engine.instanceEnded', { status: row.status }))
    return row
  }

  private async step(trx: Trx, instance: InstanceRow, run: StepRun, depth = 0): Promise<InstanceRow> {
    const def = await this.definitions.load(instance.definition_id, trx)
    // The timers table is the truth about due times (a deadline may have been moved there,
    // e.g. an approved extension).
    const pending: { execution_id: string; due_at: string }[] = await trx('timers')
      .where({ instance_id: instance.id, status: 'pending' })
      .select('execution_id', 'due_at')
    // A live engine from this node's last step of the instance serves only if nothing changed
    // the instance since (same revision); it is taken out, and put back only after a commit.
    const live = this.live.get(instance.id)
    this.live.delete(instance.id)
    const reuse = live && live.revision === instance.revision && live.holder.engine.state === 'running'
    const holder = reuse ? live.holder : this.newEngine(def, instance)
    const ctx = new StepContext(trx, instance, def, run.actor, holder)
    ctx.pendingTimers = new Set(pending.map((p) => p.execution_id))
    try {
      if (reuse) {
        ctx.execution = holder.engine.execution
        // As a resume would: what fell due while the engine sat in memory fires now.
        const now = nowIso()
        await engineRun(ctx, () => {
          for (const p of pending) if (p.due_at <= now) fireArmed(ctx, p.execution_id)
        })
      } else {
        const state = JSON.parse(instance.state!)
        if (pending.length) alignTimers(state, new Map(pending.map((p) => [p.execution_id, p.due_at])))
        holder.engine.recover(state)
        await engineRun(ctx, async () => {
          ctx.execution = await holder.engine.resume({ listener: holder.listener })
        })
      }
      await ctx.settle()
      if (run.act && !ctx.error) {
        await engineRun(ctx, () => run.act!(ctx))
        await ctx.settle()
      }
    } finally {
      ctx.finish()
    }
    await this.persist(trx, ctx, { insert: false, depth })
    return instance
  }

  private newEngine(def: LoadedDefinition, instance: InstanceRow): EngineHolder {
    const runtime = this
    const holder = new EngineHolder()
    holder.engine = new Engine({
      name: instance.id,
      sourceContext: def.sourceContext,
      expressions: this.expressions,
      timers: holder.timers,
      Logger: silentLogger,
      extensions: {
        shuoshi(activity: any) {
          const info = def.elements.get(activity.id)
          if (info && (info.topic || info.expression || info.decisionRef)) activity.behaviour.Service = runtime.serviceFor(info, holder)
          return runtime.budget(activity, holder)
        },
      },
    } as any)
    this.listen(holder)
    return holder
  }

  /**
   * Wires an activity into its step's budget (StepContext.charge): its broker's events are
   * charged as they happen, and a timer's value is checked before bpmn-elements' parser
   * sees it — piso's next-due-time search never ends for a zero period (`R/PT0S`), so an
   * expression yielding one would hang the thread before any event is published. Likewise
   * a multi-instance count from an expression is checked as the activity enters, before
   * bpmn-elements starts iterating (10,000,000 iterations ran inside one call).
   */
  private budget(activity: any, holder: EngineHolder) {
    const broker = activity.broker
    if (!broker) return undefined
    // Charged as each event is published on the activity's own broker, not through a queue
    // subscribed to it: a queue and consumer more per activity, built every step, and a copy of
    // every event message through smqp cost measurable CPU on every step
    // (bench/steps.ts). A process or subprocess broker also carries its children's events:
    // charge each once, where it happens.
    const publish = broker.publish
    broker.publish = function publishCharged(this: unknown, exchange: string, routingKey: string, content: { id?: unknown } | undefined, ...rest: unknown[]) {
      if (exchange === 'event' && content?.id === activity.id && routingKey.startsWith('activity.')) holder.ctx?.charge(routingKey, content)
      return publish.call(this, exchange, routingKey, content, ...rest)
    }
    for (const ed of activity.eventDefinitions ?? []) {
      if (ed?.type !== 'bpmn:TimerEventDefinition' || typeof ed.parse !== 'function') continue
      const parse = ed.parse
      ed.parse = function guardedParse(this: unknown, timerType: string, value: unknown) {
        const problem = typeof value === 'string' ? safeTimerProblem(timerType, value) : null
        if (problem) holder.ctx.fail(activity.id, problem)
        return parse.call(this, timerType, value)
      }
    }
    const loop = activity.behaviour?.loopCharacteristics?.behaviour
    if (!loop || (!loop.loopCardinality && !loop.collection)) return undefined
    return {
      activate(message: any) {
        let n: number | undefined
        try {
          const env = activity.environment
          if (loop.collection) {
            const list = env.resolveExpression(loop.collection, message)
            if (Array.isArray(list)) n = list.length
          }
          if (loop.loopCardinality) {
            const value = Number(env.resolveExpression(loop.loopCardinality, message))
            if (!Number.isNaN(value)) n = value
          }
        } catch {
          return // bpmn-elements reports an expression that fails
        }
        const problem = n === undefined ? null : cardinalityProblem(n)
        if (problem) holder.ctx.fail(activity.id, problem)
      },
      deactivate() {},
    }
  }

  /** Keeps a parked engine for the instance's next step on this node, once `trx` has committed. */
  private remember(trx: Trx, instance: InstanceRow, holder: EngineHolder) {
    const committed = (trx as any).executionPromise as Promise<unknown> | undefined
    if (!committed || this.liveLimit <= 0) return
    const revision = instance.revision
    committed.then(
      () => {
        this.live.delete(instance.id)
        this.live.set(instance.id, { holder, revision })
        // Bounded: the oldest engines go first, so memory does not grow with waiting instances.
        for (const id of this.live.keys()) {
          if (this.live.size <= this.liveLimit) break
          this.live.delete(id)
        }
      },
      () => undefined,
    )
  }

  /** The Service of a service task: a FEEL `camunda:expression`, or a named handler. */
  private serviceFor(info: ElementInfo, holder: EngineHolder) {
    const runtime = this
    return function Service(activity: any) {
      return {
        execute(message: any, callback: (err: Error | null, output?: unknown) => void) {
          const ctx = holder.ctx
          const variables = activity.environment.variables
          const fctx = feelContext({ environment: activity.environment, content: message.content })
          try {
            if (info.expression) {
              const value = resolveValue(info.expression, fctx)
              if (info.resultVariable) setVariables(ctx, activity.environment, { [info.resultVariable]: value })
              return callback(null, value)
            }
            const handler = info.decisionRef ? runtime.ruleTask?.(info) : runtime.handlers.get(info.topic!)
            if (!handler && info.decisionRef) throw new Error(`no decision runner for ${info.decisionRef}`)
            if (!handler) {
              // No in-process handler: an external task. The activity waits for a worker; the
              // callback is kept for the step that completes it (a resumed engine calls execute again).
              const executionId: string = message.content.executionId
              holder.externalWaits.set(executionId, (err, out) => {
                if (!err && out) setVariables(holder.ctx, activity.environment, out)
                callback(err, out ?? null)
              })
              // What the task's own scope adds to the process variables (a multi-instance
              // iteration's element variable): a worker reads those too, as in Camunda.
              const local: Record<string, unknown> = {}
              const processVars = ctx.variables()
              for (const [k, v] of Object.entries(cleanVariables(fctx))) {
                if (k !== 'content' && k !== 'environment' && processVars[k] !== v) local[k] = v
              }
              ctx.externalCreated.set(executionId, { elementId: info.id, name: info.name ?? null, topic: info.topic!, local })
              return
            }
            const inputs: Record<string, unknown> = {}
            for (const p of info.inputs ?? []) inputs[p.name] = p.value == null ? null : resolveValue(p.value, fctx)
            const result = Promise.resolve(
              handler({
                trx: ctx.trx,
                instanceId: ctx.instance.id,
                caseId: ctx.instance.case_id,
                tenant: ctx.instance.tenant || null,
                elementId: info.id,
                variables: cleanVariables(variables),
                inputs,
                actor: ctx.actor,
              }),
            )
            ctx.track(
              result.then(
                (out) => {
                  if (out && typeof out === 'object') setVariables(ctx, activity.environment, out)
                  callback(null, out ?? null)
                },
                (err) => {
                  ctx.error ??= err
                  callback(err)
                },
              ),
            )
          } catch (err) {
            ctx.error ??= err as Error
            callback(err as Error)
          }
        },
      }
    }
  }

  private listen(holder: EngineHolder) {
    const l = holder.listener
    l.on('activity.start', (api: any) => {
      const ctx = holder.ctx
      if (api.content.isMultiInstance || api.type === 'bpmn:SequenceFlow') return
      ctx.event('activity_start', api)
    })
    l.on('activity.wait', (api: any) => {
      const ctx = holder.ctx
      const content = api.content
      if (waitingTaskTypes.has(api.type)) {
        ctx.createdTasks.set(content.executionId, this.taskFromWait(ctx, api))
      }
      const ref = content.message ?? content.signal
      if (ref?.id) {
        ctx.subscriptions.push({
          id: randomUUID(),
          instance_id: ctx.instance.id,
          kind: content.signal ? 'signal' : 'message',
          name: ref.name ?? ref.id,
          ref_id: ref.id,
          element_id: api.id,
          execution_id: content.executionId,
          case_id: ctx.instance.case_id,
          created_at: nowIso(),
        })
      }
    })
    l.on('activity.call', (api: any) => {
      const ctx = holder.ctx
      const info = ctx.def.elements.get(api.id)
      const called = info?.calledElement
        ? resolveValue(info.calledElement, feelContext({ environment: api.environment, content: api.content }))
        : api.content.calledElement
      ctx.calls.push({ elementId: api.id, executionId: api.content.executionId, calledElement: String(called ?? '') })
    })
    l.on('activity.timer', (api: any) => {
      const ctx = holder.ctx
      const c = api.content
      ctx.timersArmed.set(c.executionId, {
        id: randomUUID(),
        instance_id: ctx.instance.id,
        element_id: c.id,
        execution_id: c.executionId,
        parent_execution_id: c.parent?.executionId ?? null,
        timer_type: c.timerType ?? null,
        value: c.timerType ? String(c[c.timerType] ?? '') : null,
        due_at: new Date(c.expireAt).toISOString(),
        status: 'pending',
        claimed_by: null,
        claimed_until: null,
        attempts: 0,
        error: null,
        created_at: nowIso(),
        fired_at: null,
      })
    })
    l.on('activity.timeout', (api: any) => {
      const ctx = holder.ctx
      if (api.content.state === 'cancel') return
      ctx.timersFired.add(api.content.executionId)
      ctx.event('timer_fired', api, { expireAt: api.content.expireAt, timerType: api.content.timerType })
    })
    // A multi-instance iteration that took its signal ends without an activity.end of its own.
    l.on('activity.consumed', (api: any) => {
      const ctx = holder.ctx
      const c = api.content
      if (!c.isMultiInstance || !ctx.taskOutputs.has(c.executionId)) return
      ctx.endedExecutions.add(c.executionId)
      ctx.leftExecutions.add(c.executionId)
      const listName = `${api.id}_results`
      const vars = ctx.variables()
      const list = [...((vars[listName] as unknown[]) ?? []), ctx.taskOutputs.get(c.executionId)]
      setVariables(ctx, api.environment, { [listName]: list })
    })
    l.on('activity.end', (api: any) => {
      const ctx = holder.ctx
      const c = api.content
      ctx.endedExecutions.add(c.executionId)
      const output = ctx.taskOutputs.get(c.executionId)
      if (output && !c.isMultiInstance) setVariables(ctx, api.environment, output)
      if (c.isMultiInstance || api.type === 'bpmn:SequenceFlow') return
      ctx.endedActivities.push(api.id)
      ctx.event('activity_end', api)
    })
    l.on('activity.discard', (api: any) => {
      const ctx = holder.ctx
      ctx.leftExecutions.add(api.content.executionId)
    })
    l.on('activity.leave', (api: any) => {
      const ctx = holder.ctx
      ctx.leftExecutions.add(api.content.executionId)
    })
    l.on('process.end', () => {
      const ctx = holder.ctx
      ctx.ended = true
    })
    l.on('process.error', (api: any) => {
      const ctx = holder.ctx
      ctx.error ??= api.content?.error ?? new Error('process error')
    })
  }

  private taskFromWait(ctx: StepContext, api: any): TaskRow {
    const info = ctx.def.elements.get(api.id)
    const fctx = feelContext({ environment: api.environment, content: api.content })
    const val = (text?: string) => (text == null || text === '' ? null : resolveValue(text, fctx))
    const assignee = val(info?.assignee)
    const users = splitList(val(info?.candidateUsers))
    let groups = splitList(val(info?.candidateGroups))
    if (!assignee && !users.length && !groups.length) groups = ['role:admin']
    const priority = Number(val(info?.priority) ?? 50)
    return {
      id: randomUUID(),
      instance_id: ctx.instance.id,
      case_id: ctx.instance.case_id,
      process_key: ctx.def.row.key,
      tenant: ctx.instance.tenant,
      element_id: api.id,
      execution_id: api.content.executionId,
      name: info?.name ?? api.name ?? api.id,
      assignee: assignee == null || assignee === '' ? null : String(assignee),
      candidate_users: users.length ? users.join(',') : null,
      candidate_groups: groups.length ? groups.join(',') : null,
      due_at: toIso(val(info?.dueDate)),
      priority: Number.isFinite(priority) ? priority : 50,
      form_key: info?.formKey ?? null,
      status: 'open',
      created_at: nowIso(),
      claimed_at: null,
      ended_at: null,
      completed_by: null,
      data: null,
    }
  }

  private async persist(trx: Trx, ctx: StepContext, opts: { insert: boolean; depth: number }) {
    if (ctx.error) {
      // The failed engine is dropped, not parked: nothing of it runs in-process to stop.
      const err = ctx.error
      if (err instanceof HttpError) throw err
      const details = err instanceof StepLimitError ? [{ elementId: err.elementId, message: err.message }] : undefined
      throw unprocessable(msg('error.engine.executionFailed', { detail: err.message }), details)
    }
    const instance = ctx.instance
    const execution = ctx.execution
    const now = nowIso()
    const variables = cleanVariables(ctx.variables())
    const before = JSON.parse(instance.variables) as Record<string, unknown>
    for (const [k, v] of Object.entries(variables)) {
      if (JSON.stringify(before[k]) !== JSON.stringify(v)) {
        // Stored whole (history.data is text): cutting the JSON text left invalid JSON that made
        // the case history a 500 for good. Values are bounded by the forms and the body limit,
        // and the instance's variables column holds the same values whole anyway.
        ctx.history.push({
          instance_id: instance.id,
          case_id: instance.case_id,
          type: 'variable_change',
          element_id: null,
          name: k,
          actor: ctx.actor,
          at: now,
          data: JSON.stringify({ name: k, from: before[k] ?? null, to: v }),
        })
      }
    }
    const ended = ctx.ended || execution.completed === true || ctx.engine.state === 'idle'
    let state: string | null = null
    let activities: { id: string; type: string; executionId: string }[] = []
    if (!ended) {
      const raw = await ctx.engine.getState()
      for (const d of raw.definitions ?? []) delete d.source
      state = JSON.stringify(raw)
      activities = execution
        .getPostponed()
        .filter((a: any) => a.type !== 'bpmn:SequenceFlow')
        .map((a: any) => ({ id: a.id, type: a.type, executionId: a.executionId }))
    }
    // No stop(): timers never run in-process, so a parked engine holds nothing but memory,
    // and stopping it cost ~2 ms a step (measured in bench/engine.ts).

    const row = {
      status: ended ? 'completed' : 'running',
      state,
      variables: JSON.stringify(variables),
      activities: JSON.stringify(activities),
      ended_at: ended ? now : null,
    }
    if (opts.insert) {
      await trx('process_instances').insert({ ...instance, ...row, revision: 1 })
      instance.revision = 1
    } else {
      const n = await trx('process_instances')
        .where({ id: instance.id, revision: instance.revision })
        .update({ ...row, revision: instance.revision + 1 })
      if (n !== 1) throw new RevisionConflict()
      instance.revision += 1
    }
    Object.assign(instance, row)

    // A resumed engine announces its existing waits again: rows already written are skipped.
    const openRows: TaskRow[] = opts.insert ? [] : await trx('tasks').where({ instance_id: instance.id, status: 'open' })
    const knownTasks = new Set(openRows.map((t) => t.execution_id))
    const knownSubs = new Set<string>(
      opts.insert || !ctx.subscriptions.length
        ? []
        : (await trx('subscriptions').where({ instance_id: instance.id }).select('execution_id')).map((r: any) => r.execution_id),
    )
    const knownCalls = new Set<string>(
      opts.insert || !ctx.calls.length
        ? []
        : (await trx('process_instances').where({ parent_id: instance.id, status: 'running' }).select('parent_execution_id')).map(
            (r: any) => r.parent_execution_id,
          ),
    )

    // Tasks: created now, and those that ended (completed or cancelled) in this step.
    const openCreated = [...ctx.createdTasks.values()].filter((t) => !ctx.leftExecutions.has(t.execution_id) && !knownTasks.has(t.execution_id))
    for (const t of openCreated) checkReceivers(t)
    if (openCreated.length) {
      await insertRows(trx, 'tasks', openCreated, 200)
      const candidates = openCreated.flatMap((t) => [
        ...splitList(t.candidate_users).map((value) => ({ task_id: t.id, kind: 'user', value })),
        ...splitList(t.candidate_groups).map((value) => ({ task_id: t.id, kind: 'group', value })),
      ])
      if (candidates.length) await insertRows(trx, 'task_candidates', candidates, 500)
      for (const t of openCreated) {
        ctx.history.push({
          instance_id: instance.id,
          case_id: instance.case_id,
          type: 'task_create',
          element_id: t.element_id,
          name: t.name,
          actor: ctx.actor,
          at: now,
          data: JSON.stringify({ taskId: t.id, assignee: t.assignee, candidateUsers: t.candidate_users, candidateGroups: t.candidate_groups, dueAt: t.due_at }),
        })
      }
    }
    const completedTasks: TaskRow[] = []
    const cancelledTasks: TaskRow[] = []
    const left = [...ctx.leftExecutions]
    if (left.length || ended) {
      // An execution that left takes its multi-instance iterations (`<id>_<n>`) with it.
      const gone = (exec: string) => ended || left.some((l) => exec === l || exec.startsWith(`${l}_`))
      const open = openRows.filter((t) => gone(t.execution_id))
      // Task lists start from open candidate rows; the rows stay (they grant case visibility).
      if (open.length)
        await trx('task_candidates')
          .whereIn(
            'task_id',
            open.map((t) => t.id),
          )
          .update({ open: false })
      for (const t of open) {
        const completed = ctx.taskOutputs.has(t.execution_id) && ctx.endedExecutions.has(t.execution_id)
        if (completed) {
          const data = ctx.taskOutputs.get(t.execution_id)!
          await trx('tasks')
            .where({ id: t.id })
            .update({ status: 'completed', ended_at: now, completed_by: ctx.actor, data: JSON.stringify(data) })
          completedTasks.push({ ...t, status: 'completed', ended_at: now, completed_by: ctx.actor })
          ctx.history.push({
            instance_id: instance.id,
            case_id: instance.case_id,
            type: 'task_complete',
            element_id: t.element_id,
            name: t.name,
            actor: ctx.actor,
            at: now,
            data: JSON.stringify({ taskId: t.id, data }),
          })
        } else {
          await trx('tasks').where({ id: t.id }).update({ status: 'cancelled', ended_at: now })
          cancelledTasks.push({ ...t, status: 'cancelled', ended_at: now })
          ctx.history.push({
            instance_id: instance.id,
            case_id: instance.case_id,
            type: 'task_cancel',
            element_id: t.element_id,
            name: t.name,
            actor: ctx.actor,
            at: now,
            data: JSON.stringify({ taskId: t.id }),
          })
        }
      }
    }

    // Timers: fired ones are marked, armed ones inserted, those whose event left are cancelled.
    if (ctx.timersFired.size) {
      await trx('timers')
        .where({ instance_id: instance.id, status: 'pending' })
        .whereIn('execution_id', [...ctx.timersFired])
        .update({ status: 'fired', fired_at: now, claimed_by: null, claimed_until: null })
    }
    const armed = [...ctx.timersArmed.values()].filter(
      (t) => !ctx.timersFired.has(t.execution_id) && !ctx.leftExecutions.has(t.parent_execution_id ?? '') && !ctx.leftExecutions.has(t.execution_id),
    )
    if (armed.length && !ended) {
      // A re-armed timer (after recovery) keeps its row; only new executions are inserted. The
      // pending rows were read as the step began, in this transaction, and only this function adds
      // or ends timer rows (a handler may move a due time): no second read (a new instance has none).
      const fresh = armed.filter((t) => !ctx.pendingTimers.has(t.execution_id))
      if (fresh.length) await insertRows(trx, 'timers', fresh, 200)
    }
    if (ended) {
      await trx('timers').where({ instance_id: instance.id, status: 'pending' }).update({ status: 'cancelled', claimed_by: null, claimed_until: null })
      await trx('subscriptions').where({ instance_id: instance.id }).delete()
    } else if (left.length && !opts.insert) {
      // (A new instance has no rows of its own yet but those written above, which already
      // leave out what left.)
      await trx('timers')
        .where({ instance_id: instance.id, status: 'pending' })
        .where((q) => q.whereIn('parent_execution_id', left).orWhereIn('execution_id', left))
        .update({ status: 'cancelled', claimed_by: null, claimed_until: null })
      await trx('subscriptions').where({ instance_id: instance.id }).whereIn('execution_id', left).delete()
    }
    if (!ended) {
      const subs = ctx.subscriptions.filter((s) => !ctx.leftExecutions.has(s.execution_id) && !knownSubs.has(s.execution_id))
      if (subs.length) await insertRows(trx, 'subscriptions', subs, 200)
    }

    await persistExternalTasks(trx, { instance, definitionId: ctx.def.row.id, created: ctx.externalCreated, left, ended, insert: opts.insert, now })
    if (ended)
      ctx.history.push({
        instance_id: instance.id,
        case_id: instance.case_id,
        type: 'instance_end',
        element_id: instance.key,
        element_type: 'bpmn:Process',
        name: ctx.def.row.name,
        actor: ctx.actor,
        at: now,
        data: null,
      })
    if (ctx.history.length) await insertRows(trx, 'history', ctx.history, 200)

    const effects: StepEffects = {
      trx,
      instance,
      definition: ctx.def,
      createdTasks: openCreated,
      completedTasks,
      cancelledTasks,
      endedActivities: ctx.endedActivities,
      ended,
      variables,
      actor: ctx.actor,
    }
    for (const l of this.stepListeners) await l(effects)
    if (!ended) this.remember(trx, instance, ctx.holder)

    // Call activities: children start in the same transaction; a finished child resumes its parent.
    if (opts.depth > MAX_CALL_DEPTH) throw unprocessable(msg('error.engine.callDepth'))
    if (!ended) {
      for (const call of ctx.calls) {
        if (ctx.leftExecutions.has(call.executionId) || knownCalls.has(call.executionId)) continue
        const childDef = await this.definitions.resolve(call.calledElement, instance.tenant || null, trx)
        await this.startDefinition(trx, childDef.id, {
          tenant: instance.tenant || null,
          variables,
          caseId: instance.case_id,
          actor: ctx.actor,
          parent: { id: instance.id, executionId: call.executionId, elementId: call.elementId },
          depth: opts.depth + 1,
        })
      }
    }
    if (ended && instance.parent_id) {
      const parent = await trx('process_instances').where({ id: instance.parent_id }).first()
      if (parent?.status === 'running') {
        await this.step(
          trx,
          parent,
          {
            actor: ctx.actor,
            act: (pctx) => {
              Object.assign(pctx.variables(), variables)
              pctx.execution.signal({ executionId: instance.parent_execution_id })
            },
          },
          opts.depth + 1,
        )
      }
    }
  }
}
