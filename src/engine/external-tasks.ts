import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { Knex } from 'knex'
import type { Db, Trx } from '../lib/db.js'
import { withRetry } from '../lib/retry.js'
import { isPostgres, nowIso } from '../lib/db.js'
import { msg } from '../lib/errors.js'
import { badRequest, notFound, RevisionConflict } from './errors.js'
import { bilingual } from '../lib/messages.js'
import type { InstanceRow, Runtime } from './runtime.js'
import { cutText } from '../lib/text.js'

/**
 * External tasks with Camunda 7's REST semantics (fetch and lock, complete, failure, BPMN
 * error, extend lock, unlock). A service task whose `camunda:topic` no in-process handler
 * serves waits in `external_tasks` (written by the step that reached it, runtime.ts) until a
 * worker locks it. A lock is a lease like a timer claim (timers.ts): rows are claimed with
 * `FOR UPDATE SKIP LOCKED` on PostgreSQL, and completion re-reads the row under the lock in
 * the transaction that saves the engine state (guarded by the instance's revision), so a
 * task completes exactly once however many nodes and workers race for it.
 */

export interface ExternalCreated {
  elementId: string
  name: string | null
  topic: string
  /** Variables of the task's own scope that differ from the process's. */
  local: Record<string, unknown>
}

export type ExternalOutcome =
  { kind: 'complete'; variables: Record<string, unknown> } | { kind: 'bpmnError'; code: string; message: string; variables: Record<string, unknown> }

export interface ExternalTaskRow {
  id: string
  instance_id: string
  case_id: string | null
  tenant: string
  process_key: string
  definition_id: string
  element_id: string
  execution_id: string
  activity_name: string | null
  topic: string
  priority: number
  local_variables: string | null
  status: 'open' | 'completed' | 'cancelled'
  worker_id: string | null
  lock_owner: string | null
  lock_expires_at: string | null
  retries: number | null
  retry_at: string | null
  error_message: string | null
  error_details: string | null
  incident_id: string | null
  created_at: string
  ended_at: string | null
}

/** Who calls the API: a user (administrator) or a worker account; `tenant` null sees every county. */
export interface Principal {
  id: string
  name: string
  tenant: string | null
}

/**
 * Writes a step's external tasks in its transaction: new waits become rows, rows whose
 * activity left (an interrupting boundary event, the instance ending) are cancelled.
 * A resumed engine announces its existing waits again: rows already open are skipped.
 */
export async function persistExternalTasks(
  trx: Trx,
  p: {
    instance: InstanceRow
    definitionId: string
    created: Map<string, ExternalCreated>
    left: string[]
    ended: boolean
    insert: boolean
    now: string
    /** Executions that waited as external tasks in the step's engine (EngineHolder.externalSeen). */
    seen: ReadonlySet<string>
  },
) {
  const { instance, now } = p
  const cancel = { status: 'cancelled', ended_at: now, worker_id: null, lock_owner: null, lock_expires_at: null }
  // Only an execution that waited as an external task can have an open row: a step of an instance
  // without any (every step of the shipped procedures) skips the update (bench/sql-trace.ts).
  const mayHaveRows = p.ended ? p.seen.size > 0 : p.left.some((e) => p.seen.has(e))
  if (!p.insert && mayHaveRows) {
    const q = trx('external_tasks').where({ instance_id: instance.id, status: 'open' })
    if (!p.ended) q.whereIn('execution_id', p.left)
    await q.update(cancel)
  }
  if (p.ended || !p.created.size) return
  const waiting = [...p.created].filter(([exec]) => !p.left.includes(exec))
  if (!waiting.length) return
  const known = new Set<string>(
    p.insert
      ? []
      : (
          await trx('external_tasks')
            .where({ instance_id: instance.id, status: 'open' })
            .whereIn(
              'execution_id',
              waiting.map(([e]) => e),
            )
            .select('execution_id')
        ).map((r: { execution_id: string }) => r.execution_id),
  )
  const rows = waiting
    .filter(([exec]) => !known.has(exec))
    .map(([exec, c]) => ({
      id: randomUUID(),
      instance_id: instance.id,
      case_id: instance.case_id,
      tenant: instance.tenant ?? '',
      process_key: instance.key,
      definition_id: p.definitionId,
      element_id: c.elementId,
      execution_id: exec,
      activity_name: c.name,
      topic: c.topic,
      priority: 0,
      local_variables: Object.keys(c.local).length ? JSON.stringify(c.local) : null,
      status: 'open',
      created_at: now,
    }))
  if (rows.length) await trx('external_tasks').insert(rows)
}

// ── Camunda typed values ─────────────────────────────────────────────────────

export interface TypedValue {
  value?: unknown
  type?: string | null
  valueInfo?: Record<string, unknown> | null
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/

/** A JSON value as Camunda's typed value (what `camunda-external-task-client-js` reads back). */
export function toTyped(v: unknown): { value: unknown; type: string; valueInfo: Record<string, unknown> } {
  if (v === null || v === undefined) return { value: null, type: 'Null', valueInfo: {} }
  if (typeof v === 'boolean') return { value: v, type: 'Boolean', valueInfo: {} }
  if (typeof v === 'string') return { value: v, type: 'String', valueInfo: {} }
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return { value: v, type: Math.abs(v) <= 2 ** 31 - 1 ? 'Integer' : 'Long', valueInfo: {} }
    return { value: v, type: 'Double', valueInfo: {} }
  }
  return { value: JSON.stringify(v), type: 'Json', valueInfo: {} }
}

/**
 * Camunda typed values from a worker to plain JSON values. Hostile input: names must be plain
 * identifiers, types one of those a JSON store can hold (Bytes, File and Java-serialized
 * Objects are refused), numbers finite, JSON text must parse.
 */
export function fromTyped(vars: unknown, field: string): Record<string, unknown> {
  if (vars == null) return {}
  if (typeof vars !== 'object' || Array.isArray(vars)) throw badRequest(msg('error.externalTask.badVariable', { name: field, detail: 'not an object' }))
  const out: Record<string, unknown> = {}
  for (const [name, tv] of Object.entries(vars as Record<string, TypedValue>)) {
    const bad = (detail: string) => badRequest(msg('error.externalTask.badVariable', { name, detail }), [{ field: `${field}.${name}`, message: detail }])
    if (!NAME.test(name)) throw bad('name')
    if (!tv || typeof tv !== 'object' || Array.isArray(tv)) throw bad('not a typed value {value, type}')
    const type = String(tv.type ?? '').toLowerCase()
    const value = tv.value
    switch (type) {
      case '':
        // Camunda infers the type of an untyped value: only JSON primitives here.
        if (value !== null && typeof value === 'object') throw bad('an object needs type Json')
        if (typeof value === 'number' && !Number.isFinite(value)) throw bad('number')
        out[name] = value ?? null
        break
      case 'null':
        out[name] = null
        break
      case 'string':
        if (value != null && typeof value !== 'string') throw bad('not a string')
        out[name] = value ?? null
        break
      case 'boolean':
        if (value != null && typeof value !== 'boolean') throw bad('not a boolean')
        out[name] = value ?? null
        break
      case 'integer':
      case 'short':
      case 'long':
      case 'double': {
        if (value == null) {
          out[name] = null
          break
        }
        const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN
        if (!Number.isFinite(n) || (type !== 'double' && !Number.isInteger(n))) throw bad(`not a ${type}`)
        out[name] = n
        break
      }
      case 'date': {
        if (value == null) {
          out[name] = null
          break
        }
        // Camunda writes `2026-12-02T10:00:00.000+0000`; stored as ISO text like every date here.
        const d = typeof value === 'string' ? new Date(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) : new Date(NaN)
        if (Number.isNaN(d.getTime())) throw bad('not a date')
        out[name] = d.toISOString()
        break
      }
      case 'json':
      case 'object': {
        if (type === 'object') {
          const format = String(tv.valueInfo?.serializationDataFormat ?? '')
          if (format !== 'application/json') throw badRequest(msg('error.externalTask.unsupportedType', { name, type: `Object (${format || 'Java'})` }))
        }
        if (value == null) {
          out[name] = null
          break
        }
        if (typeof value !== 'string') {
          out[name] = value
          break
        }
        try {
          out[name] = JSON.parse(value)
        } catch {
          throw bad('JSON does not parse')
        }
        break
      }
      default:
        throw badRequest(msg('error.externalTask.unsupportedType', { name, type: String(tv.type) }))
    }
  }
  return out
}

// ── The service ──────────────────────────────────────────────────────────────

export interface TopicRequest {
  topicName: string
  lockDuration: number
  variables?: string[] | null
  localVariables?: boolean
  businessKey?: string
  processDefinitionKey?: string
  processDefinitionKeyIn?: string[]
  processDefinitionId?: string
  processDefinitionIdIn?: string[]
  tenantIdIn?: string[]
  withoutTenantId?: boolean
}

export interface FetchRequest {
  workerId: string
  maxTasks: number
  usePriority?: boolean
  asyncResponseTimeout?: number
  topics: TopicRequest[]
}

const LONG_POLL_STEP_MS = 250
const MESSAGE_MAX = 666 // Camunda's errorMessage column
const DETAILS_MAX = 64 * 1024

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex')

export class ExternalTasks {
  constructor(
    private db: Db,
    private runtime: Runtime,
    /** 400 naming each protected variable (EngineService.checkExternalVariables). */
    private checkVariables: (vars: Record<string, unknown>) => void,
    /** The longest a fetch-and-lock waits for work (Camunda allows 30 min; a proxy rarely keeps a request that long). */
    private maxWaitMs = 60_000,
  ) {}

  /**
   * Runs a state change in a transaction; when another step moved the same instance first
   * (tasks of one multi-instance subprocess completed at once) the loser re-runs on the new
   * state, as task completion does. The same task twice still fails: the re-run finds it ended.
   */
  private async inTransaction(fn: (trx: Trx) => Promise<void>) {
    return withRetry(this.db, fn, { retryOn: (err) => err instanceof RevisionConflict, attempts: 5 })
  }

  private scoped(p: Principal, q: Knex.QueryBuilder) {
    return p.tenant == null ? q : q.where('external_tasks.tenant', p.tenant)
  }

  /**
   * Locks up to `maxTasks` tasks of the topics for `workerId`, waiting up to
   * asyncResponseTimeout (bounded) for one to appear; `isClosed` ends the wait early.
   */
  async fetchAndLock(p: Principal, req: FetchRequest, isClosed: () => boolean = () => false, now: () => Date = () => new Date()) {
    // Nothing asked for (no topic, no task): nothing to wait for. An empty topic list must
    // not reach the query, where an empty OR group would match every topic.
    if (!req.topics.length || req.maxTasks <= 0) return []
    const deadline = Date.now() + Math.min(req.asyncResponseTimeout ?? 0, this.maxWaitMs)
    for (;;) {
      const locked = await this.lockSome(p, req, now())
      if (locked.length || Date.now() + LONG_POLL_STEP_MS > deadline || isClosed()) return locked
      await new Promise((r) => setTimeout(r, LONG_POLL_STEP_MS))
      if (isClosed()) return []
    }
  }

  private async lockSome(p: Principal, req: FetchRequest, at: Date) {
    const nowS = at.toISOString()
    const byTopic = new Map(req.topics.map((t) => [t.topicName, t]))
    const rows: ExternalTaskRow[] = await this.db.transaction(async (trx) => {
      const q = this.scoped(p, trx('external_tasks'))
        .where('external_tasks.status', 'open')
        .where((w: Knex.QueryBuilder) => {
          for (const t of req.topics) {
            w.orWhere((o: Knex.QueryBuilder) => {
              o.where('external_tasks.topic', t.topicName)
              if (t.processDefinitionKey) o.where('external_tasks.process_key', t.processDefinitionKey)
              if (t.processDefinitionKeyIn?.length) o.whereIn('external_tasks.process_key', t.processDefinitionKeyIn)
              if (t.processDefinitionId) o.where('external_tasks.definition_id', t.processDefinitionId)
              if (t.processDefinitionIdIn?.length) o.whereIn('external_tasks.definition_id', t.processDefinitionIdIn)
              if (t.tenantIdIn?.length) o.whereIn('external_tasks.tenant', t.tenantIdIn)
              if (t.withoutTenantId) o.where('external_tasks.tenant', '')
              if (t.businessKey != null) o.where('external_tasks.case_id', t.businessKey)
            })
          }
        })
        .where((w: Knex.QueryBuilder) => w.whereNull('external_tasks.lock_expires_at').orWhere('external_tasks.lock_expires_at', '<', nowS))
        .where((w: Knex.QueryBuilder) => w.whereNull('external_tasks.retries').orWhere('external_tasks.retries', '>', 0))
        .where((w: Knex.QueryBuilder) => w.whereNull('external_tasks.retry_at').orWhere('external_tasks.retry_at', '<=', nowS))
        // A failed instance waits for an administrator (an incident), not for workers.
        .whereNotExists((w: Knex.QueryBuilder) =>
          w.select(1).from('process_instances').whereRaw('process_instances.id = external_tasks.instance_id').where('process_instances.status', 'failed'),
        )
      if (req.usePriority) q.orderBy('external_tasks.priority', 'desc')
      q.orderBy('external_tasks.created_at').orderBy('external_tasks.id').limit(req.maxTasks).select('external_tasks.*')
      if (isPostgres(this.db)) q.forUpdate().skipLocked()
      const found: ExternalTaskRow[] = await q
      for (const r of found) {
        const until = new Date(at.getTime() + byTopic.get(r.topic)!.lockDuration).toISOString()
        await trx('external_tasks').where({ id: r.id }).update({ worker_id: req.workerId, lock_owner: p.id, lock_expires_at: until })
        Object.assign(r, { worker_id: req.workerId, lock_owner: p.id, lock_expires_at: until })
      }
      return found
    })
    if (!rows.length) return []
    const instances = new Map<string, { variables: string; definition_version?: number }>(
      (
        await this.db('process_instances')
          .whereIn('id', [...new Set(rows.map((r) => r.instance_id))])
          .select('id', 'variables')
      ).map((i: Pick<InstanceRow, 'id' | 'variables'>) => [i.id, i]),
    )
    return rows.map((r) => {
      const topic = byTopic.get(r.topic)!
      const all = { ...JSON.parse(instances.get(r.instance_id)?.variables ?? '{}'), ...JSON.parse(r.local_variables ?? '{}') } as Record<string, unknown>
      const names = topic.variables == null ? Object.keys(all) : topic.variables.filter((n) => Object.hasOwn(all, n))
      const variables: Record<string, unknown> = {}
      for (const n of names) variables[n] = toTyped(all[n])
      return { ...lockedView(r), variables }
    })
  }

  async get(p: Principal, id: string, trx: Db | Trx = this.db): Promise<ExternalTaskRow> {
    const q = this.scoped(p, trx('external_tasks').where({ id }))
    if (trx !== this.db && isPostgres(this.db)) q.forUpdate()
    const row: ExternalTaskRow | undefined = await q.first()
    if (!row || row.status !== 'open') throw notFound(msg('error.externalTask.notFound', { id }))
    return row
  }

  /** The row for an action of `workerId`: it must hold the task's most recent lock. */
  private async mine(p: Principal, id: string, workerId: string, trx: Trx): Promise<ExternalTaskRow> {
    const row = await this.get(p, id, trx)
    if (row.worker_id !== workerId || row.lock_owner !== p.id) throw badRequest(msg('error.externalTask.notLockedBy', { id, workerId }))
    return row
  }

  async complete(p: Principal, id: string, body: { workerId: string; variables?: unknown; localVariables?: unknown }) {
    const variables = fromTyped(body.variables, 'variables')
    // Local variables live on the task's own execution, which ends with it (no output mapping
    // here): checked like the others, then they go with it, as in Camunda.
    const local = fromTyped(body.localVariables, 'localVariables')
    this.checkVariables(variables)
    this.checkVariables(local)
    await this.inTransaction(async (trx) => {
      const row = await this.mine(p, id, body.workerId, trx)
      await trx('external_tasks').where({ id, status: 'open' }).update({ status: 'completed', ended_at: nowIso(), lock_expires_at: null })
      await this.runtime.resumeExternal(trx, row, { kind: 'complete', variables }, `worker:${p.name}`)
    })
  }

  async bpmnError(p: Principal, id: string, body: { workerId: string; errorCode: string; errorMessage?: string | null; variables?: unknown }) {
    const variables = fromTyped(body.variables, 'variables')
    this.checkVariables(variables)
    await this.inTransaction(async (trx) => {
      const row = await this.mine(p, id, body.workerId, trx)
      await trx('external_tasks')
        .where({ id, status: 'open' })
        .update({
          status: 'completed',
          ended_at: nowIso(),
          lock_expires_at: null,
          error_message: cutText(body.errorMessage ?? body.errorCode, { codePoints: MESSAGE_MAX }),
        })
      await this.runtime.resumeExternal(trx, row, { kind: 'bpmnError', code: body.errorCode, message: body.errorMessage ?? '', variables }, `worker:${p.name}`)
    })
  }

  /**
   * A failed attempt: the lock is released, the task waits `retryTimeout` ms, and with no
   * retries left an incident opens (GET /api/incidents); the instance keeps running, as in
   * Camunda, and the task is fetched again once an administrator retries the incident.
   */
  async failure(
    p: Principal,
    id: string,
    body: { workerId: string; errorMessage?: string | null; errorDetails?: string | null; retries?: number; retryTimeout?: number; variables?: unknown },
  ) {
    const variables = fromTyped(body.variables, 'variables')
    this.checkVariables(variables)
    await this.inTransaction(async (trx) => {
      const row = await this.mine(p, id, body.workerId, trx)
      const now = new Date()
      const retries = Math.max(0, body.retries ?? 0)
      const message = cutText(body.errorMessage ?? '', { codePoints: MESSAGE_MAX })
      let incidentId: string | null = null
      if (retries === 0) incidentId = await this.openIncident(trx, row, message)
      await trx('external_tasks')
        .where({ id })
        .update({
          worker_id: null,
          lock_owner: null,
          lock_expires_at: null,
          retries,
          retry_at: body.retryTimeout ? new Date(now.getTime() + body.retryTimeout).toISOString() : null,
          error_message: message,
          error_details: body.errorDetails == null ? null : cutText(String(body.errorDetails), { codePoints: DETAILS_MAX }),
          incident_id: incidentId,
        })
      if (Object.keys(variables).length) await this.runtime.setVariables(trx, row.instance_id, variables, `worker:${p.name}`)
    })
  }

  private async openIncident(trx: Trx, row: ExternalTaskRow, message: string): Promise<string> {
    const now = nowIso()
    const id = randomUUID()
    const params = { topic: row.topic, message: message || '-' }
    const text = bilingual('error.externalTask.incident', params)
    await trx('incidents').insert({
      id,
      instance_id: row.instance_id,
      case_id: row.case_id,
      tenant: row.tenant,
      process_key: row.process_key,
      kind: 'external',
      timer_id: null,
      element_id: row.element_id,
      message: text,
      message_key: 'error.externalTask.incident',
      message_params: JSON.stringify(params),
      status: 'open',
      attempts: 1,
      created_at: now,
      updated_at: now,
    })
    await trx('history').insert({
      instance_id: row.instance_id,
      case_id: row.case_id,
      type: 'incident',
      element_id: row.element_id,
      element_type: 'bpmn:ServiceTask',
      name: row.activity_name,
      actor: null,
      at: now,
      data: JSON.stringify({ incidentId: id, kind: 'external', message: text }),
    })
    return id
  }

  async extendLock(p: Principal, id: string, body: { workerId: string; newDuration: number }) {
    await this.inTransaction(async (trx) => {
      const row = await this.mine(p, id, body.workerId, trx)
      const now = new Date()
      if (!row.lock_expires_at || row.lock_expires_at < now.toISOString()) throw badRequest(msg('error.externalTask.lockExpired', { id }))
      await trx('external_tasks')
        .where({ id })
        .update({ lock_expires_at: new Date(now.getTime() + body.newDuration).toISOString() })
    })
  }

  /** Locks one task by id (Camunda 7.21 `POST /external-task/{id}/lock`). */
  async lock(p: Principal, id: string, body: { workerId: string; lockDuration: number }) {
    await this.db.transaction(async (trx) => {
      const row = await this.get(p, id, trx)
      const now = new Date()
      const held = row.lock_expires_at && row.lock_expires_at >= now.toISOString()
      if (held && (row.worker_id !== body.workerId || row.lock_owner !== p.id)) throw badRequest(msg('error.externalTask.alreadyLocked', { id }))
      await trx('external_tasks')
        .where({ id })
        .update({ worker_id: body.workerId, lock_owner: p.id, lock_expires_at: new Date(now.getTime() + body.lockDuration).toISOString() })
    })
  }

  async unlock(p: Principal, id: string) {
    await this.db.transaction(async (trx) => {
      await this.get(p, id, trx)
      await trx('external_tasks').where({ id }).update({ worker_id: null, lock_owner: null, lock_expires_at: null })
    })
  }

  async list(
    p: Principal,
    f: {
      topicName?: string
      workerId?: string
      locked?: boolean
      notLocked?: boolean
      withRetriesLeft?: boolean
      noRetriesLeft?: boolean
      processInstanceId?: string
      activityId?: string
      firstResult?: number
      maxResults?: number
    },
  ) {
    const nowS = nowIso()
    const q = this.scoped(p, this.db('external_tasks')).where('external_tasks.status', 'open')
    if (f.topicName) q.where('topic', f.topicName)
    if (f.workerId) q.where('worker_id', f.workerId)
    if (f.processInstanceId) q.where('instance_id', f.processInstanceId)
    if (f.activityId) q.where('element_id', f.activityId)
    if (f.locked) q.where('lock_expires_at', '>=', nowS)
    if (f.notLocked) q.where((w: Knex.QueryBuilder) => w.whereNull('lock_expires_at').orWhere('lock_expires_at', '<', nowS))
    if (f.withRetriesLeft) q.where((w: Knex.QueryBuilder) => w.whereNull('retries').orWhere('retries', '>', 0))
    if (f.noRetriesLeft) q.where('retries', 0)
    const rows: ExternalTaskRow[] = await q
      .orderBy('created_at')
      .orderBy('id')
      .offset(f.firstResult ?? 0)
      .limit(f.maxResults ?? 100)
    return rows.map(taskView)
  }
}

/** An external task as Camunda's ExternalTaskDto. */
export function taskView(r: ExternalTaskRow) {
  const live = r.lock_expires_at && r.lock_expires_at >= nowIso()
  return {
    id: r.id,
    activityId: r.element_id,
    activityInstanceId: r.execution_id,
    errorMessage: r.error_message,
    executionId: r.execution_id,
    lockExpirationTime: live ? r.lock_expires_at : null,
    createTime: r.created_at,
    processDefinitionId: r.definition_id,
    processDefinitionKey: r.process_key,
    processDefinitionVersionTag: null,
    processInstanceId: r.instance_id,
    tenantId: r.tenant || null,
    retries: r.retries == null ? null : Number(r.retries),
    suspended: false,
    workerId: live ? r.worker_id : null,
    topicName: r.topic,
    priority: Number(r.priority),
    businessKey: r.case_id,
  }
}

function lockedView(r: ExternalTaskRow) {
  return { ...taskView(r), errorDetails: r.error_details, extensionProperties: {} }
}

// ── Worker accounts ──────────────────────────────────────────────────────────

interface WorkerRow {
  id: string
  name: string
  token_hash: string
  token_prefix: string
  tenant: string | null
  created_at: string
  created_by: string
  revoked_at: string | null
  revoked_by: string | null
}

export const workerView = (r: WorkerRow) => ({
  id: r.id,
  name: r.name,
  prefix: r.token_prefix,
  tenant: r.tenant,
  createdAt: r.created_at,
  createdBy: r.created_by,
  revokedAt: r.revoked_at,
  revokedBy: r.revoked_by,
})

/** Bearer tokens for other systems' workers, issued by an administrator, kept only as hashes (like Open311 keys). */
export class WorkerAccounts {
  constructor(private db: Db) {}

  async list(scope: string | null) {
    const q = this.db('worker_accounts').orderBy('created_at', 'desc')
    if (scope != null) q.where({ tenant: scope })
    return ((await q) as WorkerRow[]).map(workerView)
  }

  /** Issues an account; the token is in this answer only. */
  async issue(by: string, input: { name: string; tenant: string | null }) {
    if (input.tenant != null) {
      const region = await this.db('regions').where({ code: input.tenant }).first('level')
      if (region?.level !== 'county') throw badRequest(msg('error.workerAccount.badTenant', { tenant: input.tenant }))
    }
    const token = `w_${randomBytes(32).toString('base64url')}`
    const row: WorkerRow = {
      id: randomUUID(),
      name: input.name.trim(),
      token_hash: tokenHash(token),
      token_prefix: token.slice(0, 10),
      tenant: input.tenant,
      created_at: nowIso(),
      created_by: by,
      revoked_at: null,
      revoked_by: null,
    }
    await this.db('worker_accounts').insert(row)
    return { ...workerView(row), token }
  }

  async revoke(by: string, id: string, scope: string | null) {
    const q = this.db('worker_accounts').where({ id })
    if (scope != null) q.where({ tenant: scope })
    const row: WorkerRow | undefined = await q.first()
    if (!row) throw notFound(msg('error.workerAccount.notFound', { id }))
    if (!row.revoked_at) await this.db('worker_accounts').where({ id }).update({ revoked_at: nowIso(), revoked_by: by })
    return workerView((await this.db('worker_accounts').where({ id }).first()) as WorkerRow)
  }

  /** The principal a worker token belongs to, or null (unknown, revoked, or not a worker token). */
  async resolve(token: string): Promise<Principal | null> {
    if (!token.startsWith('w_')) return null
    const row: WorkerRow | undefined = await this.db('worker_accounts')
      .where({ token_hash: tokenHash(token) })
      .whereNull('revoked_at')
      .first()
    return row ? { id: `worker:${row.id}`, name: row.name, tenant: row.tenant } : null
  }
}
