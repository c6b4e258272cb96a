import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { typed } from '../lib/schemas.js'
import { forbidden, frameworkMsg, HttpError, msg, schemaProblems } from '../lib/errors.js'
import { bilingual } from '../messages/index.js'
import type { EngineError } from '../engine/errors.js'
import { toHttpError } from '../engine/http-errors.js'
import { idempotencyKeyHeader } from '../cases/idempotency.js'
import { registerFormParser } from './form.js'
import type { Open311Client, Open311Keys } from './keys.js'
import type { Open311Service } from './service.js'
import { xmlDocument, type XmlValue } from './xml.js'
import {
  definitionSchema,
  errorsSchema,
  formatOnlyParams,
  readQuery,
  requestParams,
  requestSchema,
  requestsQuery,
  serviceParams,
  serviceSchema,
  submitAnswerSchema,
  submitBody,
  tokenAnswerSchema,
  tokenParams,
} from './schemas.js'

declare module 'fastify' {
  interface FastifyRequest {
    open311Client: Open311Client | null
  }
}

/** Requests per minute per address for reads without an api_key. */
export const ANONYMOUS_RATE_LIMIT = 120

type Format = 'json' | 'xml'

function send(reply: FastifyReply, format: Format, root: string, value: XmlValue) {
  if (format === 'xml') return reply.type('text/xml; charset=utf-8').send(xmlDocument(root, value))
  return reply.send(value)
}

/** Which format an error answers in: the URL's suffix, read before (or without) routing's params. */
const formatOf = (request: FastifyRequest): Format => (/\.xml$/i.test(request.url.split('?')[0] ?? '') ? 'xml' : 'json')

/** The standard's error body, with the status and the bilingual message of every other route. */
function errorHandler(raw: FastifyError | HttpError | EngineError, request: FastifyRequest, reply: FastifyReply) {
  // An engine call's refusal answers as the app's routes answer it (the engine's HTTP layer maps it).
  const err = toHttpError(raw)
  let status: number
  let description: string
  if (err instanceof HttpError) {
    status = err.statusCode
    const paths = (err.details ?? []).map((d) => (d as { path?: string }).path).filter(Boolean)
    description = paths.length ? `${err.message} (${paths.join(', ')})` : err.message
  } else if ((err as FastifyError).validation) {
    status = 400
    // Each problem names its field, an unexpected one included, in both languages.
    description = schemaProblems((err as FastifyError).validation!, (err as FastifyError).validationContext).message
  } else {
    status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500
    // Fastify's refusals (a body too large, not JSON, an unsupported type) as the app words them.
    const m = status === 500 ? msg('error.internal') : frameworkMsg(err as FastifyError, request)
    description = bilingual(m.key, m.params)
    if (status === 500) request.log.error({ err }, 'unhandled error')
  }
  reply.status(status)
  return send(reply, formatOf(request), 'errors', [{ code: status, description }])
}

/**
 * GeoReport v2, registered under the prefix /open311/v2 (src/open311/README.md). Encapsulated:
 * the form parser, the error format, the api_key hook and the rate limit apply to these routes only.
 */
export default async function georeportRoutes(fastify: FastifyInstance, opts: { open311: Open311Service; keys: Open311Keys }) {
  const app = typed(fastify)
  const { open311, keys } = opts
  registerFormParser(app, 16 * 1024)
  app.setErrorHandler(errorHandler)
  // A path under /open311/v2 that is no endpoint answers in the standard's format too.
  app.setNotFoundHandler((request, reply) =>
    errorHandler(new HttpError(404, 'not_found', msg('error.noRoute', { method: request.method, path: request.url.split('?')[0] })), request, reply),
  )
  // Unknown GET paths too: without these routes the web UI's catch-all `GET /*` (a route, so
  // the not-found handler above never ran) answered them with a 200 of the app's HTML. A route
  // of this context calls this context's not-found handler.
  for (const url of ['/', '/*']) app.get(url, { schema: { hide: true } }, (_request, reply) => reply.callNotFound())
  app.decorateRequest('open311Client', null)

  // The key is checked wherever it is given (query or body), before the route's schema, so
  // the rate limit below can count per client. Reads need none; a wrong one is a 403 anyway.
  app.addHook('preValidation', async (request) => {
    // Before validation: body and query are whatever the client sent.
    const apiKey = (v: unknown) => (v && typeof v === 'object' && 'api_key' in v ? v.api_key : undefined)
    const given = apiKey(request.body) ?? apiKey(request.query)
    if (given === undefined) return
    const client = typeof given === 'string' && given.length <= 200 ? await keys.resolve(given) : null
    if (!client) throw forbidden(msg('error.open311.keyInvalid'))
    request.open311Client = client
  })

  // One budget per client key across every Open311 route (the key's own limit), else per
  // address: one limiter, hence one counter store, for the whole plugin. (A `config.rateLimit`
  // per route gets a store of its own per route, so a client would have had six budgets.)
  app.addHook(
    'preHandler',
    app.rateLimit({
      timeWindow: 60_000,
      keyGenerator: (request: FastifyRequest) => (request.open311Client ? `open311-key:${request.open311Client.id}` : `open311-ip:${request.ip}`),
      max: (request: FastifyRequest) => request.open311Client?.rateLimit ?? ANONYMOUS_RATE_LIMIT,
    }),
  )
  const errors = { '4xx': errorsSchema }
  const tags = ['open311']

  app.get(
    `/services.:format`,
    {
      schema: {
        tags,
        summary: '服务类型（类别树的末级）/ service list (the category tree’s leaves)',
        params: formatOnlyParams,
        querystring: readQuery,
        response: { 200: { type: 'array', items: serviceSchema }, ...errors },
      },
    },
    async (request, reply) => {
      const { format } = request.params
      const { jurisdiction_id } = request.query
      await open311.jurisdiction(jurisdiction_id, request.open311Client)
      reply.header('cache-control', 'public, max-age=300')
      return send(reply, format, 'services', await open311.services())
    },
  )

  app.get(
    `/services/:service_code.:format`,
    {
      schema: {
        tags,
        summary: '服务定义（属性）/ service definition (attributes)',
        params: serviceParams,
        querystring: readQuery,
        response: { 200: definitionSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { format, service_code } = request.params
      const j = await open311.jurisdiction(request.query.jurisdiction_id, request.open311Client)
      return send(reply, format, 'service_definition', await open311.definition(j, service_code))
    },
  )

  app.post(
    `/requests.:format`,
    {
      bodyLimit: 16 * 1024,
      schema: {
        tags,
        summary: '提交服务请求（成为案件；可匿名；需 api_key）/ submit a service request (becomes a case; anonymous allowed; api_key required)',
        params: formatOnlyParams,
        // Some clients put api_key and jurisdiction_id in the URL of the POST, as the swagger lists them.
        querystring: readQuery,
        headers: idempotencyKeyHeader,
        body: submitBody,
        response: { 200: submitAnswerSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { format } = request.params
      if (!request.open311Client) throw forbidden(msg('error.open311.keyRequired'))
      const body = request.body
      const { jurisdiction_id } = request.query
      const done = await open311.submit(
        request.open311Client,
        { ...body, jurisdiction_id: body.jurisdiction_id ?? jurisdiction_id },
        request.headers['idempotency-key'],
      )
      if (done.replayed) reply.header('idempotent-replayed', 'true')
      return send(reply, format, 'service_requests', done.answer)
    },
  )

  app.get(
    `/requests.:format`,
    {
      schema: {
        tags,
        summary: '服务请求列表（默认最近 90 天，最多 1000 条）/ service requests (last 90 days by default, at most 1,000)',
        params: formatOnlyParams,
        querystring: requestsQuery,
        response: { 200: { type: 'array', items: requestSchema }, ...errors },
      },
    },
    async (request, reply) => {
      const { format } = request.params
      const query = request.query
      const j = await open311.jurisdiction(query.jurisdiction_id, request.open311Client)
      return send(reply, format, 'service_requests', await open311.requests(j, query))
    },
  )

  app.get(
    `/requests/:service_request_id.:format`,
    {
      schema: {
        tags,
        summary: '一个服务请求 / one service request',
        params: requestParams,
        querystring: readQuery,
        response: { 200: { type: 'array', items: requestSchema }, ...errors },
      },
    },
    async (request, reply) => {
      const { format, service_request_id } = request.params
      const j = await open311.jurisdiction(request.query.jurisdiction_id, request.open311Client)
      return send(reply, format, 'service_requests', await open311.request(j, service_request_id))
    },
  )

  app.get(
    `/tokens/:token.:format`,
    {
      schema: {
        tags,
        summary: '由 token 查服务请求编号 / the service request id of a token',
        params: tokenParams,
        querystring: readQuery,
        response: { 200: tokenAnswerSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { format, token } = request.params
      const j = await open311.jurisdiction(request.query.jurisdiction_id, request.open311Client)
      return send(reply, format, 'service_requests', await open311.token(j, token))
    },
  )
}
