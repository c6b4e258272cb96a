/**
 * The header bell (GET /api/notifications/bell): unread supervision orders, returns and
 * follow-ups, and my tasks due within a day, each linking to its task or case. Opening an
 * item marks it read; "mark all read" clears the stored ones (deadlines go when the task is
 * done). A disclosure button with a region, not a menu: the items are links.
 */
import { get, post } from './api.js'
import { h } from './dom.js'
import { fmtDue, messageText, serverText, t } from './i18n.js'
import { navigate } from './router.js'

interface Bell {
  unread: number
  notifications: {
    id: string
    caseId: string | null
    caseNo: string | null
    kind: string
    message: string
    key?: string
    params?: Record<string, unknown>
    text?: string | null
    createdAt: string
  }[]
  deadlines: { taskId: string; caseId: string | null; caseNo: string | null; name: string | null; dueAt: string; overdue: boolean }[]
}

export function bell() {
  const count = h('span', { class: 'bell-count', 'data-testid': 'bell-count', hidden: true }, '0')
  const panel = h('div', { class: 'bell-panel', id: 'bell-panel', hidden: true, role: 'region', 'aria-label': t('通知', 'Notifications') })
  // The name is the button's text (hidden words around the visible count), not an aria-label:
  // a name that leaves out the number one sees fails speech input (axe label-content-name-mismatch).
  const unreadWords = h('span', { class: 'sr-only', hidden: true }, t(' 条未读', ' unread'))
  const btn = h(
    'button',
    { type: 'button', class: 'bell', 'data-testid': 'bell', 'aria-expanded': 'false', 'aria-controls': 'bell-panel' },
    bellIcon(),
    h('span', { class: 'sr-only' }, t('通知 ', 'Notifications ')),
    count,
    unreadWords,
  )
  const root = h('div', { class: 'bell-wrap' }, btn, panel)
  let data: Bell | null = null

  async function refresh() {
    try {
      data = await get<Bell>('/api/notifications/bell')
    } catch {
      return
    }
    count.textContent = data.unread > 99 ? '99+' : String(data.unread)
    count.hidden = data.unread === 0
    unreadWords.hidden = data.unread === 0
    if (!panel.hidden) render()
  }
  async function open(href: string, id?: string) {
    close()
    if (id) await post(`/api/notifications/${id}/read`).catch(() => {})
    navigate(href)
    void refresh()
  }
  function render() {
    const d = data
    if (!d) return
    const items = [
      ...d.deadlines.map((x) =>
        h(
          'li',
          { class: x.overdue ? 'over' : '' },
          h(
            'a',
            { href: `/tasks/${x.taskId}`, 'data-testid': 'bell-deadline', onclick: (e: Event) => (e.preventDefault(), void open(`/tasks/${x.taskId}`)) },
            h('strong', null, x.overdue ? t('已超期', 'Overdue') : t('即将到期', 'Due soon')),
            ' ',
            x.caseNo ?? '',
            ' ',
            serverText(x.name),
            h('span', { class: 'muted small' }, ` ${fmtDue(x.dueAt)}`),
          ),
        ),
      ),
      ...d.notifications.map((n) => {
        const href = n.caseId ? `/cases/${n.caseId}` : '/tasks'
        // The catalogue sentence (notification.<kind>) names what it is and the case; what a
        // person wrote with it follows whole.
        return h(
          'li',
          null,
          h(
            'a',
            { href, 'data-testid': 'bell-item', onclick: (e: Event) => (e.preventDefault(), void open(href, n.id)) },
            h('strong', null, messageText(n)),
            n.text ? h('span', { class: 'verbatim small' }, ` ${n.text}`) : null,
          ),
        )
      }),
    ]
    panel.replaceChildren(
      h(
        'div',
        { class: 'bell-head' },
        h('strong', null, t('通知', 'Notifications')),
        d.notifications.length
          ? h(
              'button',
              { type: 'button', class: 'link', onclick: async () => (await post('/api/notifications/read-all').catch(() => {}), void refresh()) },
              t('全部已读', 'Mark all read'),
            )
          : null,
      ),
      items.length ? h('ul', { class: 'bell-list' }, items) : h('p', { class: 'muted' }, t('没有新通知', 'Nothing new')),
    )
  }
  function close() {
    panel.hidden = true
    btn.setAttribute('aria-expanded', 'false')
  }
  btn.addEventListener('click', () => {
    if (panel.hidden) {
      panel.hidden = false
      btn.setAttribute('aria-expanded', 'true')
      render()
      void refresh()
    } else close()
  })
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !panel.hidden) {
      close()
      btn.focus()
    }
  })
  // The header is rebuilt on every page: a bell no longer on the page lets go of the document.
  const outside = (e: Event) => {
    if (!root.isConnected) return document.removeEventListener('click', outside)
    if (!root.contains(e.target as Node)) close()
  }
  document.addEventListener('click', outside)
  void refresh()
  return root
}

/** A bell drawn in SVG: an emoji needs a colour-emoji font the machine may not have. */
function bellIcon() {
  const ns = 'http://www.w3.org/2000/svg'
  const svg = document.createElementNS(ns, 'svg')
  svg.setAttribute('viewBox', '0 0 24 24')
  svg.setAttribute('width', '20')
  svg.setAttribute('height', '20')
  svg.setAttribute('aria-hidden', 'true')
  const path = document.createElementNS(ns, 'path')
  path.setAttribute(
    'd',
    'M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z',
  )
  path.setAttribute('fill', 'currentColor')
  svg.append(path)
  return svg
}
