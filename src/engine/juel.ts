/**
 * The side-effect-free subset of JUEL (Camunda 7's `${…}` / `#{…}` expression language),
 * translated to FEEL so that Camunda 7 diagrams that carry only simple expressions run on
 * the one expression language Shuoshi evaluates (feelin).
 *
 * Hand-written because no library serves (npm checked on 2026-12-02: `juel` is an HTML
 * template renderer, `expression-language` is Symfony's language and evaluates it, `el-parser`
 * and `java-el` do not exist); none translates EL to another language, and evaluating JUEL
 * beside FEEL would give diagrams two sets of semantics for null, types and functions. The
 * subset is small (EL 2.2 §1.7–1.10 operators on values), so a recursive-descent parser of
 * ~250 lines is cheaper to audit than an evaluator to sandbox.
 *
 * Rule for a `${…}` body (api.md accepts a FEEL body in that wrapper too): parse it as JUEL
 * first; when it is not JUEL (`=` equality, `if … then`, `in`, FEEL function calls, …) it
 * stays FEEL, as before. A body that is JUEL *and* FEEL means the same in both except for a
 * numeric index (`list[0]`: JUEL counts from 0, FEEL from 1), which is refused at deploy.
 */

import type { MessageKey, Params } from '../lib/messages.js'

type JuelRefusalKey = Extract<MessageKey, `deploy.juel.${string}`>

export type JuelResult =
  | { kind: 'feel'; feel: string }
  | { kind: 'refused'; key: JuelRefusalKey; params: Params }
  /** Not JUEL (or a call of an unqualified function): the body is read as FEEL. */
  | { kind: 'notJuel' }

type Tok = { t: 'num' | 'str' | 'id' | 'op' | 'end'; v: string; at: number }

const KEYWORDS = new Set(['and', 'or', 'not', 'eq', 'ne', 'lt', 'gt', 'le', 'ge', 'empty', 'div', 'mod', 'true', 'false', 'null', 'instanceof'])
/** FEEL words a JUEL identifier cannot be turned into as a bare name. */
const FEEL_RESERVED = new Set([
  'if',
  'then',
  'else',
  'for',
  'return',
  'in',
  'some',
  'every',
  'satisfies',
  'between',
  'instance',
  'of',
  'function',
  'external',
  'and',
  'or',
  'true',
  'false',
  'null',
])
/** Camunda 7's built-in objects: reading them means calling into the Java engine. */
const ENGINE_OBJECTS = new Set([
  'execution',
  'task',
  'externalTask',
  'caseExecution',
  'variableScope',
  'processEngine',
  'processEngineServices',
  'authenticatedUserId',
  'connector',
  'dateTime',
  'currentUser',
  'currentUserGroups',
])
const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '?', ':', '+', '-', '*', '/', '%', '.', '[', ']', '(', ')', ',']

class NotJuel extends Error {}
/** Why a body is refused: a `deploy.juel.*` key; validate.ts adds `what` and `body`. */
class Refused extends Error {
  constructor(
    readonly key: JuelRefusalKey,
    readonly params: Params,
  ) {
    super(key)
  }
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]
    if (/\s/.test(c)) {
      i++
      continue
    }
    const at = i
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(src.slice(i))!
      out.push({ t: 'num', v: m[0], at })
      i += m[0].length
      continue
    }
    if (c === "'" || c === '"') {
      let s = ''
      i++
      for (;;) {
        if (i >= src.length) throw new NotJuel('unterminated string')
        const d = src[i]
        if (d === '\\' && (src[i + 1] === c || src[i + 1] === '\\')) {
          s += src[i + 1]
          i += 2
        } else if (d === c) {
          i++
          break
        } else {
          s += d
          i++
        }
      }
      out.push({ t: 'str', v: s, at })
      continue
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!
      // `$` is a Java identifier character, but not a FEEL one.
      if (src[i + m[0].length] === '$') throw new NotJuel('$ in a name')
      out.push({ t: 'id', v: m[0], at })
      i += m[0].length
      continue
    }
    const op = OPS.find((o) => src.startsWith(o, i))
    if (!op) throw new NotJuel(`unexpected ${c}`)
    out.push({ t: 'op', v: op, at })
    i += op.length
  }
  out.push({ t: 'end', v: '', at: src.length })
  return out
}

/** An emitted FEEL fragment; `bool` when it is already true/false (never null). */
interface Out {
  feel: string
  bool?: boolean
}

const feelString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
/** JUEL coerces to Boolean in `!`, `&&`, `||` and `?:` (null is false); FEEL's three-valued logic does not. */
const asBool = (o: Out) => (o.bool ? o.feel : `(${o.feel}) = true`)
const simpleName = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Parentheses, `?:` branches and prefix operators nested in one body: each level is a few frames
 * of this recursive reader, and ~1,000 overflowed the stack (a 500 at deploy). A real condition
 * nests two or three.
 */
export const JUEL_MAX_NESTING = 64

class Parser {
  private i = 0
  private depth = 0
  constructor(
    private toks: Tok[],
    private src: string,
  ) {}

  private peek(): Tok {
    return this.toks[this.i]
  }
  private next(): Tok {
    return this.toks[this.i++]
  }
  private isOp(...ops: string[]) {
    const t = this.peek()
    return (t.t === 'op' && ops.includes(t.v)) || (t.t === 'id' && ops.includes(t.v))
  }
  private expect(op: string) {
    const t = this.next()
    if (t.t !== 'op' || t.v !== op) throw new NotJuel(`expected ${op}`)
  }

  parse(): Out {
    const e = this.expr()
    if (this.peek().t !== 'end') throw new NotJuel('trailing input')
    return e
  }

  /** Counts one level of nesting around `read`. */
  private nested(read: () => Out): Out {
    if (++this.depth > JUEL_MAX_NESTING) throw new Refused('deploy.juel.nested', { max: JUEL_MAX_NESTING })
    try {
      return read()
    } finally {
      this.depth--
    }
  }

  private expr(): Out {
    return this.nested(() => this.conditional())
  }

  private conditional(): Out {
    const cond = this.or()
    if (!this.isOp('?')) return cond
    this.next()
    const a = this.expr()
    this.expect(':')
    const b = this.expr()
    return { feel: `(if ${asBool(cond)} then ${a.feel} else ${b.feel})`, bool: a.bool && b.bool }
  }

  private or(): Out {
    let l = this.and()
    while (this.isOp('||', 'or')) {
      this.next()
      const r = this.and()
      l = { feel: `(${asBool(l)} or ${asBool(r)})`, bool: true }
    }
    return l
  }

  private and(): Out {
    let l = this.eq()
    while (this.isOp('&&', 'and')) {
      this.next()
      const r = this.eq()
      l = { feel: `(${asBool(l)} and ${asBool(r)})`, bool: true }
    }
    return l
  }

  private eq(): Out {
    let l = this.rel()
    while (this.isOp('==', '!=', 'eq', 'ne')) {
      const op = this.next().v
      const r = this.rel()
      // FEEL equality with null is true/false (never null), as in JUEL.
      l = { feel: `(${l.feel} ${op === '==' || op === 'eq' ? '=' : '!='} ${r.feel})`, bool: true }
    }
    return l
  }

  private rel(): Out {
    let l = this.add()
    const map: Record<string, string> = { '<': '<', '>': '>', '<=': '<=', '>=': '>=', lt: '<', gt: '>', le: '<=', ge: '>=' }
    while (this.isOp('<', '>', '<=', '>=', 'lt', 'gt', 'le', 'ge')) {
      const op = map[this.next().v]
      const r = this.add()
      l = { feel: `(${l.feel} ${op} ${r.feel})` }
    }
    if (this.isOp('instanceof')) throw new NotJuel('instanceof')
    return l
  }

  private add(): Out {
    let l = this.mul()
    while (this.isOp('+', '-')) {
      const op = this.next().v
      const r = this.mul()
      l = { feel: `(${l.feel} ${op} ${r.feel})` }
    }
    return l
  }

  private mul(): Out {
    let l = this.unary()
    while (this.isOp('*', '/', 'div', '%', 'mod')) {
      const op = this.next().v
      const r = this.unary()
      l = op === '%' || op === 'mod' ? { feel: `modulo(${l.feel}, ${r.feel})` } : { feel: `(${l.feel} ${op === '*' ? '*' : '/'} ${r.feel})` }
    }
    return l
  }

  private unary(): Out {
    return this.nested(() => this.prefixed())
  }

  private prefixed(): Out {
    if (this.isOp('!', 'not')) {
      this.next()
      return { feel: `not(${asBool(this.unary())})`, bool: true }
    }
    if (this.isOp('-')) {
      this.next()
      return { feel: `(-${this.unary().feel})` }
    }
    if (this.isOp('empty')) {
      this.next()
      // The operand once, as a context entry the test reads: written out four times, `empty`
      // nested in `empty` grew the text 4× a level (12 of them, 80 characters, were 400 MB).
      const v = this.unary().feel
      return { feel: `{juel_v: ${v}, r: juel_v = null or (juel_v = "") = true or (juel_v = []) = true or (juel_v = {}) = true}.r`, bool: true }
    }
    return this.value()
  }

  private value(): Out {
    const t = this.next()
    let out: Out
    let path = ''
    if (t.t === 'num') {
      const n = Number(t.v)
      if (!Number.isFinite(n) || /e/i.test(t.v)) throw new Refused('deploy.juel.range', { number: t.v })
      out = { feel: t.v.startsWith('.') ? `0${t.v}` : t.v.endsWith('.') ? t.v.slice(0, -1) : t.v }
    } else if (t.t === 'str') {
      out = { feel: feelString(t.v) }
    } else if (t.t === 'op' && t.v === '(') {
      const inner = this.expr()
      this.expect(')')
      out = { feel: `(${inner.feel})`, bool: inner.bool }
    } else if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { feel: t.v, bool: true }
      if (t.v === 'null') return { feel: 'null' }
      if (KEYWORDS.has(t.v)) throw new NotJuel(`keyword ${t.v}`)
      if (this.isOp(':')) {
        // `prefix:fn(…)`: an EL function mapped to a Java static method.
        const save = this.i
        this.next()
        const fn = this.peek()
        if (fn.t === 'id' && this.toks[this.i + 1]?.t === 'op' && this.toks[this.i + 1].v === '(') {
          throw new Refused('deploy.juel.javaFunction', { fn: `${t.v}:${fn.v}` })
        }
        this.i = save
      }
      if (this.isOp('(')) throw new NotJuel('function call') // a FEEL built-in, or refused as FEEL
      if (ENGINE_OBJECTS.has(t.v)) {
        throw new Refused('deploy.juel.engineObject', { name: t.v })
      }
      if (FEEL_RESERVED.has(t.v)) throw new NotJuel(`FEEL word ${t.v}`)
      out = { feel: t.v }
      path = t.v
    } else {
      throw new NotJuel('unexpected token')
    }
    for (;;) {
      if (this.isOp('.')) {
        this.next()
        const name = this.next()
        if (name.t !== 'id') throw new NotJuel('property name')
        if (this.isOp('(')) throw new Refused('deploy.juel.method', { method: `${path || '…'}.${name.v}` })
        out = { feel: this.property(out.feel, name.v) }
        path = path && `${path}.${name.v}`
      } else if (this.isOp('[')) {
        this.next()
        const k = this.peek()
        if (k.t === 'str' && this.toks[this.i + 1]?.v === ']' && this.toks[this.i + 1]?.t === 'op') {
          this.next()
          this.next()
          out = { feel: this.property(out.feel, k.v) }
          path = path && `${path}['${k.v}']`
          continue
        }
        const text = this.src.slice(k.at).split(']')[0]
        if (k.t === 'num') {
          throw new Refused('deploy.juel.index', { index: text, feel: `=${path || '…'}[${Number(text) + 1}]` })
        }
        throw new Refused('deploy.juel.computedIndex', { index: text })
      } else if (this.isOp('(')) {
        throw path ? new Refused('deploy.juel.call', { callee: path }) : new Refused('deploy.juel.callValue', {})
      } else {
        return out
      }
    }
  }

  private property(base: string, name: string): string {
    return simpleName.test(name) && !FEEL_RESERVED.has(name) ? `${base}.${name}` : `get value(${base}, ${feelString(name)})`
  }
}

const cache = new Map<string, JuelResult>()

/** Translates one `${…}` body (without the wrapper). Memoised: bodies recur in every step. */
export function juelToFeel(body: string): JuelResult {
  let r = cache.get(body)
  if (r) return r
  try {
    r = { kind: 'feel', feel: stripOuter(new Parser(tokenize(body), body).parse().feel) }
  } catch (err) {
    if (err instanceof Refused) r = { kind: 'refused', key: err.key, params: err.params }
    else if (err instanceof NotJuel) r = { kind: 'notJuel' }
    else throw err
  }
  if (cache.size > 5000) cache.clear()
  cache.set(body, r)
  return r
}

/** `(a > 5)` → `a > 5`: the outermost parentheses the translation added say nothing. */
function stripOuter(feel: string): string {
  if (!feel.startsWith('(') || !feel.endsWith(')')) return feel
  let depth = 0
  let inString = false
  for (let i = 0; i < feel.length; i++) {
    const c = feel[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') inString = true
    else if (c === '(') depth++
    else if (c === ')' && --depth === 0 && i < feel.length - 1) return feel
  }
  return feel.slice(1, -1)
}

/** The FEEL a `${…}` body is evaluated as: its translation when it is JUEL, else itself. */
export function wrappedFeel(body: string): string {
  const r = juelToFeel(body)
  return r.kind === 'feel' ? r.feel : body
}

const wrappedRe = /^\s*[$#]\{([\s\S]*)\}\s*$/
const embeddedRe = /[$#]\{([^}]*)\}/g

/**
 * What deploy must refuse in an attribute or condition text: each `${…}` body that is JUEL
 * outside the supported subset (a method or bean call, an engine object, an ambiguous index),
 * with the raw body (feel.ts evaluates a refused body as FEEL, which the deploy check then skips).
 */
export function juelRefusals(text: string | undefined | null): { body: string; key: JuelRefusalKey; params: Params }[] {
  if (text == null) return []
  const whole = wrappedRe.exec(text)
  const bodies = whole ? [whole[1].trim()] : [...text.matchAll(embeddedRe)].map((m) => m[1].trim())
  const out: { body: string; key: JuelRefusalKey; params: Params }[] = []
  for (const body of bodies) {
    if (body.startsWith('=')) continue
    const r = juelToFeel(body)
    if (r.kind === 'refused') out.push({ body, key: r.key, params: r.params })
  }
  return out
}
