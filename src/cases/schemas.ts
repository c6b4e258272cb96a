import { CHANNELS, PETITIONER_TYPES, STATUSES, URGENCIES } from './service.js'
import { LEVELS, PROCEDURES } from './routing.js'
import { nullableString, personName } from '../lib/schemas.js'

const nullableNumber = { type: ['number', 'null'] } as const

export { errorSchema as errorRef, idParams } from '../lib/schemas.js'

export const petitionerIn = {
  type: 'object',
  required: ['type', 'anonymous'],
  additionalProperties: false,
  properties: {
    type: { type: 'string', enum: [...PETITIONER_TYPES] },
    name: personName(100),
    phone: { type: 'string', maxLength: 30, pattern: '^[0-9+\\-() ]*$' },
    anonymous: { type: 'boolean' },
  },
} as const

const petitionFields = {
  title: { type: 'string', maxLength: 200 },
  description: { type: 'string', minLength: 1, maxLength: 5000 },
  category: { type: 'string', minLength: 1, maxLength: 64 },
  regionCode: { type: 'string', minLength: 1, maxLength: 64 },
  address: { type: 'string', maxLength: 300 },
  lat: { type: 'number', minimum: -90, maximum: 90 },
  lng: { type: 'number', minimum: -180, maximum: 180 },
  urgency: { type: 'string', enum: [...URGENCIES] },
  petitioner: petitionerIn,
} as const

/**
 * The largest body a valid public petition can take, so that no valid petition is refused for
 * its size (a full Chinese one, 16,665 bytes of UTF-8, was a 413 under the former 16 KB): each
 * string field at its `maxLength` (ajv counts characters, code points) times 6 bytes, the
 * longest JSON writes a character of the Basic Multilingual Plane (`\uXXXX`, what a client that
 * escapes non-ASCII text sends, such as Python's default `json.dumps`; UTF-8 takes at most 4),
 * plus 2 KB for the keys, punctuation, numbers and enumerated values. Anything larger is a 413.
 */
export const PUBLIC_PETITION_BODY_LIMIT = 6 * maxChars(publicPetitionFields()) + 2048

function publicPetitionFields(): object[] {
  return [petitionFields, petitionerIn.properties]
}
function maxChars(groups: object[]): number {
  const length = (f: unknown) => (f && typeof f === 'object' && 'maxLength' in f && typeof f.maxLength === 'number' ? f.maxLength : 0)
  return groups.flatMap((g) => Object.values(g)).reduce((n: number, f) => n + length(f), 0)
}

export const publicPetitionBody = {
  type: 'object',
  required: ['description', 'category', 'regionCode', 'petitioner'],
  additionalProperties: false,
  properties: { ...petitionFields, channel: { type: 'string', enum: ['web', 'wechat', 'mini_program', 'app'] } },
} as const

export const intakeBody = {
  type: 'object',
  required: ['channel', 'description', 'category', 'regionCode', 'petitioner'],
  additionalProperties: false,
  properties: { ...petitionFields, channel: { type: 'string', enum: [...CHANNELS] } },
} as const

export const caseSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    caseNo: { type: 'string' },
    channel: { type: 'string' },
    petitioner: {
      type: 'object',
      properties: { type: { type: 'string' }, name: nullableString, phone: nullableString, anonymous: { type: 'boolean' } },
    },
    title: nullableString,
    description: { type: 'string' },
    category: { type: 'string' },
    categoryName: nullableString,
    regionCode: { type: 'string' },
    address: nullableString,
    lat: nullableNumber,
    lng: nullableNumber,
    urgency: { type: 'string' },
    procedure: { type: 'string' },
    status: { type: 'string', enum: [...STATUSES] },
    level: nullableString,
    resolvedLevel: nullableString,
    ownerUnit: nullableString,
    ownerUnitName: nullableString,
    ownerUnitNameEn: nullableString,
    regionName: nullableString,
    regionNameEn: nullableString,
    tenant: nullableString,
    responseDueAt: nullableString,
    resolveDueAt: nullableString,
    respondedAt: nullableString,
    resolvedAt: nullableString,
    createdAt: { type: 'string' },
    closedAt: nullableString,
    overdue: { type: 'boolean' },
    /** The main case's id when this one was linked as a duplicate (重复件). */
    duplicateOf: nullableString,
    /** The recurring problem (共性问题) the case belongs to. */
    clusterId: nullableString,
    result: nullableString,
    instanceId: nullableString,
    evaluation: {
      type: ['object', 'null'],
      properties: { resolved: { type: ['boolean', 'null'] }, satisfaction: nullableString, comment: nullableString, evaluatedAt: nullableString },
    },
    evaluationExpiredAt: { ...nullableString, description: '评价期满未评价、按未评价结案的时间 / when the case closed as not evaluated' },
    excludedAt: {
      ...nullableString,
      description: '剔单获批的时间（不计入考核，撤销后为 null）/ when an approved exclusion took the case out of the assessment (null once reversed)',
    },
    activeTasks: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const

export const caseListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...STATUSES] },
    procedure: { type: 'string', enum: [...PROCEDURES] },
    category: { type: 'string', maxLength: 64 },
    region: { type: 'string', maxLength: 64 },
    channel: { type: 'string', maxLength: 32 },
    overdue: { type: 'boolean' },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    q: { type: 'string', maxLength: 200 },
    limit: { type: 'integer', minimum: 1, maximum: 200 },
    cursor: { type: 'string', maxLength: 500 },
    offset: { type: 'integer', minimum: 0, maximum: 1000000 },
  },
} as const

export const evaluationBody = {
  type: 'object',
  required: ['resolved', 'satisfaction'],
  additionalProperties: false,
  properties: {
    resolved: { type: 'boolean' },
    satisfaction: { type: 'string', enum: ['satisfied', 'basically_satisfied', 'dissatisfied'] },
    comment: { type: 'string', maxLength: 2000 },
  },
} as const

export const publicEvaluationBody = {
  ...evaluationBody,
  required: ['code', 'resolved', 'satisfaction'],
  properties: { ...evaluationBody.properties, code: { type: 'string', minLength: 1, maxLength: 16 } },
} as const

export const trackParams = { type: 'object', required: ['caseNo'], properties: { caseNo: { type: 'string', minLength: 1, maxLength: 40 } } } as const

export const trackSchema = {
  type: 'object',
  properties: {
    caseNo: { type: 'string' },
    status: { type: 'string' },
    statusName: { type: 'string' },
    title: nullableString,
    category: { type: 'string' },
    categoryName: nullableString,
    categoryNames: { type: ['object', 'null'], properties: { name: { type: 'string' }, nameEn: nullableString } },
    procedure: { type: 'string' },
    result: { ...nullableString, description: '办理结果（反馈后，原文）/ the result as the handler wrote it, once reported back' },
    createdAt: { type: 'string' },
    responseDueAt: nullableString,
    resolveDueAt: nullableString,
    respondedAt: nullableString,
    closedAt: nullableString,
    awaitingEvaluation: { type: 'boolean' },
    evaluation: { type: ['object', 'null'], properties: { resolved: { type: 'boolean' }, satisfaction: nullableString, evaluatedAt: nullableString } },
    /** Set when the case was linked as a duplicate: it follows this main case. */
    duplicateOf: { type: ['object', 'null'], properties: { caseNo: { type: 'string' } } },
    timeline: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          at: { type: 'string' },
          type: { type: 'string' },
          status: nullableString,
          message: nullableString,
          data: { type: 'object', additionalProperties: true },
          caseNo: { type: 'string' },
        },
      },
    },
    /** What the citizen was told (办结告知): message key + params, and the bilingual text. */
    notices: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          at: { type: 'string' },
          kind: { type: 'string' },
          key: { type: 'string' },
          params: { type: 'object', additionalProperties: true },
          text: { type: 'string' },
          delivered: { type: 'boolean' },
        },
      },
    },
  },
} as const

export const historyItemSchema = {
  type: 'object',
  properties: {
    at: { type: 'string' },
    source: { type: 'string', enum: ['engine', 'case'] },
    type: { type: 'string' },
    actor: nullableString,
    actorName: { type: ['string', 'null'], description: "执行人姓名 / the actor's display name (null for the platform's own actors)" },
    instanceId: nullableString,
    elementId: nullableString,
    elementType: nullableString,
    name: nullableString,
    from: {},
    to: {},
    message: nullableString,
    data: {},
  },
} as const

export const categorySchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    name: { type: 'string' },
    nameEn: nullableString,
    parentCode: nullableString,
    children: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const

export const ruleIn = {
  type: 'object',
  required: ['owner'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', maxLength: 64 },
    category: { type: ['string', 'null'], maxLength: 64 },
    region: { type: ['string', 'null'], maxLength: 64 },
    owner: { type: 'string', minLength: 1, maxLength: 64 },
    level: { type: ['string', 'null'], enum: [...LEVELS, null] },
    procedure: { type: ['string', 'null'], enum: [...PROCEDURES, null] },
    responseLimit: { type: ['string', 'null'], maxLength: 32 },
    resolveLimit: { type: ['string', 'null'], maxLength: 32 },
  },
} as const

export const ruleSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenant: nullableString,
    category: nullableString,
    region: nullableString,
    owner: { type: 'string' },
    level: nullableString,
    procedure: nullableString,
    responseLimit: nullableString,
    resolveLimit: nullableString,
    sort: { type: 'integer' },
    updatedAt: { type: 'string' },
    updatedBy: nullableString,
  },
} as const

export const rulesPutBody = {
  type: 'object',
  required: ['rules'],
  additionalProperties: false,
  properties: { tenant: { type: ['string', 'null'], maxLength: 64 }, rules: { type: 'array', maxItems: 2000, items: ruleIn } },
} as const

/** The longest extension one request may ask for; `case.extend` holds the variable to it too. */
export const EXTENSION_MAX_DAYS = 90

export const extensionBody = {
  type: 'object',
  required: ['days', 'reason'],
  additionalProperties: false,
  properties: { days: { type: 'integer', minimum: 1, maximum: EXTENSION_MAX_DAYS }, reason: { type: 'string', minLength: 1, maxLength: 2000 } },
} as const

export const returnBody = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } },
} as const

/** A similar case (src/cases/similar.ts): the parts of its score, each 0..1. */
export const similarSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    caseNo: { type: 'string' },
    title: nullableString,
    status: { type: 'string' },
    category: { type: 'string' },
    regionCode: { type: 'string' },
    createdAt: { type: 'string' },
    score: { type: 'number' },
    text: { type: 'number' },
    place: { type: 'number' },
    categoryMatch: { type: 'number' },
  },
} as const

export const duplicateBody = {
  type: 'object',
  required: ['mainCaseId'],
  additionalProperties: false,
  properties: { mainCaseId: { type: 'string', minLength: 1, maxLength: 64 }, note: { type: 'string', maxLength: 1000 } },
} as const
