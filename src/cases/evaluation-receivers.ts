import type { DeployCheck } from '../engine/definitions.js'
import type { ElementInfo, PreparedDefinition } from '../engine/model.js'
import { toProblem, type Problem } from '../engine/validate.js'
import { msg } from '../lib/errors.js'
import { declaredModel } from './markers.js'

/**
 * Deploy check: the evaluation step is offered to callback staff. `case.evaluate` records the
 * citizen's evaluation only from the evaluation routes or from a user with the `callback` role
 * (403 to anyone else, handlers.ts), so a step offered to no callback user sits in other people's
 * lists as a task each of them is refused: a version that does so is not deployed.
 *
 * The evaluation steps are told by what they do, never by element id: the user tasks marked
 * `shuoshi:role=evaluation` (the task the evaluation routes complete) and every user task whose
 * completion runs `case.evaluate` in the same step (through gateways and service tasks, before
 * anything waits). Their receivers pass when a literal user or group is held by a callback user
 * who works on the version's county, or when an expression names `callbackGroup` (intake's
 * callback tokens of the case's county and city): what an expression yields otherwise is not
 * known at deploy, and the handling unit's own `handlerGroup` is exactly what must not pass.
 */

/** Elements a completion runs through in its own step; anything else waits or starts elsewhere. */
const PASS_THROUGH = new Set([
  'bpmn:ExclusiveGateway',
  'bpmn:InclusiveGateway',
  'bpmn:ParallelGateway',
  'bpmn:ServiceTask',
  'bpmn:ScriptTask',
  'bpmn:BusinessRuleTask',
  'bpmn:SendTask',
  'bpmn:Task',
  'bpmn:IntermediateThrowEvent',
])

const EVALUATE = 'case.evaluate'

/** Whether completing `task` reaches `case.evaluate` before the flow waits again. */
function runsEvaluate(elements: Map<string, ElementInfo>, task: ElementInfo): boolean {
  const seen = new Set<string>()
  const todo = [...task.next]
  while (todo.length) {
    const el = elements.get(todo.pop()!)
    if (!el || seen.has(el.id)) continue
    seen.add(el.id)
    if (el.topic === EVALUATE) return true
    if (PASS_THROUGH.has(el.type)) todo.push(...el.next)
  }
  return false
}

/** The user tasks that record an evaluation. */
export function evaluationSteps(def: PreparedDefinition): ElementInfo[] {
  const roles = declaredModel(def).roles
  return [...def.elements.values()].filter((el) => el.type === 'bpmn:UserTask' && (roles.get(el.id) === 'evaluation' || runsEvaluate(def.elements, el)))
}

const isExpression = (v: string) => v.trim().startsWith('=') || /[$#]\{/.test(v)
const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

/** Whether `task`'s receivers include callback staff, given the tokens callback users hold. */
function offeredToCallback(task: ElementInfo, callback: { users: ReadonlySet<string>; groups: ReadonlySet<string> }): boolean {
  const fields = [task.assignee, task.candidateUsers, task.candidateGroups]
  if (fields.some((v) => v && isExpression(v) && /\bcallbackGroup\b/.test(v))) return true
  const literal = (v: string | undefined) => (v && !isExpression(v) ? list(v) : [])
  return (
    [...literal(task.assignee), ...literal(task.candidateUsers)].some((u) => callback.users.has(u)) ||
    literal(task.candidateGroups).some((g) => callback.groups.has(g))
  )
}

/** The check, given who holds the callback role among a version's receivers. */
export function evaluationReceiversCheck(
  callbackReceivers: (tenant: string | null) => Promise<{ users: ReadonlySet<string>; groups: ReadonlySet<string> }>,
): DeployCheck {
  return async (def, { tenant }) => {
    const steps = evaluationSteps(def)
    if (!steps.length) return []
    const callback = await callbackReceivers(tenant)
    const problems: Problem[] = []
    for (const task of steps) {
      if (!offeredToCallback(task, callback)) problems.push(toProblem(task.id, msg('deploy.evaluationNotCallback', { task: task.name || task.id })))
    }
    return problems
  }
}
