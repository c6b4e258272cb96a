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

export const startBody = {
  type: 'object',
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
      properties: { id: { type: 'string' }, key: { type: 'string' }, version: { type: 'integer' }, tenant: { type: ['string', 'null'] }, name: { type: ['string', 'null'] } },
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
