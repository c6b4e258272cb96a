import { get } from './api.js'
import { h } from './dom.js'
import { named, t } from './i18n.js'

export interface RegionNode {
  code: string
  name: string
  nameEn?: string | null
  level: string
  hasChildren?: boolean
}

const LEVEL: Record<string, [string, string]> = {
  city: ['市', 'city'],
  county: ['县（区）', 'county / district'],
  township: ['乡镇（街道）', 'township / street'],
  village: ['村（社区）', 'village / community'],
  grid: ['网格', 'grid'],
}

/**
 * Region cascade: one select per level, each loaded from /api/public/regions?parent=.
 * `value()` is the deepest chosen code. Starts below the single top-level region (the city).
 */
export function regionCascade(opts: { minLevel?: string; testid?: string } = {}) {
  const box = h('div', { class: 'cascade', 'data-testid': opts.testid ?? 'region-cascade' })
  let chosen: RegionNode[] = []
  let root: RegionNode | null = null
  const levelSelects: HTMLSelectElement[] = []

  async function addLevel(parent: RegionNode | null, depth: number) {
    const items = await get<RegionNode[]>(`/api/public/regions${parent ? `?parent=${encodeURIComponent(parent.code)}` : ''}`)
    if (depth === 0 && !parent && items.length === 1) {
      root = items[0]
      return addLevel(items[0], 0)
    }
    if (items.length === 0) return
    const lvl = LEVEL[items[0].level] ?? [items[0].level, items[0].level]
    const sel = h(
      'select',
      { 'data-level': items[0].level, 'aria-label': t(lvl[0], lvl[1]) },
      h('option', { value: '' }, t(`请选择${lvl[0]}`, `Choose ${lvl[1]}`)),
      items.map((r) => h('option', { value: r.code }, named(r))),
    )
    sel.onchange = async () => {
      for (const s of levelSelects.splice(depth + 1)) s.remove()
      chosen = chosen.slice(0, depth)
      const r = items.find((x) => x.code === sel.value)
      if (!r) return
      chosen[depth] = r
      if (r.hasChildren !== false) await addLevel(r, depth + 1)
      box.dispatchEvent(new Event('change'))
    }
    levelSelects[depth] = sel
    box.append(sel)
  }

  const ready = addLevel(null, 0)
  return {
    el: box,
    ready,
    value: () => chosen[chosen.length - 1]?.code ?? '',
    chosen: () => [...chosen],
    level: () => chosen[chosen.length - 1]?.level ?? root?.level ?? '',
  }
}

export interface CategoryNode {
  code: string
  name: string
  nameEn?: string | null
  parentCode?: string | null
  children?: CategoryNode[]
}

/** Category tree as two dependent selects (top level, then the sub-category). */
export async function categoryPicker(testid = 'category') {
  const raw = await get<CategoryNode[] | { items: CategoryNode[] }>('/api/public/categories')
  let tree = Array.isArray(raw) ? raw : raw.items
  if (!tree.some((c) => c.children?.length) && tree.some((c) => c.parentCode)) {
    // Flat list: build the tree.
    const byCode = new Map(tree.map((c) => [c.code, { ...c, children: [] as CategoryNode[] }]))
    tree = []
    for (const c of byCode.values()) (c.parentCode && byCode.get(c.parentCode) ? byCode.get(c.parentCode)!.children : tree).push(c)
  }
  const top = h(
    'select',
    { 'data-testid': `${testid}-top`, required: true, 'aria-label': t('类别', 'Category') },
    h('option', { value: '' }, t('请选择类别', 'Choose a category')),
    tree.map((c) => h('option', { value: c.code }, named(c))),
  )
  const sub = h('select', { 'data-testid': `${testid}-sub`, hidden: true, 'aria-label': t('子类别', 'Sub-category') })
  top.onchange = () => {
    const node = tree.find((c) => c.code === top.value)
    sub.replaceChildren(
      h('option', { value: '' }, t('（不细分）', '(general)')),
      ...(node?.children ?? []).map((c) => h('option', { value: c.code }, named(c))),
    )
    sub.hidden = !node?.children?.length
  }
  return { el: h('div', { class: 'cascade' }, top, sub), value: () => sub.value || top.value }
}
