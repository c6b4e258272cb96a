import { bilingual, render, type MessageKey, type Params } from '../messages/index.js'

/** A catalogue message: the UI translates `key` with `params`; the server renders `message` from it. */
export interface Msg {
  key: MessageKey
  params?: Params
}
export const msg = (key: MessageKey, params?: Params): Msg => (params ? { key, params } : { key })

/**
 * A `details` item that carries a message: `message` (bilingual, for outside clients) beside
 * `key` + `params` for the UI. `extra` names the field, index or element it is about.
 */
export function problem<E extends Record<string, unknown>>(m: Msg, extra: E = {} as E) {
  return { ...extra, message: bilingual(m.key, m.params), key: m.key, ...(m.params && { params: m.params }) }
}

/**
 * An error whose message is a catalogue message (`key` + `params`, rendered bilingual as the
 * `message`) or, for code not yet converted, plain text. HttpError and the engine's EngineError
 * (src/engine/errors.ts) are both this.
 */
export class MessageError extends Error {
  readonly key?: MessageKey
  readonly params?: Params
  constructor(message: string | Msg) {
    super(typeof message === 'string' ? message : bilingual(message.key, message.params))
    if (typeof message !== 'string') {
      this.key = message.key
      this.params = message.params
    }
  }
}

/**
 * An error that becomes an HTTP response `{ error, message, key?, params?, details? }` (see
 * ../shared/api.md). Give it a catalogue message (`msg(...)`); a plain string is still taken
 * (answers without `key`, shown as written) for code not yet converted.
 */
export class HttpError extends MessageError {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string | Msg,
    readonly details?: unknown[],
  ) {
    super(message)
  }
}

type Text = string | Msg
export const badRequest = (message: Text, details?: unknown[]) => new HttpError(400, 'bad_request', message, details)
export const unauthorized = (message: Text = msg('error.unauthorized')) => new HttpError(401, 'unauthorized', message)
export const forbidden = (message: Text = msg('error.forbidden')) => new HttpError(403, 'forbidden', message)
/**
 * `what` is the catalogue's "… not found" message. (A plain string naming the thing was taken
 * once and spliced into "… 不存在 / not found": a bilingual name gave "服务 nope / service_code
 * 不存在 / not found".)
 */
export const notFound = (what: Msg) => new HttpError(404, 'not_found', what)
export const conflict = (message: Text, details?: unknown[]) => new HttpError(409, 'conflict', message, details)
export const unprocessable = (message: Text, details?: unknown[]) => new HttpError(422, 'unprocessable', message, details)

/**
 * Fastify's own refusals of a request (fastify/lib/errors.js: the codes with a 4xx status that a
 * request can cause), each a catalogue sentence. Fastify's English text ("Body is not valid JSON
 * but content-type is set to 'application/json'") is never the message, nor is the code.
 * test/lib/error-wording.test.ts fails when a Fastify release adds a 4xx code not named here.
 */
export const FASTIFY_REFUSALS: Record<string, MessageKey> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'error.payloadTooLarge',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'error.unsupportedMediaType',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'error.request.contentLength',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'error.request.emptyJson',
  // Truncated JSON, and JSON with a `__proto__` or `constructor.prototype` key (secure-json-parse)
  FST_ERR_CTP_INVALID_JSON_BODY: 'error.request.invalidJson',
  FST_ERR_BAD_URL: 'error.badUrl',
  FST_ERR_MAX_PARAM_LENGTH: 'error.request.paramTooLong',
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: 'error.request.noContentType',
  FST_ERR_ROUTE_MISSING_CONTENT: 'error.request.noBody',
}

/**
 * The catalogue message of an error Fastify (or a plugin of it) raised for a request: by its code,
 * else by its status (any 413 is too large, any 415 an unsupported type: the multipart parser's
 * limits too), else the general sentence with the status. `FST_ERR_NOT_FOUND` names the route.
 */
export function frameworkMsg(err: { code?: string; statusCode?: number }, request?: { method: string; url: string }): Msg {
  const code = err.code ?? ''
  if (code === 'FST_ERR_NOT_FOUND' && request) return msg('error.noRoute', { method: request.method, path: request.url.split('?')[0] })
  if (Object.prototype.hasOwnProperty.call(FASTIFY_REFUSALS, code)) return msg(FASTIFY_REFUSALS[code])
  const status = err.statusCode ?? 400
  if (status === 413) return msg('error.payloadTooLarge')
  if (status === 415) return msg('error.unsupportedMediaType')
  if (status >= 500) return msg('error.internal')
  return msg('error.request.other', { status })
}

/**
 * The JSON types a message can name, each a catalogue entry (`valueType.*`): the parameter is
 * one of these words, never ajv's own text, which would put English into the Chinese sentence.
 * ajv gives `"string,null"` for a nullable field; `null` is dropped (the field may also be left
 * empty, which the sentence does not need to say).
 */
const VALUE_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object'])

/** The formats request schemas and task forms check, each a catalogue entry (`valueFormat.*`). */
const VALUE_FORMATS: Record<string, string> = {
  'date-time': 'dateTime',
  datetime: 'dateTime',
  date: 'date',
  time: 'time',
  email: 'email',
  phone: 'phone',
  uri: 'uri',
}

/** A catalogue message per ajv keyword, the field path as a parameter (request bodies and task forms). */
export function validationMsg(keyword: string, path: string, params: Record<string, unknown> = {}): Msg {
  const field = String(params.missingProperty ?? params.additionalProperty ?? '')
    ? [path, params.missingProperty ?? params.additionalProperty].filter(Boolean).join('/')
    : path || '/'
  const limit = params.limit as number | undefined
  switch (keyword) {
    case 'required':
    case 'additionalProperties':
      return msg(`error.validation.${keyword}`, { field })
    case 'type': {
      const type = String(params.type ?? '')
        .split(',')
        .find((x) => VALUE_TYPES.has(x))
      return type ? msg('error.validation.type', { field, type }) : msg('error.validation.other', { field })
    }
    case 'format': {
      const format = Object.prototype.hasOwnProperty.call(VALUE_FORMATS, String(params.format)) ? VALUE_FORMATS[String(params.format)] : undefined
      return format ? msg('error.validation.format', { field, format }) : msg('error.validation.pattern', { field })
    }
    case 'minLength':
    case 'maxLength':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minItems':
    case 'maxItems':
      return msg(`error.validation.${keyword}`, { field, limit })
    case 'enum':
    case 'const':
    case 'pattern':
      return msg(`error.validation.${keyword}`, { field })
    default:
      return msg('error.validation.other', { field })
  }
}

/** One ajv error, as Fastify's `validation` array holds them. */
export interface SchemaError {
  keyword: string
  instancePath: string
  params: object
}

/**
 * A request that failed its schema, as every API words it: one detail per ajv error (the
 * catalogue's `key` + `messageParams` for the UI, ajv's own `params` kept for outside clients, a
 * bilingual `message`), the answer's `key` (`error.validationFailed`, the details say the rest)
 * and one bilingual `message` naming every problem, each language a whole sentence of its own.
 * ajv's English text ("must be integer") is not used: it put English into the Chinese sentence.
 * `context` is Fastify's `validationContext` (body, querystring, params), the path of a problem
 * at the top of it.
 */
export function schemaProblems(errors: readonly SchemaError[], context = '') {
  const details = errors.map((v) => {
    const m = validationMsg(v.keyword, (v.instancePath || context).replace(/^\//, ''), v.params as Record<string, unknown>)
    return { path: v.instancePath || context, message: bilingual(m.key, m.params), params: v.params, key: m.key, messageParams: m.params }
  })
  const said = (lang: 'zh-CN' | 'en', sep: string) =>
    render(lang, 'error.invalidRequest', { detail: details.map((d) => render(lang, d.key, d.messageParams)).join(sep) })
  return { key: 'error.validationFailed' as const, message: `${said('zh-CN', '；')} / ${said('en', '; ')}`, details }
}
