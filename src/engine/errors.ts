import { randomUUID } from 'node:crypto'
import { MessageError, msg, type Msg } from '../lib/errors.js'
import { labelHalves } from '../lib/messages.js'

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

/**
 * A step failed for a reason nobody foresaw (a handler's bug, the engine's own TypeError). Its
 * text is the library's English, for administrators: the answer is a sentence in the reader's
 * language naming where an administrator finds it, and the text goes to an incident and the
 * server log (`reportStepFailure`, incidents.ts). Until reported, the answer names the log entry
 * (`ref`), which every report writes.
 */
export class StepFailure extends EngineError {
  /** What the person reads when no incident could be recorded (the log entry's reference). */
  readonly logged: Msg
  constructor(
    /** The engine's own error, for the log. */
    readonly failure: unknown,
    /** Its text, as an incident keeps it. */
    readonly detail: string,
    readonly instanceId: string,
    readonly elementId: string | null,
    readonly ref: string = randomUUID().slice(0, 8),
    /** What the person reads until an incident is recorded. */
    says: (ref: string) => Msg = (ref) => msg('error.engine.stepFailedLogged', { ref }),
  ) {
    const logged = says(ref)
    super('unprocessable', logged)
    this.logged = logged
  }

  /** What the person reads once the failure is recorded as `incident`. */
  recordedAs(incident: string): Msg {
    return msg('error.engine.stepFailedIncident', { incident })
  }
}

/**
 * A step stopped at an element (a gateway) none of whose outgoing conditions held and that has
 * no default flow: a gap in the diagram rather than a bug, so the person and the incident read
 * a sentence naming the element (by `label`, its name or else its id) instead of the engine's
 * English, which stays in the server log. Reported as any StepFailure is (an incident of kind
 * `step`, resolved when a later step gets past the element).
 */
export class NoWayOn extends StepFailure {
  constructor(
    failure: unknown,
    detail: string,
    instanceId: string,
    elementId: string,
    /** The element as a person knows it: its name, else its id. */
    readonly label: string,
  ) {
    super(failure, detail, instanceId, elementId, undefined, (ref) => msg('error.engine.noWayOnLogged', { ...named(label), ref }))
  }

  override recordedAs(incident: string): Msg {
    return msg('error.engine.noWayOnIncident', { ...named(this.label), incident })
  }

  /** What an incident (and the instance's row) says. */
  get problem(): Msg {
    return msg('error.engine.noWayOn', named(this.label))
  }
}

/** A diagram's label as a sentence's parameters, one per language (catalogue.ts: names). */
function named(label: string) {
  const { zh, en } = labelHalves(label)
  return { element: zh, elementEn: en }
}

/** A worker's BPMN error (`bpmnError`), fed to its waiting task: when nothing catches it, the step fails with `problem`. */
export class UncaughtWorkerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly problem: Msg,
  ) {
    super(message)
  }
}
