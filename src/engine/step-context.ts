import { EventEmitter } from 'node:events'
import type { Engine, Execution } from 'bpmn-engine'
import * as Elements from 'bpmn-elements'
import type { Trx } from '../lib/db.js'
import { nowIso } from '../lib/db.js'
import { HttpError, msg } from '../lib/errors.js'
import { EngineError } from './errors.js'
import { FeelRefused } from './feel.js'
import type { LoadedDefinition } from './definitions.js'
import type { ExternalCreated } from './external-tasks.js'
import type { HistoryInput, InstanceRow, OpenTask, TaskRow, TimerRow } from './rows.js'
import { runtimeTimerProblem, type ChargedContent } from './step-budget.js'
import { cardinalityProblem, STEP_LIMITS, type LimitProblem } from './validate-limits.js'
import { bilingual } from '../lib/messages.js'

/**
 * One step of one instance as it runs: what the engine did (tasks, timers, subscriptions,
 * calls, history) collected for persistence, its budget, and the live engine it runs in.
 */

/** Keys bpmn-elements leaves on the process environment's variables that are not data. */
const engineKeys = new Set(['fields', 'content', 'properties'])
export const waitingTaskTypes = new Set(['bpmn:UserTask', 'bpmn:ManualTask'])
/** How often a step's event-loop watch re-arms (see StepContext.lastTurn). */
const TURN_MS = 10

export function cleanVariables(vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(vars ?? {})) if (!engineKeys.has(k) && typeof v !== 'function') out[k] = v
  return out
}

/**
 * Sets variables where the flow reads them: the activity's own environment (a subprocess
 * has a copy) and the process's, which is what is saved.
 */
export function setVariables(ctx: StepContext, environment: { variables?: Record<string, unknown> } | null | undefined, values: Record<string, unknown>) {
  if (environment?.variables) Object.assign(environment.variables, values)
  Object.assign(ctx.variables(), values)
}

/**
 * A refusal, not an engine failure: the engine's own errors, and the platform's (HttpError) that
 * a handler or a step's action throws. They pass through a step as they are.
 */
export function isRefusal(err: unknown): err is EngineError | HttpError {
  return err instanceof EngineError || err instanceof HttpError
}

/**
 * Runs engine work; what the engine throws (a failing service task surfaces from signal()
 * or execute()) fails the step with a 422 in persist, while our own HTTP errors pass through.
 */
export async function engineRun(ctx: StepContext, fn: () => unknown) {
  try {
    await fn()
  } catch (err) {
    if (isRefusal(err)) throw err
    ctx.error ??= err as Error
  }
}

/**
 * The activity whose failure failed a step, by the error the step threw: a timer's step fails
 * in the service task it reached, and the incident must name that task, not the timer. Kept
 * beside the error (not in it) because a handler's own HttpError passes through unchanged.
 */
const failedElements = new WeakMap<object, string>()

/**
 * Marks `err` as failed in `elementId`. A step's own mark stays; a call activity's replaces its
 * child's (`outer`), since the incident is the calling instance's and names its diagram's element.
 */
export function markFailedElement(err: unknown, elementId: string | null, outer = false) {
  if (elementId && err && typeof err === 'object' && (outer || !failedElements.has(err))) failedElements.set(err, elementId)
}

export function failedElementOf(err: unknown): string | null {
  return err && typeof err === 'object' ? (failedElements.get(err) ?? null) : null
}

/** Fires the engine's armed timer of an execution, if it has one; true when it fired. */
export function fireArmed(ctx: StepContext, executionId: string): boolean {
  const ref = ctx.timers.executing.find((r) => r.owner?.executionId === executionId)
  if (!ref) return false
  // bpmn-elements' Timers always keeps setTimeout's rest arguments (an array, maybe empty).
  ref.callback(...(ref.args ?? []))
  return true
}

/** A silent logger: bpmn-engine's debug output is noise at our level. */
export function silentLogger() {
  const noop = () => {}
  return { debug: noop, error: noop, warn: noop }
}

export interface StepRun {
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
    readonly problem: LimitProblem,
  ) {
    super(`${elementId ? `${elementId}: ` : ''}${bilingual(problem.key, problem.params)}`)
  }
}

/**
 * A live engine with what is wired into it once: its listener, its timers and its services
 * all act on `ctx`, the step now running, so a cached engine can serve the next step.
 */
export class EngineHolder {
  readonly listener = new EventEmitter()
  // Timers never run in-process: the poller fires them from the timers table.
  // A no-op in place of Node's setTimeout (whose type also carries its promisified form).
  readonly timers = new Elements.Timers({ setTimeout: (() => 0) as unknown as typeof setTimeout, clearTimeout: () => undefined })
  engine!: Engine
  ctx!: StepContext
  /** External tasks waiting in this engine: the service callback of each, by execution id. */
  readonly externalWaits = new Map<string, (err: Error | null, output?: Record<string, unknown>) => void>()
  /**
   * Every execution that waited as an external task in this engine's life (a recovered engine
   * announces its waiting ones again on resume): only these can have open `external_tasks` rows,
   * so a step whose left executions are none of them need not update that table.
   */
  readonly externalSeen = new Set<string>()
}

/**
 * bpmn-engine's Execution as a step uses it: it reads `completed`, which the declared type
 * lacks, and signals with a row's execution id, which may be null.
 */
export interface StepExecution extends Omit<Execution, 'signal'> {
  readonly completed?: boolean
  signal(message?: { id?: string; executionId?: string | null }): void
}

/** A message or signal wait of this step, as its `subscriptions` row. */
export interface SubscriptionRow {
  id: string
  instance_id: string
  kind: 'signal' | 'message'
  name: string
  ref_id: string
  element_id: string
  execution_id: string
  case_id: string | null
  created_at: string
}

export class StepContext {
  readonly pending = new Set<Promise<unknown>>()
  /** Set by the runtime (execute or resume) before anything reads it. */
  execution!: StepExecution
  readonly createdTasks = new Map<string, TaskRow>()
  readonly endedExecutions = new Set<string>()
  readonly leftExecutions = new Set<string>()
  readonly endedActivities: string[] = []
  readonly timersArmed = new Map<string, TimerRow>()
  readonly timersFired = new Set<string>()
  /** Executions with a pending timer row when the step began (read by `step`; none for a new instance). */
  pendingTimers = new Set<string>()
  /**
   * The executions with a `subscriptions` row as the step began, when the instance was read with
   * them (Runtime.loadInstance); null: persistence reads them.
   */
  knownSubscriptions: ReadonlySet<string> | null = null
  /** The instance's open tasks as the step began, likewise (null: persistence reads them). */
  openTasks: OpenTask[] | null = null
  readonly subscriptions: SubscriptionRow[] = []
  readonly calls: { elementId: string; executionId: string; calledElement: string }[] = []
  readonly history: HistoryInput[] = []
  /** Data submitted for a signalled task, applied when its activity ends. */
  readonly taskOutputs = new Map<string, Record<string, unknown>>()
  /** For a completed task, the version of its form the caller checked the data against (opaque here). */
  readonly taskFormVersions = new Map<string, string>()
  /** External tasks that started waiting in this step (or were announced again on resume). */
  readonly externalCreated = new Map<string, ExternalCreated>()
  ended = false
  error: Error | null = null
  /** The activity that failed with `error`, when known (see `failedElementOf`). */
  errorElement: string | null = null
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
  charge(type: string, c: ChargedContent) {
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

  /**
   * Runs `fn`, an expression of `elementId` evaluated outside bpmn-elements' own evaluator (a
   * task's candidates, a called element): one the engine does not run fails the step there.
   */
  refusing<T>(elementId: string, fn: () => T): T {
    try {
      return fn()
    } catch (err) {
      if (err instanceof FeelRefused) this.fail(err.elementId ?? elementId, err.problem)
      throw err
    }
  }

  /** Records the step's first failure and the activity it happened in. */
  failedIn(elementId: string | null, err: Error) {
    if (this.error) return
    this.error = err
    this.errorElement = elementId
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

  event(type: string, api: { id: string; type?: string; name?: string | null }, data?: unknown) {
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
