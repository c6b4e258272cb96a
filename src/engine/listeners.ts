import { randomUUID } from 'node:crypto'
import type { Activity, Api, ElementMessageContent } from 'bpmn-elements'
import { nowIso } from '../lib/db.js'
import { msg } from '../lib/errors.js'
import { unprocessable } from './errors.js'
import { feelContext } from './expressions.js'
import { evalFeel, resolveValue } from './feel.js'
import { splitList, type TaskRow } from './rows.js'
import { setVariables, waitingTaskTypes, type EngineHolder, type StepContext } from './step-context.js'

/**
 * What the engine's events mean for the step: each listener records into the step running in
 * the holder's engine (tasks waiting, subscriptions, calls, timers armed and fired, activities
 * ended, history). Persistence writes what they recorded.
 */

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

/** An activity event as bpmn-engine emits it: every activity message carries its id and execution id. */
type ActivityApi = Api<Activity> & { content: ElementMessageContent & { id: string; executionId: string } }

export function listen(holder: EngineHolder) {
  const l = holder.listener
  l.on('activity.start', (api: ActivityApi) => {
    const ctx = holder.ctx
    if (api.content.isMultiInstance || api.type === 'bpmn:SequenceFlow') return
    ctx.event('activity_start', api)
  })
  l.on('activity.wait', (api: ActivityApi) => {
    const ctx = holder.ctx
    const content = api.content
    if (waitingTaskTypes.has(api.type)) {
      ctx.createdTasks.set(content.executionId, taskFromWait(ctx, api))
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
  l.on('activity.call', (api: ActivityApi) => {
    const ctx = holder.ctx
    const info = ctx.def.elements.get(api.id)
    const called = info?.calledElement
      ? ctx.refusing(api.id, () => resolveValue(info.calledElement!, feelContext({ environment: api.environment, content: api.content })))
      : api.content.calledElement
    ctx.calls.push({ elementId: api.id, executionId: api.content.executionId, calledElement: String(called ?? '') })
  })
  l.on('activity.timer', (api: ActivityApi) => {
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
  l.on('activity.timeout', (api: ActivityApi) => {
    const ctx = holder.ctx
    if (api.content.state === 'cancel') return
    ctx.timersFired.add(api.content.executionId)
    ctx.event('timer_fired', api, { expireAt: api.content.expireAt, timerType: api.content.timerType })
  })
  // A multi-instance iteration that took its signal ends without an activity.end of its own.
  l.on('activity.consumed', (api: ActivityApi) => {
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
  // A completed task's data is process data before its outgoing flows are evaluated: a
  // condition on a flow leaving the task reads what was just submitted, as in Camunda (the
  // activity evaluates its outbound flows before it publishes activity.end).
  l.on('activity.execution.completed', (api: ActivityApi) => {
    const ctx = holder.ctx
    const c = api.content
    const output = c.isMultiInstance ? undefined : ctx.taskOutputs.get(c.executionId)
    if (output) setVariables(ctx, api.environment, output)
  })
  l.on('activity.end', (api: ActivityApi) => {
    const ctx = holder.ctx
    const c = api.content
    ctx.endedExecutions.add(c.executionId)
    const output = ctx.taskOutputs.get(c.executionId)
    if (output && !c.isMultiInstance) setVariables(ctx, api.environment, output)
    if (c.isMultiInstance || api.type === 'bpmn:SequenceFlow') return
    ctx.endedActivities.push(api.id)
    ctx.event('activity_end', api)
  })
  l.on('activity.discard', (api: ActivityApi) => {
    const ctx = holder.ctx
    ctx.leftExecutions.add(api.content.executionId)
  })
  l.on('activity.leave', (api: ActivityApi) => {
    const ctx = holder.ctx
    ctx.leftExecutions.add(api.content.executionId)
  })
  l.on('process.end', () => {
    const ctx = holder.ctx
    ctx.ended = true
  })
  l.on('process.error', (api: ActivityApi) => {
    const ctx = holder.ctx
    const err = api.content?.error
    // bpmn-elements' ActivityError carries the message of the activity that threw.
    ctx.failedIn((err as { source?: { content?: { id?: string } } } | undefined)?.source?.content?.id ?? null, err ?? new Error('process error'))
  })
}

function taskFromWait(ctx: StepContext, api: ActivityApi): TaskRow {
  const info = ctx.def.elements.get(api.id)
  const fctx = feelContext({ environment: api.environment, content: api.content })
  const val = (text?: string) => (text == null || text === '' ? null : ctx.refusing(api.id, () => resolveValue(text, fctx)))
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
