// dmn-moddle ships no types; src/types/modules.d.ts declares what is used here.
import { DmnModdle } from 'dmn-moddle'
import { evaluate, parseExpression, parseUnaryTests, unaryTest } from 'feelin'
import { isFeelBuiltin } from '../engine/validate-feel.js'
import { SLOW_FEEL_FUNCTIONS, SLOW_FEEL_NODES } from '../lib/feel-limits.js'
import { toPlain } from '../engine/feel.js'
import { cutText } from '../lib/text.js'

/**
 * DMN 1.3 decisions, parsed with dmn-moddle and evaluated with feelin: decision tables (hit
 * policies UNIQUE, FIRST, PRIORITY, ANY, COLLECT with and without SUM/MIN/MAX/COUNT, RULE ORDER,
 * OUTPUT ORDER), literal-expression decisions and required decisions (a DRG within one file).
 * Knows nothing of petitions. "FEEL-only": every expression (input expressions, input entries,
 * output entries, literal expressions) is FEEL; there are no Java/JUEL/script expression
 * languages, no business knowledge models or invocations, no item definitions beyond the
 * built-in types. Everything a county administrator deploys is bounded (LIMITS) and FEEL that
 * could hold the server (loops, function definitions, regular expressions) is refused at parse.
 */

/** An error a caller turns into a 4xx: a catalogue key (areas/dmn.ts) and its parameters. */
export class DmnError extends Error {
  constructor(
    readonly key: DmnErrorKey,
    readonly params: Record<string, string | number> = {},
  ) {
    super(`${key} ${JSON.stringify(params)}`)
  }
}
export type DmnErrorKey =
  | 'error.dmn.parse'
  | 'error.dmn.tooLarge'
  | 'error.dmn.doctype'
  | 'error.dmn.noDecision'
  | 'error.dmn.tooMany'
  | 'error.dmn.tooManyFeel'
  | 'error.dmn.unsupported'
  | 'error.dmn.expression'
  | 'error.dmn.expressionRefused'
  | 'error.dmn.expressionTooLong'
  | 'error.dmn.entryCount'
  | 'error.dmn.hitPolicy'
  | 'error.dmn.requirement'
  | 'error.dmn.cycle'
  | 'error.dmn.duplicateName'
  | 'error.dmn.uniqueViolated'
  | 'error.dmn.anyViolated'
  | 'error.dmn.inputType'
  | 'error.dmn.inputNotAllowed'
  | 'error.dmn.outputNotAllowed'
  | 'error.dmn.aggregation'
  | 'error.dmn.unknownDecision'

export const DMN_LIMITS = {
  /** Bytes of XML. The routing table of a city with a few hundred rules is ~150 KB. */
  bytes: 512 * 1024,
  /** Decisions per file (a DRG a person can read; the TCK's FEEL-math model has 33). */
  decisions: 50,
  /** Rules per table: a table is scanned per evaluation, and intake evaluates one per case. */
  rules: 2000,
  /** Input and output columns per table. */
  columns: 30,
  /** Characters of one expression or entry. */
  expression: 2000,
  /**
   * Entries per file that only feelin can run (not a literal, a list of strings or one of the
   * generated shapes compileTest knows). feelin parses an entry's text on every call, ~40 µs:
   * 10,000 such cells (`> 5`, within 512 KB) took 0.4 s per evaluation, and intake evaluates the
   * routing table once per case on the one thread. 500 is 20 ms at most; the generated routing
   * tables have none.
   */
  feelEntries: 500,
} as const

export type HitPolicy = 'UNIQUE' | 'FIRST' | 'PRIORITY' | 'ANY' | 'COLLECT' | 'RULE ORDER' | 'OUTPUT ORDER'
const HIT_POLICIES = new Set<string>(['UNIQUE', 'FIRST', 'PRIORITY', 'ANY', 'COLLECT', 'RULE ORDER', 'OUTPUT ORDER'])
const AGGREGATIONS = new Set(['SUM', 'MIN', 'MAX', 'COUNT'])

/** A compiled test or expression: a fast path for the literals tables are mostly made of. */
type Test = (value: unknown, ctx: Record<string, unknown>) => boolean
type Expr = (ctx: Record<string, unknown>) => unknown

export interface Column {
  id: string
  label: string | null
  name: string
  typeRef: string | null
  expr?: Expr
  allowed?: Test
  allowedText?: string
  /** Output values in order (PRIORITY, OUTPUT ORDER), plain. */
  order?: unknown[]
  defaultEntry?: Expr
}
export interface Rule {
  id: string
  index: number
  tests: Test[]
  outputs: Expr[]
  /** The output entries as written (a module's deploy check reads literal outputs). */
  outputTexts: string[]
  /** The input entries as written (routing compares a table with the rule list it was made from). */
  inputTexts: string[]
}
export interface Table {
  hitPolicy: HitPolicy
  aggregation: 'SUM' | 'MIN' | 'MAX' | 'COUNT' | null
  inputs: Column[]
  outputs: Column[]
  rules: Rule[]
}
export interface Decision {
  id: string
  name: string
  /** The name its result goes by in the context of a decision that requires it. */
  variable: string
  requires: string[]
  table?: Table
  literal?: Expr
  typeRef: string | null
}
export interface Drg {
  /** The decision a caller means by this file: the first one no other decision requires. */
  key: string
  name: string | null
  decisions: Map<string, Decision>
}

/** What a table's evaluation matched, beside its DMN result (Camunda's result mapping reads this). */
export type Evaluation = {
  /** The decision's DMN result: a value, a context (several outputs), a list, or null. */
  result: unknown
  /** One entry per matched rule (after the hit policy), output name → value; an aggregation gives one entry. */
  entries: Record<string, unknown>[]
  /** Ids of the rules whose outputs are in `entries`, in that order. */
  matchedRules: string[]
}

// ── parsing ─────────────────────────────────────────────────────────────────────

/**
 * Names the tables' FEEL may read, for parsing: feelin reads `Customer Status` as one name only
 * when the parse context has it (input data, input expressions, required decisions' variables).
 */
let parseNames: Record<string, unknown> = {}
/** Entries of the file being parsed that feelin runs (DMN_LIMITS.feelEntries). */
let feelEntries = 0

/** Counts one entry that only feelin can run. */
function countFeelEntry(where: string) {
  if (++feelEntries > DMN_LIMITS.feelEntries) throw new DmnError('error.dmn.tooManyFeel', { where, max: DMN_LIMITS.feelEntries })
}

function feelProblems(text: string, where: string, unary: boolean): void {
  if (text.length > DMN_LIMITS.expression) throw new DmnError('error.dmn.expressionTooLong', { where, max: DMN_LIMITS.expression })
  let refused: string | null = null
  let broken = false
  try {
    const tree = unary ? parseUnaryTests(text, parseNames, undefined) : parseExpression(text, parseNames, undefined)
    tree.iterate({
      enter(node) {
        if (node.type.isError) broken = true
        if (SLOW_FEEL_NODES.has(node.name)) refused ??= cutText(text.slice(node.from, node.to), { codePoints: 60 })
        if (node.name === 'FunctionInvocation') {
          const callee = node.node.firstChild
          if (callee?.name === 'VariableName') {
            const name = text.slice(callee.from, callee.to).replace(/\s+/g, ' ').trim()
            if (SLOW_FEEL_FUNCTIONS.has(name) || !isFeelBuiltin(name)) refused ??= name
          } else if (callee) refused ??= cutText(text.slice(callee.from, callee.to), { codePoints: 60 })
        }
      },
    })
  } catch {
    broken = true
  }
  if (broken) throw new DmnError('error.dmn.expression', { where, text: cutText(text, { codePoints: 200 }) })
  if (refused) throw new DmnError('error.dmn.expressionRefused', { where, text: refused })
}

const STRING_LITERAL = /^"((?:[^"\\]|\\.)*)"$/
const NUMBER_LITERAL = /^-?\d+(\.\d+)?$/
const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c))

/** Splits `"a", "b,c", "d"` into its top-level parts when every part is a string literal; else null. */
function stringList(text: string): string[] | null {
  const out: string[] = []
  const re = /\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y
  let at = 0
  while (at < text.length) {
    re.lastIndex = at
    const m = re.exec(text)
    if (!m) return null
    out.push(unescape(m[1]))
    at = re.lastIndex
    if (!m[2]) break
  }
  return at >= text.length && out.length ? out : null
}

/** Compiles an input entry (unary tests). Literals skip feelin, which parses its text on every call. */
function compileTest(raw: string | undefined, where: string): Test {
  const text = (raw ?? '').trim()
  if (text === '' || text === '-') return () => true
  const strings = stringList(text)
  if (strings) {
    const set = new Set(strings)
    return (v) => typeof v === 'string' && set.has(v)
  }
  if (NUMBER_LITERAL.test(text)) {
    const n = Number(text)
    return (v) => v === n
  }
  if (text === 'true' || text === 'false') {
    const b = text === 'true'
    return (v) => v === b
  }
  // The two entries routing tables are generated with (a region on the case's path, a category
  // and its sub-categories): feelin takes ~30 µs per call for them, this well under one.
  const member = /^list contains\(\s*\?\s*,\s*"((?:[^"\\]|\\.)*)"\s*\)$/.exec(text)
  if (member) {
    const m = unescape(member[1])
    return (v) => Array.isArray(v) && v.includes(m)
  }
  const prefix = /^"((?:[^"\\]|\\.)*)"\s*,\s*starts with\(\s*\?\s*,\s*"((?:[^"\\]|\\.)*)"\s*\)$/.exec(text)
  if (prefix) {
    const [exact, start] = [unescape(prefix[1]), unescape(prefix[2])]
    return (v) => typeof v === 'string' && (v === exact || v.startsWith(start))
  }
  feelProblems(text, where, true)
  countFeelEntry(where)
  return (value, ctx) => unaryTest(text, { ...ctx, '?': value }).value === true
}

/** Compiles an expression (input expression, output entry, literal expression). */
function compileExpr(raw: string | undefined, where: string): Expr {
  const text = (raw ?? '').trim()
  if (text === '' || text === 'null') return () => null
  const s = STRING_LITERAL.exec(text)
  if (s) {
    const v = unescape(s[1])
    return () => v
  }
  if (NUMBER_LITERAL.test(text)) {
    const n = Number(text)
    return () => n
  }
  if (text === 'true' || text === 'false') {
    const b = text === 'true'
    return () => b
  }
  feelProblems(text, where, false)
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) return (ctx) => (Object.hasOwn(ctx, text) ? (ctx[text] ?? null) : toPlain(evaluate(text, ctx).value))
  countFeelEntry(where)
  return (ctx) => toPlain(evaluate(text, ctx).value) ?? null
}

/** `"low","high"` (an inputValues/outputValues list) as plain values in order, or null. */
function valuesList(text: string, where: string): unknown[] | null {
  const strings = stringList(text)
  if (strings) return strings
  feelProblems(`[${text}]`, where, false)
  const v = toPlain(evaluate(`[${text}]`, {}).value)
  return Array.isArray(v) ? v : null
}

/**
 * A dmn-moddle object as parseDmn reads it (dmn-moddle ships no types): the DMN 1.3 fields of
 * definitions, decisions, decision tables and their columns, rules and entries that are read
 * here, each optional, since the XML may leave any of them out. moddle gives attributes and
 * element text as strings.
 */
interface DmnElement {
  $type: string
  id?: string
  name?: string
  label?: string
  text?: string
  typeRef?: string
  href?: string
  expressionLanguage?: string
  /** definitions */
  drgElement?: DmnElement[]
  /** decision */
  variable?: DmnElement
  decisionLogic?: DmnElement
  informationRequirement?: { requiredDecision?: DmnElement; requiredInput?: DmnElement }[]
  /** decision table */
  hitPolicy?: string
  aggregation?: string
  input?: DmnElement[]
  output?: DmnElement[]
  rule?: DmnElement[]
  /** table columns */
  inputExpression?: DmnElement
  inputValues?: DmnElement
  outputValues?: DmnElement
  defaultOutputEntry?: DmnElement
  /** rule */
  inputEntry?: DmnElement[]
  outputEntry?: DmnElement[]
}

const moddle = () => new DmnModdle()

/** Parses and checks DMN XML. Throws DmnError (a 400 for the caller) for anything it will not run. */
export async function parseDmn(xml: string): Promise<Drg> {
  if (typeof xml !== 'string' || !xml.trim()) throw new DmnError('error.dmn.parse', { error: 'empty' })
  if (Buffer.byteLength(xml, 'utf8') > DMN_LIMITS.bytes) throw new DmnError('error.dmn.tooLarge', { max: DMN_LIMITS.bytes })
  if (/<!DOCTYPE/i.test(xml)) throw new DmnError('error.dmn.doctype')
  let root: DmnElement | undefined
  try {
    // DMN 1.2, 1.4 and 1.5 tables are 1.3's for what is run here; dmn-moddle reads 1.3 only
    // (the DMN TCK files are 1.5 today).
    const r = await moddle().fromXML<DmnElement | undefined>(
      xml.replace(/https?:\/\/www\.omg\.org\/spec\/DMN\/(20180521|20211108|20230324)\/MODEL\//g, 'https://www.omg.org/spec/DMN/20191111/MODEL/'),
      'dmn:Definitions',
    )
    root = r.rootElement
  } catch (err) {
    throw new DmnError('error.dmn.parse', { error: cutText(String((err as Error).message), { codePoints: 200 }) })
  }
  if (root?.$type !== 'dmn:Definitions') throw new DmnError('error.dmn.parse', { error: 'not DMN 1.3 definitions' })
  const elements = (root.drgElement ?? []).filter((e) => e.$type === 'dmn:Decision')
  if (!elements.length) throw new DmnError('error.dmn.noDecision')
  if (elements.length > DMN_LIMITS.decisions) throw new DmnError('error.dmn.tooMany', { what: 'decisions', max: DMN_LIMITS.decisions })
  const other = (root.drgElement ?? []).find((e) => e.$type === 'dmn:BusinessKnowledgeModel' || e.$type === 'dmn:DecisionService')
  if (other) throw new DmnError('error.dmn.unsupported', { element: other.id ?? other.$type, what: other.$type.replace('dmn:', '') })

  parseNames = {}
  feelEntries = 0
  for (const e of root.drgElement ?? []) if (e.$type === 'dmn:InputData' && e.name) parseNames[e.name] = null
  for (const el of elements) {
    parseNames[String(el.variable?.name ?? el.name ?? el.id)] = null
    for (const i of el.decisionLogic?.input ?? []) if (i.inputExpression?.text) parseNames[i.inputExpression.text.trim()] = null
  }
  const decisions = new Map<string, Decision>()
  for (const el of elements) {
    const id = String(el.id ?? '')
    if (!id) throw new DmnError('error.dmn.parse', { error: 'a decision has no id' })
    if (decisions.has(id)) throw new DmnError('error.dmn.duplicateName', { element: id })
    const requires: string[] = []
    for (const req of el.informationRequirement ?? []) {
      const href = req.requiredDecision?.href
      if (href) requires.push(String(href).replace(/^#/, ''))
      else if (req.requiredInput?.href) continue // input data: a name the caller supplies
    }
    const logic = el.decisionLogic
    const name = el.name ?? id
    const decision: Decision = { id, name, variable: el.variable?.name ?? name, requires, typeRef: el.variable?.typeRef ?? null }
    if (logic?.$type === 'dmn:DecisionTable') decision.table = compileTable(logic, id)
    else if (logic?.$type === 'dmn:LiteralExpression') {
      if (logic.expressionLanguage && !/feel/i.test(logic.expressionLanguage))
        throw new DmnError('error.dmn.unsupported', { element: id, what: logic.expressionLanguage })
      decision.literal = compileExpr(logic.text, id)
    } else throw new DmnError('error.dmn.unsupported', { element: id, what: logic?.$type?.replace('dmn:', '') ?? 'no decision logic' })
    decisions.set(id, decision)
  }
  for (const d of decisions.values())
    for (const r of d.requires) if (!decisions.has(r)) throw new DmnError('error.dmn.requirement', { element: d.id, required: r })
  // No cycles: a depth-first walk that meets a decision on its own path.
  const state = new Map<string, 1 | 2>()
  const visit = (id: string) => {
    if (state.get(id) === 2) return
    if (state.get(id) === 1) throw new DmnError('error.dmn.cycle', { element: id })
    state.set(id, 1)
    for (const r of decisions.get(id)!.requires) visit(r)
    state.set(id, 2)
  }
  for (const id of decisions.keys()) visit(id)
  const required = new Set([...decisions.values()].flatMap((d) => d.requires))
  const key = [...decisions.keys()].find((id) => !required.has(id)) ?? elements[0].id!
  return { key, name: root.name ?? decisions.get(key)!.name ?? null, decisions }
}

function compileTable(t: DmnElement, decisionId: string): Table {
  const hitPolicy = String(t.hitPolicy ?? 'UNIQUE') as HitPolicy
  if (!HIT_POLICIES.has(hitPolicy)) throw new DmnError('error.dmn.hitPolicy', { element: decisionId, policy: hitPolicy })
  const aggregation = t.aggregation ? String(t.aggregation) : null
  if (aggregation && (hitPolicy !== 'COLLECT' || !AGGREGATIONS.has(aggregation)))
    throw new DmnError('error.dmn.hitPolicy', { element: decisionId, policy: `${hitPolicy} ${aggregation}` })
  const rawInputs = t.input ?? []
  const rawOutputs = t.output ?? []
  const rawRules = t.rule ?? []
  if (rawInputs.length > DMN_LIMITS.columns || rawOutputs.length > DMN_LIMITS.columns)
    throw new DmnError('error.dmn.tooMany', { what: 'columns', max: DMN_LIMITS.columns })
  if (rawRules.length > DMN_LIMITS.rules) throw new DmnError('error.dmn.tooMany', { what: 'rules', max: DMN_LIMITS.rules })
  if (!rawOutputs.length) throw new DmnError('error.dmn.entryCount', { element: decisionId })
  if (aggregation && rawOutputs.length > 1) throw new DmnError('error.dmn.aggregation', { element: decisionId })
  const inputs: Column[] = rawInputs.map((i, n) => {
    const where = `${decisionId}/${i.id ?? `input ${n + 1}`}`
    const text = i.inputExpression?.text ?? ''
    const values = i.inputValues?.text?.trim()
    return {
      id: i.id ?? `input${n + 1}`,
      label: i.label ?? null,
      name: text,
      typeRef: i.inputExpression?.typeRef ?? null,
      expr: compileExpr(text, where),
      ...(values && { allowed: compileTest(values, `${where} inputValues`), allowedText: values }),
    }
  })
  const outputs: Column[] = rawOutputs.map((o, n) => {
    const where = `${decisionId}/${o.id ?? `output ${n + 1}`}`
    const values = o.outputValues?.text?.trim()
    const name = o.name ?? (rawOutputs.length === 1 ? '' : `output${n + 1}`)
    return {
      id: o.id ?? `output${n + 1}`,
      label: o.label ?? null,
      name,
      typeRef: o.typeRef ?? null,
      ...(values && {
        allowed: compileTest(values, `${where} outputValues`),
        allowedText: values,
        order: valuesList(values, `${where} outputValues`) ?? undefined,
      }),
      ...(o.defaultOutputEntry?.text && { defaultEntry: compileExpr(o.defaultOutputEntry.text, `${where} default`) }),
    }
  })
  const names = new Set<string>()
  for (const o of outputs) {
    if (names.has(o.name)) throw new DmnError('error.dmn.duplicateName', { element: `${decisionId}/${o.id}` })
    names.add(o.name)
  }
  const rules: Rule[] = rawRules.map((r, index) => {
    const id = r.id ?? `rule${index + 1}`
    const ins = r.inputEntry ?? []
    const outs = r.outputEntry ?? []
    if (ins.length !== inputs.length || outs.length !== outputs.length) throw new DmnError('error.dmn.entryCount', { element: `${decisionId}/${id}` })
    return {
      id,
      index,
      tests: ins.map((e, k) => compileTest(e.text, `${decisionId}/${id}/${inputs[k].label ?? inputs[k].id}`)),
      outputs: outs.map((e, k) => compileExpr(e.text, `${decisionId}/${id}/${outputs[k].label ?? outputs[k].name}`)),
      outputTexts: outs.map((e) => String(e.text ?? '')),
      inputTexts: ins.map((e) => String(e.text ?? '')),
    }
  })
  return { hitPolicy, aggregation: aggregation as Table['aggregation'], inputs, outputs, rules }
}

// ── evaluation ──────────────────────────────────────────────────────────────────

function typeOk(typeRef: string | null, v: unknown): boolean {
  if (v == null || !typeRef) return true
  switch (typeRef.replace(/^feel:/, '')) {
    case 'string':
      return typeof v === 'string'
    case 'number':
    case 'integer':
    case 'long':
    case 'double':
      return typeof v === 'number' && Number.isFinite(v)
    case 'boolean':
      return typeof v === 'boolean'
    default:
      return true
  }
}

const equal = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b)

function evaluateTable(d: Decision, t: Table, ctx: Record<string, unknown>): Evaluation {
  const values = t.inputs.map((c) => {
    const v = c.expr!(ctx)
    if (!typeOk(c.typeRef, v)) throw new DmnError('error.dmn.inputType', { element: `${d.id}/${c.label ?? c.name}`, type: c.typeRef ?? '' })
    if (c.allowed && v != null && !c.allowed(v, ctx))
      throw new DmnError('error.dmn.inputNotAllowed', { element: `${d.id}/${c.label ?? c.name}`, allowed: c.allowedText ?? '' })
    return v
  })
  let matched = t.rules.filter((r) => r.tests.every((test, k) => test(values[k], ctx)))
  if (t.hitPolicy === 'FIRST' && matched.length > 1) matched = matched.slice(0, 1)
  const entryOf = (r: Rule) => {
    const out: Record<string, unknown> = {}
    r.outputs.forEach((e, k) => {
      const col = t.outputs[k]
      const v = e(ctx)
      if (!typeOk(col.typeRef, v)) throw new DmnError('error.dmn.inputType', { element: `${d.id}/${r.id}/${col.label ?? col.name}`, type: col.typeRef ?? '' })
      if (col.allowed && v != null && !col.allowed(v, ctx))
        throw new DmnError('error.dmn.outputNotAllowed', { element: `${d.id}/${r.id}`, allowed: col.allowedText ?? '' })
      out[col.name] = v
    })
    return out
  }
  let entries = matched.map(entryOf)
  let ids = matched.map((r) => r.id)

  if (t.hitPolicy === 'UNIQUE' && matched.length > 1) throw new DmnError('error.dmn.uniqueViolated', { element: d.id, rules: ids.join(', ') })
  if (t.hitPolicy === 'ANY' && entries.some((e) => !equal(e, entries[0]))) throw new DmnError('error.dmn.anyViolated', { element: d.id, rules: ids.join(', ') })
  if (t.hitPolicy === 'ANY') {
    entries = entries.slice(0, 1)
    ids = ids.slice(0, 1)
  }
  if (t.hitPolicy === 'PRIORITY' || t.hitPolicy === 'OUTPUT ORDER') {
    // Ordered by each output's values list, the first output first; rule order breaks ties.
    const rank = (e: Record<string, unknown>) =>
      t.outputs.map((c) => {
        if (!c.order) return 0
        const i = c.order.findIndex((o) => equal(o, e[c.name]))
        return i < 0 ? c.order.length : i
      })
    const order = entries.map((e, i) => ({ e, id: ids[i], r: rank(e), i }))
    order.sort((a, b) => {
      for (let k = 0; k < a.r.length; k++) if (a.r[k] !== b.r[k]) return a.r[k] - b.r[k]
      return a.i - b.i
    })
    entries = order.map((o) => o.e)
    ids = order.map((o) => o.id)
    if (t.hitPolicy === 'PRIORITY') {
      entries = entries.slice(0, 1)
      ids = ids.slice(0, 1)
    }
  }
  const single = t.outputs.length === 1
  const shape = (e: Record<string, unknown>) => (single ? e[t.outputs[0].name] : e)

  if (!matched.length && t.outputs.some((c) => c.defaultEntry)) {
    const e: Record<string, unknown> = {}
    for (const c of t.outputs) e[c.name] = c.defaultEntry ? c.defaultEntry(ctx) : null
    const multi = t.hitPolicy === 'COLLECT' || t.hitPolicy === 'RULE ORDER' || t.hitPolicy === 'OUTPUT ORDER'
    return { result: multi && !t.aggregation ? [shape(e)] : shape(e), entries: [e], matchedRules: [] }
  }
  if (t.hitPolicy === 'COLLECT' && t.aggregation) {
    const name = t.outputs[0].name
    const vs = entries.map((e) => e[name]).filter((v) => v != null)
    let agg: unknown
    if (t.aggregation === 'COUNT') agg = vs.length
    else if (!vs.length) agg = null
    else if (vs.some((v) => typeof v !== 'number')) throw new DmnError('error.dmn.aggregation', { element: d.id })
    else {
      const ns = vs as number[]
      agg = t.aggregation === 'SUM' ? ns.reduce((a, b) => a + b, 0) : t.aggregation === 'MIN' ? Math.min(...ns) : Math.max(...ns)
    }
    return { result: agg, entries: [{ [name]: agg }], matchedRules: ids }
  }
  if (t.hitPolicy === 'COLLECT' || t.hitPolicy === 'RULE ORDER' || t.hitPolicy === 'OUTPUT ORDER') {
    return { result: entries.map(shape), entries, matchedRules: ids }
  }
  return { result: entries.length ? shape(entries[0]) : null, entries, matchedRules: ids }
}

/**
 * Evaluates `decisionId` (default: the file's key) with `inputs` as its context; required
 * decisions first, each result put in the context under its variable name.
 */
export function evaluateDecision(drg: Drg, inputs: Record<string, unknown>, decisionId: string = drg.key): Evaluation {
  const target = drg.decisions.get(decisionId)
  if (!target) throw new DmnError('error.dmn.unknownDecision', { decision: decisionId })
  const done = new Map<string, Evaluation>()
  const run = (d: Decision): Evaluation => {
    const have = done.get(d.id)
    if (have) return have
    const ctx: Record<string, unknown> = { ...inputs }
    for (const r of d.requires) {
      const req = drg.decisions.get(r)!
      ctx[req.variable] = run(req).result
    }
    let out: Evaluation
    if (d.table) out = evaluateTable(d, d.table, ctx)
    else {
      const v = d.literal!(ctx)
      if (!typeOk(d.typeRef, v)) throw new DmnError('error.dmn.inputType', { element: d.id, type: d.typeRef ?? '' })
      out = { result: v, entries: [{ [d.variable]: v }], matchedRules: [] }
    }
    done.set(d.id, out)
    return out
  }
  return run(target)
}

/** The decisions of a file as the UI and the API list them. */
export function describe(drg: Drg) {
  return [...drg.decisions.values()].map((d) => ({
    id: d.id,
    name: d.name,
    kind: d.table ? 'table' : 'literal',
    hitPolicy: d.table ? d.table.hitPolicy + (d.table.aggregation ? ` ${d.table.aggregation}` : '') : null,
    inputs: d.table ? d.table.inputs.map((c) => ({ label: c.label, expression: c.name, typeRef: c.typeRef })) : [],
    outputs: d.table ? d.table.outputs.map((c) => ({ label: c.label, name: c.name, typeRef: c.typeRef })) : [],
    rules: d.table ? d.table.rules.length : 0,
    requires: d.requires,
  }))
}
