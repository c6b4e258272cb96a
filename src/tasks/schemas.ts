/** JSON Schemas of the task routes (ajv validates requests; responses are documented in OpenAPI). */
export const taskSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: ['string', 'null'] },
    elementId: { type: 'string' },
    instanceId: { type: 'string' },
    caseId: { type: ['string', 'null'] },
    processKey: { type: 'string' },
    tenant: { type: ['string', 'null'] },
    assignee: { type: ['string', 'null'] },
    candidateUsers: { type: 'array', items: { type: 'string' } },
    candidateGroups: { type: 'array', items: { type: 'string' } },
    dueAt: { type: ['string', 'null'] },
    overdue: { type: 'boolean' },
    priority: { type: 'number' },
    formKey: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['open', 'completed', 'cancelled'] },
    createdAt: { type: 'string' },
    claimedAt: { type: ['string', 'null'] },
    endedAt: { type: ['string', 'null'] },
    completedBy: { type: ['string', 'null'] },
    data: { type: ['object', 'null'], additionalProperties: true },
    form: { type: ['object', 'null'], additionalProperties: true },
    case: { type: ['object', 'null'], additionalProperties: true },
    actions: { type: 'array', items: { type: 'string' } },
  },
} as const

export const taskIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    assigned: { type: 'string', enum: ['me', 'candidate', 'all'], default: 'all' },
    caseId: { type: 'string', maxLength: 64 },
    instanceId: { type: 'string', maxLength: 64 },
    overdue: { type: 'boolean' },
    status: { type: 'string', enum: ['open', 'completed', 'cancelled'] },
    sort: { type: 'string', enum: ['created', 'due'] },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 512 },
    offset: { type: 'integer', minimum: 0, maximum: 1000000 },
  },
} as const

export const completeBody = {
  type: 'object',
  additionalProperties: false,
  properties: { data: { type: 'object', additionalProperties: true, default: {} } },
} as const
