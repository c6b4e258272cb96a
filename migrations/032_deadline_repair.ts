import type { Knex } from 'knex'
import { v7 as uuidv7 } from 'uuid'

/**
 * Deadlines written before they were bounded to 2000–2199 (a routing rule's `P99999Y` gave
 * "+102025-…"), or that are not ISO date-times at all, are repaired. Such a case could not be
 * signed for (the deadline timer armed from it is refused, every time), and as text "+1…" sorts
 * before today, so every listing called it overdue.
 *
 * What an operator would want is the deadline the case would get today: a case's response and
 * resolve deadlines are recomputed from its received time and its category's limits for its
 * urgency (a limit longer than a diagram timer may wait, or unreadable, gives way to the
 * platform's defaults PT24H / P7D), as intake does now. The running instance's variables and
 * saved engine state, its open tasks' due dates and its pending timers that held the old value
 * get the new one, so the next step arms a timer that works. A task's or timer's value outside
 * the range that is no case deadline is cleared (a task) or held to the range's edge (a timer:
 * one past 2199 never fires, one before 2000 fires at once, as each meant). Each case touched
 * gets a staff `deadline_repaired` event with the old and new values, so the repair shows in its
 * history.
 *
 * Self-contained (no application code): a migration must do tomorrow what it does today.
 * `down` undoes nothing: the old values were unusable, and the events record them.
 */

const MIN = Date.UTC(2000, 0, 1)
const MAX = Date.UTC(2200, 0, 1)
/** The longest limit a case's deadline may use: the 10 years a diagram timer may wait. */
const LONGEST = Date.UTC(1980, 0, 1)
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/
const DEFAULTS = { response: 'PT24H', resolve: 'P7D' }

/** Whether a stored deadline is usable: an ISO date-time within 2000–2199 (null is no deadline). */
export function usableDeadline(v: string | null | undefined): boolean {
  if (v == null) return true
  if (!ISO.test(v)) return false
  const t = Date.parse(v)
  return t >= MIN && t < MAX
}

function shift(from: number, duration: unknown): number | null {
  if (typeof duration !== 'string') return null
  const m = DURATION.exec(duration)
  if (!m || duration === 'P' || duration.endsWith('T')) return null
  const d = new Date(from)
  if (m[1]) d.setUTCFullYear(d.getUTCFullYear() + Number(m[1]))
  if (m[2]) d.setUTCMonth(d.getUTCMonth() + Number(m[2]))
  const ms = (Number(m[3] ?? 0) * 7 + Number(m[4] ?? 0)) * 86400e3 + Number(m[5] ?? 0) * 3600e3 + Number(m[6] ?? 0) * 60e3 + Number(m[7] ?? 0) * 1e3
  return d.getTime() + ms
}

/** `from + limit` when the limit is usable and the result within range, else `from + fallback`, else null. */
function deadline(from: number, limit: unknown, fallback: string): string | null {
  const usable = typeof limit === 'string' && (shift(0, limit) ?? Infinity) <= LONGEST
  for (const d of usable ? [limit, fallback] : [fallback]) {
    const t = shift(from, d)
    if (t !== null && t >= MIN && t < MAX) return new Date(t).toISOString()
  }
  return null
}

/** A timer's due time held to the range: past it never fires, before it fires at once. */
function clampTimer(v: string): string {
  const t = ISO.test(v) || /^[+-]\d{6}-/.test(v) ? Date.parse(v) : NaN
  return new Date(!Number.isNaN(t) && t < MIN ? MIN : MAX - 1).toISOString()
}

/** Every string equal to a key of `map` in a JSON value, replaced; whether any was. */
function replaceDeep(value: unknown, map: Map<string, string>): { value: unknown; changed: boolean } {
  if (typeof value === 'string') return map.has(value) ? { value: map.get(value), changed: true } : { value, changed: false }
  if (Array.isArray(value)) {
    let changed = false
    const out = value.map((v) => {
      const r = replaceDeep(v, map)
      changed ||= r.changed
      return r.value
    })
    return { value: changed ? out : value, changed }
  }
  if (value && typeof value === 'object') {
    let changed = false
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const r = replaceDeep(v, map)
      changed ||= r.changed
      out[k] = r.value
    }
    return { value: changed ? out : value, changed }
  }
  return { value, changed: false }
}

/** Rows whose `column` may be unusable: the exact test is `usableDeadline`. */
const suspect = (column: string) => (q: Knex.QueryBuilder) =>
  q.whereNotNull(column).andWhere((w) => w.where(column, '<', '2000').orWhere(column, '>=', '2200').orWhere(column, 'not like', '____-__-__T%'))

interface Repair {
  was: { responseDue: string | null; resolveDue: string | null }
  now: { responseDue: string | null; resolveDue: string | null }
  map: Map<string, string>
  tasks: number
  timers: number
  instances: number
}

export async function up(knex: Knex): Promise<void> {
  const repairs = new Map<string, Repair>()
  const repairOf = (row: { id: string; response_due_at: string | null; resolve_due_at: string | null }) => {
    let r = repairs.get(row.id)
    if (!r) {
      const was = { responseDue: row.response_due_at, resolveDue: row.resolve_due_at }
      repairs.set(row.id, (r = { was, now: { ...was }, map: new Map(), tasks: 0, timers: 0, instances: 0 }))
    }
    return r
  }

  const cases: {
    id: string
    category: string
    urgency: string
    created_at: string
    response_due_at: string | null
    resolve_due_at: string | null
  }[] = await knex('cases')
    .where((q) => q.where(suspect('response_due_at')).orWhere(suspect('resolve_due_at')))
    .select('id', 'category', 'urgency', 'created_at', 'response_due_at', 'resolve_due_at')
  const categories = new Map<string, Record<string, { response?: unknown; resolve?: unknown }>>()
  for (const c of cases) {
    if (usableDeadline(c.response_due_at) && usableDeadline(c.resolve_due_at)) continue
    if (!categories.has(c.category)) {
      const cat = await knex('categories').where({ code: c.category }).first('limits')
      let limits = {}
      try {
        limits = JSON.parse(cat?.limits ?? '{}') ?? {}
      } catch {
        // unreadable limits: the defaults
      }
      categories.set(c.category, limits)
    }
    const all = categories.get(c.category)!
    const limits = all[c.urgency] ?? all.normal ?? {}
    const from = Date.parse(c.created_at)
    const r = repairOf(c)
    for (const [field, column, kind] of [
      ['responseDue', 'response_due_at', 'response'],
      ['resolveDue', 'resolve_due_at', 'resolve'],
    ] as const) {
      const old = c[column]
      if (usableDeadline(old)) continue
      const fresh = Number.isNaN(from) ? null : deadline(from, limits[kind], DEFAULTS[kind])
      r.now[field] = fresh
      if (old != null && fresh != null) r.map.set(old, fresh)
    }
    await knex('cases').where({ id: c.id }).update({ response_due_at: r.now.responseDue, resolve_due_at: r.now.resolveDue })
  }

  // The instances carrying a repaired case: the old values wherever they were kept.
  for (const [caseId, r] of repairs) {
    if (!r.map.size) continue
    const instances: { id: string; variables: string; state: string | null; revision: number }[] = await knex('process_instances')
      .where({ case_id: caseId, status: 'running' })
      .select('id', 'variables', 'state', 'revision')
    for (const inst of instances) {
      const vars = replaceDeep(JSON.parse(inst.variables), r.map)
      const state = inst.state == null ? { value: null, changed: false } : replaceDeep(JSON.parse(inst.state), r.map)
      if (!vars.changed && !state.changed) continue
      r.instances++
      // A new revision: an engine a node keeps parked for this instance is not reused.
      await knex('process_instances')
        .where({ id: inst.id })
        .update({
          variables: JSON.stringify(vars.value),
          ...(state.changed && { state: JSON.stringify(state.value) }),
          revision: inst.revision + 1,
        })
    }
  }

  const caseRow = async (id: string | null) => {
    if (!id) return null
    if (repairs.has(id)) return repairs.get(id)!
    const row = await knex('cases').where({ id }).first('id', 'response_due_at', 'resolve_due_at')
    return row ? repairOf(row) : null
  }

  const tasks: { id: string; case_id: string | null; due_at: string }[] = await knex('tasks')
    .where({ status: 'open' })
    .where(suspect('due_at'))
    .select('id', 'case_id', 'due_at')
  for (const t of tasks) {
    if (usableDeadline(t.due_at)) continue
    const r = await caseRow(t.case_id)
    await knex('tasks')
      .where({ id: t.id })
      .update({ due_at: r?.map.get(t.due_at) ?? null })
    if (r) r.tasks++
  }

  const timers: { id: string; due_at: string; case_id: string | null }[] = await knex('timers')
    .leftJoin('process_instances', 'process_instances.id', 'timers.instance_id')
    .where('timers.status', 'pending')
    .where(suspect('timers.due_at'))
    .select('timers.id', 'timers.due_at', 'process_instances.case_id')
  for (const t of timers) {
    if (usableDeadline(t.due_at)) continue
    const r = await caseRow(t.case_id)
    await knex('timers')
      .where({ id: t.id })
      .update({ due_at: r?.map.get(t.due_at) ?? clampTimer(t.due_at) })
    if (r) r.timers++
  }

  const at = new Date().toISOString()
  const events = [...repairs].map(([caseId, r]) => {
    const data = { responseDue: r.now.responseDue, resolveDue: r.now.resolveDue, was: r.was, tasks: r.tasks, timers: r.timers, instances: r.instances }
    return {
      id: uuidv7(),
      case_id: caseId,
      type: 'deadline_repaired',
      actor: null,
      at,
      from_value: null,
      to_value: null,
      // The catalogue's `event.deadline_repaired` as of this migration, both languages.
      message: `时限数据有误（超出 2000–2199 年或无法识别），已修复：响应时限 ${r.now.responseDue ?? '—'}，办结时限 ${r.now.resolveDue ?? '—'} / Deadlines outside 2000–2199 or unreadable were repaired: respond by ${r.now.responseDue ?? '—'}, resolve by ${r.now.resolveDue ?? '—'}`,
      data: JSON.stringify(data),
      public: false,
    }
  })
  for (let i = 0; i < events.length; i += 200) await knex('case_events').insert(events.slice(i, i + 200))
}

export async function down(): Promise<void> {
  // Nothing to undo: the old values could not be used, and each case's event keeps them.
}
