import { MessageError, msg, type Msg } from '../lib/errors.js'

/**
 * The engine's own errors: what went wrong, as a code, with a catalogue message. The engine
 * knows nothing of HTTP; its HTTP layer (`http-errors.ts`) maps each code to a status and the
 * API's `error` code in one place, for the app's routes and the Camunda REST routes alike.
 */
export type EngineErrorCode = 'invalid' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'unprocessable'

export class EngineError extends MessageError {
  override readonly name = 'EngineError'
  constructor(
    readonly code: EngineErrorCode,
    message: string | Msg,
    readonly details?: unknown[],
  ) {
    super(message)
  }
}

type Text = string | Msg
// Named as lib/errors' HTTP helpers are, so engine code reads the same (`throw notFound(...)`).
export const badRequest = (message: Text, details?: unknown[]) => new EngineError('invalid', message, details)
export const unauthorized = (message: Text = msg('error.unauthorized')) => new EngineError('unauthorized', message)
export const forbidden = (message: Text = msg('error.forbidden')) => new EngineError('forbidden', message)
export const notFound = (what: Msg) => new EngineError('not_found', what)
export const conflict = (message: Text, details?: unknown[]) => new EngineError('conflict', message, details)
export const unprocessable = (message: Text, details?: unknown[]) => new EngineError('unprocessable', message, details)

/** Another step changed the same process instance first; the whole request may be retried. */
export class RevisionConflict extends EngineError {
  constructor() {
    super('conflict', msg('error.concurrent'))
  }
}
