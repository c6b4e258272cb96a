/** JSON Schemas of the engine routes. */
export { errorSchema, idParams } from '../lib/schemas.js'

export const definitionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    key: { type: 'string' },
    version: { type: 'integer' },
    tenant: { type: ['string', 'null'] },
    name: { type: ['string', 'null'] },
    deployedAt: { type: 'string' },
    deployedBy: { type: ['string', 'null'] },
    /** Names for the version list (the list and the diff fill them; other routes leave them out). */
    deployedByName: { type: ['string', 'null'], description: "部署人姓名 / the deployer's display name" },
    tenantName: { type: ['string', 'null'], description: "县级版本的县名 / the county's name for a county version" },
    tenantNameEn: { type: ['string', 'null'] },
    /** Added for the withdrawal of a key (withdrawals.ts); outside clients' fields above are unchanged. */
    withdrawn: {
      type: 'boolean',
      description: "该范围的此流程是否已停用 / whether the key is withdrawn for this version's tenant: none of its versions there starts",
    },
    withdrawnAt: { type: ['string', 'null'] },
    withdrawnBy: { type: ['string', 'null'] },
    withdrawnByName: { type: ['string', 'null'], description: '停用人姓名 / the display name of who withdrew it' },
  },
} as const

/** `POST /api/process-definitions/key/:key/withdraw` and `/restore`: whose versions. */
export const withdrawBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    tenant: {
      type: ['string', 'null'],
      maxLength: 64,
      description:
        "县代码；null 为市级版本；省略时为本人所管理的范围（县级管理员：本县；系统管理员：市级）/ a county code; null the city's versions; absent: the county administrator's own county, the city for the city's administrator",
    },
  },
} as const

export const withdrawQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { tenant: { type: 'string', maxLength: 64, description: "县代码，省略为市级 / a county code; absent: the city's" } },
} as const

export const withdrawalStateSchema = {
  type: 'object',
  properties: {
    key: { type: 'string' },
    tenant: { type: ['string', 'null'] },
    tenantName: { type: ['string', 'null'] },
    tenantNameEn: { type: ['string', 'null'] },
    withdrawn: { type: 'boolean' },
    withdrawnAt: { type: ['string', 'null'] },
    withdrawnBy: { type: ['string', 'null'] },
    withdrawnByName: { type: ['string', 'null'] },
    inForce: {
      description: '该范围新实例现在使用的版本（没有则为 null）/ the version a new instance of this tenant gets now (null: none can start)',
      anyOf: [{ type: 'object', properties: { id: { type: 'string' }, version: { type: 'integer' }, tenant: { type: ['string', 'null'] } } }, { type: 'null' }],
    },
  },
} as const

export const withdrawalChangeSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    key: { type: 'string' },
    tenant: { type: ['string', 'null'] },
    action: { type: 'string', enum: ['withdrawn', 'restored'] },
    via: {
      type: 'string',
      enum: ['request', 'deploy'],
      description: "管理员操作，或部署新版本时自动恢复 / an administrator's request, or a new version deployed",
    },
    version: { type: ['integer', 'null'] },
    by: { type: 'string' },
    byName: { type: ['string', 'null'] },
    at: { type: 'string' },
  },
} as const

const elementRef = { id: { type: 'string' }, type: { type: 'string' }, name: { type: ['string', 'null'] } } as const
const change = { ...elementRef, field: { type: 'string' }, from: { type: ['string', 'null'] }, to: { type: ['string', 'null'] } } as const
const flowRef = {
  id: { type: 'string' },
  name: { type: ['string', 'null'] },
  source: { type: 'string' },
  target: { type: 'string' },
  sourceName: { type: ['string', 'null'] },
  targetName: { type: ['string', 'null'] },
  condition: { type: ['string', 'null'] },
} as const

export const diffQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    against: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description:
        "对比的版本 id（默认：同一范围的上一版本；县的第一个版本对比当时的市级版本）/ the version to compare with (default: the previous version of the same scope; a county's first version against the city version of its day)",
    },
  },
} as const

export const diffSchema = {
  type: 'object',
  properties: {
    from: { anyOf: [definitionSchema, { type: 'null' }] },
    to: definitionSchema,
    added: { type: 'array', items: { type: 'object', properties: elementRef } },
    removed: { type: 'array', items: { type: 'object', properties: elementRef } },
    renamed: { type: 'array', items: { type: 'object', properties: { ...elementRef, from: { type: ['string', 'null'] }, to: { type: ['string', 'null'] } } } },
    changed: { type: 'array', items: { type: 'object', properties: change } },
    flows: {
      type: 'object',
      properties: {
        added: { type: 'array', items: { type: 'object', properties: flowRef } },
        removed: { type: 'array', items: { type: 'object', properties: flowRef } },
        changed: {
          type: 'array',
          items: { type: 'object', properties: { ...change, sourceName: { type: ['string', 'null'] }, targetName: { type: ['string', 'null'] } } },
        },
      },
    },
  },
} as const

export const keyParams = { type: 'object', required: ['key'], properties: { key: { type: 'string', minLength: 1, maxLength: 200 } } } as const

export const listDefinitionsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { key: { type: 'string', maxLength: 200 }, tenant: { type: 'string', maxLength: 64 } },
} as const

export const deployBody = {
  type: 'object',
  required: ['xml'],
  additionalProperties: false,
  properties: {
    xml: { type: 'string', minLength: 1, maxLength: 1_000_000 },
    tenant: { type: ['string', 'null'], maxLength: 64 },
  },
} as const

/** Every field is optional (api.md: `{variables?, tenant?, caseId?}`), so no body at all is `{}` too. */
export const startBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    variables: { type: 'object', additionalProperties: true },
    tenant: { type: ['string', 'null'], maxLength: 64 },
    caseId: { type: ['string', 'null'], maxLength: 64 },
  },
} as const

const activitySchema = {
  type: 'object',
  properties: { id: { type: 'string' }, type: { type: 'string' }, name: { type: ['string', 'null'] }, executionId: { type: 'string' } },
} as const

export const instanceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    definition: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        key: { type: 'string' },
        version: { type: 'integer' },
        tenant: { type: ['string', 'null'] },
        name: { type: ['string', 'null'] },
      },
    },
    state: { type: 'string' },
    status: { type: 'string' },
    caseId: { type: ['string', 'null'] },
    parentId: { type: ['string', 'null'] },
    variables: { type: 'object', additionalProperties: true },
    activeActivities: { type: 'array', items: activitySchema },
    activeTasks: { type: 'array', items: { type: 'object', additionalProperties: true } },
    startedAt: { type: 'string' },
    endedAt: { type: ['string', 'null'] },
    error: { type: ['string', 'null'] },
  },
} as const

export const historyItemSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    instanceId: { type: ['string', 'null'] },
    caseId: { type: ['string', 'null'] },
    type: { type: 'string' },
    elementId: { type: ['string', 'null'] },
    elementType: { type: ['string', 'null'] },
    name: { type: ['string', 'null'] },
    actor: { type: ['string', 'null'] },
    at: { type: 'string' },
    data: {},
  },
} as const

export const messageBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    instanceId: { type: 'string', maxLength: 64 },
    caseId: { type: 'string', maxLength: 64 },
    variables: { type: 'object', additionalProperties: true },
  },
} as const

export const signalBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, variables: { type: 'object', additionalProperties: true } },
} as const
