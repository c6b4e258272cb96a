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
    assigneeName: { type: ['string', 'null'], description: "办理人姓名 / the assignee's display name" },
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
    completedByName: { type: ['string', 'null'], description: '完成人姓名 / who completed it, by display name' },
    data: { type: ['object', 'null'], additionalProperties: true },
    form: {
      type: ['object', 'null'],
      properties: {
        key: { type: ['string', 'null'], description: "表单键（可无）/ the task's form key, null for a form declared in the diagram without one" },
        schema: { type: 'object', additionalProperties: true, description: 'form-js schema' },
        versionId: { type: ['string', 'null'], description: '所用表单版本 / the deployed form version used (null: a form the diagram declares)' },
        version: { type: ['integer', 'null'] },
        tenant: { type: ['string', 'null'], description: "版本所属县（空为全市）/ the county whose version it is (null: the city's)" },
        facts: {
          type: 'object',
          additionalProperties: true,
          description:
            '表单条件读取的服务器数据（如 pendingReturn：有待审核的退单），作为表单初始数据，不随表单提交 / values the server knows that the form’s conditions read (pendingReturn: a return awaits review): the form’s initial data, never submitted',
        },
      },
    },
    case: { type: ['object', 'null'], additionalProperties: true },
    actions: { type: 'array', items: { type: 'string' } },
    // List rows, as ../shared/api.md promises them: the case's number, title and names (null for a task without a case).
    caseNo: { type: ['string', 'null'], description: '列表行：所属案件编号 / list rows: the case’s number' },
    title: { type: ['string', 'null'], description: '列表行：案件标题（无标题为空）/ list rows: the case’s title (null when it has none)' },
    categoryName: { type: ['string', 'null'], description: '列表行：类别名称 / list rows: the category’s name' },
    categoryNameEn: { type: ['string', 'null'] },
    regionName: { type: ['string', 'null'], description: '列表行：地区名称 / list rows: the region’s name' },
    regionNameEn: { type: ['string', 'null'] },
    /** List rows: the case facts a dispatcher scans (cases module, one joined query). */
    facts: {
      type: ['object', 'null'],
      additionalProperties: true,
      properties: {
        caseNo: { type: 'string' },
        title: { type: ['string', 'null'] },
        description: { type: ['string', 'null'] },
        category: { type: 'string' },
        categoryName: { type: ['string', 'null'] },
        categoryNameEn: { type: ['string', 'null'] },
        regionCode: { type: 'string' },
        regionName: { type: ['string', 'null'] },
        regionNameEn: { type: ['string', 'null'] },
        address: { type: ['string', 'null'] },
        procedure: { type: 'string' },
        channel: { type: 'string' },
        urgency: { type: 'string' },
        caseStatus: { type: 'string' },
        filedAt: { type: 'string' },
        dueInMinutes: { type: ['integer', 'null'] },
      },
    },
    /** Task page: the case facts and what earlier steps submitted that this step decides on. */
    context: { type: ['object', 'null'], additionalProperties: true },
    answers: {
      type: 'array',
      description:
        '已完成任务自己表单的作答（按表单标签、选项标签与单位名称，空答省略；仅已完成任务）/ a completed task’s own answers by its form’s labels, option labels and unit names, empty ones left out (completed tasks only)',
      items: {
        type: 'object',
        required: ['key', 'label', 'value'],
        properties: {
          key: { type: 'string' },
          label: { type: 'string', description: '表单标签（“中文 / English”）/ the form’s label, "中文 / English"' },
          value: { description: '所填的值 / the value as submitted' },
          options: { type: 'array', items: { type: 'string' }, description: '所选选项的标签 / the chosen options by their labels' },
          units: {
            type: 'array',
            description: '所填单位的名称 / the units named, by name',
            items: {
              type: 'object',
              required: ['code', 'name', 'nameEn'],
              properties: { code: { type: 'string' }, name: { type: 'string' }, nameEn: { type: ['string', 'null'] } },
            },
          },
        },
      },
    },
    /** Task page: whether an extension may be asked for now (available, pending, spent). */
    extension: {
      type: ['object', 'null'],
      additionalProperties: true,
      properties: { available: { type: 'boolean' }, pending: { type: 'boolean' }, spent: { type: 'boolean' } },
    },
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
    q: { type: 'string', minLength: 1, maxLength: 200 },
    category: { type: 'string', minLength: 1, maxLength: 64 },
    region: { type: 'string', minLength: 1, maxLength: 64 },
    procedure: { type: 'string', minLength: 1, maxLength: 64 },
    channel: { type: 'string', minLength: 1, maxLength: 64 },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
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

export const claimManyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['ids'],
  properties: { ids: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 64 } } },
} as const

export const claimManyResponse = {
  type: 'object',
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          status: { type: 'integer' },
          task: taskSchema,
          error: { type: 'string' },
          message: { type: 'string' },
          key: { type: 'string' },
          params: { type: 'object', additionalProperties: true },
        },
      },
    },
  },
} as const
