import type { FastifyInstance } from 'fastify'
import type { RatesQuery } from './service.js'
import { definitionsSchema, overviewQuery, overviewResponse, ratesQuery, ratesResponse } from './schemas.js'
import { bearer } from '../lib/schemas.js'

const errorRef = { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' }, details: { type: 'array' } } }
const errors = { 400: errorRef, 401: errorRef, 403: errorRef }

export default async function metricsRoutes(app: FastifyInstance) {
  const metrics = app.metrics

  app.get(
    '/api/metrics/rates',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['metrics'],
        summary: '三率等指标 / the three rates and the other figures, overall and per group',
        description:
          '按受理时间（created_at）统计期内案件：响应率、办结率、解决率、满意率、按期办结率、乡镇及以下解决占比。' +
          ' Cases received in the period (by created_at); region filters a subtree; groupBy=region groups by the child regions of `region`.' +
          ' City-level staff and administrators see everything, county staff their county (403 otherwise), staff below county level 403.',
        security: bearer,
        querystring: ratesQuery,
        response: { 200: ratesResponse, ...errors },
      },
    },
    async (request) => metrics.rates(request.actor, request.query as RatesQuery),
  )

  app.get(
    '/api/metrics/overview',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['metrics'],
        summary: '领导驾驶舱 / dashboard overview: this month by status and channel, top categories, 12-month trend, township and department rankings',
        security: bearer,
        querystring: overviewQuery,
        response: { 200: overviewResponse, ...errors },
      },
    },
    async (request) => metrics.overview(request.actor, request.query as Parameters<typeof metrics.overview>[1]),
  )

  app.get(
    '/api/metrics/definitions',
    {
      preHandler: app.authenticate,
      schema: { tags: ['metrics'], summary: '指标口径 / the definitions in force', security: bearer, response: { 200: definitionsSchema } },
    },
    async () => metrics.definitions,
  )

  app.put(
    '/api/metrics/definitions',
    {
      preHandler: app.requireRole('admin'),
      schema: {
        tags: ['metrics'],
        summary: '修改指标口径 / change the definitions (administrators)',
        security: bearer,
        body: { ...definitionsSchema, additionalProperties: false },
        response: { 200: definitionsSchema, ...errors },
      },
    },
    async (request) => metrics.saveDefinitions({ ...metrics.definitions, ...(request.body as object) }),
  )
}
