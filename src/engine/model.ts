import { BpmnModdle } from 'bpmn-moddle'
import * as Elements from 'bpmn-elements'
import type { ContextInstance } from 'bpmn-elements'
import serializer, { TypeResolver, type SerializableContext, type SerializableElement } from 'moddle-context-serializer'
import camunda from 'camunda-bpmn-moddle/resources/camunda.json' with { type: 'json' }
import { expressionBody } from './feel.js'

/** What the runtime needs to know about one flow element, read once per definition version. */
export interface ElementInfo {
  id: string
  type: string
  name?: string
  assignee?: string
  candidateUsers?: string
  candidateGroups?: string
  dueDate?: string
  priority?: string
  formKey?: string
  /** camunda:type="external" topic: a named server handler. */
  topic?: string
  /** camunda:expression of a service task (FEEL). */
  expression?: string
  resultVariable?: string
  /** A business rule task's DMN decision (business-rule.ts): key, result mapping, tenant. */
  decisionRef?: string
  mapDecisionResult?: string
  decisionRefTenantId?: string
  inputs?: { name: string; value: string | null }[]
  calledElement?: string
  multiInstance?: boolean
  /**
   * `camunda:properties` (name → value): how a diagram tells the platform which element plays
   * which part (`shuoshi:role`, …), so code never depends on element ids an administrator may rename.
   */
  properties: Record<string, string>
  /** A boundary event's activity and whether it cancels it (BPMN's default: it does). */
  attachedTo?: string
  cancelActivity?: boolean
  /** Event definition kinds, e.g. ['timer'] or ['message']. */
  eventKinds?: string[]
  /** The message name of a message event. */
  messageName?: string
  /** Targets of the element's outgoing sequence flows. */
  next: string[]
  /** camunda:formData fields of a user task (Camunda 7's generated forms): what its data may hold. */
  formFields?: { id: string; label?: string; type?: string; required?: boolean; values?: { id: string; name?: string }[] }[]
}

/**
 * A bpmn-moddle flow element as the engine's readers see it (this walk, the version diff in
 * diff.ts, the shipped files' key in shipped.ts): the fields they read, camunda's extension
 * attributes among them (bpmn-moddle itself is untyped here).
 */
export interface ModdleElement extends Pick<
  ElementInfo,
  | 'name'
  | 'assignee'
  | 'candidateUsers'
  | 'candidateGroups'
  | 'dueDate'
  | 'priority'
  | 'formKey'
  | 'topic'
  | 'expression'
  | 'resultVariable'
  | 'decisionRef'
  | 'mapDecisionResult'
  | 'decisionRefTenantId'
  | 'calledElement'
  | 'cancelActivity'
> {
  $type: string
  id: string
  isExecutable?: boolean
  /** camunda:type (`external`), not the element's kind (that is `$type`). */
  type?: string
  attachedToRef?: { id: string }
  sourceRef?: { id?: string }
  targetRef?: { id?: string }
  conditionExpression?: ModdleExpression
  loopCharacteristics?: { $type: string; completionCondition?: ModdleExpression }
  eventDefinitions?: ModdleEventDefinition[]
  extensionElements?: { values?: ModdleExtension[] }
  flowElements?: ModdleElement[]
  rootElements?: ModdleElement[]
}

export interface ModdleExpression {
  body?: unknown
  language?: string
}

interface ModdleEventDefinition {
  $type: string
  condition?: ModdleExpression
  messageRef?: { id: string; name?: string }
  timeDate?: ModdleExpression
  timeDuration?: ModdleExpression
  timeCycle?: ModdleExpression
}

/** A camunda extension element: properties, input/output or form data. */
interface ModdleExtension {
  $type: string
  values?: { name?: unknown; value?: unknown }[]
  inputParameters?: { name: string; value?: unknown }[]
  fields?: {
    id: string
    label?: string
    type?: string
    validation?: { constraints?: { name?: string }[] }
    values?: { id: unknown; name?: string }[]
  }[]
}

/** The serialized elements, by kind, that discardMatters reads and prepareDefinition rewires. */
interface SourceElements {
  sequenceFlows?: { id: string; sourceId: string; targetId: string; Behaviour?: unknown }[]
  associations?: { sourceId?: string; targetId?: string }[]
  activities?: { id: string; type: string; behaviour?: { attachedTo?: { id?: string }; eventDefinitions?: { type?: string }[] } }[]
}

export interface PreparedDefinition {
  /** bpmn-engine's serialized context, shared by every engine object of this version. */
  sourceContext: SerializableContext
  elements: Map<string, ElementInfo>
  processKey: string
  processName?: string
}

export const moddleOptions = { camunda }

export function createModdle() {
  return new BpmnModdle({ camunda })
}

const typeResolver = TypeResolver({ ...Elements })

/**
 * Parses a definition for execution. Condition bodies are normalised to `${…}` so the
 * expression evaluator can tell FEEL from literal text (a bare condition is FEEL too).
 */
export async function prepareDefinition(xml: string): Promise<PreparedDefinition> {
  const moddle = createModdle()
  const moddleContext = await moddle.fromXML<ModdleElement>(xml)
  const root: ModdleElement = moddleContext.rootElement
  const elements = new Map<string, ElementInfo>()
  let processKey = ''
  let processName: string | undefined
  for (const el of root.rootElements ?? []) {
    if (el.$type !== 'bpmn:Process') continue
    if (el.isExecutable && !processKey) {
      processKey = el.id
      processName = el.name
    }
    walk(el, elements)
  }
  const sourceContext = serializer(moddleContext, typeResolver)
  // bpmn-engine matches a recovered state to its source by definitions id.
  if (!sourceContext.id) sourceContext.id = 'Def'
  // moddle-context-serializer's typings call `elements` an array: it holds the elements by kind.
  const mapped = sourceContext.elements as unknown as SourceElements
  const keepDiscard = discardMatters(mapped)
  for (const flow of mapped.sequenceFlows ?? []) {
    if (!keepDiscard.has(flow.id)) flow.Behaviour = DeadEndSequenceFlow
  }
  // bpmn-engine's getState() serializes the whole source into every saved state, and the
  // runtime drops it again (a recover uses this cached context): ~36 KB of JSON per step
  // for the ordinary procedure. Without it the state simply has no `source`.
  // (Its typings promise a string from serialize(); bpmn-engine takes undefined as no source.)
  sourceContext.serialize = (() => undefined) as unknown as SerializableContext['serialize']
  return { sourceContext, elements, processKey, processName }
}

/**
 * Dead-path elimination in bpmn-elements: a gateway discards the flows it did not take, and
 * each discarded element discards its own outgoing flows (and its boundary events), so the
 * wave runs over everything downstream until it meets a loop. Only a parallel join (it waits
 * for every incoming flow to be taken or discarded) and a link throw event (it passes the
 * discard on to its catch) act on that wave; for every other element a discard is an event
 * nobody uses. A flow from which neither can be reached therefore needs no wave: in the
 * ordinary procedure each step's waves touched ~33 elements (8,000 broker messages, a third
 * of the CPU of an intake) and changed nothing. Returns the flows whose discard must run.
 */
function discardMatters(elements: SourceElements): Set<string> {
  const incoming = new Map<string, string[]>()
  const link = (from: string, to: string) => {
    const list = incoming.get(to)
    if (list) list.push(from)
    else incoming.set(to, [from])
  }
  const joinsIn = new Map<string, number>()
  for (const f of elements.sequenceFlows ?? []) {
    link(f.sourceId, f.targetId)
    joinsIn.set(f.targetId, (joinsIn.get(f.targetId) ?? 0) + 1)
  }
  for (const a of elements.associations ?? []) if (a.sourceId && a.targetId) link(a.sourceId, a.targetId)
  // Every element whose discard someone acts on; anything reaching one keeps its wave.
  const reaches = new Set<string>()
  for (const act of elements.activities ?? []) {
    const b = act.behaviour ?? {}
    if (b.attachedTo?.id) link(b.attachedTo.id, act.id)
    const isJoin = act.type === 'bpmn:ParallelGateway' && (joinsIn.get(act.id) ?? 0) > 1
    const isLink = (b.eventDefinitions ?? []).some((ed: { type?: string }) => ed.type === 'bpmn:LinkEventDefinition')
    if (isJoin || isLink) reaches.add(act.id)
  }
  const todo = [...reaches]
  while (todo.length) {
    for (const from of incoming.get(todo.pop()!) ?? []) {
      if (reaches.has(from)) continue
      reaches.add(from)
      todo.push(from)
    }
  }
  const out = new Set<string>()
  for (const f of elements.sequenceFlows ?? []) if (reaches.has(f.targetId)) out.add(f.id)
  return out
}

/**
 * A sequence flow whose discard reaches no element that acts on it (see discardMatters):
 * it counts the discard and stops the wave there, as bpmn-elements does at a loop, but
 * without the `looped` event. Taking the flow is unchanged.
 */
function DeadEndSequenceFlow(this: object, flowDef: SerializableElement, context: ContextInstance) {
  // bpmn-elements' SequenceFlow is an ES5 constructor, though its typings declare a class.
  Reflect.apply(Elements.SequenceFlow, this, [flowDef, context])
}
DeadEndSequenceFlow.prototype = Object.create(Elements.SequenceFlow.prototype, {
  constructor: { value: DeadEndSequenceFlow, writable: true, configurable: true },
})
const kCounters = Symbol.for('counters')
DeadEndSequenceFlow.prototype.discard = function discard(this: { [kCounters]: { discard: number } }) {
  ++this[kCounters].discard
}

function wrapCondition(expr: ModdleExpression | undefined) {
  if (!expr || typeof expr.body !== 'string' || expr.language) return
  const body = expressionBody(expr.body) ?? expr.body.trim()
  // `${=…}`: already FEEL, not to be read as JUEL a second time (feel.ts).
  expr.body = '${=' + body + '}'
}

function walk(container: ModdleElement, out: Map<string, ElementInfo>) {
  const flows: ModdleElement[] = []
  walkElements(container, out, flows)
  // From sourceRef/targetRef, not <bpmn:outgoing>: hand-written diagrams often omit the latter.
  for (const f of flows) {
    const sourceId = f.sourceRef?.id
    const from = sourceId === undefined ? undefined : out.get(sourceId)
    if (from && typeof f.targetRef?.id === 'string') from.next.push(f.targetRef.id)
  }
}

function walkElements(container: ModdleElement, out: Map<string, ElementInfo>, flows: ModdleElement[]) {
  for (const el of container.flowElements ?? []) {
    if (el.$type === 'bpmn:SequenceFlow') {
      wrapCondition(el.conditionExpression)
      flows.push(el)
      continue
    }
    const loop = el.loopCharacteristics
    if (loop?.completionCondition) wrapCondition(loop.completionCondition)
    for (const ed of el.eventDefinitions ?? []) {
      if (ed.$type === 'bpmn:ConditionalEventDefinition') wrapCondition(ed.condition)
    }
    const ext = el.extensionElements?.values ?? []
    const io = ext.find((v) => v.$type === 'camunda:InputOutput')
    const properties: Record<string, string> = {}
    for (const group of ext.filter((v) => v.$type === 'camunda:Properties')) {
      for (const p of group.values ?? []) if (typeof p.name === 'string') properties[p.name] = String(p.value ?? '')
    }
    const eventDefinitions = el.eventDefinitions ?? []
    const message = eventDefinitions.find((ed) => ed.$type === 'bpmn:MessageEventDefinition')?.messageRef
    const formData = ext.find((v) => v.$type === 'camunda:FormData')
    const info: ElementInfo = {
      id: el.id,
      type: el.$type,
      name: el.name,
      assignee: el.assignee,
      candidateUsers: el.candidateUsers,
      candidateGroups: el.candidateGroups,
      dueDate: el.dueDate,
      priority: el.priority,
      formKey: el.formKey,
      topic: el.type === 'external' ? el.topic : undefined,
      expression: el.expression,
      resultVariable: el.resultVariable,
      ...(el.$type === 'bpmn:BusinessRuleTask' && {
        decisionRef: el.decisionRef,
        mapDecisionResult: el.mapDecisionResult,
        decisionRefTenantId: el.decisionRefTenantId,
      }),
      inputs: io?.inputParameters?.map((p) => ({ name: p.name, value: typeof p.value === 'string' ? p.value : null })),
      calledElement: el.calledElement,
      multiInstance: !!loop && loop.$type === 'bpmn:MultiInstanceLoopCharacteristics',
      properties,
      attachedTo: el.attachedToRef?.id,
      cancelActivity: el.$type === 'bpmn:BoundaryEvent' ? el.cancelActivity !== false : undefined,
      eventKinds: eventDefinitions.length ? eventDefinitions.map((ed) => ed.$type.replace(/^bpmn:(.*)EventDefinition$/, '$1').toLowerCase()) : undefined,
      messageName: message ? (message.name ?? message.id) : undefined,
      next: [],
      formFields: formData?.fields?.map((f) => ({
        id: f.id,
        label: f.label,
        type: f.type,
        required: (f.validation?.constraints ?? []).some((c) => c.name === 'required'),
        values: f.type === 'enum' ? (f.values ?? []).map((v) => ({ id: String(v.id), name: v.name })) : undefined,
      })),
    }
    out.set(el.id, info)
    if (el.flowElements) walkElements(el, out, flows)
  }
}
