import { get, qs, session } from '../lib/api.js'
import { clear, h } from '../lib/dom.js'
import { fmtPct, named, t } from '../lib/i18n.js'
import { navigate, type Ctx } from '../lib/router.js'
import { errorBox, field, loading, pageHead } from '../lib/ui.js'

type RateName = 'responseRate' | 'resolutionRate' | 'satisfactionRate' | 'closureRate' | 'onTimeRate' | 'atOrBelowTownshipRate'
type CountName = 'received' | 'closed' | 'responded' | 'resolved' | 'satisfied' | 'onTime' | 'atOrBelowTownship'
// Named fields, not an index signature: the documented answer (ui/src/lib/api-types.ts) is checked against them.
type Rates = { [K in RateName]?: number | null } & { [K in CountName]?: number }
export interface Overview {
  month: string
  region: { code: string; name: string } | null
  totals: Rates & { byStatus?: { key: string; count: number }[]; byChannel?: { key: string; count: number }[] }
  trend: (Rates & { month: string })[]
  townships: (Rates & { rank: number; key: string | null; label: string; labelEn?: string | null; score: number | null })[]
  departments: (Rates & { rank: number; key: string | null; label: string; labelEn?: string | null; score: number | null })[]
  topCategories?: { key: string | null; label: string; labelEn?: string | null; count: number }[]
}

const KPIS: [RateName, string, string, CountName?][] = [
  ['responseRate', '响应率', 'Response rate', 'responded'],
  ['resolutionRate', '解决率', 'Resolution rate', 'resolved'],
  ['satisfactionRate', '满意率', 'Satisfaction rate', 'satisfied'],
  ['closureRate', '办结率', 'Closure rate', 'closed'],
  ['onTimeRate', '按期办结率', 'On-time rate', 'onTime'],
  ['atOrBelowTownshipRate', '乡镇及以下解决占比', 'Resolved at township or below', 'atOrBelowTownship'],
]
const SERIES: [RateName, string, string, string][] = [
  ['responseRate', '响应率', 'Response', '#1565c0'],
  ['resolutionRate', '解决率', 'Resolution', '#2e7d32'],
  ['satisfactionRate', '满意率', 'Satisfaction', '#b3261e'],
  ['closureRate', '办结率', 'Closure', '#b26a00'],
]

function thisMonth() {
  const d = new Date()
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`
}

export async function dashboardPage(ctx: Ctx) {
  const month = /^\d{4}-\d{2}$/.test(ctx.query.get('month') ?? '') ? ctx.query.get('month')! : thisMonth()
  const region = ctx.query.get('region') ?? (session.user?.tenant || '')
  const monthInput = h('input', { type: 'month', value: month, 'data-testid': 'month' })
  const regionSel = h('select', { 'data-testid': 'region' }, h('option', { value: '' }, t('全市', 'Whole city')))
  const go = () => navigate(`/dashboard${qs({ month: monthInput.value, region: regionSel.value })}`)
  monthInput.onchange = regionSel.onchange = go
  const body = h('div', null, loading())
  ctx.view.append(pageHead(t('数据看板', 'Dashboard')), h('div', { class: 'filters' }, field(t('月份', 'Month'), monthInput), field(t('区域', 'Region'), regionSel)), body)

  // Region choices: counties and their townships (two levels are what leaders compare).
  void (async () => {
    try {
      const top = await get<any[]>('/api/public/regions')
      const counties = (await Promise.all(top.map((c) => (c.level === 'county' ? [c] : get<any[]>(`/api/public/regions?parent=${c.code}`))))).flat().filter((c) => c.level === 'county')
      for (const c of counties) {
        regionSel.append(h('option', { value: c.code, selected: c.code === region }, named(c)))
        const towns = await get<any[]>(`/api/public/regions?parent=${c.code}`)
        for (const tw of towns) regionSel.append(h('option', { value: tw.code, selected: tw.code === region }, `　${named(tw)}`))
      }
      regionSel.value = region
    } catch {
      /* the filter stays at the whole city */
    }
  })()

  try {
    const o = await get<Overview>(`/api/metrics/overview${qs({ month, region })}`)
    if (!ctx.alive()) return
    const tot = o.totals
    clear(
      body,
      h(
        'div',
        { class: 'kpis', 'data-testid': 'kpis' },
        h('div', { class: 'kpi' }, h('div', { class: 'l' }, t('本月受理', 'Received this month')), h('div', { class: 'v' }, String(tot.received ?? 0)), h('div', { class: 'sub' }, t(`办结 ${tot.closed ?? 0}`, `closed ${tot.closed ?? 0}`))),
        KPIS.map(([k, zh, en, num]) => h('div', { class: 'kpi', 'data-kpi': k }, h('div', { class: 'l' }, t(zh, en)), h('div', { class: 'v' }, fmtPct(tot[k] ?? null)), num ? h('div', { class: 'sub' }, `${tot[num] ?? 0}`) : null)),
      ),
      h('section', { class: 'card chart' }, h('h2', null, t('近 12 个月趋势', 'Trend, last 12 months')), trendChart(o.trend), h('div', { class: 'legend' }, SERIES.map(([, zh, en, c]) => h('span', null, h('i', { style: `background:${c}` }), t(zh, en))))),
      h('div', { class: 'grid2' }, ranking(t('乡镇（街道）排名', 'Townships'), o.townships, 'rank-townships'), ranking(t('部门排名', 'Departments'), o.departments, 'rank-departments')),
    )
  } catch (err) {
    clear(body, errorBox(err))
    return
  }
  // 共性问题: only leaders and supervisors may list them; for anyone else the card stays away.
  try {
    const c = await get<{ items: Cluster[] }>(`/api/clusters${qs({ month, region })}`)
    if (ctx.alive()) body.append(clusters(c.items))
  } catch {
    /* not a leader or supervisor */
  }
}

interface Cluster {
  id: string
  label: string | null
  categoryName: string | null
  regionName: string | null
  size: number
  count: number
  previousCount: number
  trend: 'new' | 'rising' | 'steady' | 'falling'
  rootCaseNo: string | null
  candidate: boolean
}

const TRENDS: Record<Cluster['trend'], [string, string]> = { new: ['新出现', 'new'], rising: ['上升', 'rising'], steady: ['持平', 'steady'], falling: ['下降', 'falling'] }

/** The month's recurring problems, largest first; the 每月一题 candidates marked. */
function clusters(items: Cluster[]) {
  return h(
    'section',
    { class: 'card', 'data-testid': 'clusters' },
    h('h2', null, t('共性问题（每月一题候选）', 'Recurring problems (problem of the month candidates)')),
    items.length === 0
      ? h('p', { class: 'muted' }, t('本月暂无共性问题', 'No recurring problem this month'))
      : h(
          'div',
          { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('共性问题', 'Recurring problems') },
          h(
            'table',
            { class: 'table' },
            h('thead', null, h('tr', null, h('th', null, t('问题', 'Problem')), h('th', null, t('区域', 'Area')), h('th', { class: 'num' }, t('本月', 'This month')), h('th', { class: 'num' }, t('上月', 'Last month')), h('th', null, t('趋势', 'Trend')), h('th', null, t('根源案件', 'Root case')))),
            h(
              'tbody',
              null,
              items.map((c) =>
                h(
                  'tr',
                  { 'data-cluster': c.id },
                  h('td', null, c.candidate ? h('strong', null, `★ ${c.label ?? ''}`) : (c.label ?? ''), c.categoryName ? h('div', { class: 'muted' }, c.categoryName) : null),
                  h('td', null, c.regionName ?? ''),
                  h('td', { class: 'num' }, String(c.count)),
                  h('td', { class: 'num' }, String(c.previousCount)),
                  h('td', null, t(...TRENDS[c.trend])),
                  h('td', null, c.rootCaseNo ?? '—'),
                ),
              ),
            ),
          ),
        ),
  )
}

/** An inline SVG line chart of the rates over months (no chart library). */
function trendChart(trend: (Rates & { month: string })[]) {
  // A narrower drawing on phones keeps the labels readable.
  const W = window.innerWidth < 640 ? 400 : 720
  const H = window.innerWidth < 640 ? 220 : 240
  const L = 40
  const R = 12
  const T = 12
  const B = 30
  const n = Math.max(trend.length, 1)
  const x = (i: number) => L + (n === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (n - 1))
  const y = (v: number) => T + (1 - v) * (H - T - B)
  const ns = 'http://www.w3.org/2000/svg'
  const el = (tag: string, attrs: Record<string, string | number>, text?: string) => {
    const e = document.createElementNS(ns, tag)
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v))
    if (text) e.textContent = text
    return e
  }
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('趋势图', 'trend chart'), 'data-testid': 'trend' })
  for (const g of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(el('line', { x1: L, x2: W - R, y1: y(g), y2: y(g), stroke: '#e3e3e8' }))
    svg.append(el('text', { x: L - 6, y: y(g) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#6b6b70' }, `${g * 100}%`))
  }
  trend.forEach((p, i) => {
    if (W >= 720 || i % 2 === 0) svg.append(el('text', { x: x(i), y: H - 10, 'text-anchor': 'middle', 'font-size': 11, fill: '#6b6b70' }, p.month.slice(2)))
  })
  for (const [k, zh, en, color] of SERIES) {
    let d = ''
    trend.forEach((p, i) => {
      const v = p[k]
      if (v === null || v === undefined) return
      d += `${d ? 'L' : 'M'}${x(i).toFixed(1)},${y(v as number).toFixed(1)}`
      const dot = el('circle', { cx: x(i), cy: y(v as number), r: 3, fill: color })
      dot.append(el('title', {}, `${p.month} ${t(zh, en)} ${fmtPct(v as number)}`))
      svg.append(dot)
    })
    if (d) svg.append(el('path', { d, fill: 'none', stroke: color, 'stroke-width': 2 }))
  }
  if (!trend.some((p) => SERIES.some(([k]) => p[k] !== null && p[k] !== undefined))) {
    svg.append(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', fill: '#6b6b70', 'font-size': 14 }, t('暂无数据', 'No data yet')))
  }
  return svg
}

function ranking(title: string, rows: Overview['townships'], testid: string) {
  return h(
    'section',
    { class: 'card', 'data-testid': testid },
    h('h2', null, title),
    rows.length === 0
      ? h('p', { class: 'muted' }, t('暂无数据', 'No data yet'))
      : h(
          'div',
          { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': title },
          h(
            'table',
            { class: 'table rank' },
            h('thead', null, h('tr', null, h('th', null, '#'), h('th', null, t('名称', 'Name')), h('th', { class: 'num' }, t('受理', 'Recv.')), h('th', { class: 'num' }, t('响应率', 'Resp.')), h('th', { class: 'num' }, t('办结率', 'Closure')), h('th', { class: 'num' }, t('满意率', 'Satisf.')), h('th', { class: 'num' }, t('得分', 'Score')))),
            h(
              'tbody',
              null,
              rows.map((r) =>
                h(
                  'tr',
                  null,
                  h('td', null, String(r.rank)),
                  h('td', null, named({ name: r.label, nameEn: r.labelEn })),
                  h('td', { class: 'num' }, String(r.received ?? 0)),
                  h('td', { class: 'num' }, fmtPct(r.responseRate)),
                  h('td', { class: 'num' }, fmtPct(r.closureRate)),
                  h('td', { class: 'num' }, fmtPct(r.satisfactionRate)),
                  h('td', { class: 'num' }, r.score === null ? '—' : (r.score * 100).toFixed(1)),
                ),
              ),
            ),
          ),
        ),
  )
}
