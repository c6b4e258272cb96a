import { get, post } from '../lib/api.js'
import { clear, h } from '../lib/dom.js'
import { fmtTime, messageText, named, serverText, t } from '../lib/i18n.js'
import { personName } from '../lib/timeline.js'
import type { Ctx } from '../lib/router.js'
import { badge, busy, cellLabel, errorBox, loading, pageHead, toast } from '../lib/ui.js'

/** One incident as GET /api/incidents gives it. */
interface Incident {
  id: string
  instanceId: string
  caseId: string | null
  tenant: string | null
  tenantName?: string | null
  tenantNameEn?: string | null
  processKey: string
  /** "中文 / English" as the diagram names the process. */
  processName?: string | null
  caseNo?: string | null
  kind: 'timer' | 'step' | 'external'
  /** The activity that failed, and its name in the diagram. */
  element: string | null
  elementName?: string | null
  /** The timer whose step failed, when it is not the failed activity itself. */
  trigger?: string | null
  triggerName?: string | null
  /** "中文 / English"; `key` + `params` (when the failure is a catalogue message) are shown instead. */
  message: string
  key?: string
  params?: Record<string, unknown>
  time: string
  attempts: number
  status: 'open' | 'resolved'
  resolution: string | null
  resolvedBy: string | null
  resolvedByName?: string | null
}

/**
 * What failed: the activity by its name in the reader's language (its id beside it, as the
 * modeler shows it), and the timer that started the step when that is another element.
 */
function activity(i: Incident) {
  const kind = badge(i.kind === 'timer' ? t('定时器', 'timer') : i.kind === 'external' ? t('外部任务', 'external task') : t('步骤', 'step'))
  if (!i.element) return ['—', ' ', kind]
  const name = serverText(i.elementName)
  return [
    h('strong', { 'data-testid': 'incident-activity' }, name || i.element),
    name ? [' ', h('code', { class: 'muted' }, i.element)] : null,
    i.trigger
      ? h(
          'div',
          { class: 'muted', 'data-testid': 'incident-trigger' },
          t(`由定时器“${serverText(i.triggerName) || i.trigger}”触发`, `started by the timer "${serverText(i.triggerName) || i.trigger}"`),
        )
      : [' ', kind],
  ]
}

/**
 * Failed timers and steps in the administrator's scope (the server scopes the list), each
 * with retry (re-run what failed) and cancel (end the instance, with a reason).
 */
export async function incidentsPage(ctx: Ctx) {
  const status = new URLSearchParams(location.search).get('status') === 'resolved' ? 'resolved' : 'open'
  const body = h('div', null, loading())
  const tab = (value: string, label: string) =>
    h('a', { href: `/admin/incidents${value === 'open' ? '' : `?status=${value}`}`, class: value === status ? 'button primary' : 'button' }, label)
  ctx.view.append(
    pageHead(t('流程事件', 'Incidents'), tab('open', t('待处理', 'Open')), ' ', tab('resolved', t('已处理', 'Resolved'))),
    h(
      'p',
      { class: 'muted' },
      t(
        '失败的定时器会停住其流程实例；办理人操作时失败的步骤（“步骤”）什么也没有改变，也不停住实例，排除原因后办理人可再试。先排除原因（例如部署改正后的流程版本），再点“重试”；不再需要的实例可“撤销实例”。办理人看到的“流程事件”编号与下表“编号”列开头相同。',
        'A failed timer holds its process instance; a step that failed while someone acted on it ("step") changed nothing and holds nothing, and they may try again once the cause is gone. Remove the cause (e.g. deploy a corrected version of the process), then Retry; an instance no longer needed can be cancelled. The incident number a handler was told begins as in the "No." column.',
      ),
    ),
    body,
  )
  const reload = () => {
    clear(ctx.view)
    return incidentsPage(ctx)
  }
  try {
    const { items } = await get<{ items: Incident[] }>(`/api/incidents?status=${status}`)
    if (!ctx.alive()) return
    if (!items.length) return void clear(body, h('p', { class: 'empty', 'data-testid': 'no-incidents' }, t('没有事件。', 'No incidents.')))
    const row = (i: Incident) => {
      const retry = h(
        'button',
        {
          type: 'button',
          class: 'primary',
          'data-testid': 'retry',
          onclick: (e: Event) =>
            busy(e.currentTarget as HTMLButtonElement, async () => {
              const r = await post<Incident>(`/api/incidents/${i.id}/retry`)
              if (r.status === 'resolved') toast(t('重试成功', 'Retried: it ran'))
              else toast(t(`仍然失败：${messageText(r)}`, `Failed again: ${messageText(r)}`), 'error')
              await reload()
            }),
        },
        t('重试', 'Retry'),
      )
      const cancel = h(
        'button',
        {
          type: 'button',
          'data-testid': 'cancel-instance',
          onclick: (e: Event) =>
            busy(e.currentTarget as HTMLButtonElement, async () => {
              const reason = window.prompt(t('撤销此流程实例的原因：', 'Why cancel this process instance?'))?.trim()
              if (!reason) return
              await post(`/api/process-instances/${i.instanceId}/cancel`, { reason })
              toast(t('流程实例已撤销', 'Process instance cancelled'))
              await reload()
            }),
        },
        t('撤销实例', 'Cancel instance'),
      )
      return h(
        'tr',
        { 'data-testid': 'incident-row' },
        // The start of the id the handler's message names in full (error.engine.stepFailedIncident).
        h('td', { class: 'i-ref' }, h('code', { 'data-testid': 'incident-ref', title: i.id }, i.id.slice(0, 8))),
        h('td', { class: 'i-time' }, fmtTime(i.time)),
        h(
          'td',
          { class: 'i-process', 'data-testid': 'incident-process' },
          serverText(i.processName) || i.processKey,
          i.tenant ? ` (${named({ name: i.tenantName ?? i.tenant, nameEn: i.tenantNameEn })})` : '',
          i.processName ? h('div', null, h('code', { class: 'muted' }, i.processKey)) : null,
        ),
        h('td', { class: 'i-case', 'data-testid': 'incident-case' }, i.caseId ? h('a', { href: `/cases/${i.caseId}` }, i.caseNo ?? t('案件', 'Case')) : '—'),
        h('td', { class: 'i-element', 'data-testid': 'incident-element' }, cellLabel(t('失败的环节', 'Failed activity')), activity(i)),
        h(
          'td',
          { class: 'message' },
          cellLabel(t('原因', 'Message')),
          h('span', { 'data-testid': 'incident-message' }, messageText(i), i.attempts > 1 ? h('span', { class: 'muted' }, ` ×${i.attempts}`) : null),
        ),
        h(
          'td',
          { class: 'actions' },
          i.status === 'open'
            ? [retry, ' ', cancel]
            : badge(
                i.resolution === 'cancelled'
                  ? t('已撤销', 'cancelled')
                  : i.resolution === 'passed'
                    ? t('再次办理已通过', 'passed on a later try')
                    : t('已重试', 'retried'),
                'ok',
              ),
          i.resolvedBy ? ` ${personName(i.resolvedBy, i.resolvedByName)}` : '',
        ),
      )
    }
    clear(
      body,
      h(
        'div',
        { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('流程事件', 'Incidents') },
        h(
          'table',
          { class: 'table incidents-table phone-blocks', 'data-testid': 'incidents' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', null, t('编号', 'No.')),
              h('th', null, t('时间', 'Time')),
              h('th', null, t('流程', 'Process')),
              h('th', null, t('案件', 'Case')),
              h('th', null, t('失败的环节', 'Failed activity')),
              h('th', null, t('原因', 'Message')),
              h('th', null, ''),
            ),
          ),
          h('tbody', null, items.map(row)),
        ),
      ),
    )
  } catch (err) {
    if (ctx.alive()) clear(body, errorBox(err))
  }
}
