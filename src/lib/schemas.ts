/** JSON Schema pieces every capability's routes use. */
export const nullableString = { type: ['string', 'null'] } as const
export const stringList = { type: 'array', items: { type: 'string' } } as const

/** OpenAPI security requirement of the routes that take a bearer token. */
export const bearer = [{ bearer: [] }]

/** The error body of ../shared/api.md. */
export const errorSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    details: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const

export const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const

/** A page of a list: `total` is exact up to a cap and given on the first page only. */
export function pageSchema(items: object) {
  return {
    type: 'object',
    properties: {
      items: { type: 'array', items },
      total: { type: 'integer', description: '匹配总数（首页，精确到上限）/ matches, exact up to the cap, first page only' },
      totalAtLeast: { type: 'integer', description: '超过上限时：至少这么多 / past the cap: at least this many' },
      next: { type: ['string', 'null'] },
    },
  } as const
}
