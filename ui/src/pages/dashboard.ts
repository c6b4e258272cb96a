import { get, qs, session } from '../lib/api.js'
import type { Answer } from '../lib/api-types.js'
import type { EChartsCoreOption } from 'echarts/core'
import { clear, h } from '../lib/dom.js'
import { fmtPct, named, serverText, t } from '../lib/i18n.js'
import { navigate, type Ctx } from '../lib/router.js'
import { errorBox, field, loading, pageHead } from '../lib/ui.js'
import { monthPicker } from '../lib/month-picker.js'

type RateName = 'responseRate' | 'resolutionRate' | 'satisfactionRate' | 'closureRate' | 'onTimeRate' | 'atOrBelowTownshipRate'
type CountName = 'received' | 'closed' | 'responded' | 'resolved' | 'satisfied' | 'onTime' | 'atOrBelowTownship'
// Named fields, not an index signature: the documented answer (ui/src/lib/api-types.ts) is checked against them.
type Rates = { [K in RateName]?: number | null } & { [K in CountName]?: number }
export type Overview = Answer<'/api/metrics/overview'>

const KPIS: [RateName, string, string, CountName?][] = [
  ['responseRate', '响应率', 'Response rate', 'responded'],
  ['resolutionRate', '解决率', 'Resolution rate', 'resolved'],
  ['satisfactionRate', '满意率', 'Satisfaction rate', 'satisfied'],
  ['closureRate', '办结率', 'Closure rate', 'closed'],
  ['onTimeRate', '按期办结率', 'On-time rate', 'onTime'],
  ['atOrBelowTownshipRate', '乡镇及以下解决占比', 'Resolved at township or below', 'atOrBelowTownship'],
]
function thisMonth() {
  const d = new Date()
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`
}

export async function dashboardPage(ctx: Ctx) {
  const month = /^\d{4}-\d{2}$/.test(ctx.query.get('month') ?? '') ? ctx.query.get('month')! : thisMonth()
  const region = ctx.query.get('region') ?? (session.user?.tenant || '')
  const regionSel = h('select', { 'data-testid': 'region' }, h('option', { value: '' }, t('全市', 'Whole city')))
  const go = () => navigate(`/dashboard${qs({ month: monthInput.value(), region: regionSel.value })}`)
  const monthInput = monthPicker(month, go, { testid: 'month' })
  regionSel.onchange = go
  const body = h('div', null, loading())
  ctx.view.append(
    pageHead(t('数据看板', 'Dashboard')),
    h('div', { class: 'filters' }, field(t('月份', 'Month'), monthInput.el), field(t('区域', 'Region'), regionSel)),
    body,
  )

  // Region choices: counties and their townships (two levels are what leaders compare).
  void (async () => {
    try {
      const top = await get<Answer<'/api/public/regions'>>('/api/public/regions')
      const counties = (
        await Promise.all(top.map((c) => (c.level === 'county' ? [c] : get<Answer<'/api/public/regions'>>(`/api/public/regions?parent=${c.code}`))))
      )
        .flat()
        .filter((c) => c.level === 'county')
      for (const c of counties) {
        regionSel.append(h('option', { value: c.code, selected: c.code === region }, named(c)))
        const towns = await get<Answer<'/api/public/regions'>>(`/api/public/regions?parent=${c.code}`)
        for (const tw of towns) regionSel.append(h('option', { value: tw.code, selected: tw.code === region }, `\u3000${named(tw)}`))
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
    const chartsBox = h('div', { class: 'charts', 'data-testid': 'charts' })
    void drawCharts(ctx, chartsBox, o, month, region)
    clear(
      body,
      h(
        'div',
        { class: 'kpis', 'data-testid': 'kpis' },
        h(
          'div',
          { class: 'kpi' },
          h('div', { class: 'l' }, t('本月受理', 'Received this month')),
          h('div', { class: 'v' }, String(tot.received ?? 0)),
          h('div', { class: 'sub' }, t(`办结 ${tot.closed ?? 0}`, `closed ${tot.closed ?? 0}`)),
        ),
        KPIS.map(([k, zh, en, num]) =>
          h(
            'div',
            { class: 'kpi', 'data-kpi': k },
            h('div', { class: 'l' }, t(zh, en)),
            h('div', { class: 'v' }, fmtPct(tot[k] ?? null)),
            num ? h('div', { class: 'sub' }, `${tot[num] ?? 0}`) : null,
          ),
        ),
      ),
      chartsBox,
      h(
        'div',
        { class: 'grid2' },
        ranking(t('乡镇（街道）排名', 'Townships'), o.townships, 'rank-townships'),
        ranking(t('部门排名', 'Departments'), o.departments, 'rank-departments'),
      ),
    )
  } catch (err) {
    clear(body, errorBox(err))
    return
  }
  // 共性问题: only leaders and supervisors may list them (a county administrator sees the dashboard
  // too); for anyone else the card stays away, and is not asked for (a 403 the console logs).
  if (!session.has('leader', 'supervisor')) return
  try {
    const c = await get<Answer<'/api/clusters'>>(`/api/clusters${qs({ month, region })}`)
    if (ctx.alive()) body.append(clusters(c.items))
  } catch (err) {
    if (ctx.alive()) body.append(errorBox(err))
  }
}

type Cluster = Answer<'/api/clusters'>['items'][number]

const TRENDS: Record<Cluster['trend'], [string, string]> = {
  new: ['新出现', 'new'],
  rising: ['上升', 'rising'],
  steady: ['持平', 'steady'],
  falling: ['下降', 'falling'],
}

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
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', null, t('问题', 'Problem')),
                h('th', null, t('区域', 'Area')),
                h('th', { class: 'num' }, t('本月', 'This month')),
                h('th', { class: 'num' }, t('上月', 'Last month')),
                h('th', null, t('趋势', 'Trend')),
                h('th', null, t('根源案件', 'Root case')),
              ),
            ),
            h(
              'tbody',
              null,
              items.map((c) =>
                h(
                  'tr',
                  { 'data-cluster': c.id },
                  h(
                    'td',
                    null,
                    c.candidate ? h('strong', null, `★ ${c.label ?? ''}`) : (c.label ?? ''),
                    c.categoryNames
                      ? h('div', { class: 'muted' }, named(c.categoryNames))
                      : c.categoryName
                        ? h('div', { class: 'muted' }, serverText(c.categoryName))
                        : null,
                  ),
                  h('td', null, named({ name: c.regionName, nameEn: c.regionNameEn })),
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
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', null, '#'),
                h('th', null, t('名称', 'Name')),
                h('th', { class: 'num' }, t('受理', 'Recv.')),
                h('th', { class: 'num' }, t('响应率', 'Resp.')),
                h('th', { class: 'num' }, t('办结率', 'Closure')),
                h('th', { class: 'num' }, t('满意率', 'Satisf.')),
                h('th', { class: 'num' }, t('得分', 'Score')),
              ),
            ),
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

interface RatesGroups {
  groups: (Rates & { key: string | null; label: string; labelEn?: string | null })[]
}
const AGEING: Record<string, [string, string, string]> = {
  notDue: ['未超期', 'within deadline', '#2e7d32'],
  '0-1d': ['超期 1 天内', 'late < 1 day', '#f9a825'],
  '1-3d': ['超期 1–3 天', 'late 1–3 days', '#ef6c00'],
  '3-7d': ['超期 3–7 天', 'late 3–7 days', '#d84315'],
  '7-30d': ['超期 7–30 天', 'late 7–30 days', '#b3261e'],
  '30d+': ['超期 30 天以上', 'late > 30 days', '#6d1b15'],
}

/** The year ending at `month`: its first month, for the category and area charts. */
function yearBefore(month: string) {
  const [y, m] = month.split('-').map(Number)
  const d = new Date(Date.UTC(y, m - 12, 1))
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`
}

/**
 * The leader's charts (ECharts, loaded on this page only): volume and on-time by month, the
 * three rates by month, the year by category and by area (a treemap: no map data ships with
 * the app), and open cases by days overdue now.
 */
async function drawCharts(ctx: Ctx, box: HTMLElement, o: Overview, month: string, region: string) {
  const card = (testid: string, title: string, wide = false) => {
    const el = h('div', { class: 'echart', 'data-testid': testid, role: 'img', 'aria-label': title })
    box.append(h('section', { class: `card chart${wide ? ' wide' : ''}` }, h('h2', null, title), el))
    return el
  }
  const volume = card('chart-volume', t('近 12 个月受理、办结与按期办结', 'Received, closed and on time, last 12 months'), true)
  const rates = card('chart-rates', t('近 12 个月三率', 'The three rates, last 12 months'), true)
  const byCategory = card('chart-category', t('近 12 个月按类别', 'By category, last 12 months'))
  const byRegion = card('chart-region', t('近 12 个月按区域', 'By area, last 12 months'))
  const ageing = card('chart-ageing', t('在办案件超期情况（当前）', 'Open cases by days overdue (now)'), true)
  let charts: typeof import('../lib/charts.js')
  try {
    charts = await import('../lib/charts.js')
  } catch (err) {
    box.replaceChildren(errorBox(err))
    return
  }
  if (!ctx.alive()) return
  const draw = (el: HTMLElement, option: EChartsCoreOption, empty: boolean) => {
    if (empty) el.replaceWith(h('p', { class: 'muted empty-chart', 'data-testid': el.dataset.testid }, t('暂无数据', 'No data yet')))
    else charts.mountChart(el, option)
  }
  const months = o.trend.map((p) => p.month)
  const num = (k: CountName) => o.trend.map((p) => p[k] ?? 0)
  const rate = (k: RateName) => o.trend.map((p) => p[k] ?? null)
  const anyCase = o.trend.some((p) => (p.received ?? 0) > 0)
  draw(
    volume,
    charts.monthsOption(months, [
      { name: t('受理', 'Received'), type: 'bar', data: num('received') },
      { name: t('办结', 'Closed'), type: 'bar', data: num('closed') },
      { name: t('按期办结', 'Closed on time'), type: 'line', data: num('onTime') },
    ]),
    !anyCase,
  )
  draw(
    rates,
    charts.monthsOption(
      months,
      [
        { name: t('响应率', 'Response'), type: 'line', data: rate('responseRate'), percent: true },
        { name: t('解决率', 'Resolution'), type: 'line', data: rate('resolutionRate'), percent: true },
        { name: t('满意率', 'Satisfaction'), type: 'line', data: rate('satisfactionRate'), percent: true },
      ],
      { rates: true, counts: false },
    ),
    !anyCase,
  )
  const period = { from: yearBefore(month), to: month }
  const label = (g: { label: string; labelEn?: string | null }) => named({ name: g.label, nameEn: g.labelEn })
  const [cats, areas, age] = await Promise.all([
    get<RatesGroups>(`/api/metrics/rates${qs({ ...period, region, groupBy: 'category' })}`).catch(() => null),
    regionTree(region, period).catch(() => null),
    get<{ buckets: { key: string; count: number }[] }>(`/api/metrics/ageing${qs({ region })}`).catch(() => null),
  ])
  if (!ctx.alive()) return
  const catItems = (cats?.groups ?? []).filter((g) => (g.received ?? 0) > 0).map((g) => ({ label: label(g), value: g.received ?? 0 }))
  draw(byCategory, charts.barsOption(catItems.slice(0, 12), t('受理', 'Received')), catItems.length === 0)
  draw(byRegion, charts.treemapOption(areas ?? [], t('受理', 'Received')), !areas?.length)
  const ageItems = (age?.buckets ?? []).map((b) => ({
    label: t(AGEING[b.key]?.[0] ?? b.key, AGEING[b.key]?.[1] ?? b.key),
    value: b.count,
    color: AGEING[b.key]?.[2],
  }))
  draw(ageing, charts.barsOption(ageItems, t('在办', 'Open')), !ageItems.some((a) => a.value > 0))

  /** Areas as a tree: the chosen area's (or the caller's scope's) children, and theirs, sized by cases received. */
  async function regionTree(code: string, p: { from: string; to: string }) {
    const groupsOf = async (r: string) =>
      ((await get<RatesGroups>(`/api/metrics/rates${qs({ ...p, region: r, groupBy: 'region' })}`)).groups ?? []).filter((g) => (g.received ?? 0) > 0)
    const root = code || session.user?.tenant || (await get<{ code: string }[]>('/api/public/regions'))[0]?.code
    if (!root) return []
    const top = await groupsOf(root)
    return Promise.all(
      top.map(async (g) => {
        // A group keyed by the root itself holds the cases filed at that level: no children.
        const children = g.key && g.key !== root ? (await groupsOf(g.key)).filter((c) => c.key !== g.key) : []
        return { label: label(g), value: g.received ?? 0, children: children.map((c) => ({ label: label(c), value: c.received ?? 0 })) }
      }),
    )
  }
}
