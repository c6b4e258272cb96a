import type { FastifyInstance } from 'fastify'
import type { Actor } from '../org/index.js'
import { forbidden, msg, notFound } from '../lib/errors.js'
import { bearer, errorSchema, typed } from '../lib/schemas.js'
import { resourceView, type ResourceHead } from '../engine/resources.js'
import { FORM_LIMITS } from './forms.js'
import { canSeeTenantVersion, deployTenant } from '../org/policy.js'

const formVersionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    key: { type: 'string', description: '表单标识 shuoshi-<名称> / the form id, shuoshi-<name>' },
    formKey: { type: 'string', description: '流程中引用的 camunda:formKey（shuoshi:<名称>）/ the camunda:formKey naming it' },
    version: { type: 'integer' },
    tenant: { type: ['string', 'null'], description: '县（区）代码；null 为全市默认 / county code, null for the city default' },
    name: { type: ['string', 'null'] },
    deployedAt: { type: 'string' },
    deployedBy: { type: ['string', 'null'] },
    deployedByName: { type: ['string', 'null'], description: "部署人姓名 / the deployer's display name" },
  },
} as const

const formView = (row: ResourceHead, names: Map<string, string>) => {
  const { kind: _kind, ...v } = resourceView(row)
  return { ...v, formKey: `shuoshi:${row.key.replace(/^shuoshi-/, '')}`, deployedByName: (row.deployed_by && names.get(row.deployed_by)) || null }
}

/**
 * Deployed task forms for the form editor: list, read a version's source, deploy. The city
 * administrator works on any scope; a county administrator sees the city's versions and their
 * own county's, and deploys only for their county.
 */
export default async function formRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  const admins = app.requireRole('admin', 'county_admin')
  const resources = app.engine.resources
  const visible = (actor: Actor, tenant: string) => canSeeTenantVersion(actor, tenant)

  app.get(
    '/api/forms',
    {
      onRequest: admins,
      schema: {
        tags: ['forms'],
        summary: '任务表单及其版本（每个范围最新在前）/ task forms and their versions, newest first per scope',
        security: bearer,
        querystring: { type: 'object', additionalProperties: false, properties: { key: { type: 'string', minLength: 1, maxLength: 80 } } },
        response: { 200: { type: 'array', items: formVersionSchema } },
      },
    },
    async (request) => {
      const { key } = request.query
      const rows = await resources.list({ kind: 'form', ...(key && { key }) })
      const seen = rows.filter((r) => visible(request.actor, r.tenant))
      const names = await app.org.displayNames(seen.map((r) => r.deployed_by))
      return seen.map((r) => formView(r, names))
    },
  )

  app.get(
    '/api/forms/:id',
    {
      onRequest: admins,
      schema: {
        tags: ['forms'],
        summary: '一个表单版本及其 form-js 源 / one form version with its form-js source',
        security: bearer,
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } },
        response: { 200: { type: 'object', properties: { ...formVersionSchema.properties, source: { type: 'string' } } }, 404: errorSchema },
      },
    },
    async (request) => {
      const { id } = request.params
      const row = await app.db('resource_definitions').where({ id, kind: 'form' }).first()
      // Another county's version does not exist for this administrator.
      if (!row || !visible(request.actor, row.tenant)) throw notFound(msg('error.forms.notFound', { id }))
      return { ...formView(row, await app.org.displayNames([row.deployed_by])), source: row.source }
    },
  )

  app.post(
    '/api/forms',
    {
      onRequest: admins,
      bodyLimit: FORM_LIMITS.sourceBytes * 2 + 4096,
      schema: {
        tags: ['forms'],
        summary:
          '部署表单（form-js JSON；县级管理员只为本县部署）/ deploy a form (form-js JSON; a county administrator for their county only). 201 new version, 200 unchanged, 400 names each problem',
        security: bearer,
        body: {
          type: 'object',
          required: ['source'],
          additionalProperties: false,
          properties: {
            // Checked in full by the form validator (size in bytes, structure, keys).
            source: { type: 'string', minLength: 2, maxLength: FORM_LIMITS.sourceBytes * 2 },
            tenant: { type: ['string', 'null'], maxLength: 64 },
          },
        },
        response: { 200: formVersionSchema, 201: formVersionSchema, 400: errorSchema },
      },
    },
    async (request, reply) => {
      const { source, tenant } = request.body
      const actor = request.actor
      const t = deployTenant(actor, tenant)
      if (t) {
        const region = await app.org.getRegion(t)
        if (!region || region.level !== 'county') throw forbidden(msg('error.engine.tenantNotCounty', { tenant: t }))
      }
      const { resource, created } = await resources.deploy('form', source, { tenant: t, actor: actor.username })
      return reply.status(created ? 201 : 200).send(formView(resource, await app.org.displayNames([resource.deployed_by])))
    },
  )
}
