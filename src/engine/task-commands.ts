import type { Db, Trx } from '../lib/db.js'
import { nowIso } from '../lib/db.js'
import type { HistoryInput, TaskRow } from './rows.js'

/**
 * Commands on user tasks and deadlines that do not move the flow: the engine's rows change only
 * here and in a step's persistence, never in another module. Each runs in the caller's
 * transaction (the caller has checked who may act).
 */

function taskHistory(task: TaskRow, type: string, actor: string, at: string, data: object): HistoryInput {
  return {
    instance_id: task.instance_id,
    case_id: task.case_id,
    type,
    element_id: task.element_id,
    name: task.name,
    actor,
    at,
    data: JSON.stringify(data),
  }
}

/** Claims an open, unassigned task for `username`; null when someone else took it first. */
export async function claimTask(trx: Trx, task: TaskRow, username: string): Promise<TaskRow | null> {
  const now = nowIso()
  const n = await trx('tasks').where({ id: task.id, status: 'open' }).whereNull('assignee').update({ assignee: username, claimed_at: now })
  if (n !== 1) return null
  await trx('history').insert(taskHistory(task, 'task_claim', username, now, { taskId: task.id }))
  return { ...task, assignee: username, claimed_at: now }
}

/** Gives a claimed task back to its candidates. */
export async function unclaimTask(trx: Trx, task: TaskRow, username: string): Promise<TaskRow> {
  const now = nowIso()
  await trx('tasks').where({ id: task.id }).update({ assignee: null, claimed_at: null })
  await trx('history').insert(taskHistory(task, 'task_unclaim', username, now, { taskId: task.id, from: task.assignee }))
  return { ...task, assignee: null, claimed_at: null }
}

/**
 * Gives back every open task `username` claimed, as their unclaim would (their groups see it again,
 * a history entry each, by `by`): for a person who can no longer act, so that no claimed task waits
 * on them past its deadline. A task the diagram assigned to them by name stays theirs until someone
 * reassigns it: giving it back would leave it to nobody. `keep` spares the tasks the caller says
 * they may still hold (the engine does not know who qualifies for what). Returns how many were given back.
 */
export async function releaseClaims(trx: Trx, username: string, by: string, keep?: (task: TaskRow) => Promise<boolean>): Promise<number> {
  const claimed: TaskRow[] = await trx('tasks').where({ assignee: username, status: 'open' }).whereNotNull('claimed_at')
  let released = 0
  for (const task of claimed) {
    if (keep && (await keep(task))) continue
    await unclaimTask(trx, task, by)
    released++
  }
  return released
}

/**
 * Moves a deadline of a running instance: the due date of the open task(s) at `taskElementId`
 * and, when given, the pending timer at `timerElementId` (the step that next resumes the
 * instance aligns the engine's armed timer to the table: runtime.ts `alignTimers`).
 */
export async function moveDeadline(
  trx: Trx,
  opts: { instanceId: string; taskElementId: string; timerElementId?: string | null; dueAt: string },
): Promise<void> {
  await trx('tasks').where({ instance_id: opts.instanceId, element_id: opts.taskElementId, status: 'open' }).update({ due_at: opts.dueAt })
  if (opts.timerElementId)
    await trx('timers')
      .where({ instance_id: opts.instanceId, element_id: opts.timerElementId, status: 'pending' })
      .update({ due_at: opts.dueAt, value: opts.dueAt })
}

/** The element ids of an instance's open user tasks. */
export async function openTaskElements(trx: Db | Trx, instanceId: string): Promise<string[]> {
  const rows: { element_id: string }[] = await trx('tasks').where({ instance_id: instanceId, status: 'open' }).select('element_id')
  return rows.map((r) => r.element_id)
}
