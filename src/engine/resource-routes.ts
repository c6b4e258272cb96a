import type { FastifyInstance } from 'fastify'
import type { EngineActor } from './access.js'
import { withNames } from './named.js'
import { engineAuth } from './http-auth.js'
import { msg, notFound } from '../lib/errors.js'
import { bearer, errorSchema, idParams, typed } from '../lib/schemas.js'
import { attachment, downloadQuery, wantsDownload } from '../lib/download.js'
import { RESOURCE_KINDS, resourceSchema, resourceView, type ResourceHead, type ResourceKind } from './resources.js'

/** What a resource's file is called and sent as: the extension and type Camunda Modeler opens. */
export const RESOURCE_FILES: Record<ResourceKind, { ext: string; type: string }> = {
  form: { ext: '.form', type: 'application/json; charset=utf-8' },
  decision: { ext: '.dmn', type: 'application/xml; charset=utf-8' },
}

/** A version as the list shows it: with its county's name, as GET /api/process-definitions does. */
const namedResourceSchema = {
  ...resourceSchema,
  properties: {
    ...resourceSchema.properties,
    tenantName: { type: ['string', 'null'], description: "县名 / the county's name (null for the city versions)" },
    tenantNameEn: { type: ['string', 'null'] },
  },
} as const

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: [...RESOURCE_KINDS] },
    key: { type: 'string', maxLength: 255 },
    tenant: { type: 'string', maxLength: 64, description: '"" 为市级 / "" for the city versions' },
  },
} as const

/**
 * Deployed forms and decisions (src/engine/resources.ts), kind-agnostic: their version heads and
 * each version's source as the file Camunda Modeler opens (.form JSON, .dmn XML), byte for byte
 * as deployed. Deploying goes through the kinds' own routes or a bundle (camunda-rest.ts).
 */
export default async function resourceRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  const store = app.engine.resources
  const admins = engineAuth(app.engine.access).administrators
  /** A county administrator sees the city's versions and their own county's; administrators all. */
  const visible = (actor: EngineActor, row: { tenant: string }) => app.engine.access.canSeeTenantVersion(actor, row.tenant)

  async function visibleRow(actor: EngineActor, id: string) {
    const row = await store.get(id)
    if (!visible(actor, row)) throw notFound(msg('error.resource.versionNotFound', { id }))
    return row
  }

  /** The views of `rows` with their counties' names, in one query. */
  const named = (rows: ResourceHead[]) => withNames(app.engine.directory, rows, resourceView)

  app.get(
    '/api/resources',
    {
      onRequest: admins,
      schema: {
        tags: ['resources'],
        summary: '已部署的表单与决策表版本 / deployed form and decision versions (heads, newest first per key)',
        security: bearer,
        querystring: listQuery,
        response: { 200: { type: 'array', items: namedResourceSchema } },
      },
    },
    async (request) => {
      const { kind, key, tenant } = request.query
      const rows: ResourceHead[] = await store.list({ kind, key, ...(tenant !== undefined && { tenant: tenant || null }) })
      return named(rows.filter((r) => visible(request.engineActor, r)))
    },
  )

  app.get(
    '/api/resources/:id',
    {
      onRequest: admins,
      schema: {
        tags: ['resources'],
        summary: '一个版本 / one version (no source)',
        security: bearer,
        params: idParams,
        response: { 200: namedResourceSchema, 404: errorSchema },
      },
    },
    async (request) => (await named([await visibleRow(request.engineActor, request.params.id)]))[0],
  )

  app.get(
    '/api/resources/:id/source',
    {
      onRequest: admins,
      schema: {
        tags: ['resources'],
        summary:
          '版本的源文件 / the version as deployed: a form as application/json (.form), a decision as application/xml (.dmn); ?download=1 as an attachment <key>-v<version>.<ext>',
        security: bearer,
        params: idParams,
        querystring: downloadQuery,
        response: {
          200: {
            content: {
              'application/json': { schema: { type: 'object', additionalProperties: true, description: 'form-js schema (.form)' } },
              'application/xml': { schema: { type: 'string', description: 'DMN 1.3 XML (.dmn)' } },
            },
          },
          404: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const row = await visibleRow(request.engineActor, request.params.id)
      const file = RESOURCE_FILES[row.kind]
      if (wantsDownload(request.query)) reply.header('content-disposition', attachment(`${row.key}-v${row.version}${file.ext}`))
      // The stored text as is (a string with a JSON type is not re-serialized): what was deployed comes back.
      return reply.type(file.type).send(row.source)
    },
  )
}
