/**
 * The filter bar the task list (and the case list) share: text search, category, region,
 * procedure, channel, filing dates; values live in the page's URL, so a filtered list can be
 * reloaded, bookmarked and saved. Saved filters are kept per user in this browser's
 * localStorage (not on the server: they follow the browser, not the person).
 */
import { get, session } from './api.js'
import { h } from './dom.js'
import { CHANNEL, named, PROCEDURE, t } from './i18n.js'

export const FILTER_KEYS = ['q', 'category', 'region', 'procedure', 'channel', 'from', 'to'] as const
export type Filters = Partial<Record<(typeof FILTER_KEYS)[number], string>>

export function filtersOf(query: URLSearchParams): Filters {
  const out: Filters = {}
  for (const k of FILTER_KEYS) {
    const v = query.get(k)
    if (v) out[k] = v
  }
  return out
}

/** The API's query: dates from the date inputs become the start of that day (and of the day after `to`). */
export function apiFilters(f: Filters): Record<string, string | undefined> {
  const day = (d: string | undefined, plus = 0) => {
    if (!d || !/^\d{4}-\d{2}-\d{2}$/.test(d)) return undefined
    const x = new Date(`${d}T00:00:00`)
    x.setDate(x.getDate() + plus)
    return x.toISOString()
  }
  return { ...f, from: day(f.from), to: day(f.to, 1) }
}

interface Named {
  code: string
  name: string
  nameEn?: string | null
  children?: Named[]
  parentCode?: string | null
}

let categoriesP: Promise<Named[]> | null = null
let regionsP: Promise<{ code: string; label: string }[]> | null = null

function categories() {
  categoriesP ??= get<Named[] | { items: Named[] }>('/api/public/categories').then((raw) => {
    let tree = Array.isArray(raw) ? raw : raw.items
    if (!tree.some((c) => c.children?.length) && tree.some((c) => c.parentCode)) {
      const byCode = new Map(tree.map((c) => [c.code, { ...c, children: [] as Named[] }]))
      tree = []
      for (const c of byCode.values()) (c.parentCode && byCode.get(c.parentCode) ? byCode.get(c.parentCode)!.children! : tree).push(c)
    }
    return tree
  })
  return categoriesP
}

/** Counties and their townships (a dispatcher filters by place at those two levels). */
function regions() {
  regionsP ??= (async () => {
    const out: { code: string; label: string }[] = []
    const top = await get<Named[]>('/api/public/regions')
    const city = top.length === 1 ? top[0] : null
    const counties = city ? await get<Named[]>(`/api/public/regions?parent=${encodeURIComponent(city.code)}`) : top
    const towns = await Promise.all(counties.map((c) => get<Named[]>(`/api/public/regions?parent=${encodeURIComponent(c.code)}`)))
    counties.forEach((c, i) => {
      out.push({ code: c.code, label: named(c) })
      for (const tw of towns[i]) out.push({ code: tw.code, label: `— ${named(tw)}` })
    })
    return out
  })()
  return regionsP
}

/** `extra`: a page's own controls (the case list's status and overdue), placed before the button. */
export function filterBar(current: Filters, apply: (f: Filters) => void, extra: HTMLElement[] = []) {
  const text = h('input', {
    type: 'search',
    name: 'q',
    value: current.q ?? '',
    placeholder: t('编号、标题或描述', 'number, title or text'),
    'aria-label': t('搜索', 'Search'),
    'data-testid': 'filter-q',
  })
  const category = h(
    'select',
    { name: 'category', 'aria-label': t('类别', 'Category'), 'data-testid': 'filter-category' },
    h('option', { value: '' }, t('全部类别', 'Any category')),
  )
  const region = h(
    'select',
    { name: 'region', 'aria-label': t('区域', 'Region'), 'data-testid': 'filter-region' },
    h('option', { value: '' }, t('全部区域', 'Anywhere')),
  )
  const procedure = h(
    'select',
    { name: 'procedure', 'aria-label': t('办理方式', 'Procedure'), 'data-testid': 'filter-procedure' },
    h('option', { value: '' }, t('全部办理方式', 'Any procedure')),
    Object.entries(PROCEDURE).map(([k, [zh, en]]) => h('option', { value: k, selected: current.procedure === k }, t(zh, en))),
  )
  const channel = h(
    'select',
    { name: 'channel', 'aria-label': t('渠道', 'Channel'), 'data-testid': 'filter-channel' },
    h('option', { value: '' }, t('全部渠道', 'Any channel')),
    Object.entries(CHANNEL).map(([k, [zh, en]]) => h('option', { value: k, selected: current.channel === k }, t(zh, en))),
  )
  const from = h('input', { type: 'date', name: 'from', value: current.from ?? '', 'aria-label': t('受理日期从', 'Filed from') })
  const to = h('input', { type: 'date', name: 'to', value: current.to ?? '', 'aria-label': t('受理日期至', 'Filed until') })
  void categories().then((tree) => {
    for (const c of tree) {
      category.append(h('option', { value: c.code, selected: current.category === c.code }, named(c)))
      for (const s of c.children ?? []) category.append(h('option', { value: s.code, selected: current.category === s.code }, `— ${named(s)}`))
    }
  })
  void regions().then((list) => {
    for (const r of list) region.append(h('option', { value: r.code, selected: current.region === r.code }, r.label))
  })
  const read = (): Filters => {
    const f: Filters = {
      q: text.value.trim(),
      category: category.value,
      region: region.value,
      procedure: procedure.value,
      channel: channel.value,
      from: from.value,
      to: to.value,
    }
    for (const k of FILTER_KEYS) if (!f[k]) delete f[k]
    return f
  }
  const saved = savedFilters(current, read, apply)
  const form = h(
    'form',
    { class: 'filters worklist-filters', role: 'search', 'data-testid': 'task-filters', onsubmit: (e: Event) => (e.preventDefault(), apply(read())) },
    text,
    category,
    region,
    procedure,
    channel,
    h('span', { class: 'dates' }, from, h('span', { 'aria-hidden': 'true' }, '–'), to),
    ...extra,
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'filter-apply' }, t('筛选', 'Filter')),
    Object.keys(current).length ? h('button', { type: 'button', onclick: () => apply({}) }, t('清除', 'Clear')) : null,
    saved,
  )
  return form
}

const storeKey = () => `shuoshi.filters.${session.user?.username ?? ''}`
type Saved = { name: string; filters: Filters }
function load(): Saved[] {
  try {
    const v = JSON.parse(localStorage.getItem(storeKey()) ?? '[]')
    return Array.isArray(v) ? v : []
  } catch {
    return []
  }
}

/** A select of this user's saved filters, and a button that saves the current ones under a name. */
function savedFilters(current: Filters, read: () => Filters, apply: (f: Filters) => void) {
  const list = load()
  const sel = h(
    'select',
    {
      'aria-label': t('已保存的筛选', 'Saved filters'),
      'data-testid': 'saved-filters',
      onchange: () => {
        const s = list[Number(sel.value)]
        if (s) apply(s.filters)
      },
    },
    h('option', { value: '' }, t('已保存的筛选…', 'Saved filters…')),
    list.map((s, i) => h('option', { value: String(i), selected: JSON.stringify(s.filters) === JSON.stringify(current) }, s.name)),
  )
  const name = h('input', { type: 'text', maxlength: 40, 'aria-label': t('筛选名称', 'Filter name'), placeholder: t('名称', 'Name'), hidden: true })
  const save = h(
    'button',
    {
      type: 'button',
      'data-testid': 'save-filter',
      onclick: () => {
        if (name.hidden) {
          name.hidden = false
          name.focus()
          return
        }
        const n = name.value.trim()
        if (!n) return name.focus()
        const next = [...load().filter((s) => s.name !== n), { name: n, filters: read() }].slice(-20)
        localStorage.setItem(storeKey(), JSON.stringify(next))
        apply(read())
      },
    },
    t('保存筛选', 'Save filter'),
  )
  const del =
    list.length > 0
      ? h(
          'button',
          {
            type: 'button',
            class: 'link',
            onclick: () => {
              const i = Number(sel.value)
              if (!sel.value || !list[i]) return
              localStorage.setItem(storeKey(), JSON.stringify(list.filter((_, j) => j !== i)))
              apply(current)
            },
          },
          t('删除所选', 'Delete selected'),
        )
      : null
  return h('span', { class: 'saved' }, sel, name, save, del)
}
