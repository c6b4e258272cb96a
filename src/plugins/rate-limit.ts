import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import { HttpError, msg } from '../lib/errors.js'

/**
 * Request rate limits, opt-in per route (`config: { rateLimit: {...} }`) or through
 * `app.createRateLimit(...)`: most staff routes sit behind a login and need none, while
 * login and the citizen routes do. Counters live in this node's memory; a guess spread over
 * several nodes is still bounded by nodes × limit.
 */
export default fp(async function rateLimitPlugin(app: FastifyInstance) {
  await app.register(rateLimit, {
    global: false,
    // The wait as a number of seconds, worded by each language (the Retry-After header says the
    // same): the library's own `after` ("1 minute", "58 seconds") put English into the Chinese text.
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'too_many_requests', msg('error.tooManyRequests', { seconds: Math.ceil(context.ttl / 1000) })),
  })
})
