import type { Trx } from '../lib/db.js'
import { nowIso } from '../lib/db.js'
import { insertRows, marks, setClause, sqlRows, sqlRun } from '../lib/hot-sql.js'
import { msg, problem } from '../lib/errors.js'
import { ActivityError } from 'bpmn-elements'
import { NoWayOn, RevisionConflict, StepFailure, UncaughtWorkerError, unprocessable } from './errors.js'
import { isDbUnavailable } from '../lib/db-unavailable.js'
import type { LoadedDefinition } from './definitions.js'
import { persistExternalTasks } from './external-tasks.js'
import { resolvePassedStepIncidents } from './incidents.js'
import { splitList, type EndedTask, type InstanceRow, type OpenTask, type TaskRow } from './rows.js'
import { cleanVariables, isRefusal, markFailedElement, StepLimitError, type StepContext } from './step-context.js'

/**
 * Persistence of a step: the instance row (state, variables, revision), its tasks, timers,
 * subscriptions, external tasks and history, written in the step's transaction.
 *
 * The statements are SQL text sent through knex's raw (src/lib/hot-sql.ts: the query builder
 * cost twice as much CPU per statement); rows are inserted in chunks in the step's transaction,
 * which makes them atomic (not knex's batchInsert, which waits a 1 ms timer and adds a
 * savepoint per call).
 */

/** What one step changed, handed to step listeners inside the step's transaction. */
export interface StepEffects {
  trx: Trx
  instance: InstanceRow
  definition: LoadedDefinition
  createdTasks: TaskRow[]
  completedTasks: EndedTask[]
  cancelledTasks: EndedTask[]
  /** Element ids of activities that ended (completed normally) in this step. */
  endedActivities: string[]
  ended: boolean
  variables: Record<string, unknown>
  actor: string | null
}

export type StepListener = (effects: StepEffects) => Promise<void> | void

function isObject(o: unknown): o is Record<string, unknown> {
  return !!o && typeof o === 'object'
}

/** Sets the expiry of each armed timer in a saved engine state to its due time in the table. */
export function alignTimers(state: unknown, dueByExecution: Map<string, string>) {
  const visit = (o: unknown) => {
    if (!isObject(o)) return
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
 * Who receives a task comes from expressions over variables: a value longer than the columns
 * hold (255 characters; PostgreSQL refuses it) fails the step with a 422 naming the task
 * rather than the database's error.
 */
function checkReceivers(t: TaskRow) {
  const tooLong = [t.assignee, ...splitList(t.candidate_users), ...splitList(t.candidate_groups)].find((v) => v != null && v.length > 255)
  if (tooLong) {
    const m = msg('error.engine.receiverTooLong', { element: t.element_id })
    throw unprocessable(m, [problem(m, { elementId: t.element_id })])
  }
}

/** What `persistStep` wrote: the effects for step listeners (variables, tasks, ended). */
export interface Persisted {
  ended: boolean
  variables: Record<string, unknown>
  createdTasks: TaskRow[]
  completedTasks: EndedTask[]
  cancelledTasks: EndedTask[]
  left: string[]
}

/** What a failed step throws, marked with the activity that failed (an incident names it). */
function failure(err: Error, ctx: StepContext): Error {
  const elementId = ctx.errorElement
  const thrown = answerFor(err, ctx, elementId)
  markFailedElement(thrown, elementId)
  return thrown
}

/**
 * The element whose outgoing conditions all failed and which has no default flow, when `err`
 * is bpmn-elements' error saying so (OutboundEvaluator: an ActivityError with no code, its text
 * `<id> no conditional flow taken`, its source message the element's). The text is the only
 * handle that tells it from the element's other errors, so it is matched whole, built from the
 * id on the error's own source message: a changed wording in a bpmn-elements upgrade then falls
 * back to the generic StepFailure (test/engine/gateway-no-way.test.ts fails) rather than
 * mistaking another error for this one.
 */
function noWayOnElement(err: unknown): string | null {
  if (!(err instanceof ActivityError)) return null
  const id = (err as { source?: { content?: { id?: unknown } } }).source?.content?.id
  return typeof id === 'string' && err.message === `<${id}> no conditional flow taken` ? id : null
}

function answerFor(err: Error, ctx: StepContext, elementId: string | null): Error {
  const instanceId = ctx.instance.id
  if (isRefusal(err)) return err
  const gap = noWayOnElement(err)
  if (gap) return new NoWayOn(err, err.message, instanceId, gap, ctx.def.elements.get(gap)?.name || gap)
  // The database gone or locked mid-step: a 503 to retry shortly (src/lib/db-unavailable.ts), not a refusal of this step.
  if (isDbUnavailable(err)) return err
  // A budget or a limit: the answer (and an incident) is that sentence, its element in the details.
  if (err instanceof StepLimitError) return unprocessable(err.problem, [problem(err.problem, { elementId: err.elementId })])
  // A database's refusal (a driver error: SQLite's SQLITE_*, PostgreSQL's five-character
  // SQLSTATE) carries its SQL and values: never the reader's sentence. Anything else is the
  // engine's or a handler's English (a TypeError, "downstream system unavailable"): for an
  // administrator, who finds it as an incident; the handler reads a sentence saying so.
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && /^(SQLITE_|[0-9A-Z]{5}$)/.test(code)) return unprocessable(msg('error.engine.storageFailed'))
  // A worker's BPMN error that no boundary event catches (the error the step saw wraps it).
  const uncaught = [err, (err as { inner?: unknown }).inner].find((e) => e instanceof UncaughtWorkerError)
  if (uncaught) return unprocessable(uncaught.problem)
  return new StepFailure(err, err.message, instanceId, elementId)
}

/** Writes everything a step did, or throws what failed it (the failed engine is not kept). */
export async function persistStep(trx: Trx, ctx: StepContext, opts: { insert: boolean }): Promise<Persisted> {
  if (ctx.error) {
    // The failed engine is dropped, not parked: nothing of it runs in-process to stop.
    throw failure(ctx.error, ctx)
  }
  const instance = ctx.instance
  const now = nowIso()
  const { ended, variables } = await writeInstance(trx, ctx, opts, now)

  // A resumed engine announces its existing waits again: rows already written are skipped.
  const openRows: OpenTask[] = opts.insert
    ? []
    : (ctx.openTasks ?? (await sqlRows<OpenTask>(trx, 'select * from "tasks" where "instance_id" = ? and "status" = ?', [instance.id, 'open'])))
  const knownSubs =
    opts.insert || !ctx.subscriptions.length
      ? new Set<string>()
      : (ctx.knownSubscriptions ??
        new Set<string>(
          (await sqlRows<{ execution_id: string }>(trx, 'select "execution_id" from "subscriptions" where "instance_id" = ?', [instance.id])).map(
            (r: { execution_id: string }) => r.execution_id,
          ),
        ))
  const left = [...ctx.leftExecutions]
  const tasks = await writeTasks(trx, ctx, openRows, left, ended, now)
  await writeTimers(trx, ctx, opts, left, ended, now)
  await writeSubscriptions(trx, ctx, opts, knownSubs, left, ended)
  await persistExternalTasks(trx, {
    instance,
    definitionId: ctx.def.row.id,
    created: ctx.externalCreated,
    left,
    ended,
    insert: opts.insert,
    now,
    seen: ctx.holder.externalSeen,
  })
  await writeHistory(trx, ctx, ended, now)
  if (instance.error && !opts.insert) await resolvePassedStepIncidents(trx, instance, ctx.endedActivities, ctx.actor, now)
  return { ended, variables, ...tasks, left }
}

/** Engine settings that belong to the node running a step, not to the instance's state. */
const nodeSettings = ['lazyElements']

/**
 * Drops the node's engine settings from every environment in a saved state (engine, definition,
 * process, sub-process executions): bpmn-elements' recover assigns saved settings over the
 * engine's own, so a state saved with ENGINE_LAZY_ELEMENTS on would otherwise turn it on for a
 * node that has it off, and the reverse. Variables, outputs and queued messages are data, not
 * looked into.
 */
export function stripEngineSettings(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) stripEngineSettings(item)
    return
  }
  if (!isObject(node)) return
  for (const [key, value] of Object.entries(node)) {
    if (key === 'variables' || key === 'output' || key === 'broker') continue
    if (key === 'settings' && isObject(value)) {
      for (const name of nodeSettings) delete value[name]
      continue
    }
    stripEngineSettings(value)
  }
}

/**
 * The parts of a bpmn-engine state that no recover reads, left out of what a step saves (issue
 * 13: the state is written, parsed and recovered on every step). Each is left out so that a node
 * running the code from before this function recovers the smaller state exactly as the full one,
 * with nothing put back on the way in (states are shared both ways between nodes of two
 * releases; src/engine/README.md, "The saved engine state"):
 *
 * - messages published `persistent: false` (the `run.resume` each resume leaves in a run queue):
 *   smqp's Queue.recover skips them; of the others, what it sets anew (`compactMessages`);
 * - elements that are idle: a child with neither a status nor a broker (one finished or never
 *   reached) and a sequence flow without a broker. With lazy elements the patched recover skips
 *   them; built at once they would only get their counters back, which nothing reads (the
 *   four procedures behave the same either way: test/engine/lazy-elements.test.ts);
 * - of a process's variables, those equal to its definition's (bpmn-elements assigns the
 *   definition's variables to each process as the definition's execution is recovered, before
 *   the process recovers its own over them), and the run message's `fields`, `content`,
 *   `properties`, which the process assigns again from its run message as it resumes.
 *
 * and, as before, the node's settings (`stripEngineSettings`). Changes `raw` in place; variables,
 * outputs and message contents are data and are not looked into.
 */
export function compactState(raw: { definitions?: unknown[] }): void {
  for (const d of raw.definitions ?? []) {
    if (!isObject(d)) continue
    delete d.source
    const defVars = isObject(d.environment) && isObject(d.environment.variables) ? d.environment.variables : {}
    const execution = isObject(d.execution) ? d.execution : {}
    const seen = new Set<unknown>()
    for (const p of Array.isArray(execution.processes) ? execution.processes : []) {
      if (!isObject(p)) continue
      // Only the first state of a process id recovers into the process the definition's
      // execution assigned the variables to (a second runs in a new one).
      if (!seen.has(p.id)) compactProcessVariables(p, defVars)
      seen.add(p.id)
    }
  }
  compactNode(raw)
}

/** Keys the process assigns from its run message on every run and resume (step-context.ts engineKeys). */
const runMessageKeys = ['fields', 'content', 'properties']

function compactProcessVariables(p: Record<string, unknown>, defVars: Record<string, unknown>) {
  const env = p.environment
  if (!isObject(env) || !isObject(env.variables)) return
  const vars = env.variables
  // A variable of the definition's the process no longer has could not be told apart: keep all.
  for (const k in defVars) if (!(k in vars)) return
  const own: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(vars)) {
    if (runMessageKeys.includes(k)) continue
    if (k in defVars && sameJson(v, defVars[k])) continue
    own[k] = v
  }
  env.variables = own
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (!isObject(a) || !isObject(b)) return false
  return JSON.stringify(a) === JSON.stringify(b)
}

/**
 * A queue's saved messages as smqp's Queue.recover reads them: it skips a non-persistent one,
 * and builds each other as `new Message({ ...fields, redelivered: true }, content, properties)`,
 * whose constructor drops `consumerTag` and gives a message without `messageId` and `timestamp`
 * a new id and the time of the recover. Neither is read after that: bpmn-elements publishes
 * nothing with an `expiration` (smqp's only use of the timestamp) and reads a message's id and
 * time nowhere but in one debug line (a definition's run time); neither does Shuoshi.
 */
function compactMessages(q: { messages?: unknown[] }) {
  const kept: unknown[] = []
  for (const m of q.messages ?? []) {
    if (!isObject(m) || !isObject(m.fields) || !isObject(m.properties)) {
      kept.push(m)
      continue
    }
    if (m.properties.persistent === false) continue
    // New objects rather than `delete`, which leaves V8 a slow dictionary for JSON.stringify.
    const { consumerTag: _tag, redelivered: _redelivered, ...fields } = m.fields
    const { messageId: _id, timestamp: _time, ...properties } = m.properties
    kept.push({ fields, content: m.content, properties })
  }
  if (kept.length) q.messages = kept
  else delete q.messages
}

/** Where a state nests the states that hold brokers, executions and environments. */
const nested = ['definitions', 'processes', 'executions']

/**
 * One walk over the state's tree of elements (engine, definitions, processes, their executions,
 * children, a sub-process's executions), not into variables or message contents: a walk over
 * every key cost about as much as the JSON.stringify that follows. Drops the node's settings
 * from each environment (`stripEngineSettings`, which the previous release applied to every key)
 * and compacts each broker; an execution keeps only its children and flows that are not idle.
 */
function compactNode(node: Record<string, unknown>): void {
  const env = node.environment
  if (isObject(env) && isObject(env.settings)) for (const name of nodeSettings) delete env.settings[name]
  const broker = node.broker
  if (isObject(broker) && Array.isArray(broker.queues)) {
    for (const q of broker.queues) if (isObject(q) && Array.isArray(q.messages)) compactMessages(q)
  }
  if (typeof node.executionId === 'string') {
    if (Array.isArray(node.children)) {
      const kept: unknown[] = []
      for (const c of node.children) {
        if (!isObject(c)) kept.push(c)
        else if (c.status || c.broker) {
          compactNode(c)
          kept.push(c)
        }
      }
      node.children = kept
    }
    if (Array.isArray(node.flows)) {
      const kept: unknown[] = []
      for (const f of node.flows) {
        if (!isObject(f)) kept.push(f)
        else if (f.broker) {
          compactNode(f)
          kept.push(f)
        }
      }
      node.flows = kept
    }
  }
  if (isObject(node.execution)) compactNode(node.execution)
  for (const key of nested) {
    const list = node[key]
    if (Array.isArray(list)) for (const item of list) if (isObject(item)) compactNode(item)
  }
}

/** The instance row: state, variables (each change into history), revision-guarded. */
async function writeInstance(trx: Trx, ctx: StepContext, opts: { insert: boolean }, now: string) {
  const instance = ctx.instance
  const execution = ctx.execution
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
    compactState(raw)
    state = JSON.stringify(raw)
    activities = execution
      .getPostponed()
      .filter((a) => a.type !== 'bpmn:SequenceFlow')
      .map((a) => ({ id: a.id, type: a.type, executionId: a.executionId }))
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
    await insertRows(trx, 'process_instances', [{ ...instance, ...row, revision: 1 }])
    instance.revision = 1
  } else {
    // Optimistic concurrency: the row is written only if no other step moved its revision on.
    const set = setClause({ ...row, revision: instance.revision + 1 })
    const n = await sqlRun(trx, `update "process_instances" set ${set.sql} where "id" = ? and "revision" = ?`, [
      ...set.bindings,
      instance.id,
      instance.revision,
    ])
    if (n !== 1) throw new RevisionConflict()
    instance.revision += 1
  }
  Object.assign(instance, row)
  return { ended, variables }
}

/** Tasks: created now, and those that ended (completed or cancelled) in this step. */
async function writeTasks(trx: Trx, ctx: StepContext, openRows: OpenTask[], left: string[], ended: boolean, now: string) {
  const instance = ctx.instance
  const knownTasks = new Set(openRows.map((t) => t.execution_id))
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
  const completedTasks: EndedTask[] = []
  const cancelledTasks: EndedTask[] = []
  if (left.length || ended) {
    // An execution that left takes its multi-instance iterations (`<id>_<n>`) with it.
    const gone = (exec: string) => ended || left.some((l) => exec === l || exec.startsWith(`${l}_`))
    const open = openRows.filter((t) => gone(t.execution_id))
    // Task lists start from open candidate rows; the rows stay (they grant case visibility).
    if (open.length) await sqlRun(trx, `update "task_candidates" set "open" = ? where "task_id" in (${marks(open.length)})`, [false, ...open.map((t) => t.id)])
    for (const t of open) {
      const completed = ctx.taskOutputs.has(t.execution_id) && ctx.endedExecutions.has(t.execution_id)
      if (completed) {
        const data = ctx.taskOutputs.get(t.execution_id)!
        await sqlRun(trx, 'update "tasks" set "status" = ?, "ended_at" = ?, "completed_by" = ?, "data" = ?, "form_version" = ? where "id" = ?', [
          'completed',
          now,
          ctx.actor,
          JSON.stringify(data),
          ctx.taskFormVersions.get(t.execution_id) ?? null,
          t.id,
        ])
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
        await sqlRun(trx, 'update "tasks" set "status" = ?, "ended_at" = ? where "id" = ?', ['cancelled', now, t.id])
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
  return { createdTasks: openCreated, completedTasks, cancelledTasks }
}

/** Timers: fired ones are marked, armed ones inserted, those whose event left are cancelled. */
async function writeTimers(trx: Trx, ctx: StepContext, opts: { insert: boolean }, left: string[], ended: boolean, now: string) {
  const instance = ctx.instance
  if (ctx.timersFired.size) {
    const fired = [...ctx.timersFired]
    await sqlRun(
      trx,
      `update "timers" set "status" = ?, "fired_at" = ?, "claimed_by" = ?, "claimed_until" = ? where "instance_id" = ? and "status" = ? and "execution_id" in (${marks(fired.length)})`,
      ['fired', now, null, null, instance.id, 'pending', ...fired],
    )
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
    await sqlRun(trx, 'update "timers" set "status" = ?, "claimed_by" = ?, "claimed_until" = ? where "instance_id" = ? and "status" = ?', [
      'cancelled',
      null,
      null,
      instance.id,
      'pending',
    ])
  } else if (left.length && !opts.insert) {
    // (A new instance has no rows of its own yet but those written above, which already
    // leave out what left.)
    await sqlRun(
      trx,
      `update "timers" set "status" = ?, "claimed_by" = ?, "claimed_until" = ? where "instance_id" = ? and "status" = ? and ("parent_execution_id" in (${marks(left.length)}) or "execution_id" in (${marks(left.length)}))`,
      ['cancelled', null, null, instance.id, 'pending', ...left, ...left],
    )
  }
}

/** Message and signal subscriptions: those whose event left go, new waits are inserted. */
async function writeSubscriptions(trx: Trx, ctx: StepContext, opts: { insert: boolean }, knownSubs: ReadonlySet<string>, left: string[], ended: boolean) {
  const instance = ctx.instance
  if (ended) {
    await sqlRun(trx, 'delete from "subscriptions" where "instance_id" = ?', [instance.id])
  } else if (left.length && !opts.insert) {
    await sqlRun(trx, `delete from "subscriptions" where "instance_id" = ? and "execution_id" in (${marks(left.length)})`, [instance.id, ...left])
  }
  if (!ended) {
    const subs = ctx.subscriptions.filter((s) => !ctx.leftExecutions.has(s.execution_id) && !knownSubs.has(s.execution_id))
    if (subs.length) await insertRows(trx, 'subscriptions', subs, 200)
  }
}

/** The step's history rows (with the instance's end), in one batch. */
async function writeHistory(trx: Trx, ctx: StepContext, ended: boolean, now: string) {
  const instance = ctx.instance
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
}
