import type { FastifyInstance } from 'fastify'
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts'

/**
 * The types a route's JSON schemas give its handler (json-schema-to-ts): params, querystring,
 * body and headers as validated, and what each reply status may send. A `format: 'binary'`
 * reply (a download) is sent as a Buffer, which json-schema-to-ts would read as a string.
 */
export type SchemaTypes = JsonSchemaToTsProvider<{
  SerializerSchemaOptions: { deserialize: [{ pattern: { type: 'string'; format: 'binary' }; output: Buffer | string }] }
}>

/**
 * An app whose routes take their types from their own schemas (`SchemaTypes`), so a handler
 * never restates them with `request.x as …`. The schemas must be `as const` for that. Each
 * route plugin starts with `const app = typed(fastify)`.
 */
export const typed = (app: FastifyInstance) => app.withTypeProvider<SchemaTypes>()
export type TypedApp = ReturnType<typeof typed>

/** JSON Schema pieces every capability's routes use. */
export const nullableString = { type: ['string', 'null'] } as const
/**
 * A person's name as a petitioner gives it: no bidirectional embedding, override or isolate
 * controls (U+202A–U+202E, U+2066–U+2069). No keyboard types them, and one left open reorders
 * what a page shows after it: "张三\u202Eevil" before a phone number showed the number reversed
 * to the staff who call back. Marks (U+200E, U+200F) stay: they change no order but their own.
 */
export const personName = (maxLength: number) => ({ type: 'string', maxLength, pattern: '^[^\\u202A-\\u202E\\u2066-\\u2069]*$' }) as const
export const stringList = { type: 'array', items: { type: 'string' } } as const

/** OpenAPI security requirement of the routes that take a bearer token. */
export const bearer = [{ bearer: [] }]

/** The error body of ../shared/api.md. */
export const errorSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    key: { type: 'string', description: '消息代码（界面据此翻译）/ message key in the catalogue (src/messages), translated by the UI' },
    params: { type: 'object', additionalProperties: true },
    details: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const

export const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const

/** A page of a list: `total` is exact up to a cap and given on the first page only. */
export function pageSchema(items: object) {
  return {
    type: 'object',
    properties: {
      items: { type: 'array', items },
      total: { type: 'integer', description: '匹配总数（首页，精确到上限）/ matches, exact up to the cap, first page only' },
      totalAtLeast: { type: 'integer', description: '超过上限时：至少这么多 / past the cap: at least this many' },
      next: { type: ['string', 'null'] },
    },
  } as const
}

/**
 * Narrows ajv-formats' `date-time`, `iso-date-time` and `date` to what `Date` can parse: RFC 3339
 * allows a leap second (`23:59:60`), which ajv accepts and `new Date` turns into Invalid Date,
 * so `toISOString()` threw and a search by `from`/`to` answered 500. Every route's schema gets
 * this through Fastify's `ajv.onCreate`, so a handler may parse any string that passed the format.
 */
export function parseableDateFormats(ajv: {
  formats: Record<string, unknown>
  addFormat(name: string, format: { type: 'string'; validate: (s: string) => boolean; compare?: (a: string, b: string) => number | undefined }): unknown
}): void {
  for (const name of ['date-time', 'iso-date-time', 'date']) {
    const base = ajv.formats[name] as
      undefined | RegExp | ((s: string) => boolean) | { validate: RegExp | ((s: string) => boolean); compare?: (a: string, b: string) => number | undefined }
    if (!base) continue
    const def = base instanceof RegExp || typeof base === 'function' ? { validate: base } : base
    const check = def.validate instanceof RegExp ? (s: string) => (def.validate as RegExp).test(s) : def.validate
    ajv.addFormat(name, {
      type: 'string',
      validate: (s) => check(s) && Number.isFinite(Date.parse(s)),
      ...('compare' in def && def.compare && { compare: def.compare }),
    })
  }
}
