import type { FromSchema } from 'json-schema-to-ts'
import type { FastifyInstance } from 'fastify'
import { ageingQuery, ageingResponse, definitionsSchema, overviewQuery, overviewResponse, ratesQuery, ratesResponse } from './schemas.js'
import { bearer, errorSchema, typed } from '../lib/schemas.js'
import type { Actor } from '../org/service.js'

// The shared error body (with the message's key and params, which a narrower schema would strip).
const errorRef = errorSchema
const errors = { 400: errorRef, 401: errorRef, 403: errorRef } as const

/** Reads the public figures with the whole city in scope; it can do nothing else. */
const PUBLIC_READER: Actor = Object.freeze({
  id: 'public',
  username: 'public',
  displayName: 'public',
  roles: Object.freeze(['admin']) as unknown as string[],
  unitCode: null,
  regionCode: null,
  regionPath: '',
  tenant: null,
  groups: Object.freeze([]) as unknown as string[],
}) as Actor

const PUBLIC_TTL_MS = 5 * 60_000
const publicRatesSchema = {
  type: 'object',
  properties: {
    period: { type: 'object', properties: { from: { type: ['string', 'null'] }, to: { type: ['string', 'null'] } } },
    received: { type: 'integer' },
    closed: { type: 'integer' },
    responseRate: { type: ['number', 'null'] },
    closureRate: { type: ['number', 'null'] },
    resolutionRate: { type: ['number', 'null'] },
    satisfactionRate: { type: ['number', 'null'] },
  },
} as const

export default async function metricsRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  const metrics = app.metrics

  // The citizen's front page shows the city's three rates of the last twelve months: counts and
  // rates only, nothing about a case. Computed at most every five minutes per node (a public
  // page must not be a way to make the database aggregate on every hit).
  let publicRates: { at: number; value: FromSchema<typeof publicRatesSchema> } | null = null
  app.get(
    '/api/public/rates',
    {
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags: ['public'],
        summary: "全市近 12 个月三率（公开）/ the city's rates over the last 12 months (public)",
        response: { 200: publicRatesSchema },
      },
    },
    async () => {
      if (publicRates && Date.now() - publicRates.at < PUBLIC_TTL_MS) return publicRates.value
      const from = new Date(Date.now() - 365 * 86_400_000).toISOString()
      const r = await metrics.rates(PUBLIC_READER, { from })
      const o = r.overall
      const value = {
        period: r.period,
        received: o.received,
        closed: o.closed,
        responseRate: o.responseRate,
        closureRate: o.closureRate,
        resolutionRate: o.resolutionRate,
        satisfactionRate: o.satisfactionRate,
      }
      publicRates = { at: Date.now(), value }
      return value
    },
  )

  app.get(
    '/api/metrics/rates',
    {
      onRequest: app.authenticate,
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
    async (request) => metrics.rates(request.actor, request.query),
  )

  app.get(
    '/api/metrics/overview',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['metrics'],
        summary: '领导驾驶舱 / dashboard overview: this month by status and channel, top categories, 12-month trend, township and department rankings',
        security: bearer,
        querystring: overviewQuery,
        response: { 200: overviewResponse, ...errors },
      },
    },
    async (request) => metrics.overview(request.actor, request.query),
  )

  app.get(
    '/api/metrics/ageing',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['metrics'],
        summary: '超期账龄 / open cases by days past their handling deadline, now',
        description: 'Scoped as /api/metrics/rates: administrators and city staff everything, county staff their county (403 outside), below county 403.',
        security: bearer,
        querystring: ageingQuery,
        response: { 200: ageingResponse, ...errors },
      },
    },
    async (request) => metrics.ageing(request.actor, request.query),
  )

  app.get(
    '/api/metrics/definitions',
    {
      onRequest: app.authenticate,
      schema: { tags: ['metrics'], summary: '指标口径 / the definitions in force', security: bearer, response: { 200: definitionsSchema } },
    },
    async () => metrics.definitions,
  )

  app.put(
    '/api/metrics/definitions',
    {
      onRequest: app.requireRole('admin'),
      schema: {
        tags: ['metrics'],
        summary: '修改指标口径 / change the definitions (administrators)',
        security: bearer,
        body: { ...definitionsSchema, additionalProperties: false },
        response: { 200: definitionsSchema, ...errors },
      },
    },
    async (request) => metrics.saveDefinitions({ ...metrics.definitions, ...request.body }),
  )
}
