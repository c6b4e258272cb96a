import { BpmnModdle } from 'bpmn-moddle'
import * as Elements from 'bpmn-elements'
import serializer, { TypeResolver } from 'moddle-context-serializer'
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
  inputs?: { name: string; value: string | null }[]
  calledElement?: string
  multiInstance?: boolean
}

export interface PreparedDefinition {
  /** bpmn-engine's serialized context, shared by every engine object of this version. */
  sourceContext: any
  elements: Map<string, ElementInfo>
  processKey: string
  processName?: string
}

export const moddleOptions = { camunda }

export function createModdle() {
  return new BpmnModdle({ camunda })
}

const typeResolver = TypeResolver({ ...Elements } as any)

/**
 * Parses a definition for execution. Condition bodies are normalised to `${…}` so the
 * expression evaluator can tell FEEL from literal text (a bare condition is FEEL too).
 */
export async function prepareDefinition(xml: string): Promise<PreparedDefinition> {
  const moddle = createModdle()
  const moddleContext = await moddle.fromXML(xml)
  const root: any = moddleContext.rootElement
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
  const sourceContext: any = serializer(moddleContext as any, typeResolver)
  // bpmn-engine matches a recovered state to its source by definitions id.
  if (!sourceContext.id) sourceContext.id = 'Def'
  return { sourceContext, elements, processKey, processName }
}

function wrapCondition(expr: any) {
  if (!expr || typeof expr.body !== 'string' || expr.language) return
  const body = expressionBody(expr.body) ?? expr.body.trim()
  expr.body = '${' + body + '}'
}

function walk(container: any, out: Map<string, ElementInfo>) {
  for (const el of container.flowElements ?? []) {
    if (el.$type === 'bpmn:SequenceFlow') {
      wrapCondition(el.conditionExpression)
      continue
    }
    const loop = el.loopCharacteristics
    if (loop?.completionCondition) wrapCondition(loop.completionCondition)
    for (const ed of el.eventDefinitions ?? []) {
      if (ed.$type === 'bpmn:ConditionalEventDefinition') wrapCondition(ed.condition)
    }
    const ext = (el.extensionElements?.values ?? []) as any[]
    const io = ext.find((v) => v.$type === 'camunda:InputOutput')
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
      inputs: io?.inputParameters?.map((p: any) => ({ name: p.name, value: typeof p.value === 'string' ? p.value : null })),
      calledElement: el.calledElement,
      multiInstance: !!loop && loop.$type === 'bpmn:MultiInstanceLoopCharacteristics',
    }
    out.set(el.id, info)
    if (el.flowElements) walk(el, out)
  }
}
