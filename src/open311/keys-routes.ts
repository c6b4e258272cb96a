import type { FastifyInstance } from 'fastify'
import { bearer, typed } from '../lib/schemas.js'
import { errorRef, idParams } from '../cases/schemas.js'
import type { Open311Keys } from './keys.js'
import { issueKeyBody, issuedKeySchema, keySchema } from './schemas.js'

/** The administrator's API keys for Open311 clients (city administrators only: a key may reach every county). */
export default async function keyRoutes(fastify: FastifyInstance, opts: { keys: Open311Keys }) {
  const app = typed(fastify)
  const { keys } = opts
  const admin = app.requireRole('admin')

  app.get(
    '/api/open311/keys',
    {
      onRequest: admin,
      schema: {
        tags: ['open311'],
        summary: 'Open311 客户端密钥 / Open311 client keys',
        security: bearer,
        response: { 200: { type: 'array', items: keySchema }, 403: errorRef },
      },
    },
    async () => keys.list(),
  )

  app.post(
    '/api/open311/keys',
    {
      onRequest: admin,
      bodyLimit: 8 * 1024,
      schema: {
        tags: ['open311'],
        summary: '为客户端签发密钥（只显示一次）/ issue a key for a client (shown once)',
        security: bearer,
        body: issueKeyBody,
        response: { 201: issuedKeySchema, 403: errorRef, 422: errorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await keys.issue(request.actor.username, request.body)),
  )

  app.post(
    '/api/open311/keys/:id/revoke',
    {
      onRequest: admin,
      schema: {
        tags: ['open311'],
        summary: '吊销密钥 / revoke a key',
        security: bearer,
        params: idParams,
        response: { 200: keySchema, 403: errorRef, 404: errorRef },
      },
    },
    async (request) => keys.revoke(request.actor.username, request.params.id),
  )
}
