import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { HttpError } from '../lib/errors.js'

/** Every error leaves as `{ error, message, details? }`; bad input is never a 500. */
export default fp(async function errors(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    if (err instanceof HttpError) {
      return reply.status(err.statusCode).send({ error: err.code, message: err.message, ...(err.details && { details: err.details }) })
    }
    const fe = err as FastifyError
    if (fe.validation) {
      return reply.status(400).send({
        error: 'validation_failed',
        message: `请求不合法 / invalid request: ${fe.message}`,
        details: fe.validation.map((v) => ({ path: v.instancePath || fe.validationContext, message: v.message, params: v.params })),
      })
    }
    const status = fe.statusCode ?? 500
    if (status >= 400 && status < 500) {
      const code =
        status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : status === 429 ? 'too_many_requests' : 'bad_request'
      return reply.status(status).send({ error: code, message: fe.message })
    }
    request.log.error({ err }, 'unhandled error')
    return reply.status(500).send({ error: 'internal', message: '服务器内部错误 / internal error' })
  })
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: 'not_found', message: `没有此路径 / no route ${request.method} ${request.url.split('?')[0]}` })
  })
})

/**
 * Errors Fastify raises before routing (an undecodable path such as `/x%E0%A4%A`), given as
 * the server option `frameworkErrors`: the same `{ error, message }` body as every other 400,
 * where Fastify's default carried its own shape and an English-only message.
 */
export function frameworkError(err: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400
  return reply.status(status).send({ error: 'bad_request', message: `请求地址无效 / invalid request URL (${err.code})` })
}
