import { ApiError, get, post, session } from '../lib/api.js'
import type { Answer, Item } from '../lib/api-types.js'
import { caseFacts, type CaseFactsInput } from '../lib/casecard.js'
import { pendingReturnNotice } from './case-disputes.js'
import { clear, h } from '../lib/dom.js'
import { fmtDue, fmtTime, paren, PROCEDURE, serverText, t, tr } from '../lib/i18n.js'
import { personName } from '../lib/timeline.js'
import { loadNames } from '../lib/names.js'
import { answers, contextCard, type TaskContext } from '../lib/task-context.js'
import { navigate, onLeave, type Ctx } from '../lib/router.js'
import { badge, busy, errorBox, errorText, field, loadCss, pageHead, toast } from '../lib/ui.js'
import { caseFilesCard } from '../lib/attachments.js'
import type { FormComponent, FormSchema } from '../form-viewer.js'

export /** Documented as free-form objects, so not taken from the document: `context`, the case summary and the form-js schema. */
type TaskDetail = Omit<Answer<'/api/tasks/{id}'>, 'context' | 'case' | 'form'> & {
  /** What earlier steps submitted that this step decides on. */
  context?: TaskContext | null
  /** The case summary: the facts caseFacts shows, and a return awaiting the dispatcher's review. */
  case: (CaseFactsInput & { pendingReturn?: Item<'/api/cases/{id}/returns'> | null }) | null
  form: (Omit<NonNullable<Answer<'/api/tasks/{id}'>['form']>, 'schema'> & { schema: FormSchema }) | null
}

/** Task-form fields that name units: a picker of the units that can take the case, not a typed code. */
const UNIT_FIELDS: Record<string, { multiple: boolean }> = {
  targetUnit: { multiple: false },
  leadUnit: { multiple: false },
  coUnits: { multiple: true },
}

/** The levels a case is handled at, lowest first (src/cases/routing.ts LEVELS). */
const LEVELS = ['grid', 'village', 'township', 'county', 'city']

/**
 * The handling form's escalation levels (`escalateLevel`) narrowed to those above the case's own:
 * form-js cannot filter a select's options by a fact, and a level not above the case's is refused
 * by the server (422 `error.case.escalateNotAbove`), which stays the guard for other clients.
 */
function escalationAbove(schema: FormSchema, level: string | null | undefined): FormSchema {
  const current = LEVELS.indexOf(level ?? '')
  if (current < 0) return schema
  const one = (c: FormComponent): FormComponent =>
    c.key === 'escalateLevel' && Array.isArray(c.values)
      ? { ...c, values: c.values.filter((o) => LEVELS.indexOf(String(o.value)) > current) }
      : Array.isArray(c.components)
        ? { ...c, components: c.components.map(one) }
        : c
  return { ...schema, components: (schema.components ?? []).map(one) }
}

/** The actions besides completing the form, with what each asks for. */
const ACTIONS: Record<string, { zh: string; en: string; days?: boolean; hint: [string, string] }> = {
  return: { zh: '退单', en: 'Send back', hint: ['不属于本单位职责，说明理由，由调度重新派遣', 'Not our remit: say why; the dispatcher re-sends it'] },
  extension: { zh: '申请延期', en: 'Ask for more time', days: true, hint: ['延期需经审批', 'An approver decides'] },
  escalate: { zh: '提级办理', en: 'Escalate', hint: ['超出本级事权，交上级综治中心', 'Beyond our authority: pass it up a level'] },
  joint: { zh: '申请联合办理', en: 'Ask for joint handling', hint: ['需要多个部门协同', 'Needs several departments'] },
  unreasonable: {
    zh: '不合理诉求（一事一策）',
    en: 'Unreasonable (one case, one plan)',
    hint: ['转入一事一策流程', 'Switch to the one-case-one-plan procedure'],
  },
}

export async function taskPage(ctx: Ctx) {
  const task = await get<TaskDetail>(`/api/tasks/${encodeURIComponent(ctx.params.id)}`)
  // The case facts, the candidates and a pending return are shown by name, not code.
  const regionCode = task.case?.regionCode ?? (typeof task.case?.region === 'string' ? task.case.region : null)
  const names = await loadNames({ units: true, regions: regionCode ? [regionCode] : [] })
  if (!ctx.alive()) return
  const me = session.user!.username
  const mine = task.assignee === me
  const open = task.status === 'open'
  const reload = () => navigate(location.pathname, true)

  const claimBtn =
    open && !task.assignee
      ? h(
          'button',
          {
            type: 'button',
            class: 'primary',
            'data-testid': 'claim',
            onclick: (e: Event) =>
              busy(e.currentTarget as HTMLButtonElement, async () => (await post(`/api/tasks/${task.id}/claim`), toast(t('已认领', 'Claimed')), reload())),
          },
          t('认领', 'Claim'),
        )
      : null
  const unclaimBtn =
    open && mine
      ? h(
          'button',
          {
            type: 'button',
            onclick: (e: Event) =>
              busy(
                e.currentTarget as HTMLButtonElement,
                async () => (await post(`/api/tasks/${task.id}/unclaim`), toast(t('已放弃认领', 'Unclaimed')), navigate('/tasks')),
              ),
          },
          t('放弃认领', 'Unclaim'),
        )
      : null

  ctx.view.append(
    pageHead(
      serverText(task.name) || task.elementId,
      task.overdue ? badge(t('已超期', 'overdue'), 'bad') : null,
      !open ? badge(task.status === 'completed' ? t('已完成', 'completed') : t('已取消', 'cancelled'), 'ok') : null,
      claimBtn,
      unclaimBtn,
    ),
    h(
      'p',
      { class: 'muted', 'data-testid': 'task-meta' },
      // No deadline is said once ("期限 —（无期限）" said it twice).
      `${tr(PROCEDURE, task.processKey)} · ${task.dueAt ? `${t('期限', 'due')} ${fmtTime(task.dueAt)}${dueNote(task)}` : t('无期限', 'no deadline')} · `,
      task.assignee
        ? t(`办理人：${personName(task.assignee, task.assigneeName)}`, `assignee: ${personName(task.assignee, task.assigneeName)}`)
        : t(`候选：${task.candidateGroups.map(names.group).join('，') || '—'}`, `candidates: ${task.candidateGroups.map(names.group).join(', ') || '—'}`),
    ),
  )

  if (task.extension?.pending)
    ctx.view.append(h('p', { class: 'alert', 'data-testid': 'extension-pending' }, t('延期申请审批中', 'Extension pending approval')))
  const grid = h('div', { class: 'grid2' })
  ctx.view.append(grid)
  grid.append(
    h(
      'div',
      null,
      task.context ? contextCard(task.context) : null,
      h(
        'section',
        { class: 'card', 'data-testid': 'case-summary' },
        h('h2', null, t('案件摘要', 'Case summary')),
        task.case ? caseFacts(task.case, { names }) : h('p', { class: 'muted' }, t('此任务不属于案件', 'Not part of a case')),
        pendingReturnNotice(task.case?.pendingReturn, names),
        task.caseId ? h('p', null, h('a', { href: `/cases/${task.caseId}` }, t('查看案件全程与流程图 →', 'Full case history and diagram →'))) : null,
      ),
    ),
  )

  const formCard = h('section', { class: 'card' }, h('h2', null, t('办理', 'Handle')))
  grid.append(formCard)
  if (!open) {
    formCard.append(
      h('p', { class: 'muted' }, t('任务已结束。', 'This task has ended.')),
      // The server reads the answers by the form's labels, as it does an earlier step's.
      h('div', { 'data-testid': 'own-answers' }, answers(task.answers ?? [])),
    )
    return
  }
  const caseId = task.caseId
  // Unit fields get the picker of units that can take the case (form-js would offer a text box
  // for a code), in their place in the form and checked by form-js like the other fields.
  const schema = escalationAbove(task.form?.schema ?? { components: [] }, task.case?.level)
  const fjsBox = h('div', { class: 'task-form', 'data-testid': 'task-form' })
  await loadCss('/form.css')
  const { createTaskForm } = await import('../form-viewer.js')
  if (!ctx.alive()) return
  // The form opens on what the server knows that its conditions read (a return awaiting review),
  // which form-js keeps beside the fields and never submits.
  const form = await createTaskForm(fjsBox, schema, task.form?.facts ?? {}, caseId ? { caseId, fields: UNIT_FIELDS } : undefined)
  onLeave(() => form.destroy())
  const msg = h('div')
  const completeBtn = h('button', { type: 'submit', class: 'primary block', 'data-testid': 'complete' }, t('提交办理', 'Complete'))
  const formEl = h(
    'form',
    {
      class: 'task-complete',
      novalidate: true,
      onsubmit: async (e: Event) => {
        e.preventDefault()
        clear(msg)
        // form-js checks the form (unit fields included) before anything is sent.
        const data = form.submit()
        if (!data) return void msg.append(h('div', { class: 'alert error', role: 'alert' }, t('请检查标红的字段', 'Check the fields marked in red')))
        completeBtn.disabled = true
        try {
          if (!task.assignee) await post(`/api/tasks/${task.id}/claim`)
          await post(`/api/tasks/${task.id}/complete`, { data })
          toast(t('已提交', 'Completed'))
          navigate('/tasks')
        } catch (err) {
          const details = err instanceof ApiError ? (err.details ?? []) : []
          // The server's reasons stand under the fields they name; the box above the button
          // points there rather than saying the same words a second time.
          if (!form.showServerErrors(details)) msg.append(errorBox(err))
          else msg.append(h('div', { class: 'alert error', role: 'alert' }, t('请检查标红的字段', 'Check the fields marked in red')))
        } finally {
          completeBtn.disabled = false
        }
      },
    },
    fjsBox,
    msg,
    completeBtn,
  )
  formCard.append(
    !task.assignee ? h('p', { class: 'alert' }, t('提交时将自动认领此任务。', 'Completing claims the task for you.')) : '',
    task.assignee && !mine
      ? h(
          'p',
          { class: 'alert error' },
          t(`此任务已由 ${personName(task.assignee, task.assigneeName)} 认领。`, `Claimed by ${personName(task.assignee, task.assigneeName)}.`),
        )
      : '',
    formEl,
  )

  // A step that reports a result takes its before/after photos and documents here.
  const reportsResult = (task.form?.schema?.components ?? []).some((c) => c.key === 'result')
  if (caseId && reportsResult && (mine || !task.assignee))
    ctx.view.append(caseFilesCard(caseId, { canUpload: true, taskId: task.id, title: ['办理照片与附件', 'Handling photos and files'] }))

  const others = task.actions.filter((a) => a !== 'complete')
  if (others.length) {
    const panel = h('div')
    formCard.append(
      h('h3', { style: 'margin-top:16px' }, t('其他操作', 'Other actions')),
      h(
        'div',
        { class: 'actions-bar', 'data-testid': 'task-actions' },
        others.map((a) => {
          // The server refuses a second request (409); the button says so before a form is filled.
          const blocked = a === 'extension' && task.extension && !task.extension.available
          return h(
            'button',
            {
              type: 'button',
              class: a === 'return' || a === 'unreasonable' ? 'danger' : '',
              'data-action': a,
              disabled: !!blocked,
              title: blocked
                ? task.extension!.pending
                  ? t('延期申请审批中', 'Extension pending approval')
                  : t('本轮已申请过延期', 'Already extended this round')
                : undefined,
              onclick: () => clear(panel, actionForm(task, a)),
            },
            ACTIONS[a] ? t(ACTIONS[a].zh, ACTIONS[a].en) : a,
            blocked ? h('small', null, task.extension!.pending ? t('（审批中）', ' (pending)') : t('（已用）', ' (used)')) : null,
          )
        }),
      ),
      panel,
    )
  }
}

function actionForm(task: TaskDetail, action: string) {
  const spec = ACTIONS[action] ?? { zh: action, en: action, hint: ['', ''] as [string, string] }
  const reason = h('textarea', { name: 'reason', required: true, maxlength: 2000 })
  const days = h('input', { name: 'days', type: 'number', min: 1, max: 90, value: 3, required: true })
  const msg = h('div')
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'card',
      style: 'margin-top:10px',
      onsubmit: async (e: Event) => {
        e.preventDefault()
        clear(msg)
        if (!reason.value.trim()) return void msg.append(h('div', { class: 'alert error' }, t('请填写理由', 'Give a reason')))
        const btn = form.querySelector('button[type=submit]') as HTMLButtonElement
        btn.disabled = true
        try {
          await post(`/api/tasks/${task.id}/${action}`, { reason: reason.value.trim(), ...(spec.days && { days: Number(days.value) }) })
          toast(t(`已${spec.zh}`, `${spec.en}: done`))
          navigate('/tasks')
        } catch (err) {
          msg.append(h('div', { class: 'alert error' }, errorText(err)))
          btn.disabled = false
        }
      },
    },
    h('h3', null, t(spec.zh, spec.en)),
    spec.hint[0] ? h('p', { class: 'muted small' }, t(spec.hint[0], spec.hint[1])) : null,
    spec.days ? field(t('延期天数', 'Extra days'), days, undefined, true) : null,
    field(t('理由', 'Reason'), reason, undefined, true),
    msg,
    h('button', { type: 'submit', class: 'primary' }, t('确认', 'Confirm')),
  )
  return form
}

/**
 * Beside the deadline: the time left (or past) while the task is open; once it is done, whether
 * it was done in time. A countdown on an ended task ("24 h left") read as if it still waited.
 */
function dueNote(task: Pick<TaskDetail, 'status' | 'dueAt' | 'endedAt'>): string {
  if (task.status === 'open' || !task.dueAt) return paren(fmtDue(task.dueAt))
  // A cancelled task was not late or early: its badge says what happened.
  if (task.status !== 'completed' || !task.endedAt) return ''
  return paren(task.endedAt <= task.dueAt ? t('按期完成', 'completed on time') : t('超期完成', 'completed late'))
}
