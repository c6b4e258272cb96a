import type { FastifyInstance } from 'fastify'
import { bearer, typed } from '../lib/schemas.js'
import type { Clusters } from './clusters.js'
import { caseSchema, errorRef, idParams } from './schemas.js'

const nullable = { type: ['string', 'null'] } as const

export const clusterSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    label: nullable,
    category: { type: 'string' },
    categoryName: { ...nullable, description: '类别名称（中文 / English）/ the category in both languages, one text' },
    categoryNames: {
      type: ['object', 'null'],
      description: '类别名称，分语言 / the category, one name per language',
      properties: { name: { type: 'string' }, nameEn: nullable },
    },
    regionCode: { type: 'string' },
    regionName: nullable,
    regionNameEn: nullable,
    size: { type: 'integer' },
    count: { type: 'integer' },
    previousCount: { type: 'integer' },
    trend: { type: 'string', enum: ['new', 'rising', 'steady', 'falling'] },
    months: { type: 'array', items: { type: 'object', properties: { month: { type: 'string' }, count: { type: 'integer' } } } },
    firstAt: { type: 'string' },
    lastAt: { type: 'string' },
    rootCaseId: nullable,
    rootCaseNo: nullable,
    candidate: { type: 'boolean' },
  },
} as const

/** 共性问题、每月一题: routes over src/cases/clusters.ts. Leaders and supervisors, in their area. */
export default async function clusterRoutes(fastify: FastifyInstance, opts: { clusters: Clusters }) {
  const app = typed(fastify)
  const clusters = opts.clusters

  app.get(
    '/api/clusters',
    {
      onRequest: app.requireRole('leader', 'supervisor'),
      schema: {
        tags: ['cases'],
        summary: '共性问题（每月一题候选）/ recurring problems of a month (每月一题 candidates)',
        security: bearer,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { month: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }, region: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: {
          200: { type: 'object', properties: { month: { type: 'string' }, items: { type: 'array', items: clusterSchema } } },
          400: errorRef,
          403: errorRef,
        },
      },
    },
    async (request) => clusters.list(request.actor, request.query),
  )

  app.get(
    '/api/clusters/:id/cases',
    {
      onRequest: app.requireRole('leader', 'supervisor'),
      schema: {
        tags: ['cases'],
        summary: '共性问题包含的案件 / the cases of a recurring problem',
        security: bearer,
        params: idParams,
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                caseNo: { type: 'string' },
                title: nullable,
                status: { type: 'string' },
                createdAt: { type: 'string' },
                duplicateOf: nullable,
              },
            },
          },
          404: errorRef,
        },
      },
    },
    async (request) =>
      (await clusters.members(request.actor, request.params.id)).map((r) => ({
        id: r.id,
        caseNo: r.case_no,
        title: r.title,
        status: r.status,
        createdAt: r.created_at,
        duplicateOf: r.duplicate_of ?? null,
      })),
  )

  app.post(
    '/api/clusters/:id/root-case',
    {
      onRequest: app.requireRole('supervisor'),
      bodyLimit: 16 * 1024,
      schema: {
        tags: ['cases'],
        summary: '举一反三：把共性问题立为一件联合办理的根源案件 / make one root-cause case of a recurring problem (joint procedure)',
        security: bearer,
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            title: { type: 'string', maxLength: 200 },
            description: { type: 'string', maxLength: 5000 },
            note: { type: 'string', maxLength: 1000 },
          },
        },
        response: { 201: caseSchema, 403: errorRef, 404: errorRef, 409: errorRef, 422: errorRef },
      },
    },
    async (request, reply) => {
      const row = await clusters.rootCase(request.actor, request.params.id, request.body)
      return reply.status(201).send(await app.cases.receipt(request.actor, row.id))
    },
  )
}
