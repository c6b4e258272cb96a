import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { badRequest, msg } from '../lib/errors.js'
import { decodeUtf8, isWellFormed } from '../lib/text.js'

/**
 * How deep a JSON body may nest. No route takes more than a few levels; JSON.parse accepts
 * any depth, but the recursive code after it (ajv, JSON.stringify of process variables,
 * bpmn-engine's state copies) overflows the stack somewhere past ten thousand.
 */
export const MAX_BODY_DEPTH = 64

/**
 * How long a key of a JSON body may be. Keys become process variable and form field names,
 * which the engine stores in varchar(255) columns on PostgreSQL (a 300-character key in task
 * data failed the history insert: 500); no route has a field name near this long.
 */
export const MAX_KEY_LENGTH = 128

const NUL_MESSAGE = msg('error.input.nul')
const RANGE_MESSAGE = msg('error.input.range')

const BODY_PROBLEMS = {
  nul: NUL_MESSAGE,
  encoding: null,
  key: msg('error.input.keyLength', { max: MAX_KEY_LENGTH }),
  number: RANGE_MESSAGE,
  depth: msg('error.input.depth', { max: MAX_BODY_DEPTH }),
} as const

/**
 * Where in a JSON value the first NUL or lone surrogate (in a string or a key), the first
 * too-deep level, the first too-long key or the first number that is not finite is.
 */
export function findBadValue(value: unknown, maxDepth = MAX_BODY_DEPTH): { path: string; problem: keyof typeof BODY_PROBLEMS } | null {
  // Iterative, so that the check itself cannot overflow the stack on hostile nesting.
  const stack: Array<[unknown, string, number]> = [[value, '', 0]]
  while (stack.length) {
    const [v, path, depth] = stack.pop()!
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { path: path || '/', problem: 'nul' }
      if (!isWellFormed(v)) return { path: path || '/', problem: 'encoding' }
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path: path || '/', problem: 'number' }
    } else if (v !== null && typeof v === 'object') {
      if (depth >= maxDepth) return { path: path || '/', problem: 'depth' }
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\u0000')) return { path: `${path}/${k}`, problem: 'nul' }
        if (!isWellFormed(k)) return { path: `${path}/${k}`, problem: 'encoding' }
        if (k.length > MAX_KEY_LENGTH) return { path: `${path}/${k.slice(0, 20)}…`, problem: 'key' }
        stack.push([child, `${path}/${k}`, depth + 1])
      }
    }
  }
  return null
}

/** Where the first infinite number is (after ajv's coercion; depth is bounded by then). */
export function findInfinite(value: unknown, path = ''): { path: string } | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path: path || '/' }
  if (value === null || typeof value !== 'object') return null
  for (const [k, child] of Object.entries(value)) {
    const bad = findInfinite(child, `${path}/${k}`)
    if (bad) return bad
  }
  return null
}

/**
 * Refuses, with one 400, input no handler can store: a NUL character anywhere in the URL
 * (path, params, query), a header or a JSON body. PostgreSQL text cannot hold U+0000 (every
 * query carrying one failed with a 500), SQLite's full-text MATCH and the file system reject
 * it too, and no legitimate petition, code or name contains it. Checking once here, before
 * authentication and validation, covers every route including the ones added later and the
 * not-found handler. Also refuses bodies nested deeper than MAX_BODY_DEPTH, keys longer
 * than MAX_KEY_LENGTH, and text that is not valid Unicode (a lone surrogate, bytes that are not
 * UTF-8): a 400 naming the field, where each database used to store its own replacement.
 */
export default fp(async function inputGuard(app: FastifyInstance) {
  // JSON bodies are read as bytes and decoded here: Fastify's own parser decodes invalid UTF-8
  // to U+FFFD without a word, and a petition was stored with its bytes silently replaced.
  // decodeUtf8 leaves a lone surrogate in their place, which the body check below refuses,
  // naming the field. The rest is Fastify's parser (prototype-poisoning checks included).
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => parseJson(request, decodeUtf8(body as Buffer), done))

  app.addHook('onRequest', async (request) => {
    // The raw URL carries the path, params and query still percent-encoded: a NUL there is
    // either literal or %00 (fast-querystring and find-my-way decode %00 to U+0000).
    if (request.url.includes('\u0000') || /%00/i.test(request.url)) {
      throw badRequest(NUL_MESSAGE, [{ path: 'url' }])
    }
    // Node's HTTP parser refuses NUL in headers on a socket; injected requests and proxies
    // that re-encode headers are checked here all the same.
    for (const [name, value] of Object.entries(request.headers)) {
      const values = Array.isArray(value) ? value : [value]
      if (values.some((v) => typeof v === 'string' && v.includes('\u0000'))) {
        throw badRequest(NUL_MESSAGE, [{ path: `header ${name}` }])
      }
    }
  })

  // Bodies are parsed after onRequest; preValidation runs before the route's schema.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined || request.body === null) return
    const bad = findBadValue(request.body)
    if (!bad) return
    const field = bad.path.replace(/^\//, '') || 'body'
    throw badRequest(BODY_PROBLEMS[bad.problem] ?? msg('error.input.encoding', { field }), [{ path: `body${bad.path}` }])
  })

  // ajv's type coercion turns the text "1e999" into Infinity and then skips minimum/maximum
  // (?limit=1e999 passed `maximum: 200`; JSON.parse does the same to 1e999 in a body): after
  // validation, no number a handler sees may be infinite.
  app.addHook('preHandler', async (request) => {
    for (const [part, value] of [
      ['query', request.query],
      ['params', request.params],
      ['body', request.body],
    ] as const) {
      const bad = value === undefined || value === null ? null : findInfinite(value)
      if (bad) throw badRequest(RANGE_MESSAGE, [{ path: `${part}${bad.path}` }])
    }
  })
})
