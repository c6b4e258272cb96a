import type { Db, Trx } from '../lib/db.js'
import type { PreparedDefinition, ElementInfo } from '../engine/model.js'
import type { DefinitionStore } from '../engine/definitions.js'
import type { Problem } from '../engine/validate.js'
import type { TaskRow } from '../engine/runtime.js'
import { PROCEDURES } from './routing.js'

/**
 * Which BPMN elements the platform relies on, told by the diagram itself through Camunda
 * extension properties (`<camunda:properties><camunda:property name="shuoshi:…" value="…"/>`),
 * never by element id: an administrator may rename or replace elements in the modeler.
 *
 * - `shuoshi:role` on a user task: its part in the procedure (ROLES below). `evaluation` is the
 *   task the citizen's and callback staff's evaluation routes complete.
 * - `shuoshi:return="true"` on a user task: it may be sent back (退单, POST /api/tasks/:id/return).
 * - `shuoshi:deadline="true"` on a timer boundary event: the deadline of the task it is attached
 *   to (an approved extension moves it; once it fired the task shows overdue).
 * - `shuoshi:extension="request"` on a non-interrupting message boundary event: the task it is
 *   attached to accepts extension requests (POST /api/tasks/:id/extension delivers its message);
 *   the user task with role `extensionApproval` and the `case.extend` service task reached from
 *   it decide and apply the request.
 * - `shuoshi:addCoUnits="request"` on a non-interrupting message boundary event: the task it is
 *   attached to (a joint case's lead) accepts co-organisers added while it runs (加派,
 *   POST /api/cases/:id/co-units delivers its message).
 */
export const MARK = { role: 'shuoshi:role', return: 'shuoshi:return', deadline: 'shuoshi:deadline', extension: 'shuoshi:extension', addCoUnits: 'shuoshi:addCoUnits' } as const

export const ROLES = [
  'dispatch',
  'signFor',
  'handle',
  'lead',
  'cohandle',
  'coordinate',
  'meeting',
  'review',
  'consult',
  'plan',
  'planApproval',
  'execute',
  'evaluation',
  'extensionApproval',
] as const
export type Role = (typeof ROLES)[number]

/** Roles each procedure must keep, and which of them must keep a deadline (supervision, 三率). */
const REQUIRED: Record<string, { roles: Role[]; deadlines: Role[] }> = {
  ordinary: { roles: ['signFor', 'handle', 'evaluation'], deadlines: ['signFor', 'handle'] },
  escalation: { roles: ['handle', 'evaluation'], deadlines: ['handle'] },
  joint: { roles: ['lead', 'evaluation'], deadlines: ['lead'] },
  one_case_one_plan: { roles: ['evaluation'], deadlines: [] },
}

export interface Extension {
  task: string
  boundary: string
  message: string
  approvals: string[]
  applies: string[]
}

/** The platform's reading of one definition version. */
export interface PlatformModel {
  roles: Map<string, Role>
  returnable: Set<string>
  /** deadline timer boundary id → the task it is attached to, and back. */
  deadlineOf: Map<string, string>
  deadlineTimer: Map<string, string>
  /** extensible task id → its extension elements. */
  extensions: Map<string, Extension>
  /** element (approval, apply, …) reached from an extension boundary → the extended task. */
  extensionFor: Map<string, string>
  /** task id → its 加派 boundary (shuoshi:addCoUnits) and the boundary's message name. */
  addCoUnits: Map<string, { task: string; boundary: string; message: string }>
}

const isUserTask = (e: ElementInfo | undefined) => e?.type === 'bpmn:UserTask'
const msg = (zh: string, en: string) => `${zh} / ${en}`

/** Everything reachable along sequence flows from `start` (not through boundary events). */
function reachable(elements: Map<string, ElementInfo>, start: string): string[] {
  const seen = new Set<string>()
  const todo = [...(elements.get(start)?.next ?? [])]
  while (todo.length) {
    const id = todo.pop()!
    if (seen.has(id)) continue
    seen.add(id)
    todo.push(...(elements.get(id)?.next ?? []))
  }
  return [...seen]
}

const LEGACY_ROLES: Record<string, Role> = { ut_dispatch: 'dispatch', ut_signfor: 'signFor', ut_handle: 'handle', ut_lead: 'lead', ut_evaluate: 'evaluation' }

/**
 * Versions deployed before markers existed (a database seeded by an earlier release keeps them,
 * since files no longer overwrite the database) carry none: for the four procedures only, their
 * element ids are read by the conventions of that release. Deploy requires markers, so no new
 * version is read this way.
 */
function legacyProperties(def: PreparedDefinition): ((el: ElementInfo) => Record<string, string>) | null {
  if (!(PROCEDURES as readonly string[]).includes(def.processKey)) return null
  for (const el of def.elements.values()) if (Object.keys(el.properties).some((k) => k.startsWith('shuoshi:'))) return null
  return (el) => {
    const p: Record<string, string> = {}
    if (LEGACY_ROLES[el.id]) p[MARK.role] = LEGACY_ROLES[el.id]
    if (el.id === 'ut_signfor' || el.id === 'ut_handle') p[MARK.return] = 'true'
    if (/_ext_approve$/.test(el.id)) p[MARK.role] = 'extensionApproval'
    if (el.attachedTo && el.id === `${el.attachedTo}_late`) p[MARK.deadline] = 'true'
    if (el.attachedTo && el.id === `${el.attachedTo}_extension`) p[MARK.extension] = 'request'
    return p
  }
}

/** Reads the markers and reports each one that is misplaced; `problems` collects the reports. */
function read(def: PreparedDefinition, problems: Problem[]): PlatformModel {
  const { elements } = def
  const model: PlatformModel = { roles: new Map(), returnable: new Set(), deadlineOf: new Map(), deadlineTimer: new Map(), extensions: new Map(), extensionFor: new Map(), addCoUnits: new Map() }
  const add = (elementId: string | null, zh: string, en: string) => problems.push({ elementId, message: msg(zh, en) })
  const legacy = legacyProperties(def)
  for (const el of elements.values()) {
    const p = legacy ? legacy(el) : el.properties
    const role = p[MARK.role]
    if (role !== undefined) {
      if (!isUserTask(el)) add(el.id, `${MARK.role} 只能用于用户任务`, `${MARK.role} belongs on a user task`)
      else if (!(ROLES as readonly string[]).includes(role)) add(el.id, `未知的 ${MARK.role}：${role}（可用：${ROLES.join('、')}）`, `unknown ${MARK.role} "${role}" (one of ${ROLES.join(', ')})`)
      else model.roles.set(el.id, role as Role)
    }
    const ret = p[MARK.return]
    if (ret !== undefined) {
      if (!isUserTask(el)) add(el.id, `${MARK.return} 只能用于用户任务`, `${MARK.return} belongs on a user task`)
      else if (ret !== 'true' && ret !== 'false') add(el.id, `${MARK.return} 的值应为 true 或 false`, `${MARK.return} must be "true" or "false"`)
      else if (ret === 'true') model.returnable.add(el.id)
    }
    const deadline = p[MARK.deadline]
    if (deadline !== undefined) {
      const task = el.attachedTo
      if (el.type !== 'bpmn:BoundaryEvent' || !el.eventKinds?.includes('timer') || !isUserTask(elements.get(task ?? ''))) {
        add(el.id, `${MARK.deadline} 只能用于附着在用户任务上的定时边界事件`, `${MARK.deadline} belongs on a timer boundary event attached to a user task`)
      } else if (deadline !== 'true') {
        add(el.id, `${MARK.deadline} 的值应为 true`, `${MARK.deadline} must be "true"`)
      } else if (model.deadlineTimer.has(task!)) {
        add(el.id, `任务 ${task} 已有时限定时器 ${model.deadlineTimer.get(task!)}`, `task ${task} already has the deadline timer ${model.deadlineTimer.get(task!)}`)
      } else {
        model.deadlineOf.set(el.id, task!)
        model.deadlineTimer.set(task!, el.id)
      }
    }
    const extension = p[MARK.extension]
    if (extension !== undefined) {
      const task = el.attachedTo
      if (el.type !== 'bpmn:BoundaryEvent' || !el.eventKinds?.includes('message') || !el.messageName || !isUserTask(elements.get(task ?? ''))) {
        add(el.id, `${MARK.extension} 只能用于附着在用户任务上的消息边界事件`, `${MARK.extension} belongs on a message boundary event attached to a user task`)
      } else if (extension !== 'request') {
        add(el.id, `${MARK.extension} 的值应为 request`, `${MARK.extension} must be "request"`)
      } else if (el.cancelActivity) {
        add(el.id, '延期申请边界事件不能中断任务（cancelActivity="false"）', 'the extension boundary must not interrupt its task (cancelActivity="false")')
      } else if (model.extensions.has(task!)) {
        add(el.id, `任务 ${task} 已有延期申请边界事件`, `task ${task} already has an extension boundary`)
      } else {
        const after = reachable(elements, el.id)
        model.extensions.set(task!, {
          task: task!,
          boundary: el.id,
          message: el.messageName,
          approvals: after.filter((id) => isUserTask(elements.get(id)) && elements.get(id)!.properties[MARK.role] === 'extensionApproval'),
          applies: after.filter((id) => elements.get(id)?.topic === 'case.extend'),
        })
        for (const id of after) model.extensionFor.set(id, task!)
      }
    }
    const addCo = p[MARK.addCoUnits]
    if (addCo !== undefined) {
      const task = el.attachedTo
      if (el.type !== 'bpmn:BoundaryEvent' || !el.eventKinds?.includes('message') || !el.messageName || !isUserTask(elements.get(task ?? ''))) {
        add(el.id, `${MARK.addCoUnits} 只能用于附着在用户任务上的消息边界事件`, `${MARK.addCoUnits} belongs on a message boundary event attached to a user task`)
      } else if (addCo !== 'request') {
        add(el.id, `${MARK.addCoUnits} 的值应为 request`, `${MARK.addCoUnits} must be "request"`)
      } else if (el.cancelActivity) {
        add(el.id, '加派边界事件不能中断任务（cancelActivity="false"）', 'the add-co-organisers boundary must not interrupt its task (cancelActivity="false")')
      } else {
        model.addCoUnits.set(task!, { task: task!, boundary: el.id, message: el.messageName })
      }
    }
  }
  return model
}

const cache = new WeakMap<PreparedDefinition, PlatformModel>()

/** The platform markers of a definition version (read once per parsed version). */
export function platformModel(def: PreparedDefinition): PlatformModel {
  let m = cache.get(def)
  if (!m) cache.set(def, (m = read(def, [])))
  return m
}

/**
 * Deploy check: markers are where they make sense, an extension boundary leads to its approval
 * and to `case.extend`, and a procedure the cases module starts keeps the roles it relies on.
 */
export function checkPlatformMarkers(def: PreparedDefinition): Problem[] {
  const problems: Problem[] = []
  const add = (elementId: string | null, zh: string, en: string) => problems.push({ elementId, message: msg(zh, en) })
  // A new version must say what it means: the legacy reading is for rows already stored.
  const model = read({ ...def, processKey: '' }, problems)
  for (const ext of model.extensions.values()) {
    if (!ext.approvals.length) add(ext.boundary, `延期申请之后没有审批任务（${MARK.role}=extensionApproval）`, `no approval task (${MARK.role}=extensionApproval) follows the extension request`)
    if (!ext.applies.length) add(ext.boundary, '延期申请之后没有 case.extend 服务任务', 'no case.extend service task follows the extension request')
  }
  for (const el of def.elements.values()) {
    if (el.topic === 'case.extend' && !model.extensionFor.has(el.id)) {
      add(el.id, `case.extend 必须位于延期申请边界事件（${MARK.extension}=request）之后`, `case.extend must follow an extension boundary (${MARK.extension}=request)`)
    }
    if (model.roles.get(el.id) === 'extensionApproval' && !model.extensionFor.has(el.id)) {
      add(el.id, `延期审批任务必须位于延期申请边界事件（${MARK.extension}=request）之后`, `an extension approval must follow an extension boundary (${MARK.extension}=request)`)
    }
  }
  const required = (PROCEDURES as readonly string[]).includes(def.processKey) ? REQUIRED[def.processKey] : undefined
  if (required) {
    const byRole = new Map<Role, string[]>()
    for (const [id, role] of model.roles) byRole.set(role, [...(byRole.get(role) ?? []), id])
    for (const role of required.roles) {
      if (!byRole.has(role)) {
        add(null, `办理程序 ${def.processKey} 缺少 ${MARK.role}=${role} 的用户任务`, `procedure ${def.processKey} needs a user task with ${MARK.role}=${role}`)
      }
    }
    for (const role of required.deadlines) {
      for (const id of byRole.get(role) ?? []) {
        if (!model.deadlineTimer.has(id)) add(id, `${role} 任务缺少时限定时器（${MARK.deadline}=true）`, `the ${role} task needs a deadline timer boundary (${MARK.deadline}=true)`)
      }
    }
  }
  return problems
}

/** The platform model of the definition an instance runs. */
export async function modelOfInstance(definitions: DefinitionStore, instanceId: string, trx: Db | Trx): Promise<PlatformModel | null> {
  const inst = await trx('process_instances').where({ id: instanceId }).first('definition_id')
  return inst ? platformModel(await definitions.load(inst.definition_id, trx)) : null
}

/** What a task offers besides completing it, read from its definition's markers. */
export async function taskActions(definitions: DefinitionStore, task: Pick<TaskRow, 'instance_id' | 'element_id'>, trx: Db | Trx) {
  const model = await modelOfInstance(definitions, task.instance_id, trx)
  return { returnable: !!model?.returnable.has(task.element_id), extension: model?.extensions.get(task.element_id) ?? null }
}

/** The open tasks of a case whose element plays `role` (several instances may be involved). */
export async function openTasksWithRole(definitions: DefinitionStore, caseId: string, role: Role, trx: Db | Trx): Promise<TaskRow[]> {
  const rows: (TaskRow & { definition_id: string })[] = await trx('tasks')
    .join('process_instances', 'process_instances.id', 'tasks.instance_id')
    .where({ 'tasks.case_id': caseId, 'tasks.status': 'open' })
    .orderBy('tasks.created_at')
    .select('tasks.*', 'process_instances.definition_id as definition_id')
  const out: TaskRow[] = []
  for (const { definition_id, ...task } of rows) {
    if (platformModel(await definitions.load(definition_id, trx)).roles.get(task.element_id) === role) out.push(task as TaskRow)
  }
  return out
}
