import type { Answer } from '../lib/api-types.js'
import { ApiError, get, post, put, qs, session, type ErrorBody } from '../lib/api.js'
import { clear, h } from '../lib/dom.js'
import { fmtPct, fmtTime, named, paren, t } from '../lib/i18n.js'
import { navigate, type Ctx } from '../lib/router.js'
import { busy, errorBox, errorText, field, loadCss, loading, pageHead, toast } from '../lib/ui.js'
import { monthPicker } from '../lib/month-picker.js'

/**
 * The monthly bulletin (一月一通报): rankings with every item's count and points, the cases
 * behind each figure, the xlsx export, a printable page (bulletin.css, @media print), the
 * scoring-items editor and the public 公示 page. API: src/bulletin/README.md.
 */

interface Item {
  code: string
  name: string
  nameEn: string | null
  appliesTo: string
  points: number
  count: string
  enabled: boolean
  source?: string
}
interface Rates {
  received: number
  responseRate: number | null
  resolutionRate: number | null
  satisfactionRate: number | null
  closureRate?: number | null
  onTimeRate?: number | null
}
interface UnitRow {
  rank: number
  kind: 'township' | 'department'
  key: string
  label: string
  labelEn: string | null
  points: number
  received: number
  excluded: number
  items: { code: string; count: number; points: number }[]
  rates: Rates
}
interface Bulletin {
  month: string
  region: { code: string; name: string; nameEn: string | null } | null
  county: string | null
  asOf: string
  items: Item[]
  overall: { received: number; excluded: number; rates: Rates }
  townships: UnitRow[]
  departments: UnitRow[]
}

/** A row of the scoring-items editor: a city item or a county override as the server lists them, or a new row. */
type LayerItem = Partial<Answer<'/api/scoring-items'>['city'][number]> & { code: string }
/** One published bulletin. */
type Publication = Answer<'/api/public/bulletins'>['items'][number]

const RATES: [keyof Rates, string, string][] = [
  ['responseRate', '响应率', 'Response'],
  ['resolutionRate', '解决率', 'Resolution'],
  ['satisfactionRate', '满意率', 'Satisfaction'],
]

/** Last month, China time: the month a bulletin is usually made for. */
function lastMonth() {
  const d = new Date(Date.now() + 8 * 3600_000)
  d.setUTCDate(1)
  d.setUTCMonth(d.getUTCMonth() - 1)
  return d.toISOString().slice(0, 7)
}
const validMonth = (m: string | null) => (m && /^\d{4}-(0[1-9]|1[0-2])$/.test(m) ? m : null)
const monthLabel = (m: string) => t(`${m.slice(0, 4)}年${Number(m.slice(5))}月`, m)
const signed = (n: number) => (n > 0 ? `+${n}` : String(n))

async function countyOptions(select: HTMLSelectElement, selected: string, withTownships: boolean) {
  try {
    const top = await get<Answer<'/api/public/regions'>>('/api/public/regions')
    const counties = (
      await Promise.all(top.map((c) => (c.level === 'county' ? [c] : get<Answer<'/api/public/regions'>>(`/api/public/regions?parent=${c.code}`))))
    )
      .flat()
      .filter((c) => c.level === 'county')
    for (const c of counties) {
      select.append(h('option', { value: c.code, selected: c.code === selected }, named(c)))
      if (!withTownships) continue
      for (const tw of await get<Answer<'/api/public/regions'>>(`/api/public/regions?parent=${c.code}`))
        select.append(h('option', { value: tw.code, selected: tw.code === selected }, `\u3000${named(tw)}`))
    }
    select.value = selected
  } catch {
    /* the choice stays at its first option */
  }
}

/** Fetches with the token and saves the answer as a file (a plain link cannot send the token). */
async function download(url: string, fallbackName: string) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${session.token ?? ''}` } })
  if (!res.ok) {
    let body: ErrorBody | null = null
    try {
      body = await res.json()
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, body?.error ?? `http_${res.status}`, body?.message ?? res.statusText, body?.details, body?.key, body?.params)
  }
  const blob = await res.blob()
  const a = h('a', { href: URL.createObjectURL(blob), download: fallbackName })
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
}

export async function bulletinPage(ctx: Ctx) {
  await loadCss('/bulletin.css')
  const month = validMonth(ctx.query.get('month')) ?? lastMonth()
  const region = ctx.query.get('region') ?? (session.user?.tenant || '')
  const regionSel = h('select', { 'data-testid': 'bulletin-region' }, h('option', { value: '' }, t('全市 / 本县', 'Whole city / my county')))
  const go = () => navigate(`/bulletin${qs({ month: monthInput.value(), region: regionSel.value })}`)
  const monthInput = monthPicker(month, go, { testid: 'bulletin-month' })
  regionSel.onchange = go
  void countyOptions(regionSel, region, true)

  const exportBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'bulletin-export' }, t('导出 Excel', 'Export xlsx'))
  exportBtn.onclick = () => busy(exportBtn, () => download(`/api/bulletins/${month}.xlsx${qs({ region })}`, `一月一通报-${month}.xlsx`))
  const printBtn = h('button', { type: 'button', class: 'secondary', 'data-testid': 'bulletin-print' }, t('打印', 'Print'))
  printBtn.onclick = () => window.print()
  const actions: HTMLElement[] = [exportBtn, printBtn]
  if (session.has('county_admin')) {
    const pub = h('button', { type: 'button', class: 'secondary', 'data-testid': 'bulletin-publish' }, t('发布公示', 'Publish'))
    pub.onclick = () =>
      busy(pub, async () => {
        if (!confirm(t(`发布后${monthLabel(month)}的通报将公开且不可更改，确定发布？`, `Publish ${month}? The public page will not change afterwards.`))) return
        await post(`/api/bulletins/${month}/publish${qs({ region: region || undefined })}`)
        toast(t('已发布', 'Published'))
      })
    actions.push(pub, h('a', { class: 'button secondary', href: '/admin/scoring-items' }, t('计分规则', 'Scoring items')))
  }

  const body = h('div', null, loading())
  const detail = h('section', { class: 'card bulletin-detail no-print', 'data-testid': 'bulletin-detail', hidden: true })
  ctx.view.append(
    pageHead(t('一月一通报', 'Monthly bulletin'), ...actions),
    h('div', { class: 'filters no-print' }, field(t('月份', 'Month'), monthInput.el), field(t('区域', 'Region'), regionSel)),
    body,
    detail,
  )

  try {
    const b = await get<Bulletin>(`/api/bulletins/${month}${qs({ region })}`)
    if (!ctx.alive()) return
    const where = b.region ? named(b.region) : t('全市', 'Whole city')
    const showCases = async (u: UnitRow, item?: Item) => {
      detail.hidden = false
      clear(detail, loading())
      try {
        const list = await get<Answer<'/api/bulletins/{month}/cases'>>(
          `/api/bulletins/${month}/cases${qs({ region, kind: u.kind, unit: u.key, item: item?.code })}`,
        )
        const names = new Map(b.items.map((i) => [i.code, named({ name: i.name, nameEn: i.nameEn })]))
        clear(
          detail,
          h('h2', null, `${named(u)} · ${item ? named({ name: item.name, nameEn: item.nameEn }) : t('全部计分项', 'every item')}`),
          list.items.length
            ? h(
                'table',
                { class: 'table' },
                h(
                  'thead',
                  null,
                  h(
                    'tr',
                    null,
                    h('th', null, t('案件编号', 'Case')),
                    h('th', null, t('标题', 'Title')),
                    h('th', null, t('计分项', 'Item')),
                    h('th', { class: 'num' }, t('次数', 'Count')),
                    h('th', { class: 'num' }, t('得分', 'Points')),
                  ),
                ),
                h(
                  'tbody',
                  null,
                  list.items.map((c) =>
                    h(
                      'tr',
                      null,
                      h('td', null, h('a', { href: `/cases/${c.caseId}` }, c.caseNo)),
                      h('td', null, c.title ?? '—'),
                      h('td', null, names.get(c.item) ?? c.item),
                      h('td', { class: 'num' }, String(c.count)),
                      h('td', { class: `num ${c.points < 0 ? 'neg' : ''}` }, signed(c.points)),
                    ),
                  ),
                ),
              )
            : h('p', { class: 'muted' }, t('没有案件', 'No cases')),
        )
        detail.scrollIntoView({ behavior: 'smooth', block: 'start' })
      } catch (err) {
        clear(detail, errorBox(err))
      }
    }
    const table = (title: string, kind: 'township' | 'department', rows: UnitRow[]) => {
      const items = b.items.filter((i) => i.enabled && (i.appliesTo === 'both' || i.appliesTo === kind))
      return h(
        'section',
        { class: 'card bulletin-table', 'data-testid': `bulletin-${kind}s` },
        h('h2', null, title),
        h(
          'div',
          { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': title },
          h(
            'table',
            { class: 'table bulletin' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', null, t('排名', 'Rank')),
                h('th', { class: 'unit-name' }, kind === 'township' ? t('乡镇（街道）', 'Township') : t('部门', 'Department')),
                h('th', { class: 'num' }, t('总分', 'Points')),
                h('th', { class: 'num' }, t('受理', 'Received')),
                items.map((i) =>
                  h('th', { class: 'num item' }, named({ name: i.name, nameEn: i.nameEn }), h('small', null, `${signed(i.points)}/${t('件', 'each')}`)),
                ),
                RATES.map(([, zh, en]) => h('th', { class: 'num' }, t(zh, en))),
              ),
            ),
            h(
              'tbody',
              null,
              rows.map((u) => {
                const byCode = new Map(u.items.map((i) => [i.code, i]))
                return h(
                  'tr',
                  { 'data-unit': u.key },
                  h('td', null, String(u.rank)),
                  h('td', { class: 'unit-name' }, h('button', { type: 'button', class: 'link', onclick: () => showCases(u) }, named(u))),
                  h('td', { class: `num total ${u.points < 0 ? 'neg' : ''}`, 'data-testid': 'points' }, signed(u.points)),
                  // "57（剔 1）", "57 (excl. 1)": the language's own brackets, on one line.
                  h('td', { class: 'num nowrap' }, u.excluded ? `${u.received}${paren(t(`剔 ${u.excluded}`, `excl. ${u.excluded}`))}` : String(u.received)),
                  items.map((i) => {
                    const s = byCode.get(i.code) ?? { count: 0, points: 0 }
                    return h(
                      'td',
                      { class: `num ${s.points < 0 ? 'neg' : ''}`, 'data-item': i.code },
                      s.count
                        ? h(
                            'button',
                            { type: 'button', class: 'link', title: t('查看案件', 'Show the cases'), onclick: () => showCases(u, i) },
                            `${s.count}`,
                            h('small', null, ` ${signed(s.points)}`),
                          )
                        : '·',
                    )
                  }),
                  RATES.map(([k]) => h('td', { class: 'num' }, fmtPct(u.rates[k] as number | null))),
                )
              }),
            ),
          ),
        ),
      )
    }
    const o = b.overall
    clear(
      body,
      h('p', { class: 'bulletin-title' }, `${where} ${monthLabel(b.month)} ${t('一月一通报', 'monthly bulletin')}`),
      h(
        'p',
        { class: 'muted' },
        t(
          `受理 ${o.received} 件（剔除 ${o.excluded} 件）；响应率 ${fmtPct(o.rates.responseRate)}，解决率 ${fmtPct(o.rates.resolutionRate)}，满意率 ${fmtPct(o.rates.satisfactionRate)}。统计时间 ${fmtTime(b.asOf)}`,
          `${o.received} received (${o.excluded} excluded); response ${fmtPct(o.rates.responseRate)}, resolution ${fmtPct(o.rates.resolutionRate)}, satisfaction ${fmtPct(o.rates.satisfactionRate)}. As of ${fmtTime(b.asOf)}`,
        ),
      ),
      table(t('乡镇（街道）排名', 'Townships'), 'township', b.townships),
      table(t('部门排名', 'Departments'), 'department', b.departments),
      h('p', { class: 'muted small no-print' }, t('点击单位名称或计数可查看相关案件。', 'Click a unit or a count for the cases behind it.')),
    )
  } catch (err) {
    clear(body, errorBox(err))
  }
}

/** The scoring items: the city list (administrators) or a county's overrides (its administrator). */
export async function scoringItemsPage(ctx: Ctx) {
  await loadCss('/bulletin.css')
  const admin = !!session.user?.roles.includes('admin')
  const county = admin ? (ctx.query.get('county') ?? '') : (session.user?.tenant ?? '')
  const countySel = h('select', { 'data-testid': 'items-county' }, h('option', { value: '' }, t('全市计分项', 'City list')))
  if (admin) {
    countySel.onchange = () => navigate(`/admin/scoring-items${qs({ county: countySel.value })}`)
    void countyOptions(countySel, county, false)
  }
  const body = h('div', null, loading())
  ctx.view.append(pageHead(t('计分规则', 'Scoring items'), h('a', { class: 'button secondary', href: '/bulletin' }, t('一月一通报', 'Bulletin'))))
  if (admin) ctx.view.append(h('div', { class: 'filters' }, field(t('范围', 'Layer'), countySel)))
  ctx.view.append(body)
  try {
    const data = await get<{
      county: string | null
      items: Item[]
      city: LayerItem[]
      overrides: LayerItem[]
      facts: { code: string; name: string; nameEn: string }[]
    }>(`/api/scoring-items${qs({ county: county || undefined })}`)
    if (!ctx.alive()) return
    const editingCounty = !!data.county
    // A county sees every city item as a row (empty fields inherit; the placeholders show the
    // city's values), then its own additions.
    const cityCodes = new Set(data.city.map((c) => c.code))
    const layer: LayerItem[] = editingCounty
      ? [...data.city.map((c) => data.overrides.find((o) => o.code === c.code) ?? { code: c.code }), ...data.overrides.filter((o) => !cityCodes.has(o.code))]
      : data.city
    const inForce = new Map(data.items.map((i) => [i.code, i]))
    const tbody = h('tbody')
    const row = (it: LayerItem) => {
      const base = inForce.get(it.code)
      // Controls in a table cell have no <label>: each is named after its column and the item's code.
      const cell = (col: string) => `${col} ${it.code ?? ''}`.trim()
      const COL: Record<string, string> = {
        code: t('代码', 'Code'),
        name: t('名称', 'Name'),
        nameEn: t('英文名', 'English'),
        points: t('分值/件', 'Points each'),
        count: t('计数项或 =FEEL', 'Fact or =FEEL'),
      }
      const input = (name: 'code' | 'name' | 'nameEn' | 'points' | 'count', value: unknown, attrs: Record<string, unknown> = {}) =>
        h('input', {
          name,
          'aria-label': cell(COL[name] ?? name),
          value: value == null ? '' : String(value),
          placeholder: base && editingCounty ? String(base[name] ?? '') : '',
          ...attrs,
        })
      const applies = h(
        'select',
        { name: 'appliesTo', 'aria-label': cell(t('适用', 'Applies to')) },
        h('option', { value: '' }, editingCounty ? t('（沿用）', '(inherit)') : '—'),
        ['both', 'township', 'department'].map((v) =>
          h(
            'option',
            { value: v, selected: it.appliesTo === v },
            v === 'both' ? t('乡镇和部门', 'both') : v === 'township' ? t('乡镇', 'townships') : t('部门', 'departments'),
          ),
        ),
      )
      const enabled = h(
        'select',
        { name: 'enabled', 'aria-label': cell(t('状态', 'State')) },
        h('option', { value: '' }, editingCounty ? t('（沿用）', '(inherit)') : t('启用', 'on')),
        h('option', { value: 'true', selected: it.enabled === true }, t('启用', 'on')),
        h('option', { value: 'false', selected: it.enabled === false }, t('停用', 'off')),
      )
      const tr = h(
        'tr',
        { 'data-code': it.code },
        h('td', null, input('code', it.code, { required: true, size: 14, readonly: editingCounty && cityCodes.has(it.code) })),
        h('td', null, input('name', it.name, { size: 10 })),
        h('td', null, input('nameEn', it.nameEn, { size: 14 })),
        h('td', null, applies),
        h('td', null, input('points', it.points, { type: 'number', step: 'any', style: 'width:5em' })),
        h('td', null, input('count', it.count, { size: 28, list: 'facts' })),
        h('td', null, enabled),
        h(
          'td',
          null,
          editingCounty && cityCodes.has(it.code) ? '' : h('button', { type: 'button', class: 'link', onclick: () => tr.remove() }, t('删除', 'Remove')),
        ),
      )
      return tr
    }
    for (const it of layer) tbody.append(row(it))
    const addBtn = h('button', { type: 'button', class: 'secondary' }, t('添加一行', 'Add a row'))
    addBtn.onclick = () => tbody.append(row({ code: '', enabled: null }))
    const saveBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'items-save' }, t('保存', 'Save'))
    const msg = h('div', { role: 'alert' })
    saveBtn.onclick = () =>
      busy(saveBtn, async () => {
        clear(msg)
        const items = [...tbody.querySelectorAll('tr')]
          .map((tr) => {
            const v = (n: string) => (tr.querySelector(`[name="${n}"]`) as HTMLInputElement | HTMLSelectElement).value.trim()
            const out: Record<string, unknown> = { code: v('code') }
            for (const k of ['name', 'nameEn', 'appliesTo', 'count']) if (v(k)) out[k] = v(k)
            if (v('points') !== '') out.points = Number(v('points'))
            if (v('enabled')) out.enabled = v('enabled') === 'true'
            return out
          })
          // A county row that changes nothing is not an override.
          .filter((it) => !editingCounty || !cityCodes.has(String(it.code)) || Object.keys(it).length > 1)
        try {
          await put(`/api/scoring-items${qs({ county: data.county ?? undefined })}`, { items })
          toast(t('已保存', 'Saved'))
          navigate(location.pathname + location.search, true)
        } catch (err) {
          clear(msg, errorBox(err))
        }
      })
    clear(
      body,
      h(
        'p',
        { class: 'muted' },
        editingCounty
          ? t(
              '本县的覆盖：填写的字段替换全市同代码的计分项，留空则沿用；停用即不计分；新代码为本县新增的计分项（须填写完整）。',
              'County overrides: a filled field replaces the city item of the same code, an empty one inherits; off disables it; a new code adds a county item (complete).',
            )
          : t('全市计分项。各县可在此基础上覆盖分值、停用或新增。', 'The city list; counties may override, disable or add.'),
      ),
      h(
        'div',
        { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('计分项', 'Scoring items') },
        h(
          'table',
          { class: 'table items-editor' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              [
                t('代码', 'Code'),
                t('名称', 'Name'),
                t('英文名', 'English'),
                t('适用', 'Applies to'),
                t('分值/件', 'Points each'),
                t('计数项或 =FEEL', 'Fact or =FEEL'),
                t('状态', 'State'),
                h('span', { class: 'sr-only' }, t('操作', 'Actions')),
              ].map((x) => h('th', null, x)),
            ),
          ),
          tbody,
        ),
      ),
      h(
        'datalist',
        { id: 'facts' },
        data.facts.map((f) => h('option', { value: f.code }, named(f))),
      ),
      h('div', { class: 'page-actions' }, addBtn, saveBtn),
      msg,
      editingCounty
        ? h(
            'section',
            { class: 'card' },
            h('h2', null, t('本县生效的计分项', 'In force in the county')),
            h(
              'ul',
              null,
              data.items.map((i) =>
                h(
                  'li',
                  { class: i.enabled ? '' : 'muted' },
                  `${named({ name: i.name, nameEn: i.nameEn })}（${i.code}）${signed(i.points)} · ${i.count}${i.source === 'county' ? t(' · 本县', ' · county') : ''}${i.enabled ? '' : t(' · 停用', ' · off')}`,
                ),
              ),
            ),
          )
        : null,
      h(
        'section',
        { class: 'card' },
        h('h2', null, t('可用的计数项', 'Facts')),
        h(
          'ul',
          { class: 'facts' },
          data.facts.map((f) => h('li', null, h('code', null, f.code), ` ${named(f)}`)),
        ),
      ),
    )
  } catch (err) {
    clear(body, h('div', { class: 'alert error' }, errorText(err)))
  }
}

/** 公示: published bulletins, no login. */
export async function publicBulletinPage(ctx: Ctx) {
  await loadCss('/bulletin.css')
  const county = ctx.query.get('county') ?? ''
  const month = validMonth(ctx.query.get('month')) ?? ''
  const countySel = h('select', { 'data-testid': 'public-county' }, h('option', { value: '' }, t('全部', 'All')))
  const go = () => navigate(`/gongshi${qs({ county: countySel.value, month: monthInput.value() })}`)
  const monthInput = monthPicker(month, go, { testid: 'public-month', optional: true })
  countySel.onchange = go
  void countyOptions(countySel, county, false)
  const body = h('div', null, loading())
  ctx.view.append(
    pageHead(t('通报公示', 'Published bulletins')),
    h('div', { class: 'filters no-print' }, field(t('县（区）', 'County'), countySel), field(t('月份', 'Month'), monthInput.el)),
    body,
  )
  try {
    const data = await get<{ items: Publication[] }>(`/api/public/bulletins${qs({ county, month })}`)
    if (!ctx.alive()) return
    if (!data.items.length) {
      clear(body, h('p', { class: 'muted' }, t('暂无已发布的通报', 'Nothing published yet')))
      return
    }
    const ranking = (title: string, rows: Publication['townships']) =>
      h(
        'div',
        { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': title },
        h(
          'table',
          { class: 'table bulletin' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', null, t('排名', 'Rank')),
              h('th', null, title),
              h('th', { class: 'num' }, t('得分', 'Points')),
              h('th', { class: 'num' }, t('受理', 'Received')),
              RATES.map(([, zh, en]) => h('th', { class: 'num' }, t(zh, en))),
            ),
          ),
          h(
            'tbody',
            null,
            rows.map((u) =>
              h(
                'tr',
                null,
                h('td', null, String(u.rank)),
                h('td', null, named(u)),
                h('td', { class: `num ${u.points < 0 ? 'neg' : ''}` }, signed(u.points)),
                h('td', { class: 'num' }, String(u.rates.received)),
                RATES.map(([k]) => h('td', { class: 'num' }, fmtPct(u.rates[k]))),
              ),
            ),
          ),
        ),
      )
    clear(
      body,
      data.items.map((p) =>
        h(
          'section',
          { class: 'card', 'data-testid': 'publication' },
          h('h2', null, `${named(p.region)} ${monthLabel(p.month)}`),
          h(
            'p',
            { class: 'muted' },
            t(`发布于 ${new Date(p.publishedAt).toLocaleDateString('zh-CN')}`, `Published ${new Date(p.publishedAt).toLocaleDateString()}`),
            ' · ',
            RATES.map(([k, zh, en]) => `${t(zh, en)} ${fmtPct(p.overall[k])}\u3000`),
          ),
          ranking(t('乡镇（街道）', 'Township'), p.townships),
          p.departments.length ? ranking(t('部门', 'Department'), p.departments) : null,
        ),
      ),
    )
  } catch (err) {
    clear(body, errorBox(err))
  }
}
