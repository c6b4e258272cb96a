import { h } from './dom.js'
import { fmtTime, serverText, t, tr, STATUS } from './i18n.js'

/** Event names the UI knows; anything else shows the server's label or the raw type. */
export const EVENT: Record<string, [string, string]> = {
  received: ['已受理', 'Received'],
  created: ['已受理', 'Received'],
  submitted: ['已提交', 'Submitted'],
  dispatched: ['已派遣', 'Dispatched'],
  signed: ['已签收', 'Signed for'],
  claimed: ['已签收', 'Signed for'],
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
  task_claimed: ['任务签收', 'Task claimed'],
  status: ['状态变更', 'Status changed'],
  signed_for: ['已签收', 'Signed for'],
  redispatching: ['重新派遣', 'Re-dispatching'],
  rehandle: ['重新办理', 'Handled again'],
  supervision: ['超期督办', 'Overdue: supervised'],
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
  who?: string | null
  unit?: string | null
  from?: string | null
  to?: string | null
  status?: string
  data?: any
}

function headline(e: TimelineItem) {
  if (e.label || e.labelEn) return t(e.label ?? e.labelEn ?? '', e.labelEn ?? e.label ?? '')
  const type = e.type ?? e.event ?? e.status ?? ''
  if (EVENT[type]) return tr(EVENT, type)
  if (e.title) return serverText(e.title)
  if (e.name) return e.name
  return type
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
      const detail = e.message ?? e.note ?? e.comment
      const fromTo = e.from || e.to ? `${e.from ? tr(STATUS, e.from) : '—'} → ${e.to ? tr(STATUS, e.to) : '—'}` : ''
      const who = opts.showActor !== false ? (e.actor ?? e.who ?? e.unit) : (e.unit ?? null)
      return h(
        'li',
        { class: i === latest ? 'latest' : '' },
        h('div', { class: 'when' }, fmtTime(e.at ?? e.time)),
        h('div', { class: 'what' }, headline(e), e.name && e.name !== headline(e) ? h('span', { class: 'muted' }, ` · ${e.name}`) : null),
        fromTo ? h('div', { class: 'who' }, fromTo) : null,
        who ? h('div', { class: 'who' }, who) : null,
        detail ? h('div', null, serverText(String(detail))) : null,
      )
    }),
  )
}
