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
