import fc from 'fast-check'

/**
 * Request arbitraries for the route fuzz test: values built from a route's JSON Schema (as the
 * OpenAPI document gives it) plus hostile mutations. Ids the server made (cases, tasks, …) are
 * not known when fast-check generates, so a generated value names them as `PoolRef(kind, i)`,
 * resolved against the live pools when the request is sent: the recipe stays reproducible from
 * the seed while still reaching records that exist.
 */
export class PoolRef {
  constructor(
    readonly kind: string,
    readonly index: number,
  ) {}
}

export type Schema = Record<string, any>

/** Property and parameter names whose values the server looks up: drawn from real records. */
export const POOLED_NAMES: Record<string, string> = {
  category: 'category',
  regionCode: 'region',
  region: 'region',
  parent: 'region',
  owner: 'owner',
  department: 'unit',
  unit: 'unit',
  unitCode: 'unit',
  caseId: 'caseId',
  instanceId: 'instanceId',
  username: 'username',
  password: 'password',
  tenant: 'tenant',
  code: 'trackingCode',
  caseNo: 'caseNo',
  key: 'processKey',
  xml: 'xml',
  name: 'messageName',
}

/**
 * Values for free-form objects the schema cannot describe (task `data` follows the task's
 * form): registered by the test, so that requests get past validation into the handlers.
 */
export const FREE_FORM = new Map<string, fc.Arbitrary<unknown>>()

/** Task data for each form, by form name: the request picks the one its task's form asks for. */
export class FormChoice {
  constructor(readonly byForm: Record<string, unknown>) {}
}

/** Task data for the forms given (form-js schemas, by name): selects from their values, text, units. */
export function formDataArbitrary(
  forms: Record<string, { components: Array<{ key?: string; type: string; values?: Array<{ value: unknown }> }> }>,
): fc.Arbitrary<unknown> {
  return fc
    .record(
      Object.fromEntries(
        Object.entries(forms).map(([name, form]) => {
          const record: Record<string, fc.Arbitrary<unknown>> = {}
          for (const c of form.components) {
            if (!c.key) continue
            if (c.values?.length) record[c.key] = fc.constantFrom(...c.values.map((v) => v.value))
            else if (c.type === 'checkbox') record[c.key] = fc.boolean()
            else if (/unit/i.test(c.key)) record[c.key] = pooled('unit')
            else
              record[c.key] = fc.oneof(
                fc.string({ maxLength: 30 }),
                fc.integer({ min: 1, max: 4000 }).map((n) => '答'.repeat(n)),
              )
          }
          return [name, fc.record(record, { requiredKeys: Object.keys(record).slice(0, 1) })]
        }),
      ),
    )
    .map((byForm) => new FormChoice(byForm))
}

/** Strings that broke something somewhere once, or could. */
export const ODD_DATES = [
  '2026-01-01T23:59:60Z',
  '+275760-09-13T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-13-01',
  '0000-00-00T00:00:00Z',
  '9999-12-31T23:59:59-23:59',
  '2026-01-01T24:00:00Z',
  '2026-01-01',
  '2026-01',
  '1970-01-01T00:00:00.000000001Z',
]

const ODD_STRINGS = [
  'a\u0000b',
  '\u0000',
  '',
  ' ',
  '%',
  '%00',
  '_',
  '\\',
  '"',
  "'; drop table cases; --",
  '../../../../etc/passwd',
  '..%2f..%2f',
  '\uD800',
  '\uDFFF\uD800',
  '\uFFFF',
  '\u202Etxt.exe',
  '𠜎𠜱𠝹',
  '💥'.repeat(50),
  'null',
  '{}',
  '[]',
  '<x/>',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  '=1/0',
  '${7*7}',
  'R/PT0S',
  'P99999999D',
  '-1',
  '1e309',
  'NaN',
  'Infinity',
  'unit:xianghe-land',
  'role:admin',
  ...ODD_DATES,
]

/** A hostile string: NUL, odd dates, control and astral characters, lone surrogates, huge text. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...ODD_STRINGS), weight: 6 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`), weight: 2 },
  { arbitrary: fc.integer({ min: 200, max: 70_000 }).map((n) => '长'.repeat(n)), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 5000 }).map((n) => 'x'.repeat(n)), weight: 1 },
)

/**
 * Arrays or objects nested from a few levels to far past any sane depth. Kept as text until
 * sent (`toJson`): past a few thousand levels JSON.stringify itself overflows the stack.
 */
export class DeepNest {
  constructor(
    readonly depth: number,
    readonly arrays: boolean,
  ) {}
  get text(): string {
    return this.arrays ? '['.repeat(this.depth) + ']'.repeat(this.depth) : '{"a":'.repeat(this.depth) + '1' + '}'.repeat(this.depth)
  }
}
export const deepNesting: fc.Arbitrary<unknown> = fc.tuple(fc.integer({ min: 5, max: 20_000 }), fc.boolean()).map(([n, arrays]) => new DeepNest(n, arrays))

/** JSON text of a generated value, DeepNest values spliced in as raw text. */
export function toJson(value: unknown): string {
  const deep: DeepNest[] = []
  const text =
    JSON.stringify(value, (_k, v) =>
      v instanceof DeepNest ? `\u0001deep${deep.push(v) - 1}\u0001` : v instanceof FormChoice ? Object.values(v.byForm)[0] : v,
    ) ?? 'null'
  return text.replace(/"\\u0001deep(\d+)\\u0001"/g, (_m, i) => deep[Number(i)].text)
}

/** Any value of the wrong shape for wherever it lands. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileString, weight: 8 },
  { arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 2 ** 53, -(2 ** 63), 1e308)), weight: 2 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: fc.array(hostileString, { maxLength: 5 }), weight: 1 },
  { arbitrary: fc.integer({ min: 1000, max: 5000 }).map((n) => Array.from({ length: n }, (_, i) => i)), weight: 1 },
  { arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 4 }), weight: 1 },
  { arbitrary: deepNesting, weight: 1 },
)

const pooled = (kind: string) => fc.nat().map((i) => new PoolRef(kind, i))

/** A value that satisfies `schema` (OpenAPI 3.0 flavour: `nullable`), often from the pools. */
export function valueFor(schema: Schema | undefined, name = '', depth = 0): fc.Arbitrary<unknown> {
  if (!schema) return fc.jsonValue({ maxDepth: 2 })
  const base = baseValueFor(schema, name, depth)
  return schema.nullable ? fc.oneof({ arbitrary: base, weight: 8 }, { arbitrary: fc.constant(null), weight: 1 }) : base
}

function baseValueFor(schema: Schema, name: string, depth: number): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum)
  const type = Array.isArray(schema.type) ? schema.type.find((x: string) => x !== 'null') : schema.type
  const pool = POOLED_NAMES[name]
  switch (type) {
    case 'string': {
      const min = schema.minLength ?? 0
      const max = Math.min(schema.maxLength ?? 60, 60)
      let plain: fc.Arbitrary<string> = fc.string({ minLength: min, maxLength: Math.max(min, max) })
      if (schema.format === 'date-time')
        plain = fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString())
      else if (schema.pattern) {
        try {
          plain = fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? Infinity) && s.length >= min)
        } catch {
          /* keep the plain string */
        }
      }
      return pool ? fc.oneof({ arbitrary: pooled(pool), weight: 3 }, { arbitrary: plain, weight: 1 }) : plain
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -5, max: schema.maximum ?? 500 })
    case 'number':
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000, noNaN: true, noDefaultInfinity: true })
    case 'boolean':
      return fc.boolean()
    case 'array':
      return fc.array(valueFor(schema.items, name, depth + 1), { maxLength: Math.min(schema.maxItems ?? 4, 4) })
    case 'object': {
      const props: Record<string, Schema> = schema.properties ?? {}
      const keys = Object.keys(props)
      if (!keys.length) {
        // Free-form objects (process variables, task data): small JSON, some keys the forms know.
        const key = fc.oneof(
          fc.constantFrom('signOutcome', 'result', 'reply', 'comment', 'resolved', 'satisfaction', 'days', 'reason', 'unit', 'level', 'caseId', 'resolveDue'),
          fc.string({ maxLength: 12 }),
        )
        const free = depth > 3 ? fc.constant({}) : fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 })
        const known = FREE_FORM.get(name)
        return known ? fc.oneof({ arbitrary: known, weight: 3 }, { arbitrary: free, weight: 1 }) : free
      }
      const record: Record<string, fc.Arbitrary<unknown>> = {}
      for (const k of keys) record[k] = valueFor(props[k], k, depth + 1)
      return fc.record(record, { requiredKeys: (schema.required ?? []).filter((k: string) => k in props) })
    }
    default:
      return fc.jsonValue({ maxDepth: 2 })
  }
}

/** One change that makes a valid value hostile; applied by `mutate`. */
export interface Mutation {
  kind: 'replace' | 'drop' | 'extra' | 'whole' | 'nested'
  pick: number
  key: string
  value: unknown
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('replace', 'replace', 'replace', 'drop', 'extra', 'whole', 'nested'),
  pick: fc.nat(),
  key: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'a\u0000b', 'k'.repeat(300), 'caseId', 'tenant', '$where')),
  value: hostileValue,
})

/** Applies mutations to a copy of an object-shaped value (a body or a query). */
export function mutate(value: unknown, mutations: Mutation[]): unknown {
  let v: any = value
  for (const m of mutations) {
    if (m.kind === 'whole' || v === null || typeof v !== 'object' || Array.isArray(v)) {
      v = m.kind === 'whole' ? m.value : v
      continue
    }
    v = { ...v }
    const keys = Object.keys(v)
    const pick = keys.length ? keys[m.pick % keys.length] : m.key
    if (m.kind === 'replace') v[pick] = m.value
    else if (m.kind === 'drop') delete v[pick]
    else if (m.kind === 'extra') Object.defineProperty(v, m.key, { value: m.value, enumerable: true, configurable: true, writable: true })
    else if (m.kind === 'nested') {
      const inner = v[pick] !== null && typeof v[pick] === 'object' && !Array.isArray(v[pick]) ? { ...v[pick] } : {}
      Object.defineProperty(inner, m.key, { value: m.value, enumerable: true, configurable: true, writable: true })
      v[pick] = inner
    }
  }
  return v
}

/** Replaces every PoolRef in a value by a live record (or a made-up one when the pool is empty). */
export function resolvePools(value: unknown, pools: Record<string, unknown[]>): unknown {
  if (value instanceof PoolRef) {
    const pool = pools[value.kind] ?? []
    return pool.length ? pool[value.index % pool.length] : `no-${value.kind}`
  }
  if (value instanceof DeepNest || value instanceof FormChoice) return value
  if (Array.isArray(value)) return value.map((v) => resolvePools(v, pools))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, k, { value: resolvePools(v, pools), enumerable: true, configurable: true, writable: true })
    return out
  }
  return value
}

/** Percent-encodes for a URL; text that has no UTF-8 form (lone surrogates) is sent as U+FFFD. */
export function encodePart(text: string): string {
  try {
    return encodeURIComponent(text)
  } catch {
    return encodeURIComponent(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'))
  }
}

/** A query string from an object: arrays repeat the name, objects go as JSON text. */
export function queryString(q: unknown): string {
  if (q === undefined || q === null) return ''
  if (typeof q !== 'object' || Array.isArray(q) || q instanceof DeepNest) return `q=${encodePart(toJson(q))}`
  const parts: string[] = []
  for (const [k, v] of Object.entries(q)) {
    const values = Array.isArray(v) ? v : [v]
    for (const x of values) parts.push(`${encodePart(k)}=${encodePart(typeof x === 'string' ? x : toJson(x))}`)
  }
  return parts.join('&')
}
