import { get, post, qs, session } from '../lib/api.js'
import { clear, h } from '../lib/dom.js'
import { fmtDue, fmtTime, serverText, t } from '../lib/i18n.js'
import { navigate, type Ctx } from '../lib/router.js'
import { badge, busy, errorBox, loading, pageHead, toast } from '../lib/ui.js'

export interface TaskItem {
  id: string
  name: string | null
  elementId: string
  caseId: string | null
  processKey: string
  tenant: string | null
  assignee: string | null
  candidateGroups: string[]
  candidateUsers: string[]
  dueAt: string | null
  overdue: boolean
  priority: number
  status: string
  createdAt: string
}
interface TaskList {
  items: TaskItem[]
  total?: number
  /** Past the server's counting cap: at least this many. */
  totalAtLeast?: number
  next?: string | null
}
/** A tab's count: exact, or "1000+" past the server's counting cap. */
const countText = (r: TaskList) => (r.total !== undefined ? String(r.total) : r.totalAtLeast !== undefined ? `${r.totalAtLeast - 1}+` : String(r.items.length))

const TABS = [
  { key: 'me', zh: '我的任务', en: 'Mine', query: { assigned: 'me' } },
  { key: 'group', zh: '组任务（待签收）', en: "My groups' (to claim)", query: { assigned: 'candidate' } },
  { key: 'overdue', zh: '已超期', en: 'Overdue', query: { assigned: 'all', overdue: true } },
  { key: 'all', zh: '全部', en: 'All', query: { assigned: 'all' } },
] as const

export async function taskListPage(ctx: Ctx) {
  const tabKey = TABS.some((x) => x.key === ctx.query.get('tab')) ? ctx.query.get('tab')! : 'me'
  const sort = ctx.query.get('sort') === 'created' ? 'created' : 'due'
  const tab = TABS.find((x) => x.key === tabKey)!
  const link = (tk: string, s: string) => `/tasks${qs({ tab: tk, sort: s })}`

  const counts = new Map<string, HTMLElement>()
  const tabs = h(
    'div',
    { class: 'tabs', role: 'tablist' },
    TABS.map((x) => {
      const c = h('span', { class: 'count', 'data-testid': `count-${x.key}` }, '…')
      counts.set(x.key, c)
      return h('a', { href: link(x.key, sort), role: 'tab', class: x.key === tabKey ? 'tab active' : 'tab', 'aria-selected': String(x.key === tabKey), 'data-testid': `tab-${x.key}` }, t(x.zh, x.en), ' ', c)
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
  ctx.view.append(pageHead(t('待办任务', 'Tasks'), sortSel), tabs, list, more)

  let first = true
  let shownTotal: string | null = null
  async function load(cursor?: string) {
    try {
      const r = await get<TaskList>(`/api/tasks${qs({ ...tab.query, sort, limit: 50, cursor })}`)
      if (!ctx.alive()) return
      if (!cursor) shownTotal = countText(r)
      if (first) clear(list)
      first = false
      if (r.items.length === 0 && !cursor) {
        list.append(h('p', { class: 'empty' }, tabKey === 'me' ? t('没有待办任务。可以到“组任务”签收。', 'Nothing assigned to you. Claim work under “My groups’”.') : t('没有任务。', 'No tasks.')))
      }
      for (const task of r.items) list.append(taskRow(task))
      clear(more, r.next ? h('button', { type: 'button', onclick: (e: Event) => busy(e.currentTarget as HTMLButtonElement, () => load(r.next!)) }, t('加载更多', 'Load more')) : null)
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
    get<TaskList>(`/api/tasks${qs({ ...x.query, limit: 1 })}`)
      .then((r) => (counts.get(x.key)!.textContent = countText(r)))
      .catch(() => (counts.get(x.key)!.textContent = '?'))
  }
}

export function taskRow(task: TaskItem) {
  const me = session.user?.username
  const mine = task.assignee === me
  const claim = h(
    'button',
    {
      type: 'button',
      class: 'primary small',
      'data-testid': 'claim',
      onclick: (e: Event) =>
        busy(e.currentTarget as HTMLButtonElement, async () => {
          await post(`/api/tasks/${task.id}/claim`)
          toast(t('已签收', 'Claimed'))
          navigate(`/tasks/${task.id}`)
        }),
    },
    t('签收', 'Claim'),
  )
  return h(
    'article',
    { class: `task-row${task.overdue ? ' overdue' : ''}`, 'data-testid': 'task-row', 'data-task-id': task.id },
    h(
      'div',
      { class: 'task-main' },
      h('a', { class: 'task-name', href: `/tasks/${task.id}` }, serverText(task.name) || task.elementId),
      h(
        'div',
        { class: 'task-meta' },
        h('span', null, task.processKey),
        task.tenant ? h('span', null, task.tenant) : null,
        task.caseId ? h('a', { href: `/cases/${task.caseId}` }, t('案件', 'case')) : null,
        h('span', { title: fmtTime(task.createdAt) }, t('创建 ', 'created ') + fmtTime(task.createdAt)),
        task.priority && task.priority !== 50 ? badge(t(`优先级 ${task.priority}`, `priority ${task.priority}`), task.priority > 50 ? 'warn' : '') : null,
      ),
    ),
    h(
      'div',
      { class: 'task-side' },
      h('span', { class: `due${task.overdue ? ' over' : ''}`, title: fmtTime(task.dueAt) }, fmtDue(task.dueAt)),
      task.assignee ? h('span', { class: 'assignee' }, mine ? t('我已签收', 'mine') : task.assignee) : claim,
    ),
  )
}
