import type { FastifyInstance } from 'fastify'
import { bearer, errorSchema, nullableString, typed } from '../lib/schemas.js'
import { ORG_CODE_PATTERN } from './bootstrap.js'
import { REGION_LEVELS } from './service.js'
import {
  UNIT_KINDS,
  createRegion,
  createUnit,
  deleteRegion,
  deleteUnit,
  orgTree,
  updateRegion,
  updateUnit,
  type RegionAdminView,
  type UnitAdminView,
} from './org-admin.js'

/** A new code: as the command line's import takes it (src/org/bootstrap.ts). */
const newCode = {
  type: 'string',
  pattern: ORG_CODE_PATTERN,
  description:
    '字母或数字开头，可用字母、数字和 . _ -，至多 64 个字符；创建后不能修改 / a letter or digit, then letters, digits, . _ -; at most 64; never changes',
} as const
/** Any code a row may hold (older rows were not held to the pattern): an unknown one is a 404. */
const anyCode = { type: 'string', minLength: 1, maxLength: 64 } as const
const codeParams = { type: 'object', required: ['code'], properties: { code: anyCode } } as const
const name = { type: 'string', minLength: 1, maxLength: 100 } as const
const duty = {
  type: ['string', 'null'],
  pattern: '^[a-z][a-z0-9_-]{0,31}$',
  description: '职能（派单规则 @township:<duty>、@county:<duty> 按此找到单位）/ the duty (routing’s @township:<duty>, @county:<duty> find the unit by it)',
} as const

const changed = { updatedAt: nullableString, updatedBy: nullableString, updatedByName: nullableString } as const
const regionAdminSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    name: { type: 'string' },
    nameEn: nullableString,
    level: { type: 'string', enum: [...REGION_LEVELS] },
    parentCode: nullableString,
    path: { type: 'string' },
    tenant: nullableString,
    hasChildren: { type: 'boolean' },
    mayAdminister: {
      type: 'boolean',
      description: '可添加和修改其单位，可在其下添加区域（网格之下除外）/ may add and change its units, and add regions under it (not under a grid)',
    },
    mayRename: { type: 'boolean' },
    ...changed,
  },
} as const
const unitAdminSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    name: { type: 'string' },
    nameEn: nullableString,
    kind: { type: 'string' },
    level: { type: 'string' },
    regionCode: { type: 'string' },
    duty: nullableString,
    members: { type: 'integer', description: '在岗（启用）用户数 / active users placed in it' },
    mayChange: { type: 'boolean' },
    ...changed,
  },
} as const
const treeSchema = {
  type: 'object',
  properties: {
    region: { anyOf: [regionAdminSchema, { type: 'null' }] },
    ancestors: { type: 'array', items: regionAdminSchema },
    children: { type: 'array', items: regionAdminSchema },
    units: { type: 'array', items: unitAdminSchema },
  },
} as const

/**
 * Regions and org units as their administrators see and change them (src/org/org-admin.ts for
 * the rules): the city's administrator everywhere, a county administrator in their county.
 */
export default async function orgAdminRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  const admins = app.requireRole('county_admin')
  const named = <T extends RegionAdminView | UnitAdminView>(items: T[]) => app.org.withNames(items, ['updatedBy'])

  app.get(
    '/api/org/tree',
    {
      onRequest: admins,
      schema: {
        tags: ['org'],
        summary:
          '区域树的一层：区域、其上级、下级区域和单位（县级管理员：本县）/ one level of the region tree: a region, those above it, its children and units',
        security: bearer,
        querystring: { type: 'object', properties: { region: anyCode } },
        response: { 200: treeSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const tree = await orgTree(app.db, request.actor, request.query.region)
      const [region, ancestors, children, units] = await Promise.all([
        tree.region ? named([tree.region]).then((r) => r[0]) : null,
        named(tree.ancestors),
        named(tree.children),
        named(tree.units),
      ])
      return { region, ancestors, children, units }
    },
  )

  app.post(
    '/api/org/regions',
    {
      onRequest: admins,
      schema: {
        tags: ['org'],
        summary: '在区域下添加下级区域（级别随上级，代码创建后不变）/ add a region under another (its level follows the parent; its code never changes)',
        security: bearer,
        body: {
          type: 'object',
          required: ['code', 'name', 'nameEn', 'parentCode'],
          additionalProperties: false,
          properties: { code: newCode, name, nameEn: name, parentCode: anyCode },
        },
        response: { 201: regionAdminSchema, 400: errorSchema, 403: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (request, reply) => {
      const created = await createRegion(app.db, request.actor, request.body)
      request.log.info({ region: created.code, parent: created.parentCode, by: request.actor.username }, 'region added')
      return reply.status(201).send((await named([created]))[0])
    },
  )

  app.patch(
    '/api/org/regions/:code',
    {
      onRequest: admins,
      schema: {
        tags: ['org'],
        summary: '修改区域名称 / rename a region',
        security: bearer,
        params: codeParams,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { name, nameEn: name } },
        response: { 200: regionAdminSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const changedRegion = await updateRegion(app.db, request.actor, request.params.code, request.body)
      request.log.info({ region: changedRegion.code, by: request.actor.username, fields: Object.keys(request.body) }, 'region changed')
      return (await named([changedRegion]))[0]
    },
  )

  app.post(
    '/api/org/units',
    {
      onRequest: admins,
      schema: {
        tags: ['org'],
        summary: '在区域中添加单位（代码创建后不变）/ add a unit in a region (its code never changes)',
        security: bearer,
        body: {
          type: 'object',
          required: ['code', 'name', 'nameEn', 'kind', 'regionCode'],
          additionalProperties: false,
          properties: { code: newCode, name, nameEn: name, kind: { type: 'string', enum: [...UNIT_KINDS] }, regionCode: anyCode, duty },
        },
        response: { 201: unitAdminSchema, 400: errorSchema, 403: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (request, reply) => {
      const created = await createUnit(app.db, request.actor, request.body)
      request.log.info({ unit: created.code, region: created.regionCode, by: request.actor.username }, 'unit added')
      return reply.status(201).send((await named([created]))[0])
    },
  )

  app.patch(
    '/api/org/units/:code',
    {
      onRequest: admins,
      schema: {
        tags: ['org'],
        summary: '修改单位名称或职能（此后受理的案件按新职能派单）/ rename a unit or change its duty (cases filed afterwards are routed by it)',
        security: bearer,
        params: codeParams,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { name, nameEn: name, duty } },
        response: { 200: unitAdminSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const changedUnit = await updateUnit(app.db, request.actor, request.params.code, request.body)
      request.log.info({ unit: changedUnit.code, by: request.actor.username, fields: Object.keys(request.body) }, 'unit changed')
      return (await named([changedUnit]))[0]
    },
  )
  app.delete(
    '/api/org/regions/:code',
    {
      onRequest: admins,
      schema: {
        tags: ['org'],
        summary: '删除尚未被引用的乡镇、村或网格（其下无区域和单位，无用户、案件、派单规则、流程提到它）/ delete a township, village or grid nothing names yet',
        security: bearer,
        params: codeParams,
        response: { 204: { type: 'null' }, 403: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      await deleteRegion(app.db, request.actor, request.params.code)
      request.log.info({ region: request.params.code, by: request.actor.username }, 'region deleted')
      reply.status(204)
    },
  )

  app.delete(
    '/api/org/units/:code',
    {
      onRequest: admins,
      schema: {
        tags: ['org'],
        summary: '删除尚未被引用的单位（无用户、案件、派单规则、流程、任务提到它）/ delete a unit nothing names yet',
        security: bearer,
        params: codeParams,
        response: { 204: { type: 'null' }, 403: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      await deleteUnit(app.db, request.actor, request.params.code)
      request.log.info({ unit: request.params.code, by: request.actor.username }, 'unit deleted')
      reply.status(204)
    },
  )
}
