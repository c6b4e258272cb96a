import type { FastifyError } from 'fastify'
import { frameworkMsg, HttpError, msg, schemaProblems, type Msg } from '../lib/errors.js'
import { bilingual } from '../lib/messages.js'
import { dbUnavailable, isDbUnavailable } from '../lib/db-unavailable.js'
import { EngineError, type EngineErrorCode } from './errors.js'

/**
 * The engine's HTTP layer for errors, in one place: each EngineError code becomes a status and
 * the API's `error` code (../shared/api.md). The app's error handler, the Camunda REST routes
 * and any module that answers for an engine call read errors through `toHttpError`.
 */
const HTTP: Record<EngineErrorCode, [status: number, error: string]> = {
  invalid: [400, 'bad_request'],
  unauthorized: [401, 'unauthorized'],
  forbidden: [403, 'forbidden'],
  not_found: [404, 'not_found'],
  conflict: [409, 'conflict'],
  unprocessable: [422, 'unprocessable'],
}

/**
 * An EngineError as the HttpError the API answers with; a database that cannot be reached as
 * 503 `unavailable` (every handler reads errors through here, so the Camunda and Open311 routes
 * answer it as the app's do, not 500); any other error unchanged.
 */
export function toHttpError<E>(err: E): Exclude<E, EngineError> | HttpError {
  if (isDbUnavailable(err)) return dbUnavailable()
  if (!(err instanceof EngineError)) return err as Exclude<E, EngineError>
  const [status, code] = HTTP[err.code]
  const message: string | Msg = err.key ? msg(err.key, err.params) : err.message
  return new HttpError(status, code, message, err.details)
}

/** Camunda 7's exception type for a status, as its REST API answers (external tasks). */
export function camundaType(status: number): string {
  if (status === 401) return 'AuthenticationException'
  if (status === 403) return 'AuthorizationException'
  if (status === 409) return 'OptimisticLockingException'
  if (status === 422) return 'ProcessEngineException'
  if (status === 404 || status >= 500) return 'RestException'
  return 'InvalidRequestException'
}

/**
 * An error as Camunda 7's REST API answers it: `{ type, message }`, with this API's `error`,
 * `key` and `params` beside (clients of either read theirs), for the Camunda routes (external
 * tasks, deployment). `type` is the caller's (`camundaType` by default): the deployment route
 * words some types its own way.
 */
export function camundaError(
  raw: unknown,
  typeOf: (status: number, err: unknown) => string = camundaType,
): { status: number; body: { type: string; message: string; error: string; key?: string; params?: object } } {
  const err = toHttpError(raw) as FastifyError | HttpError
  const http = err instanceof HttpError
  const validation = !http && (err as FastifyError).validation
  const fsStatus = (err as FastifyError).statusCode
  const status = http ? err.statusCode : validation ? 400 : fsStatus && fsStatus >= 400 && fsStatus < 600 ? fsStatus : 500
  // As the app's own handler words them (src/plugins/errors.ts), in both languages.
  const error = http ? err.code : validation ? 'validation_failed' : status >= 500 ? 'internal' : status === 413 ? 'payload_too_large' : 'bad_request'
  if (validation) {
    const answer = schemaProblems(validation, (err as FastifyError).validationContext)
    return { status, body: { type: typeOf(status, err), message: answer.message, error, key: answer.key, params: {} } }
  }
  const m: Msg | null = http ? null : frameworkMsg({ code: (err as FastifyError).code, statusCode: status })
  const key = http ? err.key && { key: err.key, params: err.params ?? {} } : m && { key: m.key, params: m.params ?? {} }
  return { status, body: { type: typeOf(status, err), message: m ? bilingual(m.key, m.params) : err.message, error, ...key } }
}
