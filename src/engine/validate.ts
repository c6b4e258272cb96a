import { createRequire } from 'node:module'
// bpmn-moddle's export map hides its types from NodeNext resolution; src/types/modules.d.ts
// declares them where present, and without it the import is simply untyped.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment -- an expect-error would fail where the types are present
// @ts-ignore TS7016
import { BpmnModdle } from 'bpmn-moddle'
import * as Elements from 'bpmn-elements'
import serializer, { TypeResolver } from 'moddle-context-serializer'
import { ISOInterval, getDate } from '@0dep/piso'
import { conditionBody, expressionBodies, expressionBody } from './feel.js'
import { feelIssue } from './validate-feel.js'
import { juelRefusals } from './juel.js'
import { lintDefinitions } from './validate-lint.js'
import { LIMITS, loopNodes, loopTimerProblem, sizeProblems, timerLimitProblem, tooDeep } from './validate-limits.js'
import { msg, type Msg } from '../lib/errors.js'
import { bilingual, type MessageKey, type Params } from '../lib/messages.js'

/**
 * Deploy-time validation of BPMN XML: everything that would make a diagram fail (or silently
 * misbehave) at run time on bpmn-engine with Shuoshi's FEEL conventions is refused here,
 * each problem naming the element. Pure: no database, no engine instance.
 */

/**
 * One problem: `key` + `params` for the UI (the modeler translates them into the chosen language),
 * `message` the bilingual rendering outside clients read (../shared/api.md).
 */
export interface Problem {
  elementId: string | null
  key: MessageKey
  params: Params
  message: string
}

/** A problem of `elementId` from a catalogue message. */
export function toProblem(elementId: string | null | undefined, m: Msg): Problem {
  const params = m.params ?? {}
  return { elementId: elementId ?? null, key: m.key, params, message: bilingual(m.key, params) }
}
export interface ValidateOptions {
  handlers: ReadonlySet<string> // names of registered service-task handlers (camunda:topic)
  knownProcessKey(key: string): boolean // for callActivity calledElement (literal) — also true for keys in this same file
  knownDecisionKey?(key: string): boolean // for businessRuleTask camunda:decisionRef: a deployed decision (any scope)
  canReceive?(receivers: { users: string[]; groups: string[] }): boolean // org lookup: false when none of the named literal users/groups exists
}
export interface ValidatedBpmn {
  problems: Problem[]
  /** bpmn-moddle's root, when it parsed within the depth and size limits (others may walk it then). */
  definitions?: ModdleObject
  processKey?: string
  processName?: string
}

/**
 * A bpmn-moddle object as the checks read it (bpmn-moddle is untyped here): each check reads
 * the fields its element kind has; anything else is unknown until narrowed.
 */
export interface ModdleObject {
  $type: string
  $parent?: ModdleObject
  $descriptor?: { properties?: { name: string; ns?: { name?: string }; isReference?: boolean; isAttr?: boolean }[] }
  $instanceOf?(type: string): boolean
  get?(name: string): unknown
  id?: string
  name?: string
  isExecutable?: boolean
  rootElements?: ModdleObject[]
  imports?: { location?: string; namespace?: string }[]
  flowElements?: ModdleObject[]
  artifacts?: ModdleObject[]
  messageFlows?: ModdleObject[]
  sourceRef?: ModdleObject
  targetRef?: ModdleObject
  /** A flow node's flows, as moddle fills them (only when the XML lists them; validate-lint.ts completes them). */
  incoming?: ModdleObject[]
  outgoing?: ModdleObject[]
  eventDefinitions?: ModdleObject[]
  loopCharacteristics?: ModdleObject
  conditionExpression?: ModdleObject
  condition?: ModdleObject
  loopCardinality?: ModdleObject
  completionCondition?: ModdleObject
  loopCondition?: ModdleObject
  isSequential?: boolean
  timeDuration?: ModdleObject
  timeDate?: ModdleObject
  timeCycle?: ModdleObject
  extensionElements?: { values?: ModdleObject[] }
  /** camunda:formData's fields. */
  fields?: ModdleObject[]
  inputParameters?: ModdleObject[]
  outputParameters?: ModdleObject[]
  definition?: ModdleObject
  items?: ModdleObject[]
  entries?: ModdleObject[]
  script?: ModdleObject
  sourceExpression?: string
  value?: string
  body?: unknown
  language?: unknown
  scriptFormat?: unknown
  [key: string]: unknown
}

/** What bpmn-moddle's fromXML resolves to. */
interface ParsedModdle {
  rootElement?: ModdleObject
  elementsById?: Record<string, ModdleObject>
  warnings?: { message?: unknown; property?: unknown; element?: ModdleObject; error?: { message?: unknown } }[]
}

export const MAX_BPMN_BYTES = 1024 * 1024

const require = createRequire(import.meta.url)
const camundaSchema = require('camunda-bpmn-moddle/resources/camunda.json')

const NS_BPMN = 'http://www.omg.org/spec/BPMN/20100524/MODEL'
const NS_CAMUNDA = 'http://camunda.org/schema/1.0/bpmn'
/** Namespaces whose unknown elements/attributes matter; any other extension namespace is ignored. */
const OWN_NAMESPACES = new Set([
  NS_BPMN,
  'http://www.omg.org/spec/BPMN/20100524/DI',
  'http://www.omg.org/spec/DD/20100524/DC',
  'http://www.omg.org/spec/DD/20100524/DI',
  NS_CAMUNDA,
])

/** Element types bpmn-engine (moddle-context-serializer + bpmn-elements) can resolve. */
const RESOLVABLE = new Set([...Object.keys(Elements), 'Definitions', 'Error', 'DataObjectReference'])

export async function validateBpmn(xml: string, opts: ValidateOptions): Promise<ValidatedBpmn> {
  const problems: Problem[] = []
  const seen = new Set<string>()
  const add = (elementId: string | null | undefined, m: Msg) => {
    const p = toProblem(elementId, m)
    const key = `${p.elementId}\u0000${p.message}`
    if (seen.has(key)) return
    seen.add(key)
    problems.push(p)
  }

  // 1. Refused before parsing.
  if (typeof xml !== 'string' || !xml.trim()) {
    add(null, msg('deploy.empty'))
    return { problems }
  }
  if (Buffer.byteLength(xml, 'utf8') > MAX_BPMN_BYTES) {
    add(null, msg('deploy.tooLarge'))
  }
  if (/<!DOCTYPE/i.test(xml)) {
    add(null, msg('deploy.doctype'))
  }
  if (/<!ENTITY/i.test(xml)) {
    add(null, msg('deploy.entity'))
  }
  if (problems.length) return { problems }

  let parsed: ParsedModdle
  try {
    parsed = await new BpmnModdle({ camunda: camundaSchema }).fromXML(xml)
  } catch (err) {
    const text = String((err as Error)?.message ?? err)
      .replace(/\s+/g, ' ')
      .trim()
    add(null, msg('deploy.malformed', { error: text }))
    return { problems }
  }
  const definitions = parsed.rootElement
  const result: ValidatedBpmn = { problems, definitions }
  if (!definitions || !definitions.$instanceOf?.('bpmn:Definitions')) {
    add(null, msg('deploy.notDefinitions'))
    return result
  }
  // Before anything that walks the document recursively (below, bpmnlint, bpmn-engine).
  const deep = tooDeep(definitions)
  if (deep) {
    // Named by the element that holds it (the sub-process nested one level too many).
    let named: ModdleObject | undefined = deep.$parent
    while (named && typeof named.id !== 'string') named = named.$parent
    add(named?.id ?? null, msg('deploy.limit.depth', { max: LIMITS.depth }))
    return { problems } // without the definitions: nothing else may walk them
  }

  // Moddle warnings.
  let ownerMap: Map<object, string | undefined> | undefined
  const owners = () => (ownerMap ??= flowOwners(definitions))
  const prefixes = namespacePrefixes(xml)
  const nsOf = (qname: string) => {
    const i = qname.indexOf(':')
    return prefixes.get(i < 0 ? '' : qname.slice(0, i))
  }
  /** Elements with a reference moddle could not resolve (reported once, here). */
  const unresolved = new Set<unknown>()
  for (const w of parsed.warnings ?? []) {
    const message = String(w.message ?? '')
    let m: RegExpMatchArray | null
    if ((m = /^unresolved reference <(.*)>/.exec(message))) {
      const prop = String(w.property ?? '').replace(/^bpmn:/, '')
      unresolved.add(w.element)
      add(ownerId(w.element, owners()), msg('deploy.unresolvedRef', { ref: m[1], prop }))
    } else if ((m = /^unknown attribute <(.*)>/.exec(message))) {
      if (nsOf(m[1]) === NS_CAMUNDA && !w.element?.$instanceOf?.('bpmn:Definitions')) {
        add(w.element?.id, msg('deploy.unknownCamundaAttr', { attr: m[1] }))
      }
    } else if ((m = /^unparsable content <([^>\s]*)/.exec(message))) {
      const nested = String(w.error?.message ?? '')
      const dup = /duplicate ID <(.*)>/.exec(nested)
      const tag = m[1].replace(/^\//, '')
      if (dup) {
        add(dup[1], msg('deploy.duplicateId', { id: dup[1] }))
      } else if (/^unrecognized element/.test(nested) && !OWN_NAMESPACES.has(nsOf(tag) ?? '')) {
        // an element of another extension namespace (zeebe:, signavio:, …): not ours to read
      } else {
        add(null, msg('deploy.unparsable', { tag, error: nested }))
      }
    } else if (/^unsupported document encoding/.test(message)) {
      // the parser falls back to UTF-8; BPMN content is ASCII/UTF-8 in practice
    } else {
      add(w.element?.id, msg('deploy.parseWarning', { warning: message }))
    }
  }

  const rootElements: ModdleObject[] = definitions.rootElements ?? []

  // bpmn:import
  for (const imp of definitions.imports ?? []) {
    const what = imp.location || imp.namespace || ''
    add(null, msg('deploy.import', { what }))
  }

  // Types bpmn-engine cannot load, anywhere in the file (getDefinitions() throws on them).
  const checkType = (el: ModdleObject, ownerId?: string) => {
    if (!el || typeof el.$type !== 'string') return
    const local = el.$type.split(':').slice(1).join(':')
    if (RESOLVABLE.has(local)) return
    const id = el.id ?? ownerId
    if (el.$type === 'bpmn:ComplexGateway') add(id, msg('deploy.complexGateway'))
    else if (el.$instanceOf?.('bpmn:GlobalTask')) add(id, msg('deploy.globalTask', { type: el.$type }))
    else add(id, msg('deploy.unrunnableType', { type: el.$type }))
  }
  const walkTypes = (container: ModdleObject) => {
    for (const el of [...(container.flowElements ?? []), ...(container.artifacts ?? [])]) {
      if (el.$type === 'bpmn:DataObjectReference') continue
      checkType(el)
      for (const ed of el.eventDefinitions ?? []) checkType(ed, el.id)
      if (el.loopCharacteristics) checkType(el.loopCharacteristics, el.id)
      if (el.flowElements || el.artifacts) walkTypes(el)
    }
  }
  for (const root of rootElements) {
    switch (root.$type) {
      case 'bpmn:Collaboration':
        for (const mf of root.messageFlows ?? []) checkType(mf)
        break
      case 'bpmn:Process':
        walkTypes(root)
        break
      default:
        checkType(root)
    }
  }

  // 2. Exactly one executable process.
  const executable = rootElements.filter((e) => e.$type === 'bpmn:Process' && e.isExecutable === true)
  if (executable.length === 0) {
    add(null, msg('deploy.noExecutable'))
  } else {
    // A process without an id has no key to deploy under or start by (moddle accepts it).
    if (executable[0].id) result.processKey = executable[0].id
    else add(null, msg('deploy.processMissingId'))
    if (executable[0].name) result.processName = executable[0].name
    for (const extra of executable.slice(1)) {
      add(extra.id, msg('deploy.extraProcess', { id: extra.id }))
    }
  }
  const ownKeys = new Set(executable.map((p) => p.id))

  // 3–6. The content of each executable process.
  const ctx: Ctx = { opts, add, ownKeys, reported: new WeakSet(), unresolved, onLoop: new Set() }
  // Every check below walks each element at least once, and bpmnlint's rules follow paths: past
  // the element limit the size is the refusal, and the rest is not read (validate-limits.ts).
  const oversized = executable.map((proc) => sizeProblems(proc, add))
  if (oversized.includes(true)) return { problems, processKey: result.processKey, processName: result.processName }
  for (const proc of executable) {
    checkExtensions(proc, proc.id, ctx)
    checkContainer(proc, ctx)
    sweep(proc, proc.id, ctx)
  }

  // 7. Selected bpmnlint rules, reported for elements of the executable process(es) only; not
  // run without one (nothing of it would be reported). A rule that threw is reported whatever
  // it was looking at (validate-lint.ts): the diagram is refused rather than half checked.
  if (executable.length) {
    try {
      const executableSet = new Set(executable)
      for (const r of await lintDefinitions(definitions)) {
        const el = r.id ? parsed.elementsById?.[r.id] : undefined
        const inside = !!el && insideAny(el, executableSet)
        if (r.failed) add(inside ? r.id : null, r.message)
        else if (inside) add(r.id, r.message)
      }
    } catch (err) {
      add(null, msg('deploy.lintFailed', { error: (err as Error).message }))
    }
  }

  // Backstop: what bpmn-engine itself would throw on while loading the definitions.
  if (problems.length === 0) {
    try {
      serializer(parsed, TypeResolver({ ...Elements }))
    } catch (err) {
      const text = (err as Error).message
      add(null, msg('deploy.engineLoad', { error: text }))
    }
  }

  return result
}

interface Ctx {
  opts: ValidateOptions
  add(elementId: string | null | undefined, m: Msg): void
  ownKeys: Set<string | undefined>
  /** moddle objects already reported by a specific rule, so the final sweep does not repeat them */
  reported: WeakSet<object>
  /** `${…}` bodies refused as JUEL (juel.ts): not checked again as FEEL */
  juelRefused?: Set<string>
  /** Elements moddle warned of an unresolved reference for (already a `deploy.unresolvedRef` problem). */
  unresolved: ReadonlySet<unknown>
  /** Ids of flow elements on a loop, or inside a sub-process on one (filled by checkContainer). */
  onLoop: Set<string>
}

/** An expression longer than the limit is reported and not parsed (validate-limits.ts). */
function tooLong(text: string, id: string | undefined, what: string, ctx: Ctx): boolean {
  if (text.length <= LIMITS.expression) return false
  ctx.add(id, msg('deploy.limit.expression', { what, length: text.length, max: LIMITS.expression }))
  return true
}

/**
 * Reports each `${…}` body of `text` that is JUEL beyond the supported subset. False when the
 * text is too long to read at all (reported): the caller then checks no FEEL in it either.
 */
function checkJuel(text: string | undefined | null, id: string | undefined, what: string, ctx: Ctx): boolean {
  if (text && tooLong(text, id, what, ctx)) return false
  for (const r of juelRefusals(text)) {
    ;(ctx.juelRefused ??= new Set()).add(r.body)
    ctx.add(id, msg(r.key, { ...r.params, what, body: r.body }))
  }
  return true
}

function namespacePrefixes(xml: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const m of xml.matchAll(/\sxmlns(?::([\w.-]+))?\s*=\s*(["'])(.*?)\2/g)) {
    const prefix = m[1] ?? ''
    if (!map.has(prefix)) map.set(prefix, m[3])
  }
  return map
}

/** Event definitions, loop characteristics and expressions → the id of the flow element holding them. */
function flowOwners(definitions: ModdleObject): Map<object, string | undefined> {
  const map = new Map<object, string | undefined>()
  const walk = (container: ModdleObject) => {
    for (const el of container.flowElements ?? []) {
      for (const part of [...(el.eventDefinitions ?? []), el.loopCharacteristics, el.conditionExpression]) {
        if (part && typeof part === 'object') map.set(part, el.id)
      }
      if (el.flowElements) walk(el)
    }
  }
  for (const root of definitions.rootElements ?? []) if (root.flowElements) walk(root)
  return map
}

/** The id of the flow element (or, failing that, any element) a moddle object belongs to. */
function ownerId(el: ModdleObject | undefined, owners: Map<object, string | undefined>): string | null {
  let fallback: string | null = null
  for (let cur = el; cur; cur = cur.$parent) {
    const owner = owners.get(cur)
    if (owner) return owner
    if (typeof cur.id !== 'string') continue
    if (cur.$instanceOf?.('bpmn:FlowElement') || cur.$instanceOf?.('bpmn:RootElement')) return cur.id
    fallback ??= cur.id
  }
  return fallback
}

function insideAny(el: ModdleObject, set: Set<ModdleObject>): boolean {
  for (let cur: ModdleObject | undefined = el; cur; cur = cur.$parent) if (set.has(cur)) return true
  return false
}

function attr(el: ModdleObject, name: string): string | undefined {
  const v = el?.get ? el.get(name) : undefined
  return typeof v === 'string' ? v : v == null ? undefined : String(v)
}

/** Checks every FEEL body of an attribute value (a literal without `${…}`/`=` has none). */
function checkValue(value: string | undefined, id: string | undefined, what: string, ctx: Ctx) {
  if (value == null) return
  if (!checkJuel(value, id, what, ctx)) return
  const unclosed = unclosedExpression(value)
  if (unclosed != null) {
    ctx.add(id, msg('deploy.unclosedExpression', { what, body: unclosed }))
    return
  }
  for (const body of expressionBodies(value)) checkFeel(body, id, what, ctx)
}

/**
 * The text from a `${` or `#{` that has no `}` after it, or null. Such a value holds no
 * expression body at all, so it passed as a literal: `camunda:assignee="${initiator"` deployed
 * and assigned the task to a user named "${initiator", whom nobody is.
 */
function unclosedExpression(value: string): string | null {
  if (expressionBody(value) != null) return null
  const open = /[$#]\{[^}]*$/.exec(value.replace(/[$#]\{[^}]*\}/g, (m) => ' '.repeat(m.length)))
  return open ? value.slice(open.index) : null
}

function checkFeel(body: string, id: string | undefined, what: string, ctx: Ctx) {
  if (ctx.juelRefused?.has(body)) return
  const issue = feelIssue(body)
  if (issue) ctx.add(id, msg(issue.key, { ...issue.params, what }))
}

function isFeelLanguage(language: string): boolean {
  const l = language.trim().toLowerCase()
  return l === 'feel' || l.includes('omg.org/spec/feel') || l.includes('omg.org/spec/dmn')
}

/** A bpmn:FormalExpression used as a condition (sequence flow, completion, conditional event, loop). */
function checkCondition(expr: ModdleObject | undefined, id: string | undefined, what: string, ctx: Ctx) {
  if (!expr) return
  ctx.reported.add(expr)
  const language = attr(expr, 'language')
  if (language && !isFeelLanguage(language)) {
    ctx.add(id, msg('deploy.scriptCondition', { what, language }))
    return
  }
  if (attr(expr, 'camunda:resource')) {
    ctx.add(id, msg('deploy.scriptResource', { what }))
    return
  }
  if (checkJuel(String(expr.body ?? ''), id, what, ctx)) checkFeel(conditionBody(String(expr.body ?? '')), id, what, ctx)
}

function checkContainer(container: ModdleObject, ctx: Ctx, inLoop = false) {
  // Once per container: built per flow, a 3,000-branch split took 21 s to refuse (hostile.test).
  const siblings = new Set<unknown>(container.flowElements ?? [])
  const looping = loopNodes(container)
  for (const el of container.flowElements ?? []) {
    // The XSD leaves ids optional and moddle accepts their absence, but tasks, history, timers
    // and incidents are all keyed by the element's id: an element without one is refused here.
    if (typeof el.id !== 'string' || !el.id) {
      ctx.add(container.id ?? null, msg('deploy.missingId', { type: String(el.$type).replace(/^bpmn:/, ''), owner: container.id ?? '—' }))
      continue
    }
    if (el.$type === 'bpmn:SequenceFlow') checkFlowEnds(el, container, siblings, ctx)
    const onLoop = inLoop || looping.has(el.id)
    if (onLoop) ctx.onLoop.add(el.id)
    checkElement(el, ctx)
    if (el.flowElements) checkContainer(el, ctx, onLoop)
  }
}

/**
 * A sequence flow joins two flow nodes of its own container (BPMN 2.0 §10.5.1). moddle resolves
 * any id, so a flow without a target, or one aimed at the process, another flow or a task inside
 * a sub-process, validated clean and then lost or stranded its token at run time.
 */
function checkFlowEnds(flow: ModdleObject, container: ModdleObject, siblings: ReadonlySet<unknown>, ctx: Ctx) {
  if (ctx.unresolved.has(flow)) return
  for (const prop of ['sourceRef', 'targetRef'] as const) {
    const end = flow[prop] as ModdleObject | undefined
    if (!end) ctx.add(flow.id, msg('deploy.flowEndMissing', { prop }))
    else if (!end.$instanceOf?.('bpmn:FlowNode') || !siblings.has(end)) {
      ctx.add(flow.id, msg('deploy.flowEndOutside', { prop, ref: String(end.id ?? '—'), owner: String(container.id ?? '—') }))
    }
  }
}

function checkElement(el: ModdleObject, ctx: Ctx) {
  const id = el.id
  const { add, opts } = ctx
  switch (el.$type) {
    case 'bpmn:ScriptTask':
      add(id, msg('deploy.scriptTask'))
      break
    case 'bpmn:BusinessRuleTask': {
      // A deployed DMN decision; mapping, tenant and result variable: decisions/business-rule.ts's deploy check.
      const ref = attr(el, 'camunda:decisionRef')?.trim()
      if (!ref) add(id, msg('deploy.decisionRefMissing'))
      // Without a decision store to ask (validation on its own), no reference is known.
      else if (expressionBodies(ref).length || !opts.knownDecisionKey?.(ref)) add(id, msg('deploy.decisionUnknown', { ref }))
      break
    }
    case 'bpmn:ServiceTask':
    case 'bpmn:SendTask':
      checkImplementation(el, id, true, ctx)
      break
    case 'bpmn:CallActivity': {
      const called = attr(el, 'calledElement')?.trim()
      if (!called) {
        add(id, msg('deploy.calledElementMissing'))
      } else if (expressionBodies(called).length) {
        checkValue(called, id, 'calledElement', ctx)
      } else if (!ctx.ownKeys.has(called) && !opts.knownProcessKey(called)) {
        add(id, msg('deploy.calledUnknown', { called }))
      }
      break
    }
    case 'bpmn:UserTask':
      checkUserTask(el, id, ctx)
      break
    case 'bpmn:SequenceFlow':
      if (el.conditionExpression) checkCondition(el.conditionExpression, id, 'conditionExpression', ctx)
      break
  }

  for (const ed of el.eventDefinitions ?? []) {
    switch (ed.$type) {
      case 'bpmn:TimerEventDefinition':
        checkTimer(ed, id, ctx)
        break
      case 'bpmn:ConditionalEventDefinition':
        if (!ed.condition) add(id, msg('deploy.conditionalNoCondition'))
        else checkCondition(ed.condition, id, 'condition', ctx)
        break
      case 'bpmn:MessageEventDefinition':
        // Camunda 7 lets message throw events carry a service-task implementation.
        checkImplementation(ed, id, false, ctx)
        break
    }
  }

  const loop = el.loopCharacteristics
  if (loop?.$type === 'bpmn:MultiInstanceLoopCharacteristics') {
    const collection = attr(loop, 'camunda:collection')
    if (collection != null) {
      if (checkJuel(collection, id, 'camunda:collection', ctx)) checkFeel(conditionBody(collection), id, 'camunda:collection', ctx)
    }
    if (loop.loopCardinality) checkCondition(loop.loopCardinality, id, 'loopCardinality', ctx)
    if (loop.completionCondition) checkCondition(loop.completionCondition, id, 'completionCondition', ctx)
    if (!collection && !loop.loopCardinality && !(loop.isSequential && loop.completionCondition)) {
      add(id, msg('deploy.multiInstanceNoCount'))
    }
  } else if (loop?.$type === 'bpmn:StandardLoopCharacteristics') {
    if (loop.loopCondition) checkCondition(loop.loopCondition, id, 'loopCondition', ctx)
  }

  checkExtensions(el, id, ctx)
}

/** Service/send tasks (required) and message event definitions (optional). */
function checkImplementation(el: ModdleObject, id: string | undefined, required: boolean, ctx: Ctx) {
  const { add, opts } = ctx
  let implemented = false
  const cls = attr(el, 'camunda:class')
  if (cls) {
    implemented = true
    add(id, msg('deploy.javaClass', { cls }))
  }
  const delegate = attr(el, 'camunda:delegateExpression')
  if (delegate) {
    implemented = true
    add(id, msg('deploy.delegate', { expression: delegate }))
  }
  const type = attr(el, 'camunda:type')
  if (type) {
    implemented = true
    const topic = attr(el, 'camunda:topic')?.trim()
    if (type !== 'external') {
      add(id, msg('deploy.taskType', { type }))
    } else if (!topic) {
      add(id, msg('deploy.externalNoTopic'))
    } else if (!opts.handlers.has(topic) && (topic.length > 255 || /[\u0000-\u001f]/.test(topic))) {
      // A topic no in-process handler serves becomes an external task (external-tasks.ts),
      // fetched by workers by this name: it must fit the column and be printable.
      add(id, msg('deploy.topicInvalid'))
    }
  }
  const expression = attr(el, 'camunda:expression')
  if (expression != null) {
    implemented = true
    if (checkJuel(expression, id, 'camunda:expression', ctx)) {
      const bodies = expressionBodies(expression)
      if (bodies.length === 0) checkFeel(conditionBody(expression), id, 'camunda:expression', ctx)
      for (const body of bodies) checkFeel(body, id, 'camunda:expression', ctx)
    }
  }
  for (const ext of el.extensionElements?.values ?? []) {
    if (ext.$type === 'camunda:Connector') {
      implemented = true
      ctx.reported.add(ext)
      add(id, msg('deploy.connector'))
    }
  }
  if (required && !implemented) {
    add(id, msg('deploy.noImplementation'))
  }
}

function checkUserTask(el: ModdleObject, id: string | undefined, ctx: Ctx) {
  for (const name of ['assignee', 'candidateUsers', 'candidateGroups', 'dueDate', 'followUpDate', 'priority']) {
    checkValue(attr(el, `camunda:${name}`), id, `camunda:${name}`, ctx)
  }
  if (!ctx.opts.canReceive) return
  const values = ['assignee', 'candidateUsers', 'candidateGroups'].map((n) => attr(el, `camunda:${n}`) ?? '')
  if (values.some((v) => /[$#]\{/.test(v) || expressionBodies(v).length > 0)) return
  const list = (v: string) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  const users = [...list(values[0]), ...list(values[1])]
  const groups = list(values[2])
  if (users.length + groups.length === 0) return // the administrators' pool
  if (!ctx.opts.canReceive({ users, groups })) {
    // Lists, joined per language; '-' stands for none.
    ctx.add(id, msg('deploy.nobodyReceives', { users: users.length ? users : '-', groups: groups.length ? groups : '-' }))
  }
}

function checkTimer(ed: ModdleObject, id: string | undefined, ctx: Ctx) {
  let any = false
  for (const kind of ['timeDuration', 'timeDate', 'timeCycle'] as const) {
    const expr = ed[kind]
    if (!expr) continue
    any = true
    ctx.reported.add(expr)
    const language = attr(expr, 'language')
    if (language && !isFeelLanguage(language)) {
      ctx.add(id, msg('deploy.scriptTimer', { kind, language }))
      continue
    }
    const value = String(expr.body ?? '').trim()
    const bodies = expressionBodies(value)
    if (bodies.length) {
      if (checkJuel(value, id, kind, ctx)) for (const body of bodies) checkFeel(body, id, kind, ctx)
      continue
    }
    if (!value) {
      ctx.add(id, msg('deploy.timerEmpty', { kind }))
      continue
    }
    const iso = isoProblem(kind, value)
    if (iso) {
      ctx.add(id, msg(`deploy.timerNotIso.${kind}`, { value, error: iso }))
      continue
    }
    const limit = timerLimitProblem(kind, value) ?? (id && ctx.onLoop.has(id) ? loopTimerProblem(kind, value) : null)
    if (limit) ctx.add(id, limit)
  }
  if (!any) ctx.add(id, msg('deploy.timerMissing'))
}

/** Null when `value` is a literal bpmn-elements' timer (piso) accepts for that kind. */
export function isoProblem(kind: 'timeDuration' | 'timeDate' | 'timeCycle', value: string): string | null {
  try {
    if (kind === 'timeDate') {
      const d = getDate(value)
      if (Number.isNaN(d.getTime())) return 'invalid date'
    } else {
      const parsed = new ISOInterval(value).parse()
      if (kind === 'timeDuration' && (parsed.repeat !== undefined || !parsed.duration)) return 'not a duration'
      if (kind === 'timeCycle' && !parsed.duration && !parsed.end) return 'not a cycle'
    }
    return null
  } catch (err) {
    return (err as Error).message
  }
}

/** camunda:* extension elements of a flow element or the process. */
function checkExtensions(el: ModdleObject, id: string | undefined, ctx: Ctx) {
  const { add } = ctx
  for (const ext of el.extensionElements?.values ?? []) {
    switch (ext.$type) {
      case 'camunda:TaskListener':
      case 'camunda:ExecutionListener': {
        ctx.reported.add(ext)
        if (ext.script) ctx.reported.add(ext.script)
        const kind = ext.$type === 'camunda:TaskListener' ? 'taskListener' : 'executionListener'
        // Attribute syntax as written in the XML: the same in both languages.
        const impl = ext.script
          ? `script${ext.script.scriptFormat ? ` (${ext.script.scriptFormat})` : ''}`
          : ext.class
            ? `class="${ext.class}"`
            : ext.delegateExpression
              ? `delegateExpression="${ext.delegateExpression}"`
              : ext.expression
                ? `expression="${ext.expression}"`
                : null
        const on = ext.event ? `event="${ext.event}", ` : ''
        add(id, impl ? msg('deploy.listener', { kind, on, impl }) : msg('deploy.listenerEmpty', { kind, on }))
        break
      }
      case 'camunda:InputOutput':
        for (const p of ext.inputParameters ?? []) checkParameter(p, id, 'camunda:inputParameter', ctx)
        for (const p of ext.outputParameters ?? []) checkParameter(p, id, 'camunda:outputParameter', ctx)
        break
      case 'camunda:In':
      case 'camunda:Out':
        if (ext.sourceExpression) checkValue(ext.sourceExpression, id, `camunda:${ext.$type === 'camunda:In' ? 'in' : 'out'} sourceExpression`, ctx)
        break
      case 'camunda:Connector':
        if (!ctx.reported.has(ext)) {
          ctx.reported.add(ext)
          add(id, msg('deploy.connector'))
        }
        break
    }
  }
}

function checkParameter(p: ModdleObject, id: string | undefined, what: string, ctx: Ctx) {
  const label = `${what} ${p.name ?? ''}`.trim()
  if (p.value != null) checkValue(String(p.value), id, label, ctx)
  if (p.definition) checkParameterDefinition(p.definition, id, label, ctx)
}

function checkParameterDefinition(def: ModdleObject, id: string | undefined, label: string, ctx: Ctx) {
  switch (def.$type) {
    case 'camunda:Script':
      ctx.reported.add(def)
      ctx.add(id, msg('deploy.paramScript', { label, format: `camunda:script${def.scriptFormat ? ` scriptFormat="${def.scriptFormat}"` : ''}` }))
      break
    case 'camunda:List':
      for (const item of def.items ?? []) {
        if (item.$type === 'camunda:Value') checkValue(item.value, id, label, ctx)
        else checkParameterDefinition(item, id, label, ctx)
      }
      break
    case 'camunda:Map':
      for (const e of def.entries ?? []) {
        if (e.value != null) checkValue(String(e.value), id, label, ctx)
        if (e.definition) checkParameterDefinition(e.definition, id, label, ctx)
      }
      break
    case 'camunda:Value':
      checkValue(def.value, id, label, ctx)
      break
  }
}

function isModdleObject(v: unknown): v is ModdleObject {
  return !!v && typeof v === 'object' && '$type' in v && !!v.$type
}

/**
 * Last pass over everything an executable process contains: any script or script language
 * not already reported by a specific rule (e.g. a camunda:script nested somewhere unusual,
 * a FormalExpression with language="groovy", a scriptFormat attribute).
 */
function sweep(el: ModdleObject, ownerId: string | undefined, ctx: Ctx, depth = 0) {
  if (!el || typeof el !== 'object' || depth > 200) return
  const id = typeof el.id === 'string' && el.$instanceOf?.('bpmn:BaseElement') ? el.id : ownerId
  if (!ctx.reported.has(el)) {
    if (el.$type === 'camunda:Script') {
      ctx.reported.add(el)
      ctx.add(id, msg('deploy.script', { format: `camunda:script${el.scriptFormat ? ` scriptFormat="${el.scriptFormat}"` : ''}` }))
    } else if (el.$type !== 'bpmn:ScriptTask' && el.$type !== 'bpmn:Process') {
      const language = typeof el.language === 'string' ? el.language : undefined
      const scriptFormat = typeof el.scriptFormat === 'string' ? el.scriptFormat : undefined
      if (language && !isFeelLanguage(language)) {
        ctx.reported.add(el)
        ctx.add(id, msg('deploy.scriptLanguage', { language }))
      } else if (scriptFormat) {
        ctx.reported.add(el)
        ctx.add(id, msg('deploy.scriptFormat', { format: scriptFormat }))
      }
    }
  }
  const props = el.$descriptor?.properties ?? []
  for (const p of props) {
    if (p.isReference || p.isAttr) continue
    const v = el.get ? el.get(p.ns?.name ?? p.name) : el[p.name]
    if (Array.isArray(v)) for (const c of v) sweep(c, id, ctx, depth + 1)
    else if (isModdleObject(v)) sweep(v, id, ctx, depth + 1)
  }
}
