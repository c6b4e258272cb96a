/**
 * The rows the engine writes, as stored (column names), and the comma lists they hold. Other
 * modules read these types; only the engine writes the rows.
 */

/**
 * The tables only the engine writes (its migrations create them); other modules read them, and
 * change them through engine commands (task-commands.ts, history-commands.ts). The boundary
 * test (test/engine/boundary.test.ts) fails on a write to one of them outside src/engine.
 */
export const ENGINE_TABLES = [
  'process_definitions',
  'process_instances',
  'tasks',
  'task_candidates',
  'timers',
  'subscriptions',
  'history',
  'incidents',
  'external_tasks',
  'worker_accounts',
  'resource_definitions',
  'process_withdrawals',
  'process_withdrawal_changes',
] as const

export interface InstanceRow {
  id: string
  definition_id: string
  key: string
  tenant: string
  case_id: string | null
  parent_id: string | null
  parent_execution_id: string | null
  parent_element_id: string | null
  status: 'running' | 'completed' | 'failed'
  state: string | null
  variables: string
  activities: string | null
  revision: number
  started_at: string
  started_by: string | null
  ended_at: string | null
  error: string | null
}

/** What a step needs of an open task to end it: which execution waits, and its history's names. */
export type OpenTask = Pick<TaskRow, 'id' | 'execution_id' | 'element_id' | 'name'>

/** A task a step ended: completed (by whom) or cancelled. */
export type EndedTask = OpenTask & { status: 'completed' | 'cancelled'; ended_at: string; completed_by?: string | null }

export interface TaskRow {
  id: string
  instance_id: string
  case_id: string | null
  process_key: string
  tenant: string
  element_id: string
  execution_id: string
  name: string | null
  assignee: string | null
  candidate_users: string | null
  candidate_groups: string | null
  due_at: string | null
  priority: number
  form_key: string | null
  status: 'open' | 'completed' | 'cancelled'
  created_at: string
  claimed_at: string | null
  ended_at: string | null
  completed_by: string | null
  data: string | null
  /** The version of its form a completion was checked against (the tasks module's id; migration 033). */
  form_version?: string | null
}

export interface TimerRow {
  id: string
  instance_id: string
  element_id: string
  execution_id: string
  parent_execution_id: string | null
  timer_type: string | null
  value: string | null
  due_at: string
  status: 'pending' | 'fired' | 'cancelled' | 'failed'
  claimed_by: string | null
  claimed_until: string | null
  attempts: number
  error: string | null
  created_at: string
  fired_at: string | null
}

export interface HistoryInput {
  instance_id: string | null
  case_id: string | null
  type: string
  element_id?: string | null
  element_type?: string | null
  name?: string | null
  actor?: string | null
  at: string
  data?: string | null
}

/** A history row as stored: its input and the id the database gave it (a bigint, a string on PostgreSQL). */
export interface HistoryRow extends HistoryInput {
  id: number | string
}

/** A comma list (candidate users or groups) as its items; an array is taken as is. */
export function splitList(value: unknown): string[] {
  if (value == null) return []
  const list = Array.isArray(value) ? value : String(value).split(',')
  // A set: `=gridGroup + "," + handlerGroup` names one unit twice when the grid handles the case
  // itself, and a candidate row per name would break its primary key (the step failed).
  return [...new Set(list.map((v) => String(v).trim()).filter(Boolean))]
}
