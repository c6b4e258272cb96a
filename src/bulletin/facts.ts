/**
 * The facts a scoring item can count (src/bulletin/README.md, "Facts"). A case's facts are
 * worked out once per bulletin for every unit the case counts for; an item's `count` is one of
 * these names or a FEEL expression over them (and over the case attributes below).
 */

/** Facts of the case itself: they count for the case's township (region) and department. */
export const CASE_FACTS = [
  'received',
  'respondedInTime',
  'responseOverdue',
  'closed',
  'closedOnTime',
  'closedNoDeadline',
  'resolvedOverdue',
  'evaluated',
  'resolved',
  'satisfied',
  'dissatisfied',
  'unresolved',
  'notEvaluated',
  'rehandled',
  'dissatisfiedAfterRehandle',
  'atOrBelowTownship',
  'duplicate',
  'excluded',
] as const

/** Counts of the month's records about a case: they count for the unit the record names. */
export const EVENT_FACTS = ['returned', 'returnAccepted', 'returnRejected', 'supervisionOrder', 'supervisionReplyLate', 'overdueSupervision'] as const

/** Case attributes a FEEL expression may test (text, null when unset). */
export const ATTRIBUTES = ['category', 'channel', 'urgency', 'procedure', 'level', 'resolvedLevel', 'status'] as const

export type CaseFact = (typeof CASE_FACTS)[number]
export type EventFact = (typeof EVENT_FACTS)[number]
export type Facts = Record<CaseFact, boolean> & Record<EventFact, number> & Record<(typeof ATTRIBUTES)[number], string | null>

export const FACT_NAMES: ReadonlySet<string> = new Set<string>([...CASE_FACTS, ...EVENT_FACTS])
export const FEEL_NAMES: ReadonlySet<string> = new Set<string>([...CASE_FACTS, ...EVENT_FACTS, ...ATTRIBUTES])

/** Labels of the facts, for the editor's pick list (GET /api/scoring-items). */
export const FACT_LABELS: Record<string, [string, string]> = {
  received: ['受理', 'received'],
  respondedInTime: ['按时响应', 'responded within the limit'],
  responseOverdue: ['超时响应（含逾期未响应）', 'response late or missing after the limit'],
  closed: ['办结', 'closed'],
  closedOnTime: ['按期办结', 'finished by the deadline'],
  closedNoDeadline: ['办结但无办理时限', 'closed without a deadline'],
  resolvedOverdue: ['超期办理（含逾期未办结）', 'finished late, or unfinished past the deadline'],
  evaluated: ['已评价', 'evaluated'],
  resolved: ['评价已解决', 'evaluated resolved'],
  satisfied: ['满意（含基本满意）', 'satisfied (incl. basically)'],
  dissatisfied: ['不满意', 'dissatisfied'],
  unresolved: ['评价未解决', 'evaluated unresolved'],
  notEvaluated: ['逾期未评价', 'not evaluated within the period'],
  rehandled: ['重新办理过', 're-handled after a dissatisfied evaluation'],
  dissatisfiedAfterRehandle: ['重办后仍不满意', 'dissatisfied after re-handling'],
  atOrBelowTownship: ['乡镇及以下解决', 'resolved at township level or below'],
  duplicate: ['重复件', 'linked as a duplicate'],
  excluded: ['剔除', 'excluded from assessment'],
  returned: ['退单次数', 'returns by the unit'],
  returnAccepted: ['退单被同意次数', 'returns accepted'],
  returnRejected: ['退单被驳回次数', 'returns rejected'],
  supervisionOrder: ['督办单数', 'manual supervision orders to the unit'],
  supervisionReplyLate: ['督办逾期回复数', 'supervision replies late or missing after the deadline'],
  overdueSupervision: ['超时自动督办数', 'automatic overdue supervisions'],
}

export function emptyFacts(): Facts {
  const f = {} as Record<string, unknown>
  for (const k of CASE_FACTS) f[k] = false
  for (const k of EVENT_FACTS) f[k] = 0
  for (const k of ATTRIBUTES) f[k] = null
  return f as Facts
}
