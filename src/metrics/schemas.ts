import { EXCLUSIONS, GROUP_BY, PERIOD_PATTERN } from './service.js'

const rate = { type: ['number', 'null'], minimum: 0, maximum: 1 } as const
const count = { type: 'integer', minimum: 0 } as const

/** The counts and rates of one set of cases (rates: numerator / denominator, null when it is 0). */
export const rateBlockProperties = {
  received: { ...count, description: '期内受理数（含剔除件）/ cases received (created) in the period, excluded ones included' },
  excluded: { ...count, description: '剔除件数 / received cases excluded from assessment (an approved 剔单 stands)' },
  assessed: { ...count, description: '考核基数 / the cases the rates judge: received − excluded when exclusions apply, else received' },
  responded: { ...count, description: '按时响应数 / responded_at set and ≤ response_due_at' },
  responseRate: { ...rate, description: '响应率 / responded ÷ assessed' },
  closed: { ...count, description: '办结数 / cases of the period now closed' },
  closureRate: { ...rate, description: '办结率 / closed ÷ assessed' },
  evaluated: { ...count, description: '已评价数 / cases with a citizen evaluation' },
  resolved: { ...count, description: '评价为已解决数 / evaluations saying resolved' },
  resolutionRate: { ...rate, description: '解决率 / resolved ÷ evaluated' },
  satisfied: { ...count, description: '满意与基本满意数 / satisfied + basically satisfied' },
  satisfactionRate: { ...rate, description: '满意率 / satisfied ÷ evaluated' },
  onTime: {
    ...count,
    description: '按期办结数 / closed, and the unit reported its result (resolved_at) by resolve_due_at (definitions: onTimeBy, closedWithoutDeadline)',
  },
  onTimeBase: {
    ...count,
    description: '参与按期考核的办结数 / closed cases judged for timeliness: those with a deadline (all closed when closedWithoutDeadline is onTime)',
  },
  closedNoDeadline: { ...count, description: '无办理时限的办结数 / closed cases without a resolution deadline, counted apart by default' },
  notEvaluated: {
    ...count,
    description: '评价期满未评价数 / closed as not evaluated when the evaluation period ran out (neither satisfied nor dissatisfied: not in evaluated)',
  },
  onTimeRate: { ...rate, description: '按期办结率 / onTime ÷ onTimeBase' },
  atOrBelowTownship: {
    ...count,
    description: '乡镇及以下解决数 / closed with resolved_level grid, village or township, unless the citizen said it was not resolved',
  },
  atOrBelowTownshipRate: { ...rate, description: '乡镇及以下解决占比 / atOrBelowTownship ÷ closed' },
} as const

export const rateBlock = { type: 'object', properties: rateBlockProperties } as const

const keyed = {
  key: { type: ['string', 'null'], description: '分组键 / group key (month YYYY-MM, region code, department code, top-level category)' },
  label: { type: 'string' },
  labelEn: { type: ['string', 'null'] },
} as const

const regionRef = {
  type: ['object', 'null'],
  properties: { code: { type: 'string' }, name: { type: 'string' }, path: { type: 'string' } },
} as const

const period = {
  type: 'string',
  pattern: PERIOD_PATTERN,
  description: 'YYYY-MM | YYYY-MM-DD | ISO date-time; dates are China time, `to` includes the whole month/day',
} as const

export const ratesQuery = {
  type: 'object',
  properties: {
    from: period,
    to: period,
    region: { type: 'string', minLength: 1, maxLength: 100, description: '区域代码（含下级）/ region code (its subtree)' },
    department: { type: 'string', minLength: 1, maxLength: 100, description: '部门（单位代码）/ department (org unit code)' },
    category: { type: 'string', minLength: 1, maxLength: 100, description: '类别（含子类）/ category code (with its children)' },
    groupBy: { type: 'string', enum: [...GROUP_BY] },
    exclusions: {
      type: 'string',
      enum: [...EXCLUSIONS],
      default: 'apply',
      description: '剔单是否生效 / apply: excluded cases stay in received but leave every rate; ignore: counted like any case',
    },
  },
} as const

export const ratesResponse = {
  type: 'object',
  properties: {
    groupBy: { type: ['string', 'null'] },
    period: { type: 'object', properties: { from: { type: ['string', 'null'] }, to: { type: ['string', 'null'] } } },
    region: regionRef,
    department: { type: ['string', 'null'] },
    category: { type: ['string', 'null'] },
    exclusions: { type: 'string' },
    overall: rateBlock,
    groups: { type: 'array', items: { type: 'object', properties: { ...keyed, ...rateBlockProperties } } },
  },
} as const

export const overviewQuery = {
  type: 'object',
  properties: {
    month: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM (China time); default: this month' },
    region: { type: 'string', minLength: 1, maxLength: 100 },
    exclusions: {
      type: 'string',
      enum: [...EXCLUSIONS],
      default: 'apply',
      description: '剔单是否生效 / apply: excluded cases stay in received but leave every rate; ignore: counted like any case',
    },
  },
} as const

const countItem = { type: 'object', properties: { key: { type: 'string' }, count: count } } as const
const ranked = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      rank: { type: 'integer' },
      ...keyed,
      ...rateBlockProperties,
      score: { type: ['number', 'null'], description: '综合得分 / weighted mean of the available rates' },
    },
  },
} as const

export const overviewResponse = {
  type: 'object',
  properties: {
    month: { type: 'string' },
    region: regionRef,
    exclusions: { type: 'string' },
    totals: {
      type: 'object',
      description: '本月 / this month: rates plus counts by status and channel',
      properties: {
        month: { type: 'string' },
        ...rateBlockProperties,
        byStatus: { type: 'array', items: countItem },
        byChannel: { type: 'array', items: countItem },
      },
    },
    topCategories: { type: 'array', items: { type: 'object', properties: { ...keyed, count } } },
    trend: {
      type: 'array',
      description: '近12个月 / the 12 months ending at `month`',
      items: { type: 'object', properties: { month: { type: 'string' }, ...rateBlockProperties } },
    },
    townships: { ...ranked, description: '乡镇（街道）排名 / townships ranked by combined score this month' },
    departments: { ...ranked, description: '部门排名 / departments ranked by combined score this month' },
    scoreWeights: {
      type: 'object',
      properties: { responseRate: { type: 'number' }, closureRate: { type: 'number' }, onTimeRate: { type: 'number' }, satisfactionRate: { type: 'number' } },
    },
  },
} as const

/**
 * A list of status / satisfaction / level values. Each is bound once per use in the aggregate
 * query: an unbounded list ran past the databases' limit on bound variables (500).
 */
const valueList = { type: 'array', maxItems: 32, items: { type: 'string', maxLength: 64 } } as const

export const definitionsSchema = {
  type: 'object',
  properties: {
    closedStatuses: valueList,
    satisfiedValues: valueList,
    townshipOrBelowLevels: valueList,
    noDeadlineIsOnTime: { type: 'boolean' },
    onTimeBy: { type: 'string', enum: ['finished', 'closed'] },
    closedWithoutDeadline: { type: 'string', enum: ['apart', 'onTime'] },
    utcOffsetMinutes: { type: 'integer', minimum: -840, maximum: 840 },
    scoreWeights: {
      type: 'object',
      properties: {
        responseRate: { type: 'number', minimum: 0 },
        closureRate: { type: 'number', minimum: 0 },
        onTimeRate: { type: 'number', minimum: 0 },
        satisfactionRate: { type: 'number', minimum: 0 },
      },
    },
  },
} as const

export const ageingQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { region: { type: 'string', minLength: 1, maxLength: 100 } },
} as const

export const ageingResponse = {
  type: 'object',
  properties: {
    asOf: { type: 'string' },
    region: { type: ['object', 'null'], properties: { code: { type: 'string' }, name: { type: 'string' }, path: { type: 'string' } } },
    open: { type: 'integer' },
    buckets: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          key: { type: 'string', enum: ['notDue', '0-1d', '1-3d', '3-7d', '7-30d', '30d+'], description: '超期天数段 / days past the handling deadline' },
          count: { type: 'integer' },
        },
      },
    },
  },
} as const
