import type { FastifyInstance } from 'fastify'

export default async function healthRoutes(app: FastifyInstance) {
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
