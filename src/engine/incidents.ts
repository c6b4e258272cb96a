import { randomUUID } from 'node:crypto'
import type { Knex } from 'knex'
import type { Db, Trx } from '../lib/db.js'
import { nowIso } from '../lib/db.js'
import type { FastifyBaseLogger } from 'fastify'
import { HttpError, MessageError, msg, type Msg } from '../lib/errors.js'
import { bilingual, type MessageKey, type Params } from '../lib/messages.js'
import { conflict, EngineError, NoWayOn, notFound, StepFailure } from './errors.js'
import { administeredScope, inScope, type EngineAccess, type EngineActor } from './access.js'
import type { InstanceRow, Runtime, TimerRow } from './runtime.js'
import type { TaskRow } from './rows.js'
import { cutText } from '../lib/text.js'
import { failedElementOf } from './step-context.js'

/**
 * Incidents: what failed in the background (a due timer whose step threw or went over its
 * budget) and waits for an administrator. Recording one parks its instance as 'failed'
 * (status and `error`), so the poller skips the instance's timers instead of re-running the
 * failure after every restart; retry re-runs what failed, cancel ends the instance.
 */
export interface IncidentRow {
  id: string
  instance_id: string
  case_id: string | null
  tenant: string
  process_key: string
  kind: 'timer' | 'step' | 'external'
  timer_id: string | null
  element_id: string | null
  /** Bilingual text, for outside clients and for failures that are not catalogue messages. */
  message: string
  /** The catalogue message the UI shows in its reader's language, when the failure is one. */
  message_key: string | null
  message_params: string | null
  status: 'open' | 'resolved'
  attempts: number
  created_at: string
  updated_at: string
  resolved_at: string | null
  resolved_by: string | null
  /** `passed`: a later step of the person's went past the failed element (a `step` incident). */
  resolution: 'retried' | 'cancelled' | 'passed' | null
}

export function incidentView(r: IncidentRow) {
  return {
    id: r.id,
    instanceId: r.instance_id,
    caseId: r.case_id,
    tenant: r.tenant || null,
    processKey: r.process_key,
    kind: r.kind,
    element: r.element_id,
    message: r.message,
    ...(r.message_key && { key: r.message_key, params: r.message_params ? (JSON.parse(r.message_params) as Params) : {} }),
    time: r.updated_at,
    createdAt: r.created_at,
    attempts: r.attempts,
    status: r.status,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    resolution: r.resolution,
  }
}

const MESSAGE_MAX = 2000

/** What a failure says: its text and, when it is one, its catalogue message. */
interface Failure {
  elementId: string | null
  message: string
  key: MessageKey | null
  params: Params | null
}

/**
 * The message and element of a failed step: a budget failure names its element in `details`,
 * another the activity that threw (a timer's step fails in the task it reached, not the timer).
 */
export function describeFailure(err: unknown, fallbackElement: string | null): Failure {
  // A gap in the diagram: the sentence naming the element, in the reader's language (the engine's
  // English is in the server log).
  if (err instanceof NoWayOn) {
    const said = err.problem
    return { message: bilingual(said.key, said.params), elementId: err.elementId, key: said.key, params: said.params ?? {} }
  }
  // An unforeseen failure: the administrator reads the engine's own text, which its answer left out.
  if (err instanceof StepFailure) {
    const params = { detail: cutText(err.detail, { codePoints: MESSAGE_MAX }) }
    return {
      message: cutText(bilingual('error.engine.executionFailed', params), { codePoints: MESSAGE_MAX }),
      elementId: err.elementId ?? fallbackElement,
      key: 'error.engine.executionFailed',
      params,
    }
  }
  const e = err as Error
  const said = err instanceof MessageError && err.key ? err : null
  const detail = err instanceof HttpError || err instanceof EngineError ? (err.details?.[0] as { elementId?: string } | undefined) : undefined
  return {
    message: cutText(String(e?.message ?? err), { codePoints: MESSAGE_MAX }),
    elementId: detail?.elementId ?? failedElementOf(err) ?? fallbackElement,
    key: said?.key ?? null,
    params: said ? (said.params ?? {}) : null,
  }
}

/**
 * Records a failed timer as an incident in a transaction of its own (the step's rolled
 * back): the timer becomes 'failed', its instance 'failed' with the message, and an open
 * incident of the same timer is updated rather than repeated.
 */
export async function recordTimerIncident(db: Db, timer: TimerRow, err: unknown): Promise<IncidentRow | null> {
  const failure = describeFailure(err, timer.element_id)
  return db.transaction(async (trx) => {
    await trx('timers')
      .where({ id: timer.id })
      .update({ status: 'failed', error: failure.message, attempts: timer.attempts, claimed_by: null, claimed_until: null })
    const instance: InstanceRow | undefined = await trx('process_instances').where({ id: timer.instance_id }).first()
    if (!instance) return null
    return openIncident(trx, instance, { kind: 'timer', timerId: timer.id, ...failure })
  })
}

/**
 * Records a step a person asked for that failed unforeseen (StepFailure) and rolled back, in a
 * transaction of its own: an incident of its instance (kind `step`) keeps the engine's text for
 * administrators without holding the instance (nothing of the step happened; the person may try
 * again once the cause is fixed), and the log keeps the error under its reference. Returns what
 * the person is told: the incident, or the log entry when there is no instance to attach it to
 * (a start that rolled back).
 */
export async function reportStepFailure(db: Db, err: StepFailure, log: FastifyBaseLogger): Promise<Msg> {
  const logged = { err: err.failure, ref: err.ref, instanceId: err.instanceId, elementId: err.elementId }
  if (err instanceof NoWayOn) log.warn(logged, 'step stopped where the diagram has no way on')
  else log.error(logged, 'step failed unexpectedly')
  try {
    const incident = await db.transaction(async (trx) => {
      const instance: InstanceRow | undefined = await trx('process_instances').where({ id: err.instanceId }).first()
      if (!instance) return null
      const incident = await openIncident(trx, instance, { kind: 'step', timerId: null, hold: false, ...describeFailure(err, null) })
      // The instance is not held, but its row says what failed: the step that next gets past the
      // failed element sees it there and resolves the incident (resolvePassedStepIncidents). The
      // revision stays: nothing of the engine's state changed.
      if (instance.status === 'running') await trx('process_instances').where({ id: instance.id, status: 'running' }).update({ error: incident.message })
      return incident
    })
    if (incident) return err.recordedAs(incident.id)
  } catch (e) {
    log.error({ err: e, ref: err.ref }, 'the incident of a failed step could not be recorded')
  }
  return err.logged
}

/**
 * After a step that committed on an instance whose row names a failure (a person's step failed
 * earlier, reportStepFailure): its open `step` incidents at an element this step got past (or
 * at no element) are resolved as `passed`, since what failed has now gone through, so an
 * administrator is not left to retry what is done. The row's `error` is cleared once none is open.
 * Runs in the step's transaction, only for such an instance (no statement on any other step).
 */
export async function resolvePassedStepIncidents(trx: Trx, instance: InstanceRow, ended: readonly string[], actor: string | null, now: string): Promise<void> {
  const open: Pick<IncidentRow, 'id' | 'element_id'>[] = await trx('incidents')
    .where({ instance_id: instance.id, kind: 'step', status: 'open' })
    .select('id', 'element_id')
  const passed = open.filter((i) => i.element_id === null || ended.includes(i.element_id)).map((i) => i.id)
  if (passed.length)
    await trx('incidents')
      .whereIn('id', passed)
      .update({ status: 'resolved', resolution: 'passed', resolved_at: now, resolved_by: actor ?? 'system', updated_at: now })
  if (passed.length === open.length) {
    await trx('process_instances').where({ id: instance.id }).update({ error: null })
    instance.error = null
  }
}

async function openIncident(
  trx: Trx,
  instance: InstanceRow,
  f: {
    kind: IncidentRow['kind']
    timerId: string | null
    elementId: string | null
    message: string
    key?: MessageKey | null
    params?: Params | null
    /** Park the instance as failed (a background step); false for a step whose request rolled back. */
    hold?: boolean
  },
): Promise<IncidentRow> {
  const now = nowIso()
  // The parameters may carry a failure's own text (a handler's error): past the text's bound, the
  // incident keeps only the (cut) text, as it did before keys.
  const params = f.key ? JSON.stringify(f.params ?? {}) : null
  const keyed = params !== null && params.length <= MESSAGE_MAX
  const said = { message: f.message, message_key: keyed ? (f.key ?? null) : null, message_params: keyed ? params : null }
  const existing: IncidentRow | undefined = await trx('incidents')
    .where({ instance_id: instance.id, status: 'open', kind: f.kind })
    .where((q) => (f.timerId ? q.where({ timer_id: f.timerId }) : q.whereNull('timer_id')))
    .first()
  let row: IncidentRow
  if (existing) {
    row = { ...existing, ...said, element_id: f.elementId, attempts: existing.attempts + 1, updated_at: now }
    await trx('incidents')
      .where({ id: existing.id })
      .update({ ...said, element_id: row.element_id, attempts: row.attempts, updated_at: now })
  } else {
    row = {
      id: randomUUID(),
      instance_id: instance.id,
      case_id: instance.case_id,
      tenant: instance.tenant ?? '',
      process_key: instance.key,
      kind: f.kind,
      timer_id: f.timerId,
      element_id: f.elementId,
      ...said,
      status: 'open',
      attempts: 1,
      created_at: now,
      updated_at: now,
      resolved_at: null,
      resolved_by: null,
      resolution: null,
    }
    await trx('incidents').insert(row)
  }
  if (f.hold !== false && (instance.status === 'running' || instance.status === 'failed')) {
    // A new revision: a parked engine of the old one must not serve the next step.
    await trx('process_instances')
      .where({ id: instance.id })
      .update({ status: 'failed', error: f.message, revision: instance.revision + 1 })
  }
  await trx('history').insert({
    instance_id: instance.id,
    case_id: instance.case_id,
    type: 'incident',
    element_id: f.elementId,
    element_type: null,
    name: null,
    actor: null,
    at: now,
    // The case's staff read this history: the engine's own text stays with the incident.
    data: JSON.stringify({ incidentId: row.id, kind: f.kind, ...(f.key !== 'error.engine.executionFailed' && { message: f.message }) }),
  })
  return row
}

/** Incidents as an administrator sees them: the city all, a county administrator their county's. */
export class Incidents {
  constructor(
    private db: Db,
    private runtime: Runtime,
    private access: EngineAccess,
  ) {}

  private scoped(actor: EngineActor, q: Knex.QueryBuilder) {
    const scope = administeredScope(this.access, actor)
    if (scope === undefined) return q
    // One who administers no tenant of their own sees nothing rather than the default tenant's.
    return scope === null ? q.whereRaw('1 = 0') : q.where({ tenant: scope })
  }

  async list(actor: EngineActor, opts: { status?: 'open' | 'resolved' | 'all'; instanceId?: string; limit?: number }): Promise<IncidentRow[]> {
    const q = this.scoped(actor, this.db('incidents'))
    if (opts.status !== 'all') q.where({ status: opts.status ?? 'open' })
    if (opts.instanceId) q.where({ instance_id: opts.instanceId })
    return q
      .orderBy('updated_at', 'desc')
      .orderBy('id')
      .limit(opts.limit ?? 100)
  }

  async get(actor: EngineActor, id: string, trx: Db | Trx = this.db): Promise<IncidentRow> {
    const row: IncidentRow | undefined = await this.scoped(actor, trx('incidents').where({ id })).first()
    if (!row) throw notFound(msg('error.engine.incidentNotFound', { id }))
    return row
  }

  /**
   * Re-runs what failed: a timer is re-armed and fired now, another step is re-run (the
   * engine resumes, and what fell due fires). When it fails again the incident stays open
   * with the new message, recorded after the attempt's transaction rolled back.
   */
  async retry(actor: EngineActor, id: string): Promise<IncidentRow> {
    const incident = await this.get(actor, id)
    if (incident.status !== 'open') throw conflict(msg('error.engine.incidentResolved'))
    let timer: TimerRow | undefined
    let stepping = false
    try {
      await this.db.transaction(async (trx) => {
        const current = await this.get(actor, id, trx)
        if (current.status !== 'open') throw conflict(msg('error.engine.incidentResolved'))
        const instance: InstanceRow | undefined = await trx('process_instances').where({ id: current.instance_id }).first()
        if (!instance || (instance.status !== 'failed' && instance.status !== 'running')) {
          throw conflict(msg('error.engine.instanceEnded', { status: instance?.status ?? 'missing' }))
        }
        await trx('process_instances').where({ id: instance.id }).update({ status: 'running', error: null })
        if (current.timer_id) {
          await trx('timers').where({ id: current.timer_id }).update({ status: 'pending', attempts: 0, error: null, claimed_by: null, claimed_until: null })
          timer = await trx('timers').where({ id: current.timer_id }).first()
        }
        // An external task out of retries is offered to workers again (one more attempt).
        if (current.kind === 'external')
          await trx('external_tasks').where({ incident_id: id, status: 'open' }).update({ retries: 1, retry_at: null, incident_id: null })
        stepping = true
        if (timer) await this.runtime.fireTimer(trx, timer)
        else await this.runtime.setVariables(trx, instance.id, {}, actor.username)
        await trx('incidents')
          .where({ id })
          .update({ status: 'resolved', resolution: 'retried', resolved_at: nowIso(), resolved_by: actor.username, updated_at: nowIso() })
      })
    } catch (err) {
      if (!stepping) throw err
      // The attempt rolled back: the timer and instance are as they were ('failed').
      if (timer) await recordTimerIncident(this.db, { ...timer, attempts: incident.attempts + 1 }, err)
      else
        await this.db.transaction(async (trx) => {
          const instance: InstanceRow = await trx('process_instances').where({ id: incident.instance_id }).first()
          await openIncident(trx, instance, { kind: incident.kind, timerId: incident.timer_id, ...describeFailure(err, incident.element_id) })
        })
    }
    return this.get(actor, id)
  }

  /**
   * Ends an instance (and the instances it called) for good: open tasks cancelled, timers
   * and subscriptions dropped, its incidents resolved, a history entry with the reason.
   */
  async cancelInstance(actor: EngineActor, instanceId: string, reason: string): Promise<InstanceRow> {
    return this.db.transaction(async (trx) => {
      const root: InstanceRow | undefined = await trx('process_instances').where({ id: instanceId }).first()
      if (!root || !inScope(administeredScope(this.access, actor), root.tenant)) throw notFound(msg('error.engine.instanceNotFound', { id: instanceId }))
      if (root.status !== 'running' && root.status !== 'failed') throw conflict(msg('error.engine.instanceEnded', { status: root.status }))
      return cancelInstanceTree(trx, root, reason, actor.username)
    })
  }
}

/**
 * Cancels an instance and the instances it called, in the caller's transaction (a module that
 * ends a procedure as part of its own change, e.g. linking a case as a duplicate, needs both
 * to commit together). The caller has checked scope and that the instance is running or failed.
 */
export async function cancelInstanceTree(trx: Trx, root: InstanceRow, reason: string, actorName: string): Promise<InstanceRow> {
  const now = nowIso()
  const ids: string[] = []
  for (let frontier = [root.id]; frontier.length && ids.length < 1000;) {
    ids.push(...frontier)
    frontier = (await trx('process_instances').whereIn('parent_id', frontier).whereIn('status', ['running', 'failed']).select('id')).map(
      (r: { id: string }) => r.id,
    )
  }
  const all: InstanceRow[] = await trx('process_instances').whereIn('id', ids)
  for (const inst of all) {
    await trx('process_instances')
      .where({ id: inst.id })
      .update({
        status: 'cancelled',
        ended_at: now,
        error: inst.id === root.id ? reason : `上级实例已撤销 / parent cancelled: ${reason}`,
        revision: inst.revision + 1,
      })
  }
  const tasks: Pick<TaskRow, 'id' | 'instance_id' | 'case_id' | 'element_id' | 'name'>[] = await trx('tasks')
    .whereIn('instance_id', ids)
    .where({ status: 'open' })
    .select('id', 'instance_id', 'case_id', 'element_id', 'name')
  if (tasks.length) {
    await trx('task_candidates')
      .whereIn(
        'task_id',
        tasks.map((t: { id: string }) => t.id),
      )
      .update({ open: false })
    await trx('tasks')
      .whereIn(
        'id',
        tasks.map((t: { id: string }) => t.id),
      )
      .update({ status: 'cancelled', ended_at: now })
  }
  await trx('timers')
    .whereIn('instance_id', ids)
    .whereIn('status', ['pending', 'failed'])
    .update({ status: 'cancelled', claimed_by: null, claimed_until: null })
  await trx('subscriptions').whereIn('instance_id', ids).delete()
  await trx('external_tasks')
    .whereIn('instance_id', ids)
    .where({ status: 'open' })
    .update({ status: 'cancelled', ended_at: now, worker_id: null, lock_owner: null, lock_expires_at: null })
  await trx('incidents')
    .whereIn('instance_id', ids)
    .where({ status: 'open' })
    .update({ status: 'resolved', resolution: 'cancelled', resolved_at: now, resolved_by: actorName, updated_at: now })
  const history = [
    ...tasks.map((t) => ({
      instance_id: t.instance_id,
      case_id: t.case_id,
      type: 'task_cancel',
      element_id: t.element_id,
      name: t.name,
      actor: actorName,
      at: now,
      data: JSON.stringify({ taskId: t.id }),
    })),
    ...all.map((inst) => ({
      instance_id: inst.id,
      case_id: inst.case_id,
      type: 'instance_cancel',
      element_id: inst.key,
      element_type: 'bpmn:Process',
      name: null,
      actor: actorName,
      at: now,
      data: JSON.stringify({ reason }),
    })),
  ]
  for (let i = 0; i < history.length; i += 200) await trx('history').insert(history.slice(i, i + 200))
  return (await trx('process_instances').where({ id: root.id }).first()) as InstanceRow
}
