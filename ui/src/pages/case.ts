import { get, post, session } from '../lib/api.js'
import type { Answer } from '../lib/api-types.js'
import { caseFacts } from '../lib/casecard.js'
import { clear, h } from '../lib/dom.js'
import { fmtDue, fmtTime, serverText, t } from '../lib/i18n.js'
import { navigate, onLeave, type Ctx } from '../lib/router.js'
import { personName, timeline, type TimelineItem } from '../lib/timeline.js'
import { loadNames } from '../lib/names.js'
import { badge, errorBox, field, loadCss, loading, pageHead, toast } from '../lib/ui.js'
import { disputesCard } from './case-disputes.js'
import { caseFilesCard } from '../lib/attachments.js'

const SATISFACTION: Record<string, [string, string]> = {
  satisfied: ['满意', 'Satisfied'],
  basically_satisfied: ['基本满意', 'Basically satisfied'],
  dissatisfied: ['不满意', 'Dissatisfied'],
}
const STATE_LABEL: Record<string, [string, string]> = {
  done: ['已完成', 'done'],
  active: ['进行中', 'active'],
  overdue: ['已超期', 'overdue'],
  cancelled: ['已取消', 'cancelled'],
}

type CaseDetail = Answer<'/api/cases/{id}'>
type ActiveTask = Pick<Answer<'/api/tasks/{id}'>, 'id' | 'name' | 'elementId' | 'assignee' | 'assigneeName' | 'candidateGroups' | 'overdue' | 'dueAt'>

/** A case: facts, deadlines, the diagram with done/active/overdue steps, the full timeline, evaluation. */
export async function casePage(ctx: Ctx) {
  const id = ctx.params.id
  const [c, names] = await Promise.all([get<CaseDetail>(`/api/cases/${encodeURIComponent(id)}`), loadNames({ units: true })])
  if (!ctx.alive()) return
  ctx.view.classList.add('wide')
  const canvas = h('div', { class: 'canvas', 'data-testid': 'case-diagram' })
  const hist = h('div', null, loading())
  // The schema leaves an active task's fields open; the server sends its task view (src/tasks taskView).
  const tasks = (c.activeTasks ?? []) as ActiveTask[]
  ctx.view.append(
    pageHead(`${c.caseNo} ${c.title ?? ''}`, c.overdue ? badge(t('已超期', 'overdue'), 'bad') : null),
    h(
      'div',
      { class: 'grid2' },
      h(
        'section',
        { class: 'card' },
        h('h2', null, t('案件信息', 'Case')),
        caseFacts(c),
        c.result ? h('p', null, h('b', null, t('办理结果：', 'Result: ')), c.result) : null,
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', null, t('当前任务', 'Open tasks')),
        tasks.length
          ? h(
              'ul',
              null,
              tasks.map((tk) =>
                h(
                  'li',
                  null,
                  h('a', { href: `/tasks/${tk.id}` }, serverText(tk.name) || tk.elementId),
                  ' · ',
                  tk.assignee ? personName(tk.assignee, tk.assigneeName) : (tk.candidateGroups ?? []).map(names.group).join(t('、', ', ')),
                  ' · ',
                  h('span', { class: tk.overdue ? 'due over' : 'due' }, fmtDue(tk.dueAt)),
                ),
              ),
            )
          : h('p', { class: 'muted' }, t('无', 'none')),
        h('h2', { style: 'margin-top:14px' }, t('评价', 'Evaluation')),
        evaluationBlock(c),
      ),
    ),
    disputesCard(c, names),
    caseFilesCard(c.id, { canUpload: c.status !== 'closed' && session.has('dispatcher', 'grid_worker', 'grid_leader', 'callback', 'handler') }),
    h(
      'section',
      { class: 'card' },
      h('h2', null, t('流程图', 'Diagram')),
      // History written straight into the tables (the demo's year, imports) has no instance to draw.
      c.instanceId
        ? [
            h(
              'div',
              { class: 'legend', style: 'margin-bottom:8px' },
              ['done', 'active', 'overdue'].map((s) => h('span', { class: `state-badge ${s}` }, t(STATE_LABEL[s][0], STATE_LABEL[s][1]))),
            ),
            canvas,
          ]
        : h(
            'p',
            { class: 'muted', 'data-testid': 'no-diagram' },
            t('此案件是没有流程实例的历史案件，没有流程图。', 'This is a history case without a process instance: it has no diagram.'),
          ),
    ),
    h('section', { class: 'card' }, h('h2', null, t('全程记录', 'Timeline')), hist),
  )

  void (async () => {
    try {
      const items = await get<TimelineItem[]>(`/api/cases/${encodeURIComponent(id)}/history`)
      if (!ctx.alive()) return
      const all = h('input', { type: 'checkbox' })
      const box = h('div')
      const draw = () =>
        clear(
          box,
          timeline(
            all.checked
              ? items
              : items.filter(
                  (e) => e.source === 'case' || ['task_create', 'task_complete', 'task_cancel', 'instance_start', 'instance_end'].includes(e.type ?? ''),
                ),
            { newestFirst: false },
          ),
        )
      all.onchange = draw
      draw()
      clear(hist, h('label', { class: 'check small' }, all, t('显示全部流程事件', 'Show every engine event')), box)
    } catch (err) {
      clear(hist, errorBox(err))
    }
  })()

  if (!c.instanceId) return
  try {
    const [diagram] = await Promise.all([
      get<{ xml: string; activities: { id: string; state: string }[] }>(`/api/cases/${encodeURIComponent(id)}/diagram`),
      loadCss('/viewer.css'),
    ])
    const { createViewer } = await import('../viewer.js')
    if (!ctx.alive()) return
    const viewer = createViewer(canvas, { label: serverText })
    onLeave(() => viewer.destroy())
    await viewer.importXML(diagram.xml)
    viewer.markActivities(diagram.activities, (s) => (STATE_LABEL[s] ? t(STATE_LABEL[s][0], STATE_LABEL[s][1]) : s))
  } catch (err) {
    clear(canvas, errorBox(err))
  }
}

function evaluationBlock(c: CaseDetail) {
  const e = c.evaluation
  if (e && e.satisfaction) {
    return h(
      'p',
      { 'data-testid': 'case-evaluation' },
      e.resolved ? t('已解决', 'resolved') : t('未解决', 'not resolved'),
      ' · ',
      t(SATISFACTION[e.satisfaction]?.[0] ?? e.satisfaction, SATISFACTION[e.satisfaction]?.[1] ?? e.satisfaction),
      e.comment ? ` · ${e.comment}` : '',
      e.evaluatedAt ? h('span', { class: 'muted' }, ` (${fmtTime(e.evaluatedAt)})`) : null,
    )
  }
  if (c.status !== 'awaiting_evaluation' || !session.has('callback')) return h('p', { class: 'muted' }, t('尚未评价', 'not evaluated yet'))
  // Callback staff record the citizen's answer given by phone.
  const msg = h('div')
  const form: HTMLFormElement = h(
    'form',
    {
      onsubmit: async (ev: Event) => {
        ev.preventDefault()
        const fd = new FormData(form)
        try {
          await post(`/api/cases/${c.id}/evaluation`, {
            resolved: fd.get('resolved') === 'yes',
            satisfaction: String(fd.get('satisfaction')),
            ...(String(fd.get('comment') ?? '').trim() && { comment: String(fd.get('comment')).trim() }),
          })
          toast(t('已记录评价', 'Evaluation recorded'))
          navigate(location.pathname, true)
        } catch (err) {
          clear(msg, errorBox(err))
        }
      },
    },
    field(
      t('是否解决', 'Resolved?'),
      h('select', { name: 'resolved' }, h('option', { value: 'yes' }, t('已解决', 'yes')), h('option', { value: 'no' }, t('未解决', 'no'))),
    ),
    field(
      t('满意程度', 'Satisfaction'),
      h(
        'select',
        { name: 'satisfaction' },
        Object.entries(SATISFACTION).map(([k, [zh, en]]) => h('option', { value: k }, t(zh, en))),
      ),
    ),
    field(t('群众意见', 'Comment'), h('input', { name: 'comment', maxlength: 2000 })),
    msg,
    h('button', { type: 'submit', class: 'primary' }, t('记录回访评价', 'Record evaluation')),
  )
  return form
}
