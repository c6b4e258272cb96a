import { randomUUID } from 'node:crypto'
import { Engine } from 'bpmn-engine'
import type { ElementBase, Extension } from 'bpmn-elements'
import type { Db, Trx } from '../lib/db.js'
import { isPostgres, nowIso } from '../lib/db.js'
import { msg } from '../lib/errors.js'
import { STEP_LIMITS } from './validate-limits.js'
import { sqlFirst } from '../lib/hot-sql.js'
import { conflict, notFound, UncaughtWorkerError, unprocessable } from './errors.js'
import type { DefinitionStore, LoadedDefinition } from './definitions.js'
import { feelExpressions } from './expressions.js'
import type { ElementInfo } from './model.js'
import type { ExternalOutcome } from './external-tasks.js'
import { runCallActivities, type StartOptions } from './call-activities.js'
import { EngineCache } from './engine-cache.js'
import { listen } from './listeners.js'
import { alignTimers, persistStep, type StepEffects, type StepListener } from './persistence.js'
import type { InstanceRow, OpenTask, TaskRow, TimerRow } from './rows.js'
import { ServiceTasks, type Handler } from './service-tasks.js'
import { budget } from './step-budget.js'
import { EngineHolder, engineRun, fireArmed, setVariables, silentLogger, StepContext, type StepRun } from './step-context.js'

// The runtime's parts, one concern per module; re-exported so that users of the engine's
// types keep one import.
export type { HistoryInput, InstanceRow, TaskRow, TimerRow } from './rows.js'
export type { Handler, HandlerContext } from './service-tasks.js'
export type { StepEffects, StepListener } from './persistence.js'
export { alignTimers } from './persistence.js'
export { cleanVariables, StepLimitError } from './step-context.js'

/**
 * The statement of loadInstance, per database: the instance row with its pending timers, its
 * subscriptions' executions and its open tasks as JSON lists (SQL text: src/lib/hot-sql.ts).
 */
function loadInstanceSql(pg: boolean): string {
  const list = (expr: string, table: string, where = '') =>
    pg
      ? `(select coalesce(json_agg(${expr}), '[]'::json)::text from ${table} where ${table}.instance_id = process_instances.id${where})`
      : `(select json_group_array(${expr}) from ${table} where ${table}.instance_id = process_instances.id${where})`
  return (
    'select "process_instances".*, ' +
    `${list(pg ? 'json_build_array(execution_id, due_at)' : 'json_array(execution_id, due_at)', 'timers', " and timers.status = 'pending'")} as pending_timers, ` +
    `${list('execution_id', 'subscriptions')} as subscription_executions, ` +
    `${list(pg ? 'json_build_array(id, execution_id, element_id, name)' : 'json_array(id, execution_id, element_id, name)', 'tasks', " and tasks.status = 'open'")} as open_tasks ` +
    'from "process_instances" where "id" = ? limit 1'
  )
}
const LOAD_INSTANCE_SQL = { sqlite: loadInstanceSql(false), pg: loadInstanceSql(true) } as const

/**
 * The durable runtime. Every change is a "step": recover the instance's engine state,
 * act, let the engine run to its next waits, then write state, tasks, timers,
 * subscriptions and history in the caller's transaction. The instance row's revision
 * makes concurrent steps on one instance fail (409) instead of overwriting each other.
 */
export class Runtime {
  private services = new ServiceTasks()
  private cache: EngineCache
  /** What loadInstance read beside an instance row, for the step that follows on that row. */
  private readonly preloaded = new WeakMap<
    InstanceRow,
    { pending: { execution_id: string; due_at: string }[]; subscriptions: ReadonlySet<string>; openTasks: OpenTask[] }
  >()
  private stepListeners: StepListener[] = []

  constructor(
    private db: Db,
    readonly definitions: DefinitionStore,
    /** How many parked engines to keep in memory for their instance's next step (0: none). */
    liveLimit = 16,
    /** Build elements only as a step reaches them (ENGINE_LAZY_ELEMENTS; patches/README.md). */
    private lazyElements = true,
  ) {
    this.cache = new EngineCache(liveLimit)
  }

  /** Runs business rule tasks (camunda:decisionRef): set by the decisions module (business-rule.ts). */
  setBusinessRuleHandler(fn: (info: ElementInfo) => Handler) {
    this.services.setBusinessRuleHandler(fn)
  }

  registerHandler(name: string, handler: Handler) {
    this.services.registerHandler(name, handler)
  }

  handlerNames(): ReadonlySet<string> {
    return this.services.handlerNames()
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

  /** Starts an instance of a definition (also a call activity's child: `parent`, `depth`). */
  async startDefinition(trx: Trx, definitionId: string, opts: StartOptions): Promise<InstanceRow> {
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
  async completeTask(
    trx: Trx,
    task: TaskRow,
    data: Record<string, unknown>,
    actor: string | null,
    opts: { formVersion?: string | null } = {},
  ): Promise<InstanceRow> {
    const instance = await this.loadInstance(trx, task.instance_id)
    return this.step(trx, instance, {
      actor,
      act: (ctx) => {
        ctx.taskOutputs.set(task.execution_id, data)
        if (opts.formVersion) ctx.taskFormVersions.set(task.execution_id, opts.formVersion)
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
          const uncaught = msg('error.externalTask.uncaughtError', { code: outcome.code, element: task.element_id })
          resume(new UncaughtWorkerError(outcome.code, outcome.message || outcome.code, uncaught))
          if (ctx.error) throw unprocessable(uncaught)
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
    // A loop through a timer goes round with nobody acting: its instance's firings are bounded
    // (one indexed count, on timer steps only), and the one past the bound becomes an incident.
    const done = await trx('timers').where({ instance_id: instance.id, status: 'fired' }).count({ n: '*' }).first()
    if (Number(done?.n ?? 0) >= STEP_LIMITS.timerFirings) {
      throw unprocessable(msg('step.timerFirings', { max: STEP_LIMITS.timerFirings }))
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
    // With its pending timers, its subscriptions' executions and its open tasks, which its next
    // step reads (three statements fewer per step: issue 13). Only its own steps add or end those
    // rows, and they are revision-guarded, so the read holds until this step's update. (Task
    // commands change an open task's assignee or due date meanwhile, which a step does not read.)
    const row = await sqlFirst<InstanceRow & { pending_timers?: string; subscription_executions?: string; open_tasks?: string }>(
      trx,
      LOAD_INSTANCE_SQL[isPostgres(this.db) ? 'pg' : 'sqlite'],
      [id],
    )
    if (!row) throw notFound(msg('error.engine.instanceNotFound', { id }))
    if (row.status !== 'running') throw conflict(msg('error.engine.instanceEnded', { status: row.status }))
    const { pending_timers, subscription_executions, open_tasks, ...instance } = row
    this.preloaded.set(instance, {
      pending: (JSON.parse(pending_timers!) as [string, string][]).map(([execution_id, due_at]) => ({ execution_id, due_at })),
      subscriptions: new Set(JSON.parse(subscription_executions!) as string[]),
      openTasks: (JSON.parse(open_tasks!) as [string, string, string, string | null][]).map(([id, execution_id, element_id, name]) => ({
        id,
        execution_id,
        element_id,
        name,
      })),
    })
    return instance
  }

  /** One step (see the class comment); call activities step a parent when its child ends. */
  async step(trx: Trx, instance: InstanceRow, run: StepRun, depth = 0): Promise<InstanceRow> {
    const def = await this.definitions.load(instance.definition_id, trx)
    // The timers table is the truth about due times (a deadline may have been moved there,
    // e.g. an approved extension).
    const preloaded = this.preloaded.get(instance)
    this.preloaded.delete(instance)
    const pending: { execution_id: string; due_at: string }[] =
      preloaded?.pending ?? (await trx('timers').where({ instance_id: instance.id, status: 'pending' }).select('execution_id', 'due_at'))
    // A live engine from this node's last step of the instance serves only if nothing changed
    // the instance since (same revision); it is taken out, and put back only after a commit.
    const live = this.cache.take(instance)
    const reuse = !!live
    const holder = live ?? this.newEngine(def, instance)
    const ctx = new StepContext(trx, instance, def, run.actor, holder)
    ctx.pendingTimers = new Set(pending.map((p) => p.execution_id))
    ctx.knownSubscriptions = preloaded?.subscriptions ?? null
    ctx.openTasks = preloaded?.openTasks ?? null
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
      // One per engine: a refused expression fails the step this engine is running.
      expressions: feelExpressions((err) => holder.ctx.fail(err.elementId, err.problem)),
      timers: holder.timers,
      Logger: silentLogger,
      // Read by the patched bpmn-elements' ProcessExecution; persistence keeps it out of the
      // saved state (stripEngineSettings), so that the running node's choice holds on recover.
      settings: { lazyElements: this.lazyElements },
      extensions: {
        // bpmn-elements skips an extension that returns nothing, though its type says one must.
        shuoshi: ((activity: ElementBase) => {
          const info = def.elements.get(activity.id)
          if (info && (info.topic || info.expression || info.decisionRef)) activity.behaviour.Service = runtime.services.serviceFor(info, holder)
          return budget(activity, holder)
        }) as Extension,
      },
    })
    listen(holder)
    return holder
  }

  private async persist(trx: Trx, ctx: StepContext, opts: { insert: boolean; depth: number }) {
    const written = await persistStep(trx, ctx, opts)
    const instance = ctx.instance
    const effects: StepEffects = {
      trx,
      instance,
      definition: ctx.def,
      createdTasks: written.createdTasks,
      completedTasks: written.completedTasks,
      cancelledTasks: written.cancelledTasks,
      endedActivities: ctx.endedActivities,
      ended: written.ended,
      variables: written.variables,
      actor: ctx.actor,
    }
    for (const l of this.stepListeners) await l(effects)
    if (!written.ended) this.cache.remember(trx, instance, ctx.holder)
    await runCallActivities(this, trx, ctx, { insert: opts.insert, depth: opts.depth, ended: written.ended, variables: written.variables })
  }
}
