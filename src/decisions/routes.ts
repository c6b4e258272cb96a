import type { FastifyInstance } from 'fastify'
import type { Actor } from '../org/index.js'
import { forbidden, HttpError, msg, notFound } from '../lib/errors.js'
import { bearer, errorSchema, idParams, typed } from '../lib/schemas.js'
import { resourceSchema, resourceView as engineView, type ResourceHead, type ResourceRow, type ResourceView } from '../engine/resources.js'
import { describe } from './dmn.js'
import { canSeeTenantVersion, isSystemAdmin } from '../org/policy.js'

/** A version as the decision page shows it: who deployed it by name as well. */
const versionSchema = {
  type: 'object',
  properties: {
    ...resourceSchema.properties,
    deployedByName: { type: ['string', 'null'], description: "部署人姓名 / the deployer's display name" },
  },
} as const

const detailSchema = {
  type: 'object',
  properties: {
    ...versionSchema.properties,
    xml: { type: 'string' },
    decisions: { type: 'array', items: { type: 'object', additionalProperties: true } },
    problem: {
      type: 'object',
      description: '此版本未通过当前的检查（部署于检查之前）/ why this version fails today’s checks (deployed before them)',
      properties: { message: { type: 'string' }, key: { type: 'string' }, params: { type: 'object', additionalProperties: true } },
    },
  },
} as const

const keyParams = { type: 'object', required: ['key'], properties: { key: { type: 'string', minLength: 1, maxLength: 255 } } } as const
const tenantQuery = { type: 'object', properties: { tenant: { type: 'string', maxLength: 64 } } } as const

/**
 * Decisions: list, read, deploy (administrators for the city or any county; a county
 * administrator for their county only) and evaluate with given inputs (testing a table).
 */
/**
 * The engine's ResourceView is an interface, which TypeScript does not let stand for the reply
 * schema's open object type (it has no index signature); its mapped copy, the same fields, can.
 */
type View = { [K in keyof ResourceView]: ResourceView[K] }
const resourceView = (r: ResourceHead): View => engineView(r)

export default async function decisionRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  const admins = app.requireRole('county_admin')
  const { decisions } = app

  /** The scope a request acts on: a county administrator's own county, whatever they ask. */
  async function scopeFor(actor: Actor, requested: string | null | undefined): Promise<string> {
    let tenant: string
    if (isSystemAdmin(actor)) tenant = requested ?? ''
    else {
      if (!actor.tenant || (requested != null && requested !== actor.tenant)) throw forbidden(msg('error.dmn.countyOnly'))
      tenant = actor.tenant
    }
    if (tenant) {
      const region = await app.org.getRegion(tenant)
      if (!region || region.level !== 'county') throw forbidden(msg('error.engine.tenantNotCounty', { tenant }))
    }
    return tenant
  }
  /** Versions with their deployer's display name beside the username. */
  async function named(rows: ResourceHead[]) {
    const names = await app.org.displayNames(rows.map((r) => r.deployed_by))
    return rows.map((r) => ({ ...resourceView(r), deployedByName: (r.deployed_by && names.get(r.deployed_by)) || null }))
  }
  const sees = (actor: Actor, tenant: string) => canSeeTenantVersion(actor, tenant)
  /**
   * A version's XML and its decisions; one that fails today's checks (stored before them) is
   * still shown, with the problem, so that an administrator can open and mend it.
   */
  async function withDescription(row: ResourceRow) {
    try {
      return { xml: row.source, decisions: describe(await decisions.load(row)) }
    } catch (err) {
      if (!(err instanceof HttpError) || !err.key) throw err
      return { xml: row.source, decisions: [], problem: { message: err.message, key: err.key, params: err.params ?? {} } }
    }
  }

  app.get(
    '/api/decisions',
    {
      onRequest: admins,
      schema: {
        tags: ['decisions'],
        summary: '已部署的决策版本（最新在前）/ deployed decision versions, newest first per key',
        security: bearer,
        querystring: { type: 'object', properties: { key: { type: 'string', maxLength: 255 }, tenant: { type: 'string', maxLength: 64 } } },
        response: { 200: { type: 'array', items: versionSchema } },
      },
    },
    async (request) => {
      const { key, tenant } = request.query
      const rows: ResourceHead[] = await decisions.resources.list({ kind: 'decision', key, ...(tenant !== undefined && { tenant }) })
      return named(rows.filter((r) => sees(request.actor, r.tenant)))
    },
  )

  app.get(
    '/api/decisions/:id',
    {
      onRequest: admins,
      schema: {
        tags: ['decisions'],
        summary: '一个决策版本及其 DMN 文件 / one decision version with its DMN XML',
        security: bearer,
        params: idParams,
        response: { 200: detailSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const { id } = request.params
      const row = await decisions.resources.get(id)
      if (row.kind !== 'decision' || !sees(request.actor, row.tenant)) throw notFound(msg('error.resource.versionNotFound', { id }))
      return { ...(await named([row]))[0], ...(await withDescription(row)) }
    },
  )

  app.get(
    '/api/decisions/key/:key',
    {
      onRequest: admins,
      schema: {
        tags: ['decisions'],
        summary: '某县使用的版本（本县最新，否则全市最新）/ the version a county uses (its own newest, else the city’s)',
        security: bearer,
        params: keyParams,
        querystring: tenantQuery,
        response: { 200: detailSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const { key } = request.params
      const { tenant } = request.query
      const scope = await scopeFor(request.actor, tenant)
      const row = await decisions.resources.resolve('decision', key, scope)
      return { ...(await named([row]))[0], ...(await withDescription(row)) }
    },
  )

  app.post(
    '/api/decisions',
    {
      onRequest: admins,
      bodyLimit: 600 * 1024,
      schema: {
        tags: ['decisions'],
        summary: '部署 DMN 决策（新版本；县级管理员只能部署本县）/ deploy a DMN decision as a new version (400 names what is wrong)',
        security: bearer,
        body: {
          type: 'object',
          required: ['xml'],
          additionalProperties: false,
          properties: { xml: { type: 'string', minLength: 1 }, tenant: { type: ['string', 'null'], maxLength: 64 } },
        },
        response: { 200: versionSchema, 201: versionSchema, 400: errorSchema, 403: errorSchema },
      },
    },
    async (request, reply) => {
      const { xml, tenant } = request.body
      const scope = await scopeFor(request.actor, tenant)
      const { resource, created } = await decisions.deploy(xml, { tenant: scope, actor: request.actor.username })
      return reply.status(created ? 201 : 200).send((await named([resource]))[0])
    },
  )

  app.post(
    '/api/decisions/key/:key/evaluate',
    {
      onRequest: admins,
      schema: {
        tags: ['decisions'],
        summary:
          '用给定输入对某县使用的版本求值（测试决策表）/ evaluate the version a county uses with given inputs (422 when the table fails, e.g. two hits on UNIQUE)',
        security: bearer,
        params: keyParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            tenant: { type: ['string', 'null'], maxLength: 64 },
            decision: { type: 'string', maxLength: 255 },
            variables: { type: 'object', additionalProperties: true, maxProperties: 200 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              result: {},
              entries: { type: 'array', items: { type: 'object', additionalProperties: true } },
              matchedRules: { type: 'array', items: { type: 'string' } },
              version: { type: 'object', additionalProperties: true },
            },
          },
          403: errorSchema,
          404: errorSchema,
          422: errorSchema,
        },
      },
    },
    async (request) => {
      const { key } = request.params
      const body = request.body ?? {}
      const scope = await scopeFor(request.actor, body.tenant)
      const row = await decisions.resources.resolve('decision', key, scope)
      return decisions.evaluateVersion(row, body.variables ?? {}, body.decision)
    },
  )
}
