import type { FastifyInstance } from 'fastify'
import { typed } from '../lib/schemas.js'
import { msg } from '../lib/errors.js'
import { bilingual } from '../messages/index.js'

/**
 * How long /health waits for the database. A load balancer's check gives up after a few
 * seconds; a probe queued behind a full pool or a connection that never answers waited for
 * knex's acquire timeout, and the balancer saw a timeout instead of this node saying 503.
 */
export const HEALTH_PROBE_MS = 2000

export default async function healthRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  app.get(
    '/health',
    {
      // Its own 503 while the node closes, as during the drain (src/plugins/shutdown.ts).
      config: { answersWhileClosing: true },
      schema: {
        tags: ['health'],
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, db: { type: 'string' } } },
          503: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              db: { type: 'string' },
              message: { type: 'string' },
              key: { type: 'string' },
              params: { type: 'object' },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      // A stopping node says so at once, without asking the database: the balancer's checks
      // take it out of rotation while the drain still serves what it sends meanwhile.
      if (app.shutdown.phase !== 'serving') return reply.status(503).send({ status: 'stopping', ...message('error.shuttingDown') })
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_PROBE_MS} ms`)), HEALTH_PROBE_MS)
      })
      try {
        await Promise.race([app.db.raw('select 1'), late])
        return { status: 'ok', db: 'ok' }
      } catch (err) {
        // Unauthenticated: the driver's text (addresses, ports, knex's hints) goes to the log only.
        app.log.warn({ err }, 'health: database unavailable')
        return reply.status(503).send({ status: 'unavailable', db: 'unreachable', ...message('error.dbUnavailable') })
      } finally {
        clearTimeout(timer)
      }
    },
  )
}

function message(key: 'error.dbUnavailable' | 'error.shuttingDown') {
  const m = msg(key)
  return { message: bilingual(m.key), key: m.key, params: {} }
}
