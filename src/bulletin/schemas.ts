import { rateBlock } from '../metrics/schemas.js'
import { errorSchema } from '../lib/schemas.js'
import { APPLIES_TO, CODE_PATTERN } from './items.js'
import { FACT_NAMES } from './facts.js'

export const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema } as const

const month = { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM（中国时间）/ month, China time' } as const
const regionParam = { type: 'string', minLength: 1, maxLength: 100, description: '区域代码（含下级）/ region code (its subtree)' } as const

export const monthParams = { type: 'object', required: ['month'], properties: { month } } as const
export const regionQuery = { type: 'object', properties: { region: regionParam }, additionalProperties: false } as const
/**
 * Publishing's body: empty, or the region as the query gives it. A client that sent the region
 * in the body had it ignored and published its own county's bulletin instead.
 */
export const publishBody = { type: ['object', 'null'], properties: { region: regionParam }, additionalProperties: false } as const

export const casesQuery = {
  type: 'object',
  required: ['kind', 'unit'],
  additionalProperties: false,
  properties: {
    region: regionParam,
    kind: {
      type: 'string',
      enum: ['township', 'department'],
      description: '乡镇（区域代码）或部门（单位代码）/ township (region code) or department (unit code)',
    },
    unit: { type: 'string', minLength: 1, maxLength: 100 },
    item: {
      type: 'string',
      minLength: 1,
      maxLength: 40,
      description: '计分项代码；省略则列出所有计分的案件 / an item code; without it every case that scores',
    },
  },
} as const

const itemProps = {
  code: { type: 'string', pattern: CODE_PATTERN },
  name: { type: ['string', 'null'], maxLength: 60 },
  nameEn: { type: ['string', 'null'], maxLength: 120 },
  appliesTo: { type: ['string', 'null'], enum: [...APPLIES_TO, null] },
  points: { type: ['number', 'null'], description: '每次计分（负数为扣分）/ points per count (negative: a penalty)' },
  count: {
    type: ['string', 'null'],
    maxLength: 500,
    description: `计数项名称，或以 = 开头的 FEEL 表达式 / a fact (${[...FACT_NAMES].join(', ')}) or a FEEL expression =… over the facts and category, channel, urgency, procedure, level, resolvedLevel, status`,
  },
  enabled: { type: ['boolean', 'null'] },
} as const
const itemInput = { type: 'object', required: ['code'], additionalProperties: false, properties: itemProps } as const
const itemOut = { type: 'object', properties: { ...itemProps, source: { type: 'string', enum: ['city', 'county'] } } } as const

export const itemsQuery = { type: 'object', additionalProperties: false, properties: { county: { type: 'string', minLength: 1, maxLength: 100 } } } as const
export const itemsBody = {
  type: 'object',
  required: ['items'],
  additionalProperties: false,
  properties: { items: { type: 'array', maxItems: 200, items: itemInput } },
} as const
export const itemsResponse = {
  type: 'object',
  properties: {
    county: { type: ['string', 'null'] },
    items: { type: 'array', items: itemOut, description: '生效的计分项 / the items in force' },
    city: { type: 'array', items: itemInput, description: '全市计分项 / the city list' },
    overrides: { type: 'array', items: itemInput, description: '本县的覆盖与新增 / the county overrides and additions' },
    facts: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, name: { type: 'string' }, nameEn: { type: 'string' } } } },
  },
} as const

const itemScore = { type: 'object', properties: { code: { type: 'string' }, count: { type: 'number' }, points: { type: 'number' } } } as const
const unitRow = {
  type: 'object',
  properties: {
    rank: { type: 'integer' },
    kind: { type: 'string' },
    key: { type: 'string' },
    label: { type: 'string' },
    labelEn: { type: ['string', 'null'] },
    points: { type: 'number', description: '总分 / total points' },
    received: { type: 'integer', description: '本月受理（含剔除）/ cases of the month counted for the unit, excluded included' },
    excluded: { type: 'integer' },
    items: { type: 'array', items: itemScore },
    rates: { ...rateBlock, description: '剔除后的三率 / the rates, excluded cases left out' },
  },
} as const
export const bulletinSchema = {
  type: 'object',
  properties: {
    month: { type: 'string' },
    region: {
      type: ['object', 'null'],
      properties: { code: { type: 'string' }, name: { type: 'string' }, nameEn: { type: ['string', 'null'] }, path: { type: 'string' } },
    },
    county: { type: ['string', 'null'] },
    asOf: { type: 'string' },
    items: { type: 'array', items: itemOut },
    overall: { type: 'object', properties: { received: { type: 'integer' }, excluded: { type: 'integer' }, rates: rateBlock } },
    townships: { type: 'array', items: unitRow },
    departments: { type: 'array', items: unitRow },
  },
} as const

export const casesResponse = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          item: { type: 'string' },
          caseId: { type: 'string' },
          caseNo: { type: 'string' },
          title: { type: ['string', 'null'] },
          category: { type: 'string' },
          status: { type: 'string' },
          regionCode: { type: 'string' },
          department: { type: ['string', 'null'] },
          count: { type: 'number' },
          points: { type: 'number' },
        },
      },
    },
  },
} as const

export const publishResponse = {
  type: 'object',
  properties: { month: { type: 'string' }, region: { type: 'string' }, publishedAt: { type: 'string' }, bulletin: bulletinSchema },
} as const

const publicRates = {
  type: 'object',
  properties: {
    received: { type: 'integer' },
    responseRate: { type: ['number', 'null'] },
    resolutionRate: { type: ['number', 'null'] },
    satisfactionRate: { type: ['number', 'null'] },
    closureRate: { type: ['number', 'null'] },
    onTimeRate: { type: ['number', 'null'] },
  },
} as const
const publicUnit = {
  type: 'object',
  properties: {
    rank: { type: 'integer' },
    code: { type: 'string' },
    name: { type: 'string' },
    nameEn: { type: ['string', 'null'] },
    points: { type: 'number' },
    rates: publicRates,
  },
} as const
export const publicQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { county: { type: 'string', minLength: 1, maxLength: 100 }, month },
} as const
export const publicResponse = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          month: { type: 'string' },
          region: { type: 'object', properties: { code: { type: 'string' }, name: { type: 'string' }, nameEn: { type: ['string', 'null'] } } },
          publishedAt: { type: 'string' },
          overall: publicRates,
          townships: { type: 'array', items: publicUnit },
          departments: { type: 'array', items: publicUnit },
        },
      },
    },
  },
} as const
