import { h } from './dom.js'
import { fmtTime, isKey, keyParams, serverText, t, tk, tr, LEVEL, STATUS } from './i18n.js'
import { EVENT_TEXT } from '../../../src/messages/index.js'

/** Event names the UI knows; anything else shows the server's label or the raw type. */
export const EVENT: Record<string, [string, string]> = {
  received: ['已受理', 'Received'],
  created: ['已受理', 'Received'],
  submitted: ['已提交', 'Submitted'],
  dispatched: ['已派遣', 'Dispatched'],
  signed: ['已签收', 'Signed for'],
  claimed: ['已认领', 'Claimed'],
  responded: ['已响应', 'Responded'],
  in_progress: ['办理中', 'In progress'],
  handled: ['已办理', 'Handled'],
  returned: ['退单', 'Sent back'],
  extension: ['申请延期', 'Extension asked'],
  extended: ['已延期', 'Extended'],
  escalated: ['提级办理', 'Escalated'],
  joint: ['联合办理', 'Joint handling'],
  procedure: ['办理方式变更', 'Procedure changed'],
  feedback: ['已反馈结果', 'Result reported'],
  resolved: ['已办理完毕', 'Resolved'],
  awaiting_evaluation: ['待评价', 'Awaiting evaluation'],
  evaluated: ['已评价', 'Evaluated'],
  evaluation: ['已评价', 'Evaluated'],
  closed: ['已办结', 'Closed'],
  task_created: ['任务产生', 'Task created'],
  task_completed: ['任务完成', 'Task completed'],
  task_claimed: ['任务认领', 'Task claimed'],
  status: ['状态变更', 'Status changed'],
  signed_for: ['已签收', 'Signed for'],
  redispatching: ['重新派遣', 'Re-dispatching'],
  rehandle: ['重新办理', 'Handled again'],
  supervision: ['超期督办', 'Overdue: supervised'],
  deadline_repaired: ['时限已修复', 'Deadline repaired'],
  callback: ['回访', 'Callback'],
  citizen: ['群众反馈', 'Citizen feedback'],
  escalation: ['提级办理', 'Escalation'],
  escalation_requested: ['申请提级', 'Escalation requested'],
  escalation_accepted: ['上级已受理', 'Escalation accepted'],
  escalation_sent_back: ['提级退回', 'Escalation sent back'],
  escalation_at_top: ['已至最高层级', 'At the top level'],
  extension_approved: ['延期已批准', 'Extension approved'],
  extension_refused: ['延期未批准', 'Extension refused'],
  joint_organised: ['已组织联合办理', 'Joint handling organised'],
  plan_approved: ['方案已批准', 'Plan approved'],
  plan_followup: ['方案跟进', 'Plan follow-up'],
  plan_in_force: ['方案执行中', 'Plan in force'],
  procedure_switch: ['办理方式变更', 'Procedure changed'],
  instance_start: ['流程启动', 'Process started'],
  instance_end: ['流程结束', 'Process ended'],
  activity_start: ['进入环节', 'Step started'],
  activity_end: ['环节完成', 'Step done'],
  task_create: ['任务产生', 'Task created'],
  task_complete: ['任务完成', 'Task completed'],
  task_cancel: ['任务取消', 'Task cancelled'],
  variable_change: ['变量变更', 'Variables changed'],
}

/**
 * The platform's own actors (src/cases/service.ts CITIZEN_ACTOR, deploys by the seed) by name;
 * a person by the display name the server sends beside the username (`actorName`,
 * `deployedByName`, …), the username only when there is none (a deleted account).
 */
export const ACTOR: Record<string, [string, string]> = {
  citizen: ['群众', 'Citizen'],
  system: ['系统', 'System'],
}
const actorName = (who: string) => (Object.hasOwn(ACTOR, who) ? tr(ACTOR, who) : who)
/** Who did something: their display name, else the platform actor's name or the username ('' for nobody). */
export const personName = (username: string | null | undefined, displayName?: string | null) => displayName || (username ? actorName(username) : '')

export interface TimelineItem {
  at?: string
  time?: string
  type?: string
  event?: string
  label?: string
  labelEn?: string
  title?: string
  name?: string
  message?: string
  note?: string
  comment?: string
  actor?: string | null
  /** The actor's display name (GET /api/cases/:id/history). */
  actorName?: string | null
  who?: string | null
  unit?: string | null
  from?: string | null
  to?: string | null
  status?: string
  source?: string
  /** The event's parameters as stored (JSON): an object, normally. */
  data?: unknown
}

function headline(e: TimelineItem) {
  if (e.label || e.labelEn) return t(e.label ?? e.labelEn ?? '', e.labelEn ?? e.label ?? '')
  const type = e.type ?? e.event ?? e.status ?? ''
  if (EVENT[type]) return tr(EVENT, type)
  if (e.title) return serverText(e.title)
  if (e.name) return serverText(e.name)
  return humanType(type)
}

/** An event type nobody named yet (another branch's, a newer server's): its words, readable. */
const humanType = (type: string) => type.replace(/[_.]+/g, ' ').trim()

const TEXT_FIELDS = ['result', 'reply', 'reason', 'comment', 'note']
/** The field of `data` holding what a person wrote for this event, and its text. */
export function eventText(type: string, data: unknown): { field: string; text: string } | null {
  if (!data || typeof data !== 'object') return null
  const known = EVENT_TEXT[type]?.field
  for (const field of known ? [known] : TEXT_FIELDS) {
    const v = (data as Record<string, unknown>)[field]
    if (typeof v === 'string' && v.trim()) return { field, text: v }
  }
  return null
}

/**
 * The sentence of a case event in the chosen language: `event.<type>` with its data. An event
 * written before the catalogue (its data lacks the sentence's values) shows its stored
 * bilingual message; an unknown type a generic sentence naming it.
 */
export function eventSentence(e: TimelineItem): string | null {
  const type = e.type ?? ''
  const key = `event.${type}`
  const data = (e.data && typeof e.data === 'object' ? e.data : {}) as Record<string, unknown>
  if (isKey(key)) {
    if (keyParams(key).every((p) => p in data)) return tk(key, data)
    return e.message ? serverText(String(e.message)) : tk(key, data)
  }
  if (e.message && !eventText(type, data)) return serverText(String(e.message))
  return tk('event.unknown', { type: EVENT[type] ? tr(EVENT, type) : humanType(type) })
}

/** A person's own words under an event, labelled, never cut or translated. */
export function verbatim(type: string, data: unknown) {
  const said = eventText(type, data)
  if (!said) return null
  const label = isKey(`text.${said.field}`) ? tk(`text.${said.field}` as 'text.result', {}) : said.field
  return h(
    'div',
    { class: 'said', 'data-testid': `event-${said.field}` },
    h('span', { class: 'muted' }, `${label}${t('：', ': ')}`),
    h('span', { class: 'verbatim' }, said.text),
  )
}

/** A status or level by name; null for anything else (a unit code, a list of codes). */
const stateLabel = (v: string) => (STATUS[v] ? tr(STATUS, v) : LEVEL[v] ? tr(LEVEL, v) : null)
/**
 * "From → to" when both ends are statuses or levels. Events whose ends are unit codes (returns,
 * supervision orders, co-organisers) name the units in their sentence already: no raw codes here.
 */
function stateChange(e: TimelineItem): string {
  if (!e.from && !e.to) return ''
  const from = e.from ? stateLabel(e.from) : '—'
  const to = e.to ? stateLabel(e.to) : '—'
  return from && to ? `${from} → ${to}` : ''
}

/** Newest first, the latest entry highlighted: "like tracking a parcel". */
export function timeline(items: TimelineItem[], opts: { newestFirst?: boolean; showActor?: boolean } = {}) {
  const list = [...items]
  const newestFirst = opts.newestFirst !== false
  if (newestFirst) list.reverse()
  const latest = newestFirst ? 0 : list.length - 1
  return h(
    'ol',
    { class: 'timeline', 'data-testid': 'timeline' },
    list.map((e, i) => {
      // Case events (a type and data, or a stored message) read as a sentence plus the person's
      // own text; engine history items keep their name and note.
      const isCaseEvent = e.source !== 'engine' && (e.data !== undefined || e.message !== undefined)
      const sentence = isCaseEvent ? eventSentence(e) : null
      const detail = isCaseEvent ? null : (e.note ?? e.comment)
      const fromTo = stateChange(e)
      const by = opts.showActor !== false ? (e.actor ?? e.who ?? e.unit) : (e.unit ?? null)
      const who = by ? (by === e.actor && e.actorName) || actorName(by) : null
      return h(
        'li',
        { class: i === latest ? 'latest' : '' },
        h('div', { class: 'when' }, fmtTime(e.at ?? e.time)),
        // A case event's sentence is its headline; engine history keeps its label and element name.
        sentence
          ? h('div', { class: 'what' }, sentence)
          : h(
              'div',
              { class: 'what' },
              headline(e),
              e.name && serverText(e.name) !== headline(e) ? h('span', { class: 'muted' }, ` · ${serverText(e.name)}`) : null,
            ),
        fromTo ? h('div', { class: 'who' }, fromTo) : null,
        who ? h('div', { class: 'who' }, who) : null,
        isCaseEvent ? verbatim(e.type ?? '', e.data) : null,
        detail ? h('div', null, String(detail)) : null,
      )
    }),
  )
}
