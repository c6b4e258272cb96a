import { publicPetitionBody, petitionerIn } from '../cases/schemas.js'
import { nullableString, personName } from '../lib/schemas.js'

/**
 * Route schemas of the GeoReport v2 endpoints. Field shapes follow the standard's JSON schemas
 * (../shared/data/open311-georeport-v2/, copied for the tests into test/fixtures/open311/);
 * the response schemas list every field, since Fastify's serializer drops what a schema omits.
 */

export const formatParam = { type: 'string', enum: ['json', 'xml'] } as const
const apiKey = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  description: '客户端 API 密钥（演示模式接受 demo）/ the client’s API key (demo mode accepts demo)',
} as const
const jurisdictionId = { type: 'string', minLength: 1, maxLength: 64, description: '市或县的区域代码 / a city or county region code' } as const

export const formatOnlyParams = { type: 'object', required: ['format'], properties: { format: formatParam } } as const
export const serviceParams = {
  type: 'object',
  required: ['service_code', 'format'],
  properties: { service_code: { type: 'string', minLength: 1, maxLength: 64 }, format: formatParam },
} as const
export const requestParams = {
  type: 'object',
  required: ['service_request_id', 'format'],
  properties: { service_request_id: { type: 'string', minLength: 1, maxLength: 64 }, format: formatParam },
} as const
export const tokenParams = {
  type: 'object',
  required: ['token', 'format'],
  properties: { token: { type: 'string', minLength: 1, maxLength: 64 }, format: formatParam },
} as const

/** GET queries: parameters the standard names; others are ignored (clients send vendor extensions such as `extensions=true`). */
export const readQuery = {
  type: 'object',
  properties: { jurisdiction_id: jurisdictionId, api_key: apiKey },
} as const

export const requestsQuery = {
  type: 'object',
  properties: {
    jurisdiction_id: jurisdictionId,
    api_key: apiKey,
    service_request_id: {
      type: 'string',
      maxLength: 20_000,
      description: '逗号分隔的案件编号；给出时忽略其他条件 / comma-separated case numbers; overrides every other filter',
    },
    service_code: { type: 'string', maxLength: 2_000, description: '逗号分隔 / comma-separated' },
    start_date: { type: 'string', format: 'date-time' },
    end_date: { type: 'string', format: 'date-time' },
    status: { type: 'string', maxLength: 20, description: 'open、closed 或 open,closed' },
  },
} as const

/** POST requests, form-encoded (or JSON): the standard's parameters, the intake's limits. */
export const submitBody = {
  type: 'object',
  required: ['service_code'],
  additionalProperties: false,
  properties: {
    api_key: apiKey,
    jurisdiction_id: jurisdictionId,
    service_code: { type: 'string', minLength: 1, maxLength: 64 },
    lat: publicPetitionBody.properties.lat,
    long: publicPetitionBody.properties.lng,
    address_string: publicPetitionBody.properties.address,
    address_id: { type: 'string', maxLength: 255 },
    email: { type: 'string', maxLength: 254, description: '接受但不保存 / accepted, not stored' },
    device_id: { type: 'string', maxLength: 255, description: '接受但不保存 / accepted, not stored' },
    account_id: { type: 'string', maxLength: 255, description: '接受但不保存 / accepted, not stored' },
    first_name: personName(100),
    last_name: personName(100),
    phone: petitionerIn.properties.phone,
    description: { type: 'string', maxLength: 4000 },
    media_url: { type: 'string', format: 'uri', maxLength: 2000 },
    attribute: {
      type: 'object',
      maxProperties: 20,
      propertyNames: { maxLength: 64 },
      additionalProperties: { type: 'string', maxLength: 4000 },
    },
  },
} as const

const nullableNumber = { type: ['number', 'null'] } as const

export const serviceSchema = {
  type: 'object',
  properties: {
    service_code: { type: 'string' },
    service_name: { type: 'string' },
    description: nullableString,
    metadata: { type: 'boolean' },
    type: { type: 'string', enum: ['realtime', 'batch', 'blackbox'] },
    keywords: nullableString,
    group: nullableString,
  },
} as const

export const definitionSchema = {
  type: 'object',
  properties: {
    service_code: { type: 'string' },
    attributes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          variable: { type: 'boolean' },
          code: { type: 'string' },
          datatype: { type: 'string' },
          required: { type: 'boolean' },
          datatype_description: nullableString,
          order: { type: 'integer' },
          description: nullableString,
          values: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, name: { type: 'string' } } } },
        },
      },
    },
  },
} as const

export const requestSchema = {
  type: 'object',
  properties: {
    service_request_id: { type: 'string' },
    status: { type: 'string', enum: ['open', 'closed'] },
    status_notes: nullableString,
    service_name: nullableString,
    service_code: { type: 'string' },
    description: nullableString,
    agency_responsible: nullableString,
    service_notice: nullableString,
    requested_datetime: { type: 'string' },
    updated_datetime: nullableString,
    expected_datetime: nullableString,
    address: nullableString,
    address_id: nullableString,
    zipcode: nullableString,
    lat: nullableNumber,
    long: nullableNumber,
    media_url: nullableString,
  },
} as const

export const submitAnswerSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      service_request_id: { type: 'string' },
      token: { type: 'string' },
      service_notice: { type: 'string' },
      tracking_code: { type: 'string', description: '查询码（非 GeoReport 字段）/ the tracking code (not a GeoReport field)' },
    },
  },
} as const

export const tokenAnswerSchema = {
  type: 'array',
  items: { type: 'object', properties: { service_request_id: { type: 'string' }, token: { type: 'string' } } },
} as const

/** The standard's error body: `[{code, description}]` (XML: `<errors><error>…`). */
export const errorsSchema = {
  type: 'array',
  items: { type: 'object', properties: { code: { type: 'integer' }, description: { type: 'string' } } },
} as const

// ── key administration (/api/open311/keys) ──────────────────────────────────

export const keySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    prefix: { type: 'string' },
    jurisdiction: nullableString,
    rateLimit: { type: 'integer' },
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    revokedAt: nullableString,
    revokedBy: nullableString,
  },
} as const

export const issuedKeySchema = {
  type: 'object',
  properties: { ...keySchema.properties, apiKey: { type: 'string', description: '只在此回答中出现一次 / shown in this answer only' } },
} as const

export const issueKeyBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
    jurisdiction: { type: ['string', 'null'], minLength: 1, maxLength: 64 },
    rateLimit: { type: 'integer', minimum: 1, maximum: 100_000 },
  },
} as const
