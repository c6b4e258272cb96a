import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { badRequest } from '../lib/errors.js'

/**
 * How deep a JSON body may nest. No route takes more than a few levels; JSON.parse accepts
 * any depth, but the recursive code after it (ajv, JSON.stringify of process variables,
 * bpmn-engine's state copies) overflows the stack somewhere past ten thousand.
 */
export const MAX_BODY_DEPTH = 64

const NUL_MESSAGE = '请求含有空字符 (U+0000) / the request contains a NUL character (U+0000)'

/**
 * Where in a JSON value the first NUL (in a string or a key), the first too-deep level or
 * the first number that is not finite is.
 */
export function findBadValue(value: unknown, maxDepth = MAX_BODY_DEPTH): { path: string; problem: 'nul' | 'depth' | 'number' } | null {
  // Iterative, so that the check itself cannot overflow the stack on hostile nesting.
  const stack: Array<[unknown, string, number]> = [[value, '', 0]]
  while (stack.length) {
    const [v, path, depth] = stack.pop()!
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { path: path || '/', problem: 'nul' }
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path: path || '/', problem: 'number' }
    } else if (v !== null && typeof v === 'object') {
      if (depth >= maxDepth) return { path: path || '/', problem: 'depth' }
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\u0000')) return { path: `${path}/${k}`, problem: 'nul' }
        stack.push([child, `${path}/${k}`, depth + 1])
      }
    }
  }
  return null
}

/**
 * Refuses, with one 400, input no handler can store: a NUL character anywhere in the URL
 * (path, params, query), a header or a JSON body. PostgreSQL text cannot hold U+0000 (every
 * query carrying one failed with a 500), SQLite's full-text MATCH and the file system reject
 * it too, and no legitimate petition, code or name contains it. Checking once here, before
 * authentication and validation, covers every route including the ones added later and the
 * not-found handler. Also refuses bodies nested deeper than MAX_BODY_DEPTH.
 */
export default fp(async function inputGuard(app: FastifyInstance) {
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
    if (bad?.problem === 'nul') throw badRequest(NUL_MESSAGE, [{ path: `body${bad.path}` }])
    if (bad?.problem === 'depth') throw badRequest(`请求体嵌套过深（最多 ${MAX_BODY_DEPTH} 层）/ request body nested deeper than ${MAX_BODY_DEPTH} levels`, [{ path: `body${bad.path}` }])
  })

  // ajv's type coercion turns the text "1e999" into Infinity and then skips minimum/maximum
  // (?limit=1e999 passed `maximum: 200`; JSON.parse does the same to 1e999 in a body): after
  // validation, no number a handler sees may be infinite.
  app.addHook('preHandler', async (request) => {
    for (const [part, value] of [['query', request.query], ['params', request.params], ['body', request.body]] as const) {
      const bad = value === undefined || value === null ? null : findBadValue(value, Infinity)
      if (bad?.problem === 'number') throw badRequest('数值超出范围 / number out of range', [{ path: `${part}${bad.path}` }])
    }
  })
})
