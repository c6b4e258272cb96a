import type { FastifyInstance } from 'fastify'
import { bearer, errorSchema, idParams, typed } from '../lib/schemas.js'
import { Incidents, incidentView, type IncidentRow } from './incidents.js'
import { engineAuth } from './http-auth.js'
import { tenantNames } from './named.js'

const incidentSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    instanceId: { type: 'string' },
    caseId: { type: ['string', 'null'] },
    tenant: { type: ['string', 'null'] },
    tenantName: { type: ['string', 'null'], description: "县名 / the county's name (null for the city's)" },
    tenantNameEn: { type: ['string', 'null'] },
    processKey: { type: 'string' },
    kind: { type: 'string', enum: ['timer', 'step', 'external'] },
    element: { type: ['string', 'null'] },
    message: { type: 'string', description: '双语文本 / the text in both languages' },
    key: { type: 'string', description: '界面翻译用的消息代码（有时）/ the catalogue message, when the failure is one' },
    params: { type: 'object', additionalProperties: true },
    time: { type: 'string' },
    createdAt: { type: 'string' },
    attempts: { type: 'integer' },
    status: { type: 'string', enum: ['open', 'resolved'] },
    resolvedAt: { type: ['string', 'null'] },
    resolvedBy: { type: ['string', 'null'] },
    resolvedByName: { type: ['string', 'null'], description: '处理人姓名 / who resolved it, by display name' },
    resolution: { type: ['string', 'null'] },
  },
} as const

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['open', 'resolved', 'all'], default: 'open' },
    instanceId: { type: 'string', minLength: 1, maxLength: 64 },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  },
} as const

const cancelBody = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' } },
} as const

/** /api/incidents and instance cancellation (../shared/api.md), for administrators in their scope. */
export default async function incidentRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  const incidents = new Incidents(app.db, app.engine.runtime, app.engine.access)
  /** Incidents with who resolved them by display name beside the username, and the county by name. */
  async function named(rows: IncidentRow[]) {
    const { users, tenants } = await app.engine.directory.names(
      rows.flatMap((r) => (r.resolved_by ? [r.resolved_by] : [])),
      [...new Set(rows.flatMap((r) => (r.tenant ? [r.tenant] : [])))],
    )
    return rows.map((r) => ({
      ...incidentView(r),
      resolvedByName: (r.resolved_by && users.get(r.resolved_by)) || null,
      ...tenantNames(tenants, r.tenant),
    }))
  }
  const admins = engineAuth(app.engine.access).administrators
  const tags = ['incidents']

  app.get(
    '/api/incidents',
    {
      preHandler: admins,
      schema: {
        tags,
        summary: '失败的定时器与步骤 / failed timers and steps in the caller’s scope',
        security: bearer,
        querystring: listQuery,
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: incidentSchema } } } },
      },
    },
    async (request) => {
      return { items: await named(await incidents.list(request.engineActor, request.query)) }
    },
  )

  app.get(
    '/api/incidents/:id',
    { preHandler: admins, schema: { tags, security: bearer, params: idParams, response: { 200: incidentSchema, 404: errorSchema } } },
    async (request) => (await named([await incidents.get(request.engineActor, request.params.id)]))[0],
  )

  app.post(
    '/api/incidents/:id/retry',
    {
      preHandler: admins,
      schema: {
        tags,
        summary: '重试失败的定时器或步骤 / re-run what failed; still `open` with the new message if it fails again',
        security: bearer,
        params: idParams,
        response: { 200: incidentSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => (await named([await incidents.retry(request.engineActor, request.params.id)]))[0],
  )

  app.post(
    '/api/process-instances/:id/cancel',
    {
      preHandler: admins,
      schema: {
        tags: ['process-instances'],
        summary: '撤销流程实例 / end an instance: tasks, timers and subscriptions cancelled, incidents resolved',
        security: bearer,
        params: idParams,
        body: cancelBody,
        response: {
          200: {
            type: 'object',
            properties: { id: { type: 'string' }, status: { type: 'string' }, endedAt: { type: ['string', 'null'] }, error: { type: ['string', 'null'] } },
          },
          404: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (request) => {
      const { reason } = request.body
      const row = await incidents.cancelInstance(request.engineActor, request.params.id, reason.trim())
      return { id: row.id, status: row.status, endedAt: row.ended_at, error: row.error }
    },
  )
}
