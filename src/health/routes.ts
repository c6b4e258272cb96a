import type { FastifyInstance } from 'fastify'
import { typed } from '../lib/schemas.js'

export default async function healthRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, db: { type: 'string' } } },
          503: { type: 'object', properties: { status: { type: 'string' }, db: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
    async (_request, reply) => {
      try {
        await app.db.raw('select 1')
        return { status: 'ok', db: 'ok' }
      } catch (err) {
        return reply.status(503).send({ status: 'unavailable', db: 'unreachable', message: (err as Error).message })
      }
    },
  )
}
