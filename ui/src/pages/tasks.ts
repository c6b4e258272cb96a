import { get, post, qs, session } from '../lib/api.js'
import type { Page } from '../lib/api-types.js'
import { clear, h } from '../lib/dom.js'
import { apiFilters, filterBar, filtersOf, type Filters } from '../lib/filters.js'
import { CHANNEL, fmtDue, fmtTime, messageText, named, PROCEDURE, serverText, t, tr } from '../lib/i18n.js'
import { personName } from '../lib/timeline.js'
import { navigate, type Ctx } from '../lib/router.js'
import { badge, busy, errorBox, loading, pageHead, toast } from '../lib/ui.js'

export type TaskItem = TaskList['items'][number]
export type TaskList = Page<'/api/tasks'>
/** A tab's count: exact, or "1000+" past the server's counting cap. */
const countText = (r: TaskList) => (r.total !== undefined ? String(r.total) : r.totalAtLeast !== undefined ? `${r.totalAtLeast - 1}+` : String(r.items.length))

const TABS = [
  { key: 'me', zh: '我的任务', en: 'Mine', query: { assigned: 'me' } },
  { key: 'group', zh: '组任务（待认领）', en: 'My groups (to claim)', query: { assigned: 'candidate' } },
  { key: 'overdue', zh: '已超期', en: 'Overdue', query: { assigned: 'all', overdue: true } },
  { key: 'all', zh: '全部', en: 'All', query: { assigned: 'all' } },
] as const

export async function taskListPage(ctx: Ctx) {
  const tabKey = TABS.some((x) => x.key === ctx.query.get('tab')) ? ctx.query.get('tab')! : 'me'
  const sort = ctx.query.get('sort') === 'created' ? 'created' : 'due'
  const tab = TABS.find((x) => x.key === tabKey)!
  const filters = filtersOf(ctx.query)
  const link = (tk: string, s: string, f: Filters = filters) => `/tasks${qs({ tab: tk, sort: s, ...f })}`

  const counts = new Map<string, HTMLElement>()
  const tabs = h(
    'div',
    { class: 'tabs', role: 'tablist' },
    TABS.map((x) => {
      const c = h('span', { class: 'count', 'data-testid': `count-${x.key}` }, '…')
      counts.set(x.key, c)
      return h(
        'a',
        {
          href: link(x.key, sort),
          role: 'tab',
          class: x.key === tabKey ? 'tab active' : 'tab',
          'aria-selected': String(x.key === tabKey),
          'data-testid': `tab-${x.key}`,
        },
        t(x.zh, x.en),
        ' ',
        c,
      )
    }),
  )
  const sortSel = h(
    'select',
    { 'aria-label': t('排序', 'Sort'), 'data-testid': 'sort', onchange: (e: Event) => navigate(link(tabKey, (e.target as HTMLSelectElement).value)) },
    h('option', { value: 'due', selected: sort === 'due' }, t('按期限排序', 'By due date')),
    h('option', { value: 'created', selected: sort === 'created' }, t('按创建时间', 'By creation')),
  )
  const list = h('div', { class: 'task-list', 'data-testid': 'task-list' }, loading())
  const more = h('div', { class: 'more' })
  // Bulk claim: tick unclaimed rows, claim them in one request (each checked as a single claim).
  const selected = new Set<string>()
  const bulkBtn = h(
    'button',
    {
      type: 'button',
      class: 'primary small',
      'data-testid': 'bulk-claim',
      disabled: true,
      onclick: (e: Event) => busy(e.currentTarget as HTMLButtonElement, bulkClaim),
    },
    t('认领所选', 'Claim selected'),
  )
  const bulkBar = h('div', { class: 'bulk-bar', hidden: tabKey === 'me' }, bulkBtn)
  const onSelect = (id: string, on: boolean) => {
    if (on) selected.add(id)
    else selected.delete(id)
    bulkBtn.disabled = selected.size === 0
    bulkBtn.textContent = selected.size ? t(`认领所选（${selected.size}）`, `Claim selected (${selected.size})`) : t('认领所选', 'Claim selected')
  }
  async function bulkClaim() {
    const r = await post<{ results: { id: string; status: number; message?: string; key?: string; params?: Record<string, unknown> }[] }>('/api/tasks/claim', {
      ids: [...selected],
    })
    const ok = r.results.filter((x) => x.status === 200).length
    const failed = r.results.filter((x) => x.status !== 200)
    const why = failed.length ? messageText(failed[0]) : ''
    toast(
      failed.length
        ? t(`已认领 ${ok} 件；${failed.length} 件未能认领：${why}`, `Claimed ${ok}; ${failed.length} not: ${why}`)
        : t(`已认领 ${ok} 件`, `Claimed ${ok}`),
      failed.length ? 'error' : 'ok',
    )
    navigate(link('me', sort), true)
  }
  ctx.view.append(
    pageHead(t('待办任务', 'Tasks'), sortSel),
    filterBar(filters, (f) => navigate(link(tabKey, sort, f))),
    tabs,
    bulkBar,
    list,
    more,
  )

  let first = true
  let shownTotal: string | null = null
  async function load(cursor?: string) {
    try {
      const r = await get<TaskList>(`/api/tasks${qs({ ...tab.query, ...apiFilters(filters), sort, limit: 50, cursor })}`)
      if (!ctx.alive()) return
      if (!cursor) shownTotal = countText(r)
      if (first) clear(list)
      first = false
      if (r.items.length === 0 && !cursor) {
        list.append(
          h(
            'p',
            { class: 'empty' },
            tabKey === 'me' ? t('没有待办任务。可以到“组任务”认领。', 'Nothing assigned to you. Claim work under "My groups".') : t('没有任务。', 'No tasks.'),
          ),
        )
      }
      for (const task of r.items) list.append(taskRow(task, tabKey === 'me' ? undefined : onSelect))
      clear(
        more,
        r.next
          ? h('button', { type: 'button', onclick: (e: Event) => busy(e.currentTarget as HTMLButtonElement, () => load(r.next!)) }, t('加载更多', 'Load more'))
          : null,
      )
    } catch (err) {
      clear(list, errorBox(err))
    }
  }
  await load()
  // The other tabs' counts come after the rows (the list is what the person waits for; the
  // current tab's count is the list's own total).
  for (const x of TABS) {
    if (x.key === tabKey && shownTotal !== null) {
      counts.get(x.key)!.textContent = shownTotal
      continue
    }
    get<TaskList>(`/api/tasks${qs({ ...x.query, ...apiFilters(filters), limit: 1 })}`)
      .then((r) => (counts.get(x.key)!.textContent = countText(r)))
      .catch(() => (counts.get(x.key)!.textContent = '?'))
  }
}

export function taskRow(task: TaskItem, onSelect?: (id: string, on: boolean) => void) {
  const me = session.user?.username
  const mine = task.assignee === me
  const f = task.facts
  const claim = h(
    'button',
    {
      type: 'button',
      class: 'primary small',
      'data-testid': 'claim',
      onclick: (e: Event) =>
        busy(e.currentTarget as HTMLButtonElement, async () => {
          await post(`/api/tasks/${task.id}/claim`)
          toast(t('已认领', 'Claimed'))
          navigate(`/tasks/${task.id}`)
        }),
    },
    t('认领', 'Claim'),
  )
  const step = serverText(task.name) || task.elementId
  const title = f ? f.title || f.description || f.caseNo : step
  const pick =
    onSelect && !task.assignee && task.status === 'open'
      ? h('input', {
          type: 'checkbox',
          class: 'pick',
          'data-testid': 'pick',
          'aria-label': t(`选择 ${f?.caseNo ?? step}`, `Select ${f?.caseNo ?? step}`),
          onchange: (e: Event) => onSelect(task.id, (e.target as HTMLInputElement).checked),
        })
      : null
  return h(
    'article',
    { class: `task-row${task.overdue ? ' overdue' : ''}`, 'data-testid': 'task-row', 'data-task-id': task.id, 'data-case-no': f?.caseNo ?? '' },
    pick,
    h(
      'div',
      { class: 'task-main' },
      h(
        'div',
        { class: 'task-line' },
        f ? h('span', { class: 'case-no' }, f.caseNo) : null,
        h('span', { class: 'step' }, step),
        f?.urgency && f.urgency !== 'normal' ? badge(f.urgency === 'emergency' ? t('紧急', 'emergency') : t('加急', 'urgent'), 'bad') : null,
      ),
      h('a', { class: 'task-name', href: `/tasks/${task.id}` }, title),
      f
        ? h(
            'div',
            { class: 'task-meta' },
            h('span', { class: 'cat' }, named({ name: f.categoryName, nameEn: f.categoryNameEn }) || f.category),
            h('span', { class: 'place' }, [named({ name: f.regionName, nameEn: f.regionNameEn }), f.address].filter(Boolean).join(' · ')),
            h('span', null, tr(PROCEDURE, f.procedure)),
            h('span', null, tr(CHANNEL, f.channel)),
          )
        : h(
            'div',
            { class: 'task-meta' },
            h('span', null, task.processKey),
            h('span', { title: fmtTime(task.createdAt) }, t('创建 ', 'created ') + fmtTime(task.createdAt)),
          ),
    ),
    h(
      'div',
      { class: 'task-side' },
      h('span', { class: `due${task.overdue ? ' over' : ''}`, title: fmtTime(task.dueAt) }, fmtDue(task.dueAt)),
      task.assignee ? h('span', { class: 'assignee' }, mine ? t('我已认领', 'mine') : personName(task.assignee, task.assigneeName)) : claim,
    ),
  )
}
