/**
 * What changed between two versions of a procedure, read semantically from the BPMN (bpmn-moddle
 * with the Camunda extensions) rather than as text: a re-laid-out diagram or re-ordered
 * attributes change nothing here, while a renamed task, a moved flow, another candidate group,
 * form or deadline are each one line. Diagram interchange (positions) is ignored on purpose.
 */
import { createModdle, type ModdleElement, type ModdleExpression } from './model.js'
import { expressionBody } from './feel.js'

/** The attributes compared per flow node; each change is reported with its field name. */
export const DIFF_FIELDS = [
  'type',
  'assignee',
  'candidateGroups',
  'candidateUsers',
  'dueDate',
  'formKey',
  'priority',
  'topic',
  'expression',
  'calledElement',
  'timer',
  'message',
  'attachedTo',
  'properties',
] as const
export type DiffField = (typeof DIFF_FIELDS)[number] | 'source' | 'target' | 'condition'

interface NodeFacts {
  id: string
  type: string
  name: string | null
  fields: Partial<Record<DiffField, string | null>>
}
interface FlowFacts {
  id: string
  name: string | null
  source: string
  target: string
  condition: string | null
}

export interface ElementRef {
  id: string
  type: string
  name: string | null
}
export interface Change {
  id: string
  type: string
  name: string | null
  field: DiffField
  from: string | null
  to: string | null
}
export interface FlowRef {
  id: string
  name: string | null
  source: string
  target: string
  sourceName: string | null
  targetName: string | null
  condition: string | null
}
export interface ProcessDiff {
  added: ElementRef[]
  removed: ElementRef[]
  renamed: (ElementRef & { from: string | null; to: string | null })[]
  changed: Change[]
  flows: { added: FlowRef[]; removed: FlowRef[]; changed: (Change & { sourceName: string | null; targetName: string | null })[] }
}

const text = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v))
const exprText = (e: ModdleExpression | undefined): string | null => (e ? text(e.body) : null)

function timerOf(el: ModdleElement): string | null {
  for (const d of el.eventDefinitions ?? []) {
    if (d.$type !== 'bpmn:TimerEventDefinition') continue
    if (d.timeDate) return `date ${exprText(d.timeDate)}`
    if (d.timeDuration) return `duration ${exprText(d.timeDuration)}`
    if (d.timeCycle) return `cycle ${exprText(d.timeCycle)}`
  }
  return null
}

function propertiesOf(el: ModdleElement): string | null {
  const props: string[] = []
  for (const v of el.extensionElements?.values ?? []) {
    if (v.$type === 'camunda:Properties') for (const p of v.values ?? []) props.push(`${p.name}=${p.value ?? ''}`)
  }
  return props.length ? props.sort().join(', ') : null
}

/** Flow nodes and sequence flows of the executable processes (and their sub-processes). */
export async function readProcess(xml: string): Promise<{ nodes: Map<string, NodeFacts>; flows: Map<string, FlowFacts> }> {
  const { rootElement } = await createModdle().fromXML<ModdleElement>(xml)
  const nodes = new Map<string, NodeFacts>()
  const flows = new Map<string, FlowFacts>()
  const walk = (container: ModdleElement) => {
    for (const el of container.flowElements ?? []) {
      if (el.$type === 'bpmn:SequenceFlow') {
        flows.set(el.id, {
          id: el.id,
          name: text(el.name),
          source: el.sourceRef?.id ?? '',
          target: el.targetRef?.id ?? '',
          condition: exprText(el.conditionExpression),
        })
        continue
      }
      const message = (el.eventDefinitions ?? []).find((d) => d.$type === 'bpmn:MessageEventDefinition')?.messageRef?.name
      nodes.set(el.id, {
        id: el.id,
        type: el.$type.replace(/^bpmn:/, ''),
        name: text(el.name),
        fields: {
          type: el.$type.replace(/^bpmn:/, ''),
          assignee: text(el.assignee),
          candidateGroups: text(el.candidateGroups),
          candidateUsers: text(el.candidateUsers),
          dueDate: text(el.dueDate),
          formKey: text(el.formKey),
          priority: text(el.priority),
          topic: text(el.topic),
          expression: el.expression ? (expressionBody(el.expression) ?? el.expression) : null,
          calledElement: text(el.calledElement),
          timer: timerOf(el),
          message: text(message),
          attachedTo: text(el.attachedToRef?.id),
          properties: propertiesOf(el),
        },
      })
      if (el.flowElements) walk(el)
    }
  }
  for (const root of rootElement.rootElements ?? []) if (root.$type === 'bpmn:Process') walk(root)
  return { nodes, flows }
}

/** The changes from `before` to `after` (either may be null: everything added / removed). */
export async function diffProcesses(beforeXml: string | null, afterXml: string): Promise<ProcessDiff> {
  const empty = { nodes: new Map<string, NodeFacts>(), flows: new Map<string, FlowFacts>() }
  const a = beforeXml ? await readProcess(beforeXml) : empty
  const b = await readProcess(afterXml)
  const ref = (n: NodeFacts): ElementRef => ({ id: n.id, type: n.type, name: n.name })
  const nameOf = (id: string) => b.nodes.get(id)?.name ?? a.nodes.get(id)?.name ?? null
  const flowRef = (f: FlowFacts): FlowRef => ({ ...f, sourceName: nameOf(f.source), targetName: nameOf(f.target) })
  const out: ProcessDiff = { added: [], removed: [], renamed: [], changed: [], flows: { added: [], removed: [], changed: [] } }
  for (const [id, n] of b.nodes) {
    const old = a.nodes.get(id)
    if (!old) {
      out.added.push(ref(n))
      continue
    }
    if (old.name !== n.name) out.renamed.push({ ...ref(n), from: old.name, to: n.name })
    for (const field of DIFF_FIELDS) {
      const from = old.fields[field] ?? null
      const to = n.fields[field] ?? null
      if (from !== to) out.changed.push({ ...ref(n), field, from, to })
    }
  }
  for (const [id, n] of a.nodes) if (!b.nodes.has(id)) out.removed.push(ref(n))
  for (const [id, f] of b.flows) {
    const old = a.flows.get(id)
    if (!old) {
      out.flows.added.push(flowRef(f))
      continue
    }
    for (const field of ['source', 'target', 'condition'] as const) {
      if (old[field] !== f[field])
        out.flows.changed.push({
          id,
          type: 'SequenceFlow',
          name: f.name,
          field,
          from: old[field],
          to: f[field],
          sourceName: nameOf(f.source),
          targetName: nameOf(f.target),
        })
    }
  }
  for (const [id, f] of a.flows) if (!b.flows.has(id)) out.flows.removed.push(flowRef(f))
  return out
}
