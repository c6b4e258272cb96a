import type { FastifyInstance } from 'fastify'
import type { PreHandler } from '../org/index.js'
import { forbidden, msg } from '../lib/errors.js'
import { bearer, errorSchema, nullableString, typed } from '../lib/schemas.js'
import { isSystemAdmin } from '../org/policy.js'
import { createCategory, listCategories, updateCategory, type CategoryAdminView } from './category-admin.js'
import { LEVELS } from './routing.js'

const duration = {
  type: 'string',
  minLength: 1,
  maxLength: 32,
  description: 'ISO-8601 时长（周、天、小时、分钟），10 分钟至 365 天 / ISO-8601 duration (weeks, days, hours, minutes), 10 minutes to 365 days',
} as const
const limitPair = {
  type: 'object',
  required: ['response', 'resolve'],
  additionalProperties: false,
  properties: { response: duration, resolve: duration },
} as const
const limitsIn = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description:
    '按紧急程度的时限；未给出的紧急程度保持不变（新建时沿用上级类别的）/ limits per urgency; an urgency left out keeps its own (on creation: the parent’s)',
  properties: { emergency: limitPair, urgent: limitPair, normal: limitPair },
} as const

const name = { type: 'string', minLength: 1, maxLength: 100 } as const
/** What a change sets, on creation and later alike. */
const fields = {
  name,
  nameEn: name,
  duty: {
    type: ['string', 'null'],
    pattern: '^[a-z][a-z0-9_-]{0,31}$',
    description: '主管职能（派单规则 @county:<duty> 所指）/ the owning duty (as routing’s @county:<duty>)',
  },
  defaultLevel: { type: 'string', enum: [...LEVELS] },
  procedure: {
    type: 'string',
    pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,63}$',
    description: '四种随附程序之一，或全市已部署的流程键 / one of the four shipped procedures, or a key the city has deployed',
  },
  limits: limitsIn,
  sort: { type: 'integer', minimum: 0, maximum: 1_000_000 },
  active: { type: 'boolean' },
} as const

/** Codes as the seed's tree writes them: lower-case segments joined by dots, at most four deep. */
const CODE_PATTERN = '^[a-z][a-z0-9_]{0,31}(\\.[a-z][a-z0-9_]{0,31}){0,3}$'

const limitPairOut = { type: 'object', properties: { response: { type: 'string' }, resolve: { type: 'string' } } } as const
const categoryAdminSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    parentCode: nullableString,
    name: { type: 'string' },
    nameEn: nullableString,
    duty: nullableString,
    defaultLevel: nullableString,
    procedure: { type: 'string' },
    limits: { type: 'object', properties: { emergency: limitPairOut, urgent: limitPairOut, normal: limitPairOut } },
    sort: { type: 'integer' },
    active: { type: 'boolean' },
    inForce: { type: 'boolean', description: '启用且其上级类别均启用：可受理 / active, and every category above it too: cases may be filed under it' },
    updatedAt: nullableString,
    updatedBy: nullableString,
    updatedByName: nullableString,
  },
} as const

/** Any code a row may hold (older rows were not held to the pattern): an unknown one is a 404. */
const codeParams = { type: 'object', required: ['code'], properties: { code: { type: 'string', minLength: 1, maxLength: 64 } } } as const

/**
 * The category tree with its limits: read by administrators (a county administrator too, whose
 * county's cases they set), changed by the city's administrator only (categories have no tenant).
 */
export default async function categoryRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  const readers = app.requireRole('county_admin')
  const cityAdmin: PreHandler = async (request, reply) => {
    await readers(request, reply)
    if (!isSystemAdmin(request.actor)) throw forbidden(msg('error.category.cityOnly'))
  }
  const named = async (views: CategoryAdminView[]) => app.org.withNames(views, ['updatedBy'])

  app.get(
    '/api/categories',
    {
      onRequest: readers,
      schema: {
        tags: ['cases'],
        summary: '事项类别（含停用的）及其时限 / every category, withdrawn ones too, with its limits',
        security: bearer,
        response: { 200: { type: 'array', items: categoryAdminSchema } },
      },
    },
    async () => named(await listCategories(app.db)),
  )

  app.post(
    '/api/categories',
    {
      onRequest: cityAdmin,
      schema: {
        tags: ['cases'],
        summary: '新增类别（代码 上级.本级，或顶级）/ add a category (code parent.child, or a top-level one)',
        security: bearer,
        body: {
          type: 'object',
          required: ['code', 'name', 'nameEn'],
          additionalProperties: false,
          properties: { code: { type: 'string', maxLength: 64, pattern: CODE_PATTERN }, ...fields },
        },
        response: { 201: categoryAdminSchema, 400: errorSchema, 403: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const created = await createCategory(app.db, app.engine.definitions, request.actor.username, request.body)
      request.log.info({ category: created.code, by: request.actor.username }, 'category added')
      return reply.status(201).send((await named([created]))[0])
    },
  )

  app.patch(
    '/api/categories/:code',
    {
      onRequest: cityAdmin,
      schema: {
        tags: ['cases'],
        summary: '修改类别（名称、职能、层级、程序、时限、排序、启停）；只影响此后受理的案件 / change a category; cases filed earlier keep their deadlines',
        security: bearer,
        params: codeParams,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: fields },
        response: { 200: categoryAdminSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const changed = await updateCategory(app.db, app.engine.definitions, request.actor.username, request.params.code, request.body)
      // Beside updated_at/updated_by (the last change), the log keeps every change's fields.
      request.log.info(
        { category: changed.code, by: request.actor.username, fields: Object.keys(request.body), limits: request.body.limits },
        'category changed',
      )
      return (await named([changed]))[0]
    },
  )
}
