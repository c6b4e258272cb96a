/**
 * Writes the four handling procedures (ordinary, joint, escalation, one_case_one_plan) as BPMN
 * 2.0 with a full diagram (BPMNDI), so bpmn-js and Camunda Modeler open them as drawn here.
 * The .bpmn files are the source of truth once written (administrators edit them in the
 * modeler); this script is how the first versions were laid out:
 *
 *   node --import tsx processes/generate.ts
 *
 * Conventions (see src/cases/README.md): candidate groups and deadlines come from process
 * variables set at intake; service tasks are `camunda:type="external"` with a `case.*` topic;
 * boundary timers `<task>_late` are non-interrupting (督办 never cancels the work).
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

type Kind = 'start' | 'end' | 'user' | 'service' | 'xor' | 'timer' | 'message'
interface Node {
  kind: Kind
  id: string
  name: string
  doc?: string
  c: number
  r: number
  groups?: string
  due?: string
  form?: string
  topic?: string
  inputs?: Record<string, string>
  collection?: string
  elementVariable?: string
  default?: string
  /** Boundary events: the host task, the timer or message. */
  attachedTo?: string
  timeDate?: string
  timeCycle?: string
  messageRef?: string
}
interface Flow {
  id: string
  from: string
  to: string
  cond?: string
  name?: string
  /** Back-loops: route above (default) or below the row. */
  via?: 'above' | 'below'
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

const X0 = 160
const DX = 170
const Y0 = 140
const DY = 150

function size(n: Node) {
  if (n.kind === 'user' || n.kind === 'service') return { w: 100, h: 80 }
  if (n.kind === 'xor') return { w: 50, h: 50 }
  return { w: 36, h: 36 }
}

function bounds(n: Node, nodes: Map<string, Node>) {
  const { w, h } = size(n)
  if (n.attachedTo) {
    const host = bounds(nodes.get(n.attachedTo)!, nodes)
    // Boundary events sit on the host's bottom edge, left to right in declaration order (c = slot).
    const x = host.x + 14 + n.c * 36
    return { x, y: host.y + host.h - 18, w, h, cx: x + w / 2, cy: host.y + host.h }
  }
  const cx = X0 + n.c * DX
  const cy = Y0 + n.r * DY
  return { x: cx - w / 2, y: cy - h / 2, w, h, cx, cy }
}

function waypoints(f: Flow, nodes: Map<string, Node>, loopIndex: number): [number, number][] {
  const s = nodes.get(f.from)!
  const t = nodes.get(f.to)!
  const a = bounds(s, nodes)
  const b = bounds(t, nodes)
  const left = b.x
  const right = a.x + a.w
  if (s.attachedTo) {
    // Down from the boundary event, then across to the target.
    const bottom = a.y + a.h
    if (a.cx >= b.x && a.cx <= b.x + b.w) return [[a.cx, bottom], [a.cx, b.y]]
    return [[a.cx, bottom], [a.cx, b.cy], [b.cx > a.cx ? left : b.x + b.w, b.cy]]
  }
  if (Math.abs(a.cy - b.cy) < 1 && b.cx > a.cx) return [[right, a.cy], [left, b.cy]]
  if (Math.abs(a.cx - b.cx) < 1) {
    return b.cy > a.cy ? [[a.cx, a.y + a.h], [b.cx, b.y]] : [[a.cx, a.y], [b.cx, b.y + b.h]]
  }
  if (b.cx > a.cx) {
    if (s.kind === 'xor') {
      // Out of the gateway's bottom (or top) corner, then along the target's row.
      return b.cy > a.cy ? [[a.cx, a.y + a.h], [a.cx, b.cy], [left, b.cy]] : [[a.cx, a.y], [a.cx, b.cy], [left, b.cy]]
    }
    const mid = Math.round((right + left) / 2)
    return [[right, a.cy], [mid, a.cy], [mid, b.cy], [left, b.cy]]
  }
  // Back-loop: over (or under) both shapes.
  if (f.via === 'below') {
    const y = Math.max(a.y + a.h, b.y + b.h) + 30 + loopIndex * 12
    return [[a.cx, a.y + a.h], [a.cx, y], [b.cx, y], [b.cx, b.y + b.h]]
  }
  const y = Math.min(a.y, b.y) - 30 - loopIndex * 12
  return [[a.cx, a.y], [a.cx, y], [b.cx, y], [b.cx, b.y]]
}

function build(def: { id: string; name: string; doc: string; nodes: Node[]; flows: Flow[]; messages?: Record<string, string> }): string {
  const nodes = new Map(def.nodes.map((n) => [n.id, n]))
  const incoming = new Map<string, string[]>()
  const outgoing = new Map<string, string[]>()
  for (const f of def.flows) {
    if (!nodes.has(f.from) || !nodes.has(f.to)) throw new Error(`${def.id}: flow ${f.id} names a missing node`)
    outgoing.set(f.from, [...(outgoing.get(f.from) ?? []), f.id])
    incoming.set(f.to, [...(incoming.get(f.to) ?? []), f.id])
  }
  const out: string[] = []
  out.push('<?xml version="1.0" encoding="UTF-8"?>')
  out.push(
    `<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_${def.id}" targetNamespace="https://shuoshi.example/bpmn" exporter="shuoshi processes/generate.ts" exporterVersion="1">`,
  )
  for (const [id, name] of Object.entries(def.messages ?? {})) out.push(`  <bpmn:message id="${id}" name="${esc(name)}" />`)
  out.push(`  <bpmn:process id="${def.id}" name="${esc(def.name)}" isExecutable="true">`)
  out.push(`    <bpmn:documentation>${esc(def.doc)}</bpmn:documentation>`)
  const io = (n: Node) => {
    const lines: string[] = []
    for (const f of incoming.get(n.id) ?? []) lines.push(`      <bpmn:incoming>${f}</bpmn:incoming>`)
    for (const f of outgoing.get(n.id) ?? []) lines.push(`      <bpmn:outgoing>${f}</bpmn:outgoing>`)
    return lines
  }
  for (const n of def.nodes) {
    const doc = n.doc ? [`      <bpmn:documentation>${esc(n.doc)}</bpmn:documentation>`] : []
    const name = esc(n.name)
    switch (n.kind) {
      case 'start':
        out.push(`    <bpmn:startEvent id="${n.id}" name="${name}">`, ...doc, ...io(n), '    </bpmn:startEvent>')
        break
      case 'end':
        out.push(`    <bpmn:endEvent id="${n.id}" name="${name}">`, ...doc, ...io(n), '    </bpmn:endEvent>')
        break
      case 'xor':
        out.push(`    <bpmn:exclusiveGateway id="${n.id}" name="${name}"${n.default ? ` default="${n.default}"` : ''}>`, ...doc, ...io(n), '    </bpmn:exclusiveGateway>')
        break
      case 'user': {
        const attrs = [
          n.groups && `camunda:candidateGroups="${esc(n.groups)}"`,
          n.due && `camunda:dueDate="${esc(n.due)}"`,
          n.form && `camunda:formKey="shuoshi:${n.form}"`,
        ].filter(Boolean)
        out.push(`    <bpmn:userTask id="${n.id}" name="${name}" ${attrs.join(' ')}>`, ...doc, ...io(n))
        if (n.collection) {
          out.push(`      <bpmn:multiInstanceLoopCharacteristics camunda:collection="${esc(n.collection)}" camunda:elementVariable="${n.elementVariable}" />`)
        }
        out.push('    </bpmn:userTask>')
        break
      }
      case 'service': {
        out.push(`    <bpmn:serviceTask id="${n.id}" name="${name}" camunda:type="external" camunda:topic="${n.topic}">`, ...doc)
        if (n.inputs && Object.keys(n.inputs).length) {
          out.push('      <bpmn:extensionElements>', '        <camunda:inputOutput>')
          for (const [k, v] of Object.entries(n.inputs)) out.push(`          <camunda:inputParameter name="${k}">${esc(v)}</camunda:inputParameter>`)
          out.push('        </camunda:inputOutput>', '      </bpmn:extensionElements>')
        }
        out.push(...io(n), '    </bpmn:serviceTask>')
        break
      }
      case 'timer':
      case 'message': {
        out.push(`    <bpmn:boundaryEvent id="${n.id}" name="${name}" cancelActivity="false" attachedToRef="${n.attachedTo}">`, ...doc, ...io(n))
        if (n.kind === 'timer') {
          const [tag, value] = n.timeDate ? ['timeDate', n.timeDate] : ['timeCycle', n.timeCycle!]
          out.push('      <bpmn:timerEventDefinition>', `        <bpmn:${tag} xsi:type="bpmn:tFormalExpression">${esc(value)}</bpmn:${tag}>`, '      </bpmn:timerEventDefinition>')
        } else {
          out.push(`      <bpmn:messageEventDefinition messageRef="${n.messageRef}" />`)
        }
        out.push('    </bpmn:boundaryEvent>')
        break
      }
    }
  }
  for (const f of def.flows) {
    const name = f.name ? ` name="${esc(f.name)}"` : ''
    if (f.cond) {
      out.push(`    <bpmn:sequenceFlow id="${f.id}"${name} sourceRef="${f.from}" targetRef="${f.to}">`)
      out.push(`      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${esc(f.cond)}</bpmn:conditionExpression>`)
      out.push('    </bpmn:sequenceFlow>')
    } else {
      out.push(`    <bpmn:sequenceFlow id="${f.id}"${name} sourceRef="${f.from}" targetRef="${f.to}" />`)
    }
  }
  out.push('  </bpmn:process>')

  // Diagram interchange: every shape and edge, so the viewer draws what runs.
  out.push(`  <bpmndi:BPMNDiagram id="BPMNDiagram_${def.id}">`)
  out.push(`    <bpmndi:BPMNPlane id="BPMNPlane_${def.id}" bpmnElement="${def.id}">`)
  const hosts = def.nodes.filter((n) => !n.attachedTo)
  const boundaries = def.nodes.filter((n) => n.attachedTo)
  for (const n of [...hosts, ...boundaries]) {
    const b = bounds(n, nodes)
    const marker = n.kind === 'xor' ? ' isMarkerVisible="true"' : ''
    out.push(`      <bpmndi:BPMNShape id="${n.id}_di" bpmnElement="${n.id}"${marker}>`)
    out.push(`        <dc:Bounds x="${Math.round(b.x)}" y="${Math.round(b.y)}" width="${b.w}" height="${b.h}" />`)
    if (n.kind !== 'user' && n.kind !== 'service' && n.name) {
      const lx = Math.round(b.cx - 50)
      const ly = n.attachedTo ? Math.round(b.y + b.h + 4) : n.kind === 'xor' ? Math.round(b.y - 30) : Math.round(b.y + b.h + 6)
      out.push('        <bpmndi:BPMNLabel>', `          <dc:Bounds x="${lx}" y="${ly}" width="100" height="27" />`, '        </bpmndi:BPMNLabel>')
    }
    out.push('      </bpmndi:BPMNShape>')
  }
  let loops = 0
  for (const f of def.flows) {
    const s = nodes.get(f.from)!
    const t = nodes.get(f.to)!
    const back = !s.attachedTo && bounds(t, nodes).cx < bounds(s, nodes).cx
    const pts = waypoints(f, nodes, back ? loops++ % 4 : 0)
    out.push(`      <bpmndi:BPMNEdge id="${f.id}_di" bpmnElement="${f.id}">`)
    for (const [x, y] of pts) out.push(`        <di:waypoint x="${Math.round(x)}" y="${Math.round(y)}" />`)
    if (f.name) {
      const [x, y] = pts[Math.min(1, pts.length - 1)]
      out.push('        <bpmndi:BPMNLabel>', `          <dc:Bounds x="${Math.round(x + 4)}" y="${Math.round(y - 22)}" width="90" height="27" />`, '        </bpmndi:BPMNLabel>')
    }
    out.push('      </bpmndi:BPMNEdge>')
  }
  out.push('    </bpmndi:BPMNPlane>', '  </bpmndi:BPMNDiagram>', '</bpmn:definitions>', '')
  return out.join('\n')
}

// ── shared pieces ─────────────────────────────────────────────────────────────

const svc = (id: string, name: string, topic: string, c: number, r: number, inputs?: Record<string, string>, doc?: string): Node => ({ kind: 'service', id, name, topic, c, r, inputs, doc })
const superviseTimer = (task: string, due: string, stage: string, slot = 0): Node => ({
  kind: 'timer',
  id: `${task}_late`,
  name: '超时督办 / Overdue',
  attachedTo: task,
  timeDate: due,
  c: slot,
  r: 0,
  doc: `Non-interrupting: when ${due} passes, the case is flagged overdue and supervised (${stage}); the task stays open.`,
})
const extensionEvent = (task: string, slot = 1): Node => ({
  kind: 'message',
  id: `${task}_extension`,
  name: '延期申请 / Extension requested',
  attachedTo: task,
  messageRef: 'Msg_extension',
  c: slot,
  r: 0,
  doc: 'POST /api/tasks/:id/extension {days, reason} delivers message extension_request here (non-interrupting).',
})

/** result → feedback → evaluation → (dissatisfied once: re-handle) → closure, from column c on row r. */
function tail(c: number, r: number, rehandleTarget: string): { nodes: Node[]; flows: Flow[] } {
  return {
    nodes: [
      svc('svc_resolve', '办结 / Record result', 'case.resolve', c, r, {}, 'Records the result and the level that resolved it.'),
      svc('svc_feedback', '反馈群众 / Feed back to the citizen', 'case.feedback', c + 1, r, {}, 'The result becomes visible on the tracking page; the case awaits evaluation.'),
      {
        kind: 'user',
        id: 'ut_evaluate',
        name: '群众评价 / Evaluation',
        groups: '=callbackGroup',
        form: 'evaluation',
        c: c + 2,
        r,
        doc: 'Completed by the citizen through POST /api/public/track/:caseNo/evaluation, or by callback staff (POST /api/cases/:id/evaluation).',
      },
      svc('svc_evaluate', '记录评价 / Record evaluation', 'case.evaluate', c + 3, r, {}, 'Sets rehandle when the citizen is dissatisfied and no re-handling round has been spent.'),
      { kind: 'xor', id: 'gw_evaluation', name: '不满意？/ Dissatisfied?', default: 'f_close', c: c + 4, r },
      svc('svc_rehandle', '重办 / Re-handle', 'case.rehandle', c + 4, r + 1, {}, 'One more handling round with a fresh resolution deadline.'),
      svc('svc_close', '结案 / Close', 'case.close', c + 5, r),
      { kind: 'end', id: 'end_closed', name: '已结案 / Closed', c: c + 6, r },
    ],
    flows: [
      { id: 'f_resolve_feedback', from: 'svc_resolve', to: 'svc_feedback' },
      { id: 'f_feedback_evaluate', from: 'svc_feedback', to: 'ut_evaluate' },
      { id: 'f_evaluate_record', from: 'ut_evaluate', to: 'svc_evaluate' },
      { id: 'f_record_gw', from: 'svc_evaluate', to: 'gw_evaluation' },
      { id: 'f_rehandle', from: 'gw_evaluation', to: 'svc_rehandle', cond: '=rehandle = true', name: '不满意 / dissatisfied' },
      { id: 'f_rehandle_back', from: 'svc_rehandle', to: rehandleTarget, via: 'below' },
      { id: 'f_close', from: 'gw_evaluation', to: 'svc_close', name: '满意或已重办 / done' },
      { id: 'f_closed', from: 'svc_close', to: 'end_closed' },
    ],
  }
}

/** The leader's decision on an extension request raised on `task` (drawn under it at column c). */
function extensionBranch(task: string, c: number, r: number): { nodes: Node[]; flows: Flow[] } {
  return {
    nodes: [
      extensionEvent(task),
      { kind: 'user', id: `${task}_ext_approve`, name: '延期审批 / Approve extension', groups: '=leaderGroup', form: 'extension_approval', c, r, doc: 'A leader approves or refuses; approved moves resolveDue and the task due date.' },
      svc(`${task}_ext_apply`, '处理延期决定 / Apply decision', 'case.extend', c + 1, r, { task: task }),
      { kind: 'end', id: `${task}_ext_end`, name: '延期已决定 / Decided', c: c + 2, r },
    ],
    flows: [
      { id: `f_${task}_ext1`, from: `${task}_extension`, to: `${task}_ext_approve` },
      { id: `f_${task}_ext2`, from: `${task}_ext_approve`, to: `${task}_ext_apply` },
      { id: `f_${task}_ext3`, from: `${task}_ext_apply`, to: `${task}_ext_end` },
    ],
  }
}

function superviseBranch(task: string, due: string, stage: string, c: number, r: number, slot = 0): { nodes: Node[]; flows: Flow[] } {
  return {
    nodes: [
      superviseTimer(task, due, stage, slot),
      svc(`${task}_supervise`, '督办 / Supervise', 'case.supervise', c, r, { stage, task }),
      { kind: 'end', id: `${task}_supervised`, name: '已督办 / Supervised', c: c + 1, r },
    ],
    flows: [
      { id: `f_${task}_late1`, from: `${task}_late`, to: `${task}_supervise` },
      { id: `f_${task}_late2`, from: `${task}_supervise`, to: `${task}_supervised` },
    ],
  }
}

const handleTask = (c: number, r: number): Node => ({
  kind: 'user',
  id: 'ut_handle',
  name: '办理 / Handle',
  groups: '=handlerGroup',
  due: '=resolveDue',
  form: 'handle',
  c,
  r,
  doc: 'Outcome: resolved | return (退单) | escalate (提级) | joint (联合) | unreasonable (一事一策).',
})

function switches(from: string, c: number, r: number): { nodes: Node[]; flows: Flow[] } {
  return {
    nodes: [
      svc('svc_to_escalation', '转提级办 / Switch to escalation', 'case.switch', c, r, { procedure: 'escalation' }),
      svc('svc_to_joint', '转联合办 / Switch to joint', 'case.switch', c, r + 1, { procedure: 'joint' }),
      svc('svc_to_plan', '转一事一策 / Switch to one case one plan', 'case.switch', c, r + 2, { procedure: 'one_case_one_plan' }),
      { kind: 'end', id: 'end_switched_escalation', name: '已转提级 / Escalated', c: c + 1, r },
      { kind: 'end', id: 'end_switched_joint', name: '已转联合 / Joint', c: c + 1, r: r + 1 },
      { kind: 'end', id: 'end_switched_plan', name: '已转一事一策 / Plan', c: c + 1, r: r + 2 },
    ],
    flows: [
      { id: 'f_escalate', from, to: 'svc_to_escalation', cond: '=outcome = "escalate"', name: '提级 / escalate' },
      { id: 'f_joint', from, to: 'svc_to_joint', cond: '=outcome = "joint"', name: '联合 / joint' },
      { id: 'f_unreasonable', from, to: 'svc_to_plan', cond: '=outcome = "unreasonable"', name: '一事一策 / plan' },
      { id: 'f_switched_escalation', from: 'svc_to_escalation', to: 'end_switched_escalation' },
      { id: 'f_switched_joint', from: 'svc_to_joint', to: 'end_switched_joint' },
      { id: 'f_switched_plan', from: 'svc_to_plan', to: 'end_switched_plan' },
    ],
  }
}

function merge(...parts: { nodes: Node[]; flows: Flow[] }[]) {
  return { nodes: parts.flatMap((p) => p.nodes), flows: parts.flatMap((p) => p.flows) }
}

// ── ordinary (一般问题接单快速办) ───────────────────────────────────────────────

function ordinary() {
  const main = {
    nodes: [
      { kind: 'start', id: 'start', name: '受理 / Received', c: 0, r: 1 },
      { kind: 'xor', id: 'gw_dispatch', name: '需人工派单？/ Needs dispatch?', default: 'f_auto', c: 1, r: 1 },
      { kind: 'user', id: 'ut_dispatch', name: '派单 / Dispatch', groups: '=dispatcherGroup', form: 'dispatch', c: 2, r: 0, doc: 'The centre where the case arose names the owning unit (also after 退单).' },
      svc('svc_assign', '分派 / Assign', 'case.assign', 3, 1, {}, 'Sets the owning unit, its level, handlerGroup and the deadlines.'),
      { kind: 'user', id: 'ut_signfor', name: '签收 / Sign for', groups: '=handlerGroup', due: '=responseDue', form: 'sign_for', c: 4, r: 1, doc: 'Within the response limit; first reply to the citizen.' },
      { kind: 'xor', id: 'gw_signfor', name: '签收或退单 / Accept or return', default: 'f_accept', c: 5, r: 1 },
      svc('svc_respond', '已响应 / Responded', 'case.respond', 6, 1),
      handleTask(7, 1),
      { kind: 'xor', id: 'gw_outcome', name: '办理结果 / Outcome', default: 'f_resolved', c: 8, r: 1 },
      svc('svc_return', '退单 / Return', 'case.return', 5, 0),
    ] as Node[],
    flows: [
      { id: 'f_start', from: 'start', to: 'gw_dispatch' },
      { id: 'f_needs_dispatch', from: 'gw_dispatch', to: 'ut_dispatch', cond: '=needsDispatch = true', name: '无规则 / no rule' },
      { id: 'f_auto', from: 'gw_dispatch', to: 'svc_assign', name: '按规则 / by rule' },
      { id: 'f_dispatched', from: 'ut_dispatch', to: 'svc_assign' },
      { id: 'f_assigned', from: 'svc_assign', to: 'ut_signfor' },
      { id: 'f_signed', from: 'ut_signfor', to: 'gw_signfor' },
      { id: 'f_sign_return', from: 'gw_signfor', to: 'svc_return', cond: '=signOutcome = "return"', name: '退单 / return' },
      { id: 'f_accept', from: 'gw_signfor', to: 'svc_respond' },
      { id: 'f_responded', from: 'svc_respond', to: 'ut_handle' },
      { id: 'f_handled', from: 'ut_handle', to: 'gw_outcome' },
      { id: 'f_handle_return', from: 'gw_outcome', to: 'svc_return', cond: '=outcome = "return"', name: '退单 / return' },
      { id: 'f_resolved', from: 'gw_outcome', to: 'svc_resolve', name: '办结 / resolved' },
      { id: 'f_redispatch', from: 'svc_return', to: 'ut_dispatch' },
    ] as Flow[],
  }
  const parts = merge(
    main,
    superviseBranch('ut_signfor', '=responseDue', 'response', 4, 3),
    superviseBranch('ut_handle', '=resolveDue', 'resolve', 6, 3),
    extensionBranch('ut_handle', 6, 4),
    switches('gw_outcome', 9, 2),
    tail(9, 1, 'ut_handle'),
  )
  return build({
    id: 'ordinary',
    name: '一般问题接单快速办 / Ordinary handling',
    doc: 'Ordinary: dispatch → sign for (签收) within the response limit → handle within the resolution limit → result → feedback → evaluation → closure; dissatisfied → one more round. Handling may return (退单), or switch to escalation, joint handling or one case one plan.',
    messages: { Msg_extension: 'extension_request' },
    ...parts,
  })
}

// ── joint (跨部门问题联合协同办) ────────────────────────────────────────────────

function joint() {
  const main = {
    nodes: [
      { kind: 'start', id: 'start', name: '需联合办理 / Joint handling', c: 0, r: 1 },
      { kind: 'user', id: 'ut_coordinate', name: '指定牵头与协办单位 / Designate lead and co-organisers', groups: '=coordinatorGroup', form: 'joint_assign', c: 1, r: 1 },
      svc('svc_joint', '组织联办 / Organise', 'case.joint', 2, 1, {}, 'Sets leadGroup and the collection coUnits (unit codes) for the co-organiser tasks.'),
      {
        kind: 'user',
        id: 'ut_cohandle',
        name: '协办 / Co-organiser contribution',
        groups: '="unit:" + coUnit',
        form: 'joint_opinion',
        collection: '=coUnits',
        elementVariable: 'coUnit',
        c: 3,
        r: 1,
        doc: 'Parallel multi-instance: one task per co-organiser unit; opinions collect in ut_cohandle_results.',
      },
      { kind: 'user', id: 'ut_lead', name: '牵头汇总答复 / Lead consolidates and answers', groups: '=leadGroup', due: '=resolveDue', form: 'joint_consolidate', c: 4, r: 1 },
      { kind: 'xor', id: 'gw_meeting', name: '召开协商议事会？/ Consultation meeting?', default: 'f_no_meeting', c: 5, r: 1 },
      { kind: 'user', id: 'ut_meeting', name: '协商议事会 / Consultation meeting', groups: '=coordinatorGroup', form: 'joint_meeting', c: 6, r: 0, doc: 'Legal advisers or counsellors may be invited.' },
    ] as Node[],
    flows: [
      { id: 'f_start', from: 'start', to: 'ut_coordinate' },
      { id: 'f_designated', from: 'ut_coordinate', to: 'svc_joint' },
      { id: 'f_organised', from: 'svc_joint', to: 'ut_cohandle' },
      { id: 'f_contributed', from: 'ut_cohandle', to: 'ut_lead' },
      { id: 'f_consolidated', from: 'ut_lead', to: 'gw_meeting' },
      { id: 'f_meeting', from: 'gw_meeting', to: 'ut_meeting', cond: '=meeting = "yes"', name: '召开 / meet' },
      { id: 'f_no_meeting', from: 'gw_meeting', to: 'svc_resolve', name: '无需 / no' },
      { id: 'f_met', from: 'ut_meeting', to: 'svc_resolve' },
    ] as Flow[],
  }
  const parts = merge(main, superviseBranch('ut_lead', '=resolveDue', 'resolve', 3, 3), extensionBranch('ut_lead', 3, 4), tail(7, 1, 'ut_lead'))
  return build({
    id: 'joint',
    name: '跨部门问题联合协同办 / Joint handling',
    doc: 'Joint: the coordinating centre names a lead department and co-organisers; each co-organiser contributes (parallel); the lead consolidates and answers; an optional consultation meeting; feedback, evaluation, closure.',
    messages: { Msg_extension: 'extension_request' },
    ...parts,
  })
}

// ── escalation (超事权问题提级办) ───────────────────────────────────────────────

function escalation() {
  const main = {
    nodes: [
      { kind: 'start', id: 'start', name: '申请提级 / Escalation requested', c: 0, r: 1 },
      svc('svc_escalate', '提级 / Escalate', 'case.escalate', 1, 1, {}, 'Finds the next level’s centre (village → township → county → city); atTop when there is none.'),
      { kind: 'xor', id: 'gw_top', name: '已在最高级？/ At the top?', default: 'f_review', c: 2, r: 1 },
      { kind: 'user', id: 'ut_review', name: '上级中心审核 / Next level reviews', groups: '=escalateGroup', form: 'escalation_review', c: 3, r: 1 },
      { kind: 'xor', id: 'gw_review', name: '接收或退回 / Accept or send back', default: 'f_accept', c: 4, r: 1 },
      svc('svc_accept', '接收并派单 / Accept and re-dispatch', 'case.assign', 5, 1, { mode: 'escalation' }),
      svc('svc_send_back', '退回原级 / Send back', 'case.sendBack', 5, 2),
      handleTask(6, 1),
      { kind: 'xor', id: 'gw_outcome', name: '办理结果 / Outcome', default: 'f_resolved', c: 7, r: 1 },
      svc('svc_return', '退单 / Return', 'case.return', 7, 0),
      { kind: 'user', id: 'ut_dispatch', name: '派单 / Dispatch', groups: '=dispatcherGroup', form: 'dispatch', c: 8, r: 0 },
      svc('svc_assign', '分派 / Assign', 'case.assign', 9, 0),
    ] as Node[],
    flows: [
      { id: 'f_start', from: 'start', to: 'svc_escalate' },
      { id: 'f_escalated', from: 'svc_escalate', to: 'gw_top' },
      { id: 'f_top', from: 'gw_top', to: 'svc_send_back', cond: '=atTop = true', name: '市级 / city' },
      { id: 'f_review', from: 'gw_top', to: 'ut_review' },
      { id: 'f_reviewed', from: 'ut_review', to: 'gw_review' },
      { id: 'f_send_back', from: 'gw_review', to: 'svc_send_back', cond: '=decision = "send_back"', name: '退回 / send back' },
      { id: 'f_accept', from: 'gw_review', to: 'svc_accept', name: '接收 / accept' },
      { id: 'f_accepted', from: 'svc_accept', to: 'ut_handle' },
      { id: 'f_sent_back', from: 'svc_send_back', to: 'ut_handle' },
      { id: 'f_handled', from: 'ut_handle', to: 'gw_outcome' },
      { id: 'f_escalate_again', from: 'gw_outcome', to: 'svc_escalate', cond: '=outcome = "escalate"', name: '再提级 / escalate', via: 'above' },
      { id: 'f_handle_return', from: 'gw_outcome', to: 'svc_return', cond: '=outcome = "return"', name: '退单 / return' },
      { id: 'f_redispatch', from: 'svc_return', to: 'ut_dispatch' },
      { id: 'f_dispatched', from: 'ut_dispatch', to: 'svc_assign' },
      { id: 'f_reassigned', from: 'svc_assign', to: 'ut_handle', via: 'above' },
      { id: 'f_resolved', from: 'gw_outcome', to: 'svc_resolve', name: '办结 / resolved' },
    ] as Flow[],
  }
  const sw = switches('gw_outcome', 8, 3)
  sw.nodes = sw.nodes.filter((n) => n.id !== 'svc_to_escalation' && n.id !== 'end_switched_escalation')
  sw.flows = sw.flows.filter((f) => f.id !== 'f_escalate' && f.id !== 'f_switched_escalation')
  const parts = merge(main, superviseBranch('ut_handle', '=resolveDue', 'resolve', 5, 4), extensionBranch('ut_handle', 5, 5), sw, tail(8, 1, 'ut_handle'))
  return build({
    id: 'escalation',
    name: '超事权问题提级办 / Escalation beyond authority',
    doc: 'Escalation: a unit lacking authority asks to escalate; the next level’s centre (village → township → county → city) accepts and re-dispatches at its level, or sends it back; at the city there is no higher level and the request is sent back. The level that resolves is recorded.',
    messages: { Msg_extension: 'extension_request' },
    ...parts,
  })
}

// ── one case one plan (不合理诉求一事一策) ──────────────────────────────────────

function oneCaseOnePlan() {
  const main = {
    nodes: [
      { kind: 'start', id: 'start', name: '不合理诉求 / Unreasonable petition', c: 0, r: 1 },
      { kind: 'user', id: 'ut_consult', name: '属地网格会商 / Consult the local grid unit', groups: '=gridGroup + "," + handlerGroup', form: 'plan_consult', c: 1, r: 1 },
      { kind: 'user', id: 'ut_plan', name: '制定方案 / Draft the plan', groups: '=handlerGroup', form: 'plan', c: 2, r: 1, doc: 'Measures, responsible person, milestones.' },
      { kind: 'user', id: 'ut_plan_approve', name: '方案审批 / Approve the plan', groups: '=leaderGroup', form: 'plan_approval', c: 3, r: 1 },
      { kind: 'xor', id: 'gw_plan', name: '批准？/ Approved?', default: 'f_plan_ok', c: 4, r: 1 },
      svc('svc_plan', '方案生效 / Plan in force', 'case.plan', 5, 1),
      { kind: 'user', id: 'ut_execute', name: '方案执行 / Execute the plan', groups: '=handlerGroup', due: '=resolveDue', form: 'plan_execute', c: 6, r: 1, doc: 'Follow-ups every followUpCycle (e.g. R/P7D) until it is done.' },
      { kind: 'timer', id: 'ut_execute_followup', name: '定期回访 / Follow-up', attachedTo: 'ut_execute', timeCycle: '=followUpCycle', c: 0, r: 0, doc: 'Non-interrupting cycle timer (followUpCycle, configurable).' },
      svc('svc_followup', '跟进提醒 / Follow-up reminder', 'case.followup', 6, 3),
      { kind: 'end', id: 'end_followup', name: '已提醒 / Reminded', c: 7, r: 3 },
    ] as Node[],
    flows: [
      { id: 'f_start', from: 'start', to: 'ut_consult' },
      { id: 'f_consulted', from: 'ut_consult', to: 'ut_plan' },
      { id: 'f_planned', from: 'ut_plan', to: 'ut_plan_approve' },
      { id: 'f_decided', from: 'ut_plan_approve', to: 'gw_plan' },
      { id: 'f_plan_rejected', from: 'gw_plan', to: 'ut_plan', cond: '=planDecision = "reject"', name: '修改 / revise', via: 'above' },
      { id: 'f_plan_ok', from: 'gw_plan', to: 'svc_plan', name: '批准 / approved' },
      { id: 'f_in_force', from: 'svc_plan', to: 'ut_execute' },
      { id: 'f_executed', from: 'ut_execute', to: 'svc_resolve' },
      { id: 'f_followup1', from: 'ut_execute_followup', to: 'svc_followup' },
      { id: 'f_followup2', from: 'svc_followup', to: 'end_followup' },
    ] as Flow[],
  }
  const parts = merge(main, tail(7, 1, 'ut_execute'))
  return build({
    id: 'one_case_one_plan',
    name: '不合理诉求一事一策 / One case one plan',
    doc: 'One case one plan: for unreasonable demands and repeated petitioners — consultation with the local grid unit, a written plan (measures, responsible person, milestones), leader approval (rejected → revise), execution with periodic follow-ups until closure.',
    ...parts,
  })
}

const dir = path.dirname(fileURLToPath(import.meta.url))
const files: Record<string, string> = {
  'ordinary.bpmn': ordinary(),
  'joint.bpmn': joint(),
  'escalation.bpmn': escalation(),
  'one_case_one_plan.bpmn': oneCaseOnePlan(),
}
for (const [file, xml] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), xml)
console.log('wrote', Object.keys(files).join(', '))
