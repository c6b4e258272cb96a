import { get, qs } from '../lib/api.js'
import type { Page } from '../lib/api-types.js'
import { clear, h } from '../lib/dom.js'
import { apiFilters, filterBar, filtersOf, type Filters } from '../lib/filters.js'
import { fmtDue, fmtTime, serverText, STATUS, t, tr, PROCEDURE } from '../lib/i18n.js'
import { navigate, type Ctx } from '../lib/router.js'
import { badge, busy, errorBox, loading, pageHead } from '../lib/ui.js'

export type CasePage = Page<'/api/cases'>

/** The case list: every filter the API offers (the task list's bar plus status and overdue), paged by cursor. */
export async function casesPage(ctx: Ctx) {
  const q = ctx.query
  const filters = filtersOf(q)
  const status = h(
    'select',
    { name: 'status', 'aria-label': t('状态', 'Status') },
    h('option', { value: '' }, t('全部状态', 'Any status')),
    Object.entries(STATUS).map(([k, [zh, en]]) => h('option', { value: k, selected: q.get('status') === k }, t(zh, en))),
  )
  const overdue = h('input', { type: 'checkbox', name: 'overdue', checked: q.get('overdue') === 'true' })
  const apply = (f: Filters) => navigate(`/cases${qs({ ...f, status: status.value, overdue: overdue.checked ? 'true' : '' })}`)
  const form = filterBar(filters, apply, [status, h('label', { class: 'check inline' }, overdue, t('仅超期', 'overdue only'))])
  const body = h('div', null, loading())
  ctx.view.append(pageHead(t('案件', 'Cases')), form, body)
  const tbody = h('tbody')
  const more = h('div', { class: 'more' })
  const row = (c: CasePage['items'][number]) =>
    h(
      'tr',
      null,
      h('td', null, h('a', { href: `/cases/${c.id}` }, c.caseNo)),
      h('td', null, c.title ?? (c.description ?? '').slice(0, 30)),
      h('td', null, c.categoryName ? serverText(c.categoryName) : c.category),
      h('td', null, tr(STATUS, c.status), c.overdue ? [' ', badge(t('超期', 'overdue'), 'bad')] : null),
      h('td', null, tr(PROCEDURE, c.procedure)),
      h('td', null, fmtTime(c.createdAt)),
      h('td', null, c.closedAt ? t('已办结', 'closed') : fmtDue(c.resolveDueAt)),
    )
  async function load(cursor?: string) {
    const r = await get<CasePage>(`/api/cases${qs({ ...apiFilters(filters), status: q.get('status'), overdue: q.get('overdue'), limit: 50, cursor })}`)
    if (!ctx.alive()) return
    for (const c of r.items) tbody.append(row(c))
    clear(
      more,
      r.next
        ? h(
            'button',
            { type: 'button', 'data-testid': 'more', onclick: (e: Event) => busy(e.currentTarget as HTMLButtonElement, () => load(r.next!)) },
            t('加载更多', 'Load more'),
          )
        : null,
    )
    return r
  }
  try {
    const r = await load()
    if (!r) return
    if (!r.items.length) return void clear(body, h('p', { class: 'empty' }, t('没有案件', 'No cases')))
    clear(
      body,
      r.total !== undefined
        ? h('p', { class: 'muted small' }, t(`共 ${r.total} 件`, r.total === 1 ? '1 case' : `${r.total} cases`))
        : r.totalAtLeast !== undefined
          ? h('p', { class: 'muted small' }, t(`超过 ${r.totalAtLeast - 1} 件，请缩小筛选范围`, `more than ${r.totalAtLeast - 1} cases; narrow the filter`))
          : null,
      h(
        'div',
        { class: 'table-wrap card', tabindex: 0, role: 'region', 'aria-label': t('案件', 'Cases') },
        h(
          'table',
          { class: 'table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', null, t('编号', 'No.')),
              h('th', null, t('标题', 'Title')),
              h('th', null, t('类别', 'Category')),
              h('th', null, t('状态', 'Status')),
              h('th', null, t('办理方式', 'Procedure')),
              h('th', null, t('受理', 'Received')),
              h('th', null, t('期限', 'Due')),
            ),
          ),
          tbody,
        ),
      ),
      more,
    )
  } catch (err) {
    clear(body, errorBox(err))
  }
}
