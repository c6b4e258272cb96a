import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { frameworkMsg, HttpError, msg, schemaProblems, type Msg } from '../lib/errors.js'
import { bilingual } from '../messages/index.js'
import { RETRY_AFTER_SECONDS } from '../lib/db-unavailable.js'
import { StepFailure, type EngineError } from '../engine/errors.js'
import { toHttpError } from '../engine/http-errors.js'
import { reportStepFailure } from '../engine/incidents.js'

/** Every error leaves as `{ error, message, details? }`; bad input is never a 500. */
export default fp(async function errors(app: FastifyInstance) {
  app.setErrorHandler(async (raw: FastifyError | HttpError | EngineError, request, reply) => {
    // An unforeseen step failure: recorded for administrators, the reader told where.
    if (raw instanceof StepFailure) return reply.status(422).send(body('unprocessable', await reportStepFailure(app.db, raw, request.log)))
    // The engine's errors are mapped to status and code by its HTTP layer (one place), and so is
    // a database that cannot be reached (503): the driver's own text is for the log only.
    const err = toHttpError(raw)
    if (err instanceof HttpError) {
      if (err.statusCode === 503) request.log.warn({ err: raw }, 'database unavailable')
      return reply.status(err.statusCode).send({
        error: err.code,
        message: err.message,
        ...(err.key && { key: err.key, params: err.params ?? {} }),
        ...(err.details && { details: err.details }),
      })
    }
    const fe = err as FastifyError
    if (fe.validation) {
      const answer = schemaProblems(fe.validation, fe.validationContext)
      return reply.status(400).send({ error: 'validation_failed', message: answer.message, key: answer.key, params: {}, details: answer.details })
    }
    const status = fe.statusCode ?? 500
    if (status >= 400 && status < 500) {
      const code = status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : status === 429 ? 'too_many_requests' : 'bad_request'
      // Fastify's refusals as catalogue sentences: its English text was the whole message before.
      return reply.status(status).send(body(code, frameworkMsg(fe, request)))
    }
    request.log.error({ err }, 'unhandled error')
    return reply.status(500).send(body('internal', msg('error.internal')))
  })
  // Every 503 (the database unreachable, /health, a node closing) says when to try again: a
  // balancer or client retries then, or elsewhere, instead of at once.
  app.addHook('onSend', async (_request, reply) => {
    if (reply.statusCode === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', RETRY_AFTER_SECONDS)
  })
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(body('not_found', msg('error.noRoute', { method: request.method, path: request.url.split('?')[0] })))
  })
})

/**
 * Errors Fastify raises before routing (an undecodable path such as `/x%E0%A4%A`, a parameter
 * over the length limit), given as the server option `frameworkErrors`: the same
 * `{ error, message, key, params }` body as every other 400, where Fastify's default carried its
 * own shape and an English-only message. The sentence says what is wrong; the code (which was
 * a parameter, "请求地址无效（FST_ERR_BAD_URL）") is no reader's business.
 */
export function frameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400
  return reply.status(status).send(body('bad_request', frameworkMsg({ code: err.code, statusCode: status }, request)))
}

/**
 * Requests Node's HTTP parser refuses before Fastify routes them (raw UTF-8 in the query, as
 * `?q=垃圾` sent unencoded, a malformed request line, headers over the limit), given as the server
 * option `clientErrorHandler`. Fastify's default answered these `{"error":"Bad Request",
 * "message":"Client Error","statusCode":400}`: neither api.md's error code nor a sentence. Here
 * the same `{ error, message, key, params }` body as every other refusal, written to the socket
 * as Fastify's default does (there is no request or reply at this stage).
 */
export function clientError(err: Error & { code?: string }, socket: Socket) {
  // A reset or closed connection has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [status, answer] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, body('headers_too_large', msg('error.request.headersTooLarge'))]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, body('request_timeout', msg('error.request.timeout'))]
        : [400, body('bad_request', msg(err.code === 'HPE_INVALID_URL' ? 'error.request.urlChars' : 'error.request.malformed'))]
  if (!socket.writable) return socket.destroy(err)
  const text = JSON.stringify(answer)
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  )
}

function body(error: string, m: Msg) {
  return { error, message: bilingual(m.key, m.params), key: m.key, params: m.params ?? {} }
}
