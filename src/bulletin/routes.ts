import type { FastifyInstance } from 'fastify'
import { bearer, typed } from '../lib/schemas.js'
import { badRequest, msg } from '../lib/errors.js'
import { FACT_LABELS } from './facts.js'
import { bulletinWorkbook, XLSX_TYPE } from './xlsx.js'
import {
  bulletinSchema,
  casesQuery,
  casesResponse,
  errors,
  itemsBody,
  itemsQuery,
  itemsResponse,
  monthParams,
  publicQuery,
  publicResponse,
  publishBody,
  publishResponse,
  regionQuery,
} from './schemas.js'

const facts = Object.entries(FACT_LABELS).map(([code, [name, nameEn]]) => ({ code, name, nameEn }))

export default async function bulletinRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  const bulletins = app.bulletins

  app.get(
    '/api/bulletins/:month',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['bulletin'],
        summary: '一月一通报 / the monthly bulletin: townships and departments ranked by points, every item, the rates',
        description: 'Scoped as /api/metrics/rates: administrators and city staff everything, county staff their county (403 outside), below county 403.',
        security: bearer,
        params: monthParams,
        querystring: regionQuery,
        response: { 200: bulletinSchema, ...errors },
      },
    },
    async (request) => bulletins.bulletin(request.actor, request.params.month, request.query.region),
  )

  app.get(
    '/api/bulletins/:month.xlsx',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['bulletin'],
        summary: '导出通报（Excel）/ the bulletin as an xlsx workbook: 乡镇排名, 部门排名, 扣分案件',
        security: bearer,
        params: monthParams,
        querystring: regionQuery,
        response: {
          ...errors,
          200: {
            description: 'xlsx workbook',
            content: { 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string', format: 'binary' } } },
          },
        },
      },
    },
    async (request, reply) => {
      const { month } = request.params
      const { region } = request.query
      const { bulletin: b, penalties } = await bulletins.withPenalties(request.actor, month, region)
      const body = await bulletinWorkbook(b, penalties)
      const name = `bulletin-${month}${region ? `-${region}` : ''}.xlsx`
      reply
        .type(XLSX_TYPE)
        .header(
          'content-disposition',
          `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(`一月一通报-${month}${b.region ? `-${b.region.name}` : ''}.xlsx`)}`,
        )
      return reply.send(body)
    },
  )

  app.get(
    '/api/bulletins/:month/cases',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['bulletin'],
        summary: '通报明细 / the cases behind an item at one township or department (click-through)',
        security: bearer,
        params: monthParams,
        querystring: casesQuery,
        response: { 200: casesResponse, ...errors },
      },
    },
    async (request) => {
      const q = request.query
      return bulletins.cases(request.actor, request.params.month, q)
    },
  )

  app.post(
    '/api/bulletins/:month/publish',
    {
      onRequest: app.requireRole('county_admin'),
      schema: {
        tags: ['bulletin'],
        summary: '发布通报（公示）/ publish a finished month of a county (or the city): frozen, then served publicly',
        security: bearer,
        params: monthParams,
        querystring: regionQuery,
        body: publishBody,
        response: { 201: publishResponse, ...errors },
      },
    },
    async (request, reply) => {
      // The region may come in the query or the body; two different ones are a mistake to say.
      const inBody = request.body?.region
      const inQuery = request.query.region
      if (inBody !== undefined && inQuery !== undefined && inBody !== inQuery) throw badRequest(msg('error.bulletin.regionTwice'))
      const out = await bulletins.publish(request.actor, request.params.month, inQuery ?? inBody)
      return reply.code(201).send(out)
    },
  )

  app.get(
    '/api/public/bulletins',
    {
      schema: {
        tags: ['bulletin'],
        summary: '通报公示 / published bulletins: rates and points by county, township, department and month (no login, no personal data)',
        querystring: publicQuery,
        response: { 200: publicResponse, 400: errors[400] },
      },
    },
    async (request) => bulletins.published(request.query),
  )

  app.get(
    '/api/scoring-items',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['bulletin'],
        summary: '计分规则 / the scoring items in force for the city or a county, with the layers behind them',
        security: bearer,
        querystring: itemsQuery,
        response: { 200: itemsResponse, ...errors },
      },
    },
    async (request) => {
      const { county } = request.query
      const c = county ? await bulletins.county(county) : (request.actor.tenant ?? null)
      return { ...(await bulletins.itemLayers(c)), facts }
    },
  )

  app.put(
    '/api/scoring-items',
    {
      onRequest: app.requireRole('county_admin'),
      schema: {
        tags: ['bulletin'],
        summary: '修改计分规则 / replace the city list (admin) or a county’s overrides (its county_admin)',
        description:
          'Without county: the city list (administrators). With county (or as a county administrator): that county’s overrides — a row with a city code overrides those fields, enabled:false disables it, a new code adds an item. Each count is checked (400 names the item).',
        security: bearer,
        querystring: itemsQuery,
        body: itemsBody,
        response: { 200: itemsResponse, ...errors },
      },
    },
    async (request) => {
      const county = await bulletins.editableCounty(request.actor, request.query.county)
      return { ...(await bulletins.saveLayer(request.actor, county, request.body.items)), facts }
    },
  )
}
