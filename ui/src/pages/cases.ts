import { get, qs } from '../lib/api.js'
import { clear, h } from '../lib/dom.js'
import { fmtDue, fmtTime, STATUS, t, tr, PROCEDURE } from '../lib/i18n.js'
import { navigate, type Ctx } from '../lib/router.js'
import { badge, errorBox, loading, pageHead } from '../lib/ui.js'

export async function casesPage(ctx: Ctx) {
  const q = ctx.query
  const status = h('select', { name: 'status' }, h('option', { value: '' }, t('全部状态', 'Any status')), Object.entries(STATUS).map(([k, [zh, en]]) => h('option', { value: k, selected: q.get('status') === k }, t(zh, en))))
  const text = h('input', { name: 'q', type: 'search', value: q.get('q') ?? '', placeholder: t('编号、标题或描述', 'number, title or text') })
  const overdue = h('input', { type: 'checkbox', name: 'overdue', checked: q.get('overdue') === 'true' })
  const form = h(
    'form',
    { class: 'filters', onsubmit: (e: Event) => (e.preventDefault(), navigate(`/cases${qs({ status: status.value, q: text.value.trim(), overdue: overdue.checked ? 'true' : '' })}`)) },
    status,
    text,
    h('label', { class: 'check' }, overdue, t('仅超期', 'overdue only')),
    h('button', { type: 'submit' }, t('筛选', 'Filter')),
  )
  const body = h('div', null, loading())
  ctx.view.append(pageHead(t('案件', 'Cases')), form, body)
  try {
    const r = await get<{ items: any[]; total?: number; totalAtLeast?: number }>(`/api/cases${qs({ status: q.get('status'), q: q.get('q'), overdue: q.get('overdue'), limit: 50 })}`)
    if (!ctx.alive()) return
    if (!r.items.length) return void clear(body, h('p', { class: 'empty' }, t('没有案件', 'No cases')))
    clear(
      body,
      r.total !== undefined
        ? h('p', { class: 'muted small' }, t(`共 ${r.total} 件`, `${r.total} cases`))
        : r.totalAtLeast !== undefined
          ? h('p', { class: 'muted small' }, t(`超过 ${r.totalAtLeast - 1} 件，请缩小筛选范围`, `more than ${r.totalAtLeast - 1} cases; narrow the filter`))
          : null,
      h(
        'div',
        { class: 'table-wrap card' },
        h(
          'table',
          { class: 'table' },
          h('thead', null, h('tr', null, h('th', null, t('编号', 'No.')), h('th', null, t('标题', 'Title')), h('th', null, t('类别', 'Category')), h('th', null, t('状态', 'Status')), h('th', null, t('办理方式', 'Procedure')), h('th', null, t('受理', 'Received')), h('th', null, t('期限', 'Due')))),
          h(
            'tbody',
            null,
            r.items.map((c) =>
              h(
                'tr',
                null,
                h('td', null, h('a', { href: `/cases/${c.id}` }, c.caseNo)),
                h('td', null, c.title ?? (c.description ?? '').slice(0, 30)),
                h('td', null, c.categoryName ?? c.category),
                h('td', null, tr(STATUS, c.status), c.overdue ? [' ', badge(t('超期', 'overdue'), 'bad')] : null),
                h('td', null, tr(PROCEDURE, c.procedure)),
                h('td', null, fmtTime(c.createdAt)),
                h('td', null, c.closedAt ? t('已办结', 'closed') : fmtDue(c.resolveDueAt)),
              ),
            ),
          ),
        ),
      ),
    )
  } catch (err) {
    clear(body, errorBox(err))
  }
}
