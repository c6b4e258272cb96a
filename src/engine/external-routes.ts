import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { bearer, errorSchema, idParams, typed } from '../lib/schemas.js'
import { forbidden, HttpError, msg, notFound, unauthorized } from '../lib/errors.js'
import { bearerToken } from '../lib/bearer.js'
import { administeredScope } from './access.js'
import { engineActor, engineAuth } from './http-auth.js'
import { camundaError } from './http-errors.js'
import { StepFailure } from './errors.js'
import { reportStepFailure } from './incidents.js'
import { ExternalTasks, WorkerAccounts, taskView, type Principal } from './external-tasks.js'

/**
 * The Camunda 7 external-task REST API under /engine-rest (a worker's base URL is
 * `http://host:port/engine-rest`, as for Camunda), and worker accounts under /api.
 * Errors here are Camunda's `{ type, message }` (with the catalogue's key and params beside),
 * and JSON answers say exactly `application/json`: camunda-external-task-client-js parses a
 * body only when the content type is that string.
 */

const DAY_MS = 24 * 60 * 60 * 1000
const name255 = { type: 'string', minLength: 1, maxLength: 255 } as const
const workerId = name255
/** Typed values `{ name: { value, type, valueInfo } }`: checked one by one in fromTyped. */
const typedVariables = { type: ['object', 'null'], maxProperties: 200, additionalProperties: { type: 'object' } } as const

const topicSchema = {
  type: 'object',
  required: ['topicName', 'lockDuration'],
  properties: {
    topicName: name255,
    lockDuration: { type: 'integer', minimum: 1, maximum: 7 * DAY_MS },
    variables: { type: ['array', 'null'], maxItems: 200, items: { type: 'string', maxLength: 128 } },
    localVariables: { type: 'boolean' },
    businessKey: { type: 'string', maxLength: 64 },
    processDefinitionId: { type: 'string', maxLength: 64 },
    processDefinitionIdIn: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 64 } },
    processDefinitionKey: name255,
    processDefinitionKeyIn: { type: 'array', maxItems: 50, items: name255 },
    tenantIdIn: { type: 'array', maxItems: 50, items: name255 },
    withoutTenantId: { type: 'boolean' },
  },
} as const

const fetchBody = {
  type: 'object',
  required: ['workerId', 'maxTasks', 'topics'],
  properties: {
    workerId,
    maxTasks: { type: 'integer', minimum: 0, maximum: 100 },
    usePriority: { type: 'boolean' },
    asyncResponseTimeout: {
      type: 'integer',
      minimum: 0,
      maximum: 1_800_000,
      description:
        '长轮询等待（毫秒，最多按 EXTERNAL_TASK_MAX_WAIT_MS 计，默认 60 秒）/ long polling (ms; waits at most EXTERNAL_TASK_MAX_WAIT_MS, 60 s by default)',
    },
    topics: { type: 'array', maxItems: 50, items: topicSchema },
  },
} as const

const completeBody = {
  type: 'object',
  required: ['workerId'],
  properties: { workerId, variables: typedVariables, localVariables: typedVariables },
} as const

const failureBody = {
  type: 'object',
  required: ['workerId'],
  properties: {
    workerId,
    errorMessage: { type: ['string', 'null'], maxLength: 10_000 },
    errorDetails: { type: ['string', 'null'], maxLength: 65_536 },
    retries: { type: 'integer', minimum: 0, maximum: 1000 },
    retryTimeout: { type: 'integer', minimum: 0, maximum: 30 * DAY_MS },
    variables: typedVariables,
    localVariables: typedVariables,
  },
} as const

const bpmnErrorBody = {
  type: 'object',
  required: ['workerId', 'errorCode'],
  properties: { workerId, errorCode: name255, errorMessage: { type: ['string', 'null'], maxLength: 10_000 }, variables: typedVariables },
} as const

const extendBody = {
  type: 'object',
  required: ['workerId', 'newDuration'],
  properties: { workerId, newDuration: { type: 'integer', minimum: 1, maximum: 7 * DAY_MS } },
} as const
const lockBody = {
  type: 'object',
  required: ['workerId', 'lockDuration'],
  properties: { workerId, lockDuration: { type: 'integer', minimum: 1, maximum: 7 * DAY_MS } },
} as const

const listQuery = {
  type: 'object',
  properties: {
    topicName: name255,
    workerId,
    locked: { type: 'boolean' },
    notLocked: { type: 'boolean' },
    withRetriesLeft: { type: 'boolean' },
    noRetriesLeft: { type: 'boolean' },
    processInstanceId: { type: 'string', maxLength: 64 },
    activityId: name255,
    firstResult: { type: 'integer', minimum: 0, maximum: 100_000 },
    maxResults: { type: 'integer', minimum: 1, maximum: 500 },
  },
} as const

const camundaErrorSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    message: { type: 'string' },
    error: { type: 'string' },
    key: { type: 'string' },
    params: { type: 'object', additionalProperties: true },
  },
} as const
const errors = {
  400: camundaErrorSchema,
  401: camundaErrorSchema,
  403: camundaErrorSchema,
  404: camundaErrorSchema,
  409: camundaErrorSchema,
  422: camundaErrorSchema,
}

export default async function externalRoutes(app: FastifyInstance) {
  const tasks = new ExternalTasks(app.db, app.engine.runtime, (vars) => app.engine.checkExternalVariables(vars), app.config.externalTaskMaxWaitMs)
  const workers = new WorkerAccounts(app.db)
  const access = app.engine.access
  const tags = ['external tasks']
  // Long-polling fetches end when the server closes instead of holding it open.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })

  await app.register(async (rest) => {
    rest.setErrorHandler(async (raw: FastifyError | HttpError, request, reply) => {
      // A worker's completion whose step failed unforeseen: recorded as the app's handler does.
      const err = raw instanceof StepFailure ? new HttpError(422, 'unprocessable', await reportStepFailure(app.db, raw, request.log)) : raw
      const { status, body } = camundaError(err)
      if (status >= 500) request.log.error({ err }, 'unhandled error')
      reply
        .status(status)
        .header('content-type', 'application/json')
        .send(Buffer.from(JSON.stringify(body)))
    })

    const principalOf = async (request: FastifyRequest): Promise<Principal> => {
      const token = bearerToken(request.headers)
      if (token == null) throw unauthorized()
      const worker = await workers.resolve(token)
      if (worker) return worker
      // Not a worker's token: a person's, if they administer the engine for some tenant.
      const actor = await engineActor(access, request)
      // One who administers no tenant of their own is no principal at all (a scope of "nothing"
      // used to be a NUL tenant, which PostgreSQL refuses in text: a 500).
      const scope = administeredScope(access, actor)
      if (!access.mayAdminister(actor) || scope === null) throw forbidden(msg('error.externalTask.forbidden'))
      return { id: `user:${actor.id}`, name: actor.username, tenant: scope ?? null }
    }
    const principals = new WeakMap<FastifyRequest, Principal>()
    const auth = async (request: FastifyRequest) => {
      principals.set(request, await principalOf(request))
    }
    const who = (request: FastifyRequest) => principals.get(request)!
    // A Buffer: for a string or an object Fastify 5 adds `; charset=utf-8` to the type.
    const json = (reply: FastifyReply, body: unknown) => reply.header('content-type', 'application/json').send(Buffer.from(JSON.stringify(body)))
    const schema = <E extends object>(summary: string, extra: E) => ({ tags, summary, security: bearer, ...extra })
    const r = typed(rest)

    r.post(
      '/engine-rest/external-task/fetchAndLock',
      { onRequest: auth, schema: schema('取得并锁定外部任务 / fetch and lock external tasks (Camunda 7)', { body: fetchBody, response: errors }) },
      async (request, reply) => {
        let closed = false
        request.raw.once('close', () => (closed = true))
        const locked = await tasks.fetchAndLock(who(request), request.body, () => closed || closing)
        return json(reply, locked)
      },
    )
    r.get(
      '/engine-rest/external-task',
      { onRequest: auth, schema: schema('外部任务列表 / external tasks (filtered)', { querystring: listQuery, response: errors }) },
      async (request, reply) => json(reply, await tasks.list(who(request), request.query)),
    )
    r.get(
      '/engine-rest/external-task/count',
      { onRequest: auth, schema: schema('外部任务数 / number of external tasks', { querystring: listQuery, response: errors }) },
      async (request, reply) => json(reply, { count: (await tasks.list(who(request), { ...request.query, firstResult: 0, maxResults: 100_000 })).length }),
    )
    r.get(
      '/engine-rest/external-task/:id',
      { onRequest: auth, schema: schema('一个外部任务 / one external task', { params: idParams, response: errors }) },
      async (request, reply) => json(reply, taskView(await tasks.get(who(request), request.params.id))),
    )
    /** A command on one task, its body checked by `body`'s schema and typed from it; answered 204. */
    const action = <B extends object>(summary: string, body: B) => ({
      onRequest: auth,
      schema: schema(summary, { params: idParams, body, response: { ...errors, 204: { type: 'null' } } } as const),
    })
    const done = (reply: FastifyReply) => reply.code(204).send()
    r.post('/engine-rest/external-task/:id/complete', action('完成外部任务 / complete', completeBody), async (request, reply) => {
      await tasks.complete(who(request), request.params.id, request.body)
      return done(reply)
    })
    r.post(
      '/engine-rest/external-task/:id/failure',
      action('报告失败（重试、事件单）/ report a failure (retries, incident)', failureBody),
      async (request, reply) => {
        await tasks.failure(who(request), request.params.id, request.body)
        return done(reply)
      },
    )
    r.post('/engine-rest/external-task/:id/bpmnError', action('抛出 BPMN 错误 / throw a BPMN error', bpmnErrorBody), async (request, reply) => {
      await tasks.bpmnError(who(request), request.params.id, request.body)
      return done(reply)
    })
    r.post('/engine-rest/external-task/:id/extendLock', action('延长锁 / extend the lock', extendBody), async (request, reply) => {
      await tasks.extendLock(who(request), request.params.id, request.body)
      return done(reply)
    })
    r.post('/engine-rest/external-task/:id/lock', action('锁定一个外部任务 / lock one external task', lockBody), async (request, reply) => {
      await tasks.lock(who(request), request.params.id, request.body)
      return done(reply)
    })
    r.post(
      '/engine-rest/external-task/:id/unlock',
      { onRequest: auth, schema: schema('解锁 / unlock', { params: idParams, response: { ...errors, 204: { type: 'null' } } } as const) },
      async (request, reply) => {
        await tasks.unlock(who(request), request.params.id)
        return done(reply)
      },
    )
  })

  // ── worker accounts, for administrators (a county administrator: their county's) ──
  const admins = engineAuth(access).administrators
  /** The tenant whose accounts the caller administers: undefined all, null none (see administeredScope). */
  const scopeOf = (request: FastifyRequest) => administeredScope(access, request.engineActor)
  const workerSchema = {
    type: 'object',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      prefix: { type: 'string' },
      tenant: { type: ['string', 'null'] },
      createdAt: { type: 'string' },
      createdBy: { type: 'string' },
      revokedAt: { type: ['string', 'null'] },
      revokedBy: { type: ['string', 'null'] },
      token: { type: 'string', description: '只在签发时给出一次 / given once, when issued' },
    },
  } as const
  const wtags = ['worker accounts']
  const api = typed(app)
  api.get(
    '/api/worker-accounts',
    {
      onRequest: admins,
      schema: {
        tags: wtags,
        summary: '外部任务工作者账号 / worker accounts',
        security: bearer,
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: workerSchema } } } },
      },
    },
    async (request) => {
      const scope = scopeOf(request)
      return { items: scope === null ? [] : await workers.list(scope ?? null) }
    },
  )
  api.post(
    '/api/worker-accounts',
    {
      onRequest: admins,
      schema: {
        tags: wtags,
        summary: '签发工作者账号（令牌只显示一次）/ issue a worker account (the token is shown once)',
        security: bearer,
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' }, tenant: { type: ['string', 'null'], maxLength: 64 } },
        },
        response: { 201: workerSchema, 400: errorSchema, 403: errorSchema },
      },
    },
    async (request, reply) => {
      const body = request.body
      const scope = scopeOf(request)
      if (scope === null) throw forbidden()
      // One who administers a single county issues for that county only.
      const tenant = scope ?? body.tenant ?? null
      if (scope !== undefined && body.tenant != null && body.tenant !== scope) throw forbidden()
      return reply.code(201).send(await workers.issue(request.engineActor.username, { name: body.name, tenant }))
    },
  )
  api.post(
    '/api/worker-accounts/:id/revoke',
    {
      onRequest: admins,
      schema: {
        tags: wtags,
        summary: '吊销工作者账号 / revoke a worker account',
        security: bearer,
        params: idParams,
        response: { 200: workerSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const scope = scopeOf(request)
      if (scope === null) throw notFound(msg('error.workerAccount.notFound', { id: request.params.id }))
      return workers.revoke(request.engineActor.username, request.params.id, scope ?? null)
    },
  )
}
