import type { Db, Trx } from '../lib/db.js'
import type { PreparedDefinition, ElementInfo } from '../engine/model.js'
import type { DefinitionStore } from '../engine/definitions.js'
import { toProblem, type Problem } from '../engine/validate.js'
import { msg, type Msg } from '../lib/errors.js'
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
export const MARK = {
  role: 'shuoshi:role',
  return: 'shuoshi:return',
  deadline: 'shuoshi:deadline',
  extension: 'shuoshi:extension',
  addCoUnits: 'shuoshi:addCoUnits',
} as const

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
  const model: PlatformModel = {
    roles: new Map(),
    returnable: new Set(),
    deadlineOf: new Map(),
    deadlineTimer: new Map(),
    extensions: new Map(),
    extensionFor: new Map(),
    addCoUnits: new Map(),
  }
  const add = (elementId: string | null, m: Msg) => problems.push(toProblem(elementId, m))
  const legacy = legacyProperties(def)
  for (const el of elements.values()) {
    const p = legacy ? legacy(el) : el.properties
    const role = p[MARK.role]
    if (role !== undefined) {
      if (!isUserTask(el)) add(el.id, msg('deploy.marker.roleOnUserTask', { marker: MARK.role }))
      else if (!(ROLES as readonly string[]).includes(role)) add(el.id, msg('deploy.marker.unknownRole', { marker: MARK.role, role, roles: ROLES }))
      else model.roles.set(el.id, role as Role)
    }
    const ret = p[MARK.return]
    if (ret !== undefined) {
      if (!isUserTask(el)) add(el.id, msg('deploy.marker.returnOnUserTask', { marker: MARK.return }))
      else if (ret !== 'true' && ret !== 'false') add(el.id, msg('deploy.marker.returnValue', { marker: MARK.return }))
      else if (ret === 'true') model.returnable.add(el.id)
    }
    const deadline = p[MARK.deadline]
    if (deadline !== undefined) {
      const task = el.attachedTo
      if (el.type !== 'bpmn:BoundaryEvent' || !el.eventKinds?.includes('timer') || !isUserTask(elements.get(task ?? ''))) {
        add(el.id, msg('deploy.marker.deadlinePlace', { marker: MARK.deadline }))
      } else if (deadline !== 'true') {
        add(el.id, msg('deploy.marker.deadlineValue', { marker: MARK.deadline }))
      } else if (model.deadlineTimer.has(task!)) {
        add(el.id, msg('deploy.marker.deadlineTwice', { task, timer: model.deadlineTimer.get(task!) }))
      } else {
        model.deadlineOf.set(el.id, task!)
        model.deadlineTimer.set(task!, el.id)
      }
    }
    const extension = p[MARK.extension]
    if (extension !== undefined) {
      const task = el.attachedTo
      if (el.type !== 'bpmn:BoundaryEvent' || !el.eventKinds?.includes('message') || !el.messageName || !isUserTask(elements.get(task ?? ''))) {
        add(el.id, msg('deploy.marker.messageBoundaryPlace', { marker: MARK.extension }))
      } else if (extension !== 'request') {
        add(el.id, msg('deploy.marker.requestValue', { marker: MARK.extension }))
      } else if (el.cancelActivity) {
        add(el.id, msg('deploy.marker.extensionInterrupting'))
      } else if (model.extensions.has(task!)) {
        add(el.id, msg('deploy.marker.extensionTwice', { task }))
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
        add(el.id, msg('deploy.marker.messageBoundaryPlace', { marker: MARK.addCoUnits }))
      } else if (addCo !== 'request') {
        add(el.id, msg('deploy.marker.requestValue', { marker: MARK.addCoUnits }))
      } else if (el.cancelActivity) {
        add(el.id, msg('deploy.marker.addCoUnitsInterrupting'))
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

/** The markers a version declares itself (a deploy's reading: no legacy ids). */
export function declaredModel(def: PreparedDefinition): PlatformModel {
  return read({ ...def, processKey: '' }, [])
}

/**
 * Deploy check: markers are where they make sense, an extension boundary leads to its approval
 * and to `case.extend`, and a procedure the cases module starts keeps the roles it relies on.
 */
export function checkPlatformMarkers(def: PreparedDefinition): Problem[] {
  const problems: Problem[] = []
  const add = (elementId: string | null, m: Msg) => problems.push(toProblem(elementId, m))
  // A new version must say what it means: the legacy reading is for rows already stored.
  const model = read({ ...def, processKey: '' }, problems)
  for (const ext of model.extensions.values()) {
    if (!ext.approvals.length) add(ext.boundary, msg('deploy.marker.noApproval', { marker: MARK.role }))
    if (!ext.applies.length) add(ext.boundary, msg('deploy.marker.noExtend'))
  }
  for (const el of def.elements.values()) {
    if (el.topic === 'case.extend' && !model.extensionFor.has(el.id)) {
      add(el.id, msg('deploy.marker.extendPlace', { marker: MARK.extension }))
    }
    if (model.roles.get(el.id) === 'extensionApproval' && !model.extensionFor.has(el.id)) {
      add(el.id, msg('deploy.marker.approvalPlace', { marker: MARK.extension }))
    }
  }
  const required = (PROCEDURES as readonly string[]).includes(def.processKey) ? REQUIRED[def.processKey] : undefined
  if (required) {
    const byRole = new Map<Role, string[]>()
    for (const [id, role] of model.roles) byRole.set(role, [...(byRole.get(role) ?? []), id])
    for (const role of required.roles) {
      if (!byRole.has(role)) {
        add(null, msg('deploy.marker.roleMissing', { procedure: def.processKey, marker: MARK.role, role }))
      }
    }
    for (const role of required.deadlines) {
      for (const id of byRole.get(role) ?? []) {
        if (!model.deadlineTimer.has(id)) add(id, msg('deploy.marker.deadlineMissing', { role, marker: MARK.deadline }))
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

/**
 * Whether `elementId` is a wait only the platform's own routes deliver to: an extension request
 * boundary (POST /api/tasks/:id/extension sets the days, the reason and who asked) or a 加派
 * boundary (POST /api/cases/:id/co-units sets the checked units). A message from elsewhere would
 * raise an approval of nothing, or add co-organisers nobody checked.
 */
export function deliveredByPlatform(model: PlatformModel, elementId: string): boolean {
  for (const e of model.extensions.values()) if (e.boundary === elementId) return true
  for (const a of model.addCoUnits.values()) if (a.boundary === elementId) return true
  return false
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
