import { evaluate, parseExpression } from 'feelin'
import { slowFeelAt } from '../lib/feel-limits.js'
import { boundedTest } from '../lib/bounded-regex.js'
import { FORM_BUDGET_MS, patternHazards, type PatternHazard } from './pattern-hazard.js'
import { badRequest, msg, problem, validationMsg, type Msg } from '../lib/errors.js'
import type { Params } from '../messages/index.js'
import { cutText } from '../lib/text.js'

/**
 * Task forms: form-js schemas, deployed as resources of kind 'form' (see ./form-store.ts), and
 * the server's check of submitted data against them. The check follows what
 * @bpmn-io/form-js-viewer does in the browser (its Validator and submit), so a form that the
 * viewer accepts is accepted here and what the viewer refuses is refused here:
 * - a field whose `conditional.hide` FEEL expression is true for the submitted data (and the
 *   server's facts: values the browser had as the form's initial data, such as `pendingReturn`)
 *   is hidden: never required, and a value for it is refused (the viewer does not submit hidden
 *   fields);
 * - `validate.required`: not null, not '', not [] — and for a checkbox, checked (form-js's
 *   "required checkbox" is an "I confirm" box; a yes/no question is a radio or a plain checkbox,
 *   which always answers true or false);
 * - min/max (numbers), minLength/maxLength (trimmed text, as form-js measures), pattern
 *   (unanchored, as form-js tests it), validationType email/phone (form-js's own patterns),
 *   select/radio/checklist/taglist values from the declared options;
 * - a field the form does not declare is refused: task data never writes a variable its form
 *   does not offer.
 * Written by hand rather than through JSON Schema because conditions depend on the data and
 * form-js's rules (trimmed lengths, checkbox required) are not JSON Schema's.
 */
export interface FormSchema {
  id?: string
  type: 'default'
  components: FormComponent[]
  [k: string]: unknown
}
export interface FormComponent {
  id?: string
  key?: string
  type: string
  label?: string
  text?: string
  subtype?: string
  disabled?: boolean
  conditional?: { hide?: string }
  validate?: {
    required?: boolean
    min?: number
    max?: number
    minLength?: number
    maxLength?: number
    pattern?: string
    validationType?: 'email' | 'phone'
  }
  values?: { label: string; value: string | number | boolean }[]
  components?: FormComponent[]
  [k: string]: unknown
}

/** A checkbox that must be answered (true or false), for Camunda 7's required boolean form fields. */
const ANSWERED = 'shuoshi:answered'

export interface FieldProblem {
  field: string | null
  message: string
  key: string
  params?: Params
}

export interface Form {
  /** The form's name (`shuoshi:<name>` → `<name>`), or the task's element for declared fields. */
  name: string
  schema: FormSchema
  /** The deployed version this was compiled from (null: shipped-with-the-diagram fields). */
  versionId: string | null
  version: number | null
  tenant: string | null
  /** Whether one of its conditions names `name`: a value the server supplies (TaskService.addFormFacts). */
  reads(name: string): boolean
  /**
   * Problems with `data`, [] when it passes; `clean` is what becomes process variables. `facts`
   * are the server's own values the conditions read besides the fields (never from `data`).
   */
  check(data: unknown, facts?: Record<string, unknown>): { problems: FieldProblem[]; clean: Record<string, unknown> }
}

/** Components we render with form-js and check here; anything else is refused at deploy. */
export const SUPPORTED_TYPES = new Set([
  'text',
  'textfield',
  'textarea',
  'number',
  'select',
  'radio',
  'checkbox',
  'checklist',
  'taglist',
  'datetime',
  'group',
  'separator',
  'spacer',
])
const KEYED = new Set(['textfield', 'textarea', 'number', 'select', 'radio', 'checkbox', 'checklist', 'taglist', 'datetime'])
const WITH_VALUES = new Set(['select', 'radio', 'checklist', 'taglist'])

/** Bounds on a deployed form (a county administrator's upload is input like any other). */
export const FORM_LIMITS = {
  sourceBytes: 200_000,
  components: 200,
  depth: 4,
  values: 200,
  textChars: 10_000,
  patternChars: 200,
  conditionChars: 500,
  /** Text fields without a maxLength of their own still take no more than this. */
  defaultMaxLength: 10_000,
} as const

const FIELD_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
/** `shuoshi-<name>` ↔ `camunda:formKey="shuoshi:<name>"`. */
export const FORM_ID = /^shuoshi-([A-Za-z_][A-Za-z0-9_-]{0,63})$/
export const formIdFor = (name: string) => `shuoshi-${name}`
export function formNameOf(formKey: string | null | undefined): string | null {
  const m = /^shuoshi:([A-Za-z_][A-Za-z0-9_-]{0,63})$/.exec(formKey ?? '')
  return m ? m[1] : null
}

// form-js-viewer's own patterns (Validator.js), so both sides agree on what an email or a phone is.
const EMAIL_PATTERN = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/
// form-js checks an international number against its table of country codes; the shape is
// what matters here (+ or 00, then digits), bounded like form-js's \d{4,20}.
const PHONE_PATTERN = /^(\+|00)\d{6,24}$/

/** The FEEL body of a form-js expression (`=…`); a form-js condition is always an expression. */
const feelBody = (s: string) => (s.trim().startsWith('=') ? s.trim().slice(1) : s.trim())

function conditionProblem(expr: string): 'syntax' | 'slow' | null {
  const body = feelBody(expr)
  if (!body) return 'syntax'
  let bad: 'syntax' | 'slow' | null = null
  try {
    parseExpression(body, {}, undefined).iterate({
      enter(node) {
        if (node.type.isError) bad = 'syntax'
        else if (slowFeelAt(node, body)) bad ??= 'slow'
      },
    })
  } catch {
    return 'syntax'
  }
  return bad
}

/** Whether a pattern is one form-js could not build, or longer than a pattern may be. */
function patternInvalid(pattern: string): boolean {
  if (pattern.length > FORM_LIMITS.patternChars) return true
  try {
    new RegExp(pattern)
    return false
  } catch {
    return true
  }
}

/** Every field pattern of a form, with the field it belongs to. */
function patternsOf(components: FormComponent[] | undefined, out: { field: string; pattern: string }[] = []) {
  for (const c of components ?? []) {
    if (c.type === 'group') patternsOf(c.components, out)
    else if (typeof c.validate?.pattern === 'string' && c.validate.pattern) out.push({ field: String(c.key), pattern: c.validate.pattern })
  }
  return out
}

function hazardMessage(h: PatternHazard): Msg {
  switch (h.growth) {
    case 'exponential':
      return msg('error.forms.patternExponential')
    case 'polynomial':
      return msg('error.forms.patternPolynomial', { degree: h.degree })
    case 'slow':
      return msg('error.forms.patternSlow')
    case 'unchecked':
      return msg('error.forms.patternUnchecked', { seconds: FORM_BUDGET_MS / 1000 })
  }
}

type Detail = { field: string | null; message: string; key: string; params?: Params }
const detail = (m: Msg, field: string | null): Detail => problem(m, { field }) as Detail

type Parsed = { schema: FormSchema; key: string; name: string }

/**
 * Checks a form source before it is deployed, all but what its patterns would cost a browser
 * (`checkFormSource` adds that); returns the schema and its key. Throws a 400 whose details name
 * each problem (`field`: the component's key or id, or null for the form).
 */
export function parseFormSource(
  source: string,
  isProtected: (name: string) => boolean,
  /** The platform's own field of that form and key (its shipped file's), as `protectedSignature`. */
  platformField: (formId: string, key: string) => string | undefined = () => undefined,
): Parsed {
  const { problems, ...parsed } = inspectFormSource(source, isProtected, platformField)
  if (problems.length) throw badRequest(msg('error.forms.invalid'), problems.slice(0, 50))
  return parsed
}

/**
 * `parseFormSource` and the patterns' cost: a pattern that could hang the browser of whoever fills
 * the form in (pattern-hazard.ts) is one more problem of the same 400.
 */
export async function checkFormSource(
  source: string,
  isProtected: (name: string) => boolean,
  platformField: (formId: string, key: string) => string | undefined = () => undefined,
): Promise<Parsed> {
  const { problems, ...parsed } = inspectFormSource(source, isProtected, platformField)
  const patterns = patternsOf(parsed.schema.components).filter((p) => !patternInvalid(p.pattern))
  const hazards = await patternHazards(patterns.map((p) => p.pattern))
  for (const { field, pattern } of patterns) {
    const hazard = hazards.get(pattern)
    if (hazard) problems.push(detail(hazardMessage(hazard), field))
  }
  if (problems.length) throw badRequest(msg('error.forms.invalid'), problems.slice(0, 50))
  return parsed
}

/** The checks of a form source; throws only where the source cannot be read as a form at all. */
function inspectFormSource(
  source: string,
  isProtected: (name: string) => boolean,
  platformField: (formId: string, key: string) => string | undefined,
): Parsed & { problems: Detail[] } {
  if (typeof source !== 'string' || Buffer.byteLength(source) > FORM_LIMITS.sourceBytes) {
    throw badRequest(msg('error.forms.tooLarge', { limit: FORM_LIMITS.sourceBytes }))
  }
  let schema: FormSchema
  try {
    schema = JSON.parse(source)
  } catch {
    throw badRequest(msg('error.forms.badJson'))
  }
  if (!schema || typeof schema !== 'object' || Array.isArray(schema) || !Array.isArray(schema.components)) throw badRequest(msg('error.forms.notForm'))
  if (typeof schema.id !== 'string' || !FORM_ID.test(schema.id)) throw badRequest(msg('error.forms.badId', { id: String(schema.id ?? '').slice(0, 80) }))
  const problems: Detail[] = []
  const seen = new Set<string>()
  let count = 0
  const str = (v: unknown, max: number) => v === undefined || (typeof v === 'string' && v.length <= max)
  const num = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v))
  const visit = (components: unknown, depth: number, hasCondition = false) => {
    if (!Array.isArray(components)) return void problems.push(detail(msg('error.forms.notForm'), null))
    if (depth > FORM_LIMITS.depth) return void problems.push(detail(msg('error.forms.tooDeep', { limit: FORM_LIMITS.depth }), null))
    for (const c of components as FormComponent[]) {
      if (++count > FORM_LIMITS.components) return void problems.push(detail(msg('error.forms.tooMany', { limit: FORM_LIMITS.components }), null))
      if (!c || typeof c !== 'object' || Array.isArray(c) || typeof c.type !== 'string') {
        problems.push(detail(msg('error.forms.notForm'), null))
        continue
      }
      const where =
        typeof c.key === 'string'
          ? cutText(c.key, { codePoints: 64 })
          : typeof c.id === 'string'
            ? cutText(c.id, { codePoints: 64 })
            : cutText(c.type, { codePoints: 32 })
      if (!SUPPORTED_TYPES.has(c.type)) {
        problems.push(detail(msg('error.forms.unsupported', { type: cutText(c.type, { codePoints: 32 }) }), where))
        continue
      }
      if (!str(c.label, 1000) || !str(c.text, FORM_LIMITS.textChars) || !str(c.description as unknown, 2000))
        problems.push(detail(msg('error.forms.tooLong'), where))
      if (c.conditional !== undefined) {
        const hide = c.conditional?.hide
        if (hide !== undefined && (typeof hide !== 'string' || hide.length > FORM_LIMITS.conditionChars))
          problems.push(detail(msg('error.forms.badCondition'), where))
        else if (typeof hide === 'string') {
          const p = conditionProblem(hide)
          if (p) problems.push(detail(msg(p === 'slow' ? 'error.forms.slowCondition' : 'error.forms.badCondition'), where))
        }
      }
      // Options from variables or expressions would let the process decide what a field accepts
      // at run time; our forms declare their options.
      if ('valuesKey' in c || 'valuesExpression' in c) problems.push(detail(msg('error.forms.dynamicValues'), where))
      if (c.type === 'group') {
        if ('path' in c && c.path) problems.push(detail(msg('error.forms.groupPath'), where))
        visit(c.components ?? [], depth + 1, hasCondition || !!c.conditional?.hide)
        continue
      }
      if (!KEYED.has(c.type)) continue
      if (typeof c.key !== 'string' || !FIELD_KEY.test(c.key) || RESERVED_KEYS.has(c.key)) {
        problems.push(detail(msg('error.forms.badKey', { key: cutText(String(c.key ?? ''), { codePoints: 64 }) }), where))
        continue
      }
      // A platform variable only where the shipped form has that very field (the evaluation's
      // `resolved`/`satisfaction`): a version may reword its label, not what it accepts or when.
      if (isProtected(c.key) && platformField(schema.id!, c.key) !== protectedSignature(c, hasCondition))
        problems.push(detail(msg('error.forms.protectedKey', { key: c.key }), c.key))
      if (seen.has(c.key)) problems.push(detail(msg('error.forms.duplicateKey', { key: c.key }), c.key))
      seen.add(c.key)
      const v = c.validate
      if (v !== undefined) {
        if (!v || typeof v !== 'object' || !num(v.min) || !num(v.max) || !num(v.minLength) || !num(v.maxLength))
          problems.push(detail(msg('error.forms.badValidate'), c.key))
        else {
          if (v.pattern !== undefined && (typeof v.pattern !== 'string' || patternInvalid(v.pattern)))
            problems.push(detail(msg('error.forms.badPattern'), c.key))
          if (v.validationType !== undefined && v.validationType !== 'email' && v.validationType !== 'phone')
            problems.push(detail(msg('error.forms.badValidate'), c.key))
          if (v.required !== undefined && typeof v.required !== 'boolean') problems.push(detail(msg('error.forms.badValidate'), c.key))
        }
      }
      if (WITH_VALUES.has(c.type)) {
        const values = c.values
        if (!Array.isArray(values) || values.length === 0 || values.length > FORM_LIMITS.values)
          problems.push(detail(msg('error.forms.badValues', { limit: FORM_LIMITS.values }), c.key))
        else if (
          values.some(
            (o) =>
              !o ||
              typeof o !== 'object' ||
              !['string', 'number', 'boolean'].includes(typeof o.value) ||
              !str(o.label, 1000) ||
              (typeof o.value === 'string' && o.value.length > 1000),
          )
        ) {
          problems.push(detail(msg('error.forms.badValues', { limit: FORM_LIMITS.values }), c.key))
        }
      }
    }
  }
  visit(schema.components, 1)
  const name = FORM_ID.exec(schema.id)![1]
  return { schema: { ...schema, type: 'default' }, key: schema.id, name, problems }
}

interface Field {
  c: FormComponent
  key: string
  /** This field's own condition and its groups' conditions (any true: hidden). */
  hide: string[]
}

/** Whether a form-js condition hides its component for `data`; an error shows it (as form-js). */
function hidden(expressions: string[], data: Record<string, unknown>): boolean {
  for (const e of expressions) {
    try {
      const out = evaluate(feelBody(e), data) as unknown
      const value = out && typeof out === 'object' && 'value' in out ? (out as { value: unknown }).value : out
      if (value === true) return true
    } catch {
      // form-js shows a field whose condition does not evaluate
    }
  }
  return false
}

const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)
const sameValue = (a: unknown, b: unknown) => a === b

/** What a platform variable's field accepts and when: type, options, required, any condition. */
export function protectedSignature(c: FormComponent, underCondition = false): string {
  return JSON.stringify([c.type, (c.values ?? []).map((o) => o.value), c.validate?.required === true, underCondition || !!c.conditional?.hide, !!c.disabled])
}

/**
 * Whether the server runs a condition. A form version stored before today's limits (a function
 * definition was allowed until 4 Dec 2026) is compiled from its stored text without the deploy
 * check, and feelin would run a loop on the one thread at every completion. One that is not run
 * is one that does not evaluate: it hides nothing (the field shows, as form-js shows a field whose
 * condition fails). Decided once per compiled version.
 */
function runs(condition: string): boolean {
  return condition.trim() !== '' && condition.length <= FORM_LIMITS.conditionChars && conditionProblem(condition) === null
}

/** The patterns of a form's fields, for `patternHazards`. */
export const formPatterns = (schema: FormSchema) => patternsOf(schema.components).map((p) => p.pattern)

/**
 * The schema to hand to a browser: without the patterns in `unsafe` (`patternHazards`), which
 * form-js would run there with no bound. A version stored before patterns were analysed at deploy
 * may hold one; the server still checks it, within its bound, when the form is submitted.
 */
export function servedSchema(schema: FormSchema, unsafe: ReadonlySet<string>): FormSchema {
  if (!unsafe.size) return schema
  const strip = (components: FormComponent[]): FormComponent[] =>
    components.map((c) => {
      if (c.type === 'group') return { ...c, components: strip(c.components ?? []) }
      if (typeof c.validate?.pattern !== 'string' || !unsafe.has(c.validate.pattern)) return c
      const { pattern: _, ...validate } = c.validate
      return { ...c, validate }
    })
  return { ...schema, components: strip(schema.components ?? []) }
}

/** Compiles a form: its keyed fields with their conditions, and the check of submitted data. */
export function compileForm(name: string, schema: FormSchema, version: { id: string; version: number; tenant: string | null } | null = null): Form {
  const fields: Field[] = []
  const walk = (components: FormComponent[], hide: string[]) => {
    for (const c of components) {
      const own = typeof c.conditional?.hide === 'string' && runs(c.conditional.hide) ? [...hide, c.conditional.hide] : hide
      if (c.type === 'group') walk(c.components ?? [], own)
      // Disabled fields are not submitted by form-js: nothing to accept for them.
      else if (KEYED.has(c.type) && typeof c.key === 'string' && !c.disabled) fields.push({ c, key: c.key, hide: own })
    }
  }
  walk(schema.components ?? [], [])
  const byKey = new Map(fields.map((f) => [f.key, f]))
  // Every condition the server runs, a text field's or a text's alike (a text hidden by a fact
  // still needs the fact in the browser).
  const conditions: string[] = []
  const collect = (components: FormComponent[]) => {
    for (const c of components) {
      if (typeof c.conditional?.hide === 'string' && runs(c.conditional.hide)) conditions.push(c.conditional.hide)
      if (Array.isArray(c.components)) collect(c.components)
    }
  }
  collect(schema.components ?? [])
  const named = new Map<string, boolean>()

  function checkField(f: Field, value: unknown): Msg | null {
    const { c, key } = f
    const v = c.validate ?? {}
    const required = v.required === true
    if (c.type === 'checkbox') {
      if (value !== undefined && value !== null && typeof value !== 'boolean') return validationMsg('type', key, { type: 'boolean' })
      if ((c.properties as Record<string, string> | undefined)?.[ANSWERED] === 'true' && typeof value !== 'boolean')
        return msg('error.validation.required', { field: key })
      return required && value !== true ? msg('error.validation.required', { field: key }) : null
    }
    if (isEmpty(value)) return required ? msg('error.validation.required', { field: key }) : null
    switch (c.type) {
      case 'number': {
        if (typeof value !== 'number' || !Number.isFinite(value)) return validationMsg('type', key, { type: 'number' })
        if (v.min != null && value < v.min) return validationMsg('minimum', key, { limit: v.min })
        if (v.max != null && value > v.max) return validationMsg('maximum', key, { limit: v.max })
        return null
      }
      case 'select':
      case 'radio':
        return (c.values ?? []).some((o) => sameValue(o.value, value)) ? null : validationMsg('enum', key)
      case 'checklist':
      case 'taglist': {
        if (!Array.isArray(value)) return validationMsg('type', key, { type: 'array' })
        if (value.length > (c.values ?? []).length || new Set(value).size !== value.length) return validationMsg('enum', key)
        return value.every((x) => (c.values ?? []).some((o) => sameValue(o.value, x))) ? null : validationMsg('enum', key)
      }
      case 'datetime': {
        if (typeof value !== 'string' || value.length > 64) return validationMsg('type', key, { type: 'string' })
        const ok = c.subtype === 'time' ? /^\d{2}:\d{2}(:\d{2})?([+-]\d{2}:?\d{2}|Z)?$/.test(value) : !Number.isNaN(Date.parse(value))
        return ok ? null : validationMsg('format', key, { format: c.subtype ?? 'datetime' })
      }
      default: {
        if (typeof value !== 'string') return validationMsg('type', key, { type: 'string' })
        // form-js measures trimmed text; the server also caps what it stores.
        const len = value.trim().length
        if (value.length > FORM_LIMITS.defaultMaxLength) return validationMsg('maxLength', key, { limit: FORM_LIMITS.defaultMaxLength })
        if (v.minLength != null && len < v.minLength) return validationMsg('minLength', key, { limit: v.minLength })
        if (v.maxLength != null && len > v.maxLength) return validationMsg('maxLength', key, { limit: v.maxLength })
        if (v.pattern) {
          const matched = boundedTest(new RegExp(v.pattern), value)
          if (matched === null) return msg('error.forms.patternTimeout', { field: key })
          if (!matched) return validationMsg('pattern', key)
        }
        if (v.validationType === 'email' && !EMAIL_PATTERN.test(value)) return validationMsg('format', key, { format: 'email' })
        if (v.validationType === 'phone' && !PHONE_PATTERN.test(value)) return validationMsg('format', key, { format: 'phone' })
        return null
      }
    }
  }

  return {
    name,
    schema,
    versionId: version?.id ?? null,
    version: version?.version ?? null,
    tenant: version?.tenant ?? null,
    reads(name) {
      let found = named.get(name)
      if (found === undefined) {
        // A name as a whole word; one inside a string literal only costs a needless read.
        const word = new RegExp(`(?<![\\w$])${name.replace(/[^\w$]/g, '\\$&')}(?![\\w$])`)
        named.set(name, (found = conditions.some((c) => word.test(c))))
      }
      return found
    },
    check(input, facts = {}) {
      if (!input || typeof input !== 'object' || Array.isArray(input)) {
        return { problems: [detail(validationMsg('type', 'data', { type: 'object' }), null)], clean: {} }
      }
      const data = input as Record<string, unknown>
      const problems: Detail[] = []
      const clean: Record<string, unknown> = {}
      for (const k of Object.keys(data)) {
        if (!byKey.has(k)) problems.push(detail(msg('error.form.undeclared'), k))
      }
      // Conditions read the declared fields (missing ones as null, as form-js has them), then the
      // server's facts, which no submitted value stands in for.
      const context: Record<string, unknown> = {}
      for (const f of fields) context[f.key] = Object.hasOwn(data, f.key) ? data[f.key] : null
      Object.assign(context, facts)
      for (const f of fields) {
        const value = Object.hasOwn(data, f.key) ? data[f.key] : undefined
        if (f.hide.length && hidden(f.hide, context)) {
          // The viewer never submits a hidden field; an empty one (an older client) is ignored.
          if (!isEmpty(value) && value !== false) problems.push(detail(msg('error.form.hidden'), f.key))
          continue
        }
        const m = checkField(f, value)
        if (m) problems.push(detail(m, f.key))
        // form-js submits null for an empty select or number: not a value to store.
        else if (value !== undefined && value !== null) clean[f.key] = value
      }
      return { problems, clean }
    },
  }
}

/**
 * A Camunda 7 generated form (`camunda:formData` fields) as a form-js schema, so the browser
 * renders it and the server checks it like any form of ours.
 */
export function formFromFields(
  fields: { id: string; label?: string; type?: string; required?: boolean; values?: { id: string; name?: string }[] }[],
): FormSchema {
  const type = (t?: string) => (t === 'long' ? 'number' : t === 'boolean' ? 'checkbox' : t === 'enum' ? 'select' : t === 'date' ? 'datetime' : 'textfield')
  return {
    type: 'default',
    components: fields
      .filter((f) => f.id)
      .map((f) => ({
        key: f.id,
        type: type(f.type),
        label: f.label ?? f.id,
        // A Camunda boolean field answers yes or no: "required" there means answered (true or
        // false), not form-js's "must be ticked". The browser's checkbox always answers; a client
        // of the API that leaves it out has not (a custom property form-js carries through).
        ...(f.required && f.type !== 'boolean' && { validate: { required: true } }),
        ...(f.required && f.type === 'boolean' && { properties: { [ANSWERED]: 'true' } }),
        ...(f.type === 'enum' && { values: (f.values ?? []).map((v) => ({ label: v.name ?? v.id, value: v.id })) }),
      })),
  }
}
