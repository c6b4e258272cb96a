import type { Answer } from '../lib/api-types.js'
import { get, put, qs, session } from '../lib/api.js'
import { clear, h, type Child } from '../lib/dom.js'
import { fmtDuration, fmtTime, LEVEL, named, PROCEDURE, t } from '../lib/i18n.js'
import { loadNames } from '../lib/names.js'
import { navigate, type Ctx } from '../lib/router.js'
import { badge, errorBox, errorText, loading, pageHead, toast } from '../lib/ui.js'
import { inForceNotice } from './routing-in-force.js'

interface Rule {
  id?: string
  category: string | null
  region: string | null
  owner: string
  level: string | null
  procedure: string | null
  responseLimit: string | null
  resolveLimit: string | null
  updatedAt?: string
  updatedBy?: string | null
  /** The scope ('' the city's) and the order the server gives; a save sends neither. */
  tenant?: string
  sort?: number
}
/** The cells a person edits: an emptied one is null until the save (the server then says which is required). */
type Cells = Record<'category' | 'region' | 'owner' | 'level' | 'procedure' | 'responseLimit' | 'resolveLimit', string | null>
// The catalogue's names (level.*, procedure.*), after a "default" choice.
const LEVEL_NAMES: Record<string, [string, string]> = { '': ['（默认）', '(default)'], ...LEVEL }
const PROCS: Record<string, [string, string]> = { '': ['（默认）', '(default)'], ...PROCEDURE }

/** Routing rules per county (first match wins): category + region → owner, level, procedure, deadlines. */
export async function routingRulesPage(ctx: Ctx) {
  const user = session.user!
  const isAdmin = user.roles.includes('admin')
  const tenant = isAdmin ? (ctx.query.get('tenant') ?? '') : (user.tenant ?? '')
  const tenantSel = h(
    'select',
    {
      'data-testid': 'rules-tenant',
      disabled: !isAdmin,
      onchange: (e: Event) => navigate(`/admin/routing-rules${qs({ tenant: (e.target as HTMLSelectElement).value })}`),
    },
    h('option', { value: '' }, t('全市规则', 'City rules')),
  )
  if (!isAdmin) {
    const own = h('option', { value: tenant }, t('本县规则', 'County rules'))
    tenantSel.replaceChildren(own)
    get<{ name: string; nameEn?: string | null }>(`/api/org/regions/${encodeURIComponent(tenant)}`).then(
      (r) => (own.textContent = t(`本县：${named(r)}`, `County: ${named(r)}`)),
      () => {},
    )
  }
  const body = h('div', null, loading())
  const notice = inForceNotice({ tenant, isAdmin })
  // Disabled until the list has loaded and they are wired to it: a Save clicked earlier did
  // nothing at all (a browser test clicked it as soon as the in-force notice showed).
  const saveBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'save-rules', disabled: true }, t('保存', 'Save'))
  const addBtn = h('button', { type: 'button', disabled: true }, t('添加规则', 'Add rule'))
  ctx.view.classList.add('wide')
  ctx.view.append(
    pageHead(t('派单规则', 'Routing rules'), h('label', { class: 'inline' }, t('范围', 'Scope'), ' ', tenantSel), addBtn, saveBtn),
    h(
      'p',
      { class: 'muted' },
      t(
        '自上而下，第一条匹配的规则生效。承办单位可写单位代码，或 @grid、@village、@centre、@township:职能、@county:职能、@city:职能。时限用 ISO-8601 时长（如 PT24H、P7D）。县级规则优先于全市规则。',
        "Top to bottom, the first match wins. Owner: a unit code or @grid, @village, @centre, @township:<duty>, @county:<duty>, @city:<duty>. Limits are ISO-8601 durations (PT24H, P7D). County rules come before the city's.",
      ),
    ),
    h(
      'p',
      { class: 'alert', 'data-testid': 'rules-decision-note' },
      t(
        '派单按“派单”决策表进行。此列表是它的简易形式：保存后，这些规则成为本范围决策表的新版本（替换在决策表编辑器中做的修改）。',
        "Routing follows the routing decision table. This list is its simple form: saving makes these rules the scope's next decision version (replacing edits made in the decision table editor).",
      ),
      ' ',
      h(
        'a',
        { href: `/admin/decision${qs({ key: 'routing', tenant: isAdmin ? tenant || undefined : undefined })}`, 'data-testid': 'open-decision' },
        t('在决策表编辑器中编辑', 'Edit in the decision table editor'),
      ),
    ),
    notice.el,
    body,
  )
  if (isAdmin) {
    get<Answer<'/api/public/regions'>>('/api/public/regions')
      .then(async (top) => {
        const counties = (
          await Promise.all(top.map((c) => (c.level === 'county' ? [c] : get<Answer<'/api/public/regions'>>(`/api/public/regions?parent=${c.code}`))))
        )
          .flat()
          .filter((c) => c.level === 'county')
        for (const c of counties) tenantSel.append(h('option', { value: c.code, selected: c.code === tenant }, t(`县级：${named(c)}`, `County: ${named(c)}`)))
      })
      .catch(() => {})
  }
  let rules: Rule[]
  let inherited: Rule[]
  const mineOnly = (all: Rule[]) => all.filter((r) => (r.tenant ?? '') === tenant)
  try {
    const r = await get<Rule[] | { items: Rule[] }>(`/api/routing-rules${qs({ tenant })}`)
    const all = Array.isArray(r) ? r : r.items
    rules = mineOnly(all)
    // A county sees the city's rules beneath its own: they apply when none of its own match.
    inherited = tenant ? all.filter((x) => (x.tenant ?? '') === '') : []
  } catch (err) {
    clear(body, errorBox(err))
    return
  }
  // Withdrawn categories too: a rule may still name one, and the public tree leaves them out.
  const names = await loadNames({
    units: true,
    regions: [...rules, ...inherited].map((r) => r.region).filter((c): c is string => !!c),
    withdrawnCategories: true,
  })
  if (!ctx.alive()) return
  const tbody = h('tbody', { 'data-testid': 'rules' })
  // Each code is shown by name under its input (and updated as it is typed).
  const nameOf = (k: keyof Rule, v: string | null) =>
    !v
      ? ''
      : k === 'category'
        ? names.category(v)
        : k === 'region'
          ? names.region(v)
          : k === 'owner'
            ? names.owner(v)
            : k === 'responseLimit' || k === 'resolveLimit'
              ? fmtDuration(v)
              : ''
  /** A category by name, marked when it takes no new petitions (the rule then matches no new case). */
  const categoryName = (code: string): Child[] => [
    names.category(code) || code,
    names.categoryWithdrawn(code) ? [' ', h('span', { 'data-testid': 'category-withdrawn' }, badge(t('已停用', 'withdrawn'), 'bad'))] : null,
  ]
  /** What is shown under an input: a category's name with its mark, else the name `nameOf` gives. */
  const shownOf = (k: keyof Rule, v: string | null): Child => (k === 'category' && v ? categoryName(v) : nameOf(k, v))
  // Controls in a table cell have no <label>: each is named after its column and row.
  const COLUMN: Record<string, string> = {
    category: t('类别', 'Category'),
    region: t('地区', 'Region'),
    owner: t('承办单位', 'Owner'),
    level: t('层级', 'Level'),
    procedure: t('办理方式', 'Procedure'),
    responseLimit: t('响应时限', 'Respond in'),
    resolveLimit: t('办结时限', 'Resolve in'),
  }
  const cellName = (r: Rule, k: string) => `${COLUMN[k] ?? k} #${rules.indexOf(r) + 1}`
  const text = (r: Rule, k: keyof Cells, ph = '') => {
    const label = h('small', { class: 'muted code-name', 'data-testid': `name-${k}` }, shownOf(k, r[k] as string | null))
    const input = h('input', {
      value: (r[k] as string) ?? '',
      placeholder: ph,
      'aria-label': cellName(r, k),
      oninput: (e: Event) => {
        ;(r as Cells)[k] = (e.target as HTMLInputElement).value.trim() || null
        clear(label, shownOf(k, (r as Cells)[k]))
      },
    })
    return [input, label]
  }
  const choice = (r: Rule, k: 'level' | 'procedure', names: Record<string, [string, string]>) =>
    h(
      'select',
      { 'aria-label': cellName(r, k), onchange: (e: Event) => ((r as Cells)[k] = (e.target as HTMLSelectElement).value || null) },
      Object.entries(names).map(([v, [zh, en]]) => h('option', { value: v, selected: (r[k] ?? '') === v }, t(zh, en))),
    )
  const draw = () =>
    clear(
      tbody,
      rules.map((r, i) =>
        h(
          'tr',
          null,
          h('td', null, String(i + 1)),
          h('td', null, text(r, 'category', t('任意', 'any'))),
          h('td', null, text(r, 'region', t('任意', 'any'))),
          h('td', null, text(r, 'owner', '@township:civil')),
          h('td', null, choice(r, 'level', LEVEL_NAMES)),
          h('td', null, choice(r, 'procedure', PROCS)),
          h('td', null, text(r, 'responseLimit', 'PT24H')),
          h('td', null, text(r, 'resolveLimit', 'P7D')),
          h(
            'td',
            { class: 'actions' },
            h(
              'button',
              {
                type: 'button',
                class: 'small',
                title: t('上移', 'Up'),
                disabled: i === 0,
                onclick: () => (([rules[i - 1], rules[i]] = [rules[i], rules[i - 1]]), draw()),
              },
              '↑',
            ),
            h('button', { type: 'button', class: 'small danger', title: t('删除', 'Delete'), onclick: () => (rules.splice(i, 1), draw()) }, '×'),
          ),
        ),
      ),
    )
  draw()
  addBtn.onclick = () => (
    rules.push({ category: null, region: null, owner: '', level: null, procedure: null, responseLimit: null, resolveLimit: null }),
    draw()
  )
  const msg = h('div')
  saveBtn.onclick = async () => {
    clear(msg)
    saveBtn.disabled = true
    try {
      const payload = rules.map(({ updatedAt, updatedBy, ...r }) => (void updatedAt, void updatedBy, { ...r, ...(r.id ? {} : {}) }))
      const out = await put<Rule[] | { items: Rule[] }>('/api/routing-rules', {
        tenant: tenant || null,
        rules: payload.map(({ tenant: _t, sort: _s, ...x }) => x),
      })
      rules = mineOnly(Array.isArray(out) ? out : (out?.items ?? rules))
      draw()
      toast(t('已保存', 'Saved'))
      // The list is now the scope's table in force.
      void notice.reload()
    } catch (err) {
      msg.append(h('div', { class: 'alert error' }, errorText(err)))
    } finally {
      saveBtn.disabled = false
    }
  }
  saveBtn.disabled = addBtn.disabled = false
  const last = rules
    .map((r) => r.updatedAt)
    .filter(Boolean)
    .sort()
    .pop()
  clear(
    body,
    msg,
    h(
      'div',
      { class: 'table-wrap card' },
      h(
        'table',
        { class: 'table routing-rules' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            [
              '#',
              t('类别', 'Category'),
              t('地区', 'Region'),
              t('承办单位', 'Owner'),
              t('层级', 'Level'),
              t('办理方式', 'Procedure'),
              t('响应时限', 'Respond in'),
              t('办结时限', 'Resolve in'),
              h('span', { class: 'sr-only' }, t('操作', 'Actions')),
            ].map((x) => h('th', null, x)),
          ),
        ),
        tbody,
      ),
    ),
    last ? h('p', { class: 'muted small' }, t(`最近修改：${fmtTime(last)}`, `Last change: ${fmtTime(last)}`)) : null,
    inherited.length
      ? h(
          'section',
          { class: 'card' },
          h('h2', null, t('全市规则（本县规则都不匹配时使用，只读）', "City rules (used when none of the county's match; read-only)")),
          h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'table routing-city' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  [
                    '#',
                    t('类别', 'Category'),
                    t('地区', 'Region'),
                    t('承办单位', 'Owner'),
                    t('层级', 'Level'),
                    t('办理方式', 'Procedure'),
                    t('响应时限', 'Respond in'),
                    t('办结时限', 'Resolve in'),
                  ].map((x) => h('th', null, x)),
                ),
              ),
              h(
                'tbody',
                null,
                inherited.map((r, i) =>
                  h(
                    'tr',
                    null,
                    [
                      [String(i + 1), ''],
                      [r.category ? categoryName(r.category) : t('任意', 'any'), r.category],
                      [r.region ? names.region(r.region) || r.region : t('任意', 'any'), r.region],
                      [names.owner(r.owner) || r.owner, r.owner],
                      [r.level ? t(LEVEL_NAMES[r.level]?.[0] ?? r.level, LEVEL_NAMES[r.level]?.[1] ?? r.level) : '', r.level],
                      [r.procedure ? t(PROCS[r.procedure]?.[0] ?? r.procedure, PROCS[r.procedure]?.[1] ?? r.procedure) : '', r.procedure],
                      [r.responseLimit ? fmtDuration(r.responseLimit) : '', r.responseLimit],
                      [r.resolveLimit ? fmtDuration(r.resolveLimit) : '', r.resolveLimit],
                    ].map(([x, code]) => h('td', { title: code ?? '' }, x ?? '')),
                  ),
                ),
              ),
            ),
          ),
        )
      : null,
  )
}
