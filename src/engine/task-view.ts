import { nowIso } from '../lib/db.js'
import type { TaskRow } from './rows.js'

export type TaskStatus = 'open' | 'completed' | 'cancelled'

/** A user task row as the API shows it (../shared/api.md); a type, not an interface, so that it fits its reply schema (type provider). */
export type TaskView = {
  id: string
  name: string | null
  elementId: string
  instanceId: string
  caseId: string | null
  processKey: string
  tenant: string | null
  assignee: string | null
  candidateUsers: string[]
  candidateGroups: string[]
  dueAt: string | null
  overdue: boolean
  priority: number
  formKey: string | null
  status: TaskStatus
  createdAt: string
  claimedAt: string | null
  endedAt: string | null
  completedBy: string | null
  data?: Record<string, unknown> | null
}

/** A stored comma list as given: every item, empty ones included (unlike `splitList`). */
const list = (s: string | null) => (s ? s.split(',') : [])

export function taskView(t: TaskRow, now = nowIso()): TaskView {
  return {
    id: t.id,
    name: t.name,
    elementId: t.element_id,
    instanceId: t.instance_id,
    caseId: t.case_id,
    processKey: t.process_key,
    tenant: t.tenant || null,
    assignee: t.assignee,
    candidateUsers: list(t.candidate_users),
    candidateGroups: list(t.candidate_groups),
    dueAt: t.due_at,
    overdue: t.status === 'open' && !!t.due_at && t.due_at < now,
    priority: t.priority,
    formKey: t.form_key,
    // The engine writes only these (persistence.ts).
    status: t.status as TaskStatus,
    createdAt: t.created_at,
    claimedAt: t.claimed_at,
    endedAt: t.ended_at,
    completedBy: t.completed_by,
    ...(t.data != null && { data: JSON.parse(t.data) }),
  }
}
