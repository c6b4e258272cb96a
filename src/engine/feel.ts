import { evaluate, parseExpression, SyntaxError as FeelSyntaxError } from 'feelin'
import { msg, type Msg } from '../lib/errors.js'
import { slowFeelAt } from '../lib/feel-limits.js'
import { bilingual } from '../lib/messages.js'
import { wrappedFeel } from './juel.js'
import { LIMITS } from './validate-limits.js'

/**
 * FEEL is the one expression language of Shuoshi diagrams. A Camunda 8 style leading `=`
 * and a Camunda 7 style `${…}` (or `#{…}`) wrapper are accepted around the same FEEL body.
 * A wrapped body that is simple JUEL (`${!approved}`, `#{score > 5}`, `${foo != 'bar'}`) is
 * read as its FEEL translation (juel.ts), here, so deploy checks and the run agree.
 */
const wrapped = /^\s*[$#]\{([\s\S]*)\}\s*$/
const embedded = /[$#]\{([^}]*)\}/g

/** The FEEL body of an attribute value, or null when the value is a plain literal. */
export function expressionBody(text: string | undefined | null): string | null {
  if (text == null) return null
  const m = wrapped.exec(text)
  if (m) {
    const inner = m[1].trim()
    // `${=…}` marks a body as FEEL already (model.ts wraps translated conditions so).
    return inner.startsWith('=') ? inner.slice(1).trim() : wrappedFeel(inner)
  }
  const t = text.trim()
  if (t.startsWith('=')) return t.slice(1).trim()
  return null
}

/** A condition body is FEEL whether or not it is wrapped. */
export function conditionBody(text: string): string {
  return expressionBody(text) ?? text.trim()
}

/** Every FEEL body found in a value: the whole value when wrapped, else each `${…}` inside it. */
export function expressionBodies(text: string | undefined | null): string[] {
  if (text == null) return []
  const whole = expressionBody(text)
  if (whole != null) return [whole]
  return [...text.matchAll(embedded)].map((m) => wrappedFeel(m[1].trim()))
}

/** Returns the parse error of a FEEL body, or null when it parses. */
export function feelSyntaxError(body: string): string | null {
  if (!body.trim()) return 'empty expression'
  try {
    evaluate(body, {})
    return null
  } catch (err) {
    if (err instanceof FeelSyntaxError) return err.message
    // A runtime failure on an empty context still means the text parsed.
    return null
  }
}

const simpleName = /^[A-Za-z_][A-Za-z0-9_]*$/
const keywords = new Set([
  'true',
  'false',
  'null',
  'not',
  'and',
  'or',
  'between',
  'in',
  'instance',
  'of',
  'if',
  'then',
  'else',
  'for',
  'return',
  'some',
  'every',
  'satisfies',
  'function',
  'external',
])

/**
 * A body the engine does not run: too long, or a construct that could hold the server (a loop,
 * a function definition, a regex built-in: src/lib/feel-limits.ts). The deploy check refuses
 * such bodies, but a version stored before a limit existed is not checked again, and its steps
 * would run them. The step fails instead (an incident, or a 422 for the request that started
 * it); `elementId` is set by whoever knows which element asked (src/engine/expressions.ts).
 */
export class FeelRefused extends Error {
  elementId: string | null = null
  constructor(readonly problem: Msg) {
    super(bilingual(problem.key, problem.params))
  }
}

/**
 * What one parse of a body tells: the names it can read from its context (every identifier of
 * its parse tree; null when it does not parse on its own) and why it must not run, if so. Kept
 * per body text: feelin parses the text on every evaluation, and the diagrams use a few dozen
 * bodies.
 */
interface Analysis {
  names: Set<string> | null
  refused: Msg | null
}
const analyses = new Map<string, Analysis>()
const stop = new Error('stop')
function analyse(body: string): Analysis {
  let found = analyses.get(body)
  if (found) return found
  const a: Analysis = { names: new Set<string>(), refused: null }
  if (body.length > LIMITS.expression) {
    // Not parsed at all: feelin's parse grows faster than the text (290 KB ran out of memory).
    a.names = null
    a.refused = msg('step.feelLong', { length: body.length, max: LIMITS.expression })
  } else {
    try {
      parseExpression(body, {}, undefined).iterate({
        enter(node) {
          if (node.type.isError) throw stop
          const slow = slowFeelAt(node, body)
          if (slow) {
            a.refused = msg('step.feelSlow', { body, construct: slow })
            throw stop
          }
          if (node.name === 'Identifier' || node.name === 'VariableName' || node.name === 'Name') a.names!.add(body.slice(node.from, node.to))
        },
      })
    } catch {
      a.names = null
    }
  }
  if (analyses.size > 5000) analyses.clear()
  analyses.set(body, (found = a))
  return found
}

/**
 * The part of a context a body can read. feelin copies (and converts) the whole context on
 * every evaluation, the engine's message content and environment included: ~half the cost
 * of evaluating `=handlerGroup` against a case's variables. Only when every key is a plain
 * name; other keys (`a b`, `a-b`) take part in how feelin splits the text into names.
 */
function contextFor(names: Set<string> | null, context: Record<string, unknown>): Record<string, unknown> {
  if (!names) return context
  const lean: Record<string, unknown> = {}
  for (const key in context) {
    if (!simpleName.test(key)) return context
    if (names.has(key)) lean[key] = context[key]
  }
  return lean
}

type Comparison = { name: string; negated: boolean; literal: string | number | boolean }
const comparisonText = /^([A-Za-z_][A-Za-z0-9_]*)\s*(!?=)\s*(?:"([^"\\]*)"|(true|false)|(-?\d+(?:\.\d+)?))$/
const comparisons = new Map<string, Comparison | null>()

/** `name = literal` or `name != literal` with a plain string, boolean or number literal, else null. */
function comparisonOf(body: string): Comparison | null {
  let c = comparisons.get(body)
  if (c !== undefined) return c
  const m = comparisonText.exec(body.trim())
  c = null
  if (m && !keywords.has(m[1])) {
    const literal = m[3] !== undefined ? m[3] : m[4] !== undefined ? m[4] === 'true' : Number(m[5])
    if (typeof literal !== 'number' || Number.isFinite(literal)) c = { name: m[1], negated: m[2] === '!=', literal }
  }
  if (comparisons.size > 5000) comparisons.clear()
  comparisons.set(body, c)
  return c
}

/** Evaluates a FEEL body; a FEEL null becomes undefined-safe null. */
export function evalFeel(body: string, context: Record<string, unknown>): unknown {
  // A bare variable name holding text, a boolean, null or a finite number is its own value
  // (what feelin returns for it, without parsing): `=handlerGroup`, `=responseDue`.
  if (simpleName.test(body) && !keywords.has(body) && Object.hasOwn(context, body)) {
    const v = context[body]
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return v
  }
  // A gateway's condition is mostly one variable against a literal (`signOutcome = "return"`):
  // when the variable holds a value of the literal's own type, FEEL's answer is plain equality.
  // feelin has no public way to keep a parsed expression, and its parse and evaluation tree
  // cost ~50 µs per call even when hot (test/engine/feel-shortcut.test.ts holds both to the
  // same answers). Any other case — a missing variable, null, another type — is feelin's.
  const cmp = comparisonOf(body)
  if (cmp && Object.hasOwn(context, cmp.name)) {
    const v = context[cmp.name]
    if (typeof v === typeof cmp.literal && (typeof v !== 'number' || Number.isFinite(v))) return (v === cmp.literal) !== cmp.negated
  }
  const { names, refused } = analyse(body)
  if (refused) throw new FeelRefused(refused)
  return toPlain(evaluate(body, contextFor(names, context)).value)
}

/** FEEL temporal values become ISO strings, so they can be stored and compared as text. */
export function toPlain(value: unknown): unknown {
  if (value && typeof value === 'object') {
    if (Array.isArray(value)) return value.map(toPlain)
    // feelin's FeelDate, FeelTime, FeelDateTime and FeelDuration all carry `iso`.
    const iso = (value as { iso?: unknown }).iso
    if (typeof iso === 'string') return iso
  }
  return value
}

/**
 * Resolves an attribute value: literal text stays as it is, a wrapped expression gives its
 * FEEL value, and text with `${…}` inside gets each part replaced by its value.
 */
export function resolveValue(text: string, context: Record<string, unknown>): unknown {
  const body = expressionBody(text)
  if (body != null) return evalFeel(body, context)
  if (!text.includes('{')) return text
  return text.replace(embedded, (_, inner: string) => {
    const v = evalFeel(wrappedFeel(inner.trim()), context)
    return v == null ? '' : String(v)
  })
}
