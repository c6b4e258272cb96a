import type { Item } from '../lib/api-types.js'
import { ApiError, get, patch, post, session } from '../lib/api.js'
import { clear, h } from '../lib/dom.js'
import { LEVEL, PROCEDURE, fmtTime, messageText, named, serverText, t, tk, tr } from '../lib/i18n.js'
import { DUTY } from '../lib/names.js'
import { personName } from '../lib/timeline.js'
import type { Ctx } from '../lib/router.js'
import { badge, busy, cellLabel, errorBox, field, loading, pageHead, toast } from '../lib/ui.js'
import type { Definition } from './processes.js'

type Category = Item<'/api/categories'>
type Urgency = 'emergency' | 'urgent' | 'normal'
type Which = 'response' | 'resolve'
type Unit = 'minutes' | 'hours' | 'days'

const URGENCIES: Urgency[] = ['emergency', 'urgent', 'normal']
const URGENCY: Record<Urgency, [string, string]> = { emergency: ['特急', 'Emergency'], urgent: ['紧急', 'Urgent'], normal: ['一般', 'Normal'] }
const WHICH: Record<Which, [string, string]> = { response: ['响应时限', 'Respond within'], resolve: ['办结时限', 'Resolve within'] }

/** The create route's code rule for one segment (src/cases/category-routes.ts), for the browser's own check. */
const SEGMENT_PATTERN = '[a-z][a-z0-9_]{0,31}'

/**
 * A limit as a number and a unit, as the editor offers it: days when it is written in days
 * (P7D), else hours when whole (PT24H stays 24 hours), else minutes. Null: not a duration in
 * these units (a row written some other way is shown as it is written).
 */
function asAmount(iso: string): { n: number; unit: Unit } | null {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso)
  if (!m || iso === 'P' || iso.endsWith('T')) return null
  const [w, d, hh, mm, ss] = m.slice(1).map((x) => Number(x ?? 0))
  if (ss % 60) return null
  const minutes = (w * 7 + d) * 1440 + hh * 60 + mm + ss / 60
  if (minutes % 1440 === 0 && !iso.includes('T')) return { n: minutes / 1440, unit: 'days' }
  if (minutes % 60 === 0) return { n: minutes / 60, unit: 'hours' }
  return { n: minutes, unit: 'minutes' }
}

function amountWords(a: { n: number; unit: Unit }) {
  const { n, unit } = a
  // The catalogue's words for days ("1 day", "7 days"; src/messages/plurals.ts); hours and minutes short.
  if (unit === 'days') return tk('duration.days', { count: n })
  if (unit === 'hours') return t(`${n} 小时`, `${n} h`)
  return t(`${n} 分钟`, `${n} min`)
}

/** A limit in words: PT24H → 24 小时 / 24 h, P7D → 7 天 / 7 days. */
const limitWords = (iso: string) => {
  const a = asAmount(iso)
  return a ? amountWords(a) : iso
}

const toIso = (n: number, unit: Unit) => (unit === 'days' ? `P${n}D` : unit === 'hours' ? `PT${n}H` : `PT${n}M`)

/** Categories in tree order, each with its depth (a row whose parent is missing is shown at the top). */
function treeOrder(all: Category[]): { c: Category; depth: number }[] {
  const codes = new Set(all.map((c) => c.code))
  const children = new Map<string | null, Category[]>()
  for (const c of all) {
    const parent = c.parentCode && codes.has(c.parentCode) ? c.parentCode : null
    children.set(parent, [...(children.get(parent) ?? []), c])
  }
  const out: { c: Category; depth: number }[] = []
  const walk = (parent: string | null, depth: number) => {
    for (const c of children.get(parent) ?? []) {
      out.push({ c, depth })
      if (depth < 8) walk(c.code, depth + 1)
    }
  }
  walk(null, 0)
  return out
}

/**
 * A refusal beside the form: the answer's sentence and each of its problems in the catalogue's
 * words (they name the urgency and the limit), without the field paths the API gives beside them.
 */
function refusal(err: unknown) {
  if (!(err instanceof ApiError) || !err.details?.some((d) => d.key)) return errorBox(err)
  return h(
    'div',
    { class: 'alert error', role: 'alert' },
    messageText({ key: err.key, params: err.params, message: err.message }),
    h(
      'ul',
      null,
      err.details.map((d) => h('li', null, messageText({ key: d.key, params: d.messageParams ?? d.params, message: d.message }))),
    ),
  )
}

/**
 * The category tree (事项类别) and the time limits each sets per urgency. The city's
 * administrator edits a category, adds one under it or at the top, and withdraws or restores
 * it; a county administrator reads it (the server refuses their changes: categories are
 * city-wide). Limits are entered as a number and a unit and sent as ISO-8601 durations.
 */
export async function categoriesPage(ctx: Ctx) {
  const mayChange = session.has('admin')
  ctx.view.classList.add('wide')
  const newBtn = mayChange
    ? h('button', { type: 'button', class: 'primary', 'data-testid': 'new-category', disabled: true }, t('新增顶级类别', 'New top-level category'))
    : null
  const editor = h('section', { class: 'card category-editor', hidden: true, 'data-testid': 'category-editor' })
  const body = h('div', null, loading())
  ctx.view.append(
    pageHead(t('事项类别与时限', 'Categories and time limits'), newBtn),
    h(
      'p',
      { class: 'muted', 'data-testid': 'categories-note' },
      t(
        '类别决定案件的响应和办结时限、主管职能和默认办理程序。修改只对此后受理的案件生效：已受理的案件保留受理时的期限。停用的类别及其下级不再受理新的诉求（群众说事页面和 Open311 服务列表中不再出现），已有案件不受影响。',
        "A category sets its cases' response and resolution limits, the duty that owns them and the default procedure. A change applies to cases filed afterwards: cases already filed keep the deadlines they were given. A withdrawn category, with those under it, takes no new petitions (it leaves the citizens' form and the Open311 service list); its cases are unaffected.",
      ),
      mayChange ? null : h('br'),
      mayChange ? null : t('类别全市通用，由系统管理员维护。', 'Categories are city-wide and maintained by the system administrator.'),
      // Counties set their own limits where they set their own routing (the routing table's limit outputs).
      ' ',
      t(
        '各县可在本县的派单规则中为某类事项另设时限（响应时限、办结时限两列），优先于这里的时限。',
        'A county sets its own limits for a category in its routing rules (the "Respond in" and "Resolve in" columns), which take precedence over these.',
      ),
    ),
    editor,
    body,
  )

  let all: Category[]
  let definitions: Definition[]
  try {
    ;[all, definitions] = await Promise.all([
      get<Category[]>('/api/categories'),
      // The city's versions name the procedures a category may start beside the four shipped ones.
      get<Definition[]>('/api/process-definitions?tenant=').catch(() => [] as Definition[]),
    ])
  } catch (err) {
    if (ctx.alive()) clear(body, errorBox(err))
    return
  }
  if (!ctx.alive()) return

  const deployed = new Map<string, string>()
  for (const d of definitions) if (!d.tenant && !deployed.has(d.key)) deployed.set(d.key, serverText(d.name) || d.key)
  const procedureName = (key: string) => (PROCEDURE[key] ? tr(PROCEDURE, key) : (deployed.get(key) ?? key))
  /** The procedures offered: the four, the city's deployed keys, and the one a category holds (else a save would change it unasked). */
  const procedureKeys = (held?: string) => [...new Set([...Object.keys(PROCEDURE), ...deployed.keys(), ...(held ? [held] : [])])]
  const byCode = () => new Map(all.map((c) => [c.code, c]))

  const reload = async () => {
    all = await get<Category[]>('/api/categories')
    if (ctx.alive()) renderTree()
  }

  // ── the editor: a change of a category, or a new one (under a parent, or at the top) ──
  const openEditor = (mode: { edit: Category } | { parent: Category | null }) => {
    const current = 'edit' in mode ? mode.edit : null
    const parent = 'edit' in mode ? null : mode.parent
    // A new category starts from its parent's settings, as the server fills what is not sent.
    const base = current ?? parent
    const segment = h('input', {
      name: 'code',
      required: true,
      pattern: SEGMENT_PATTERN,
      maxlength: 32,
      autocomplete: 'off',
      autocapitalize: 'off',
      spellcheck: 'false',
      'data-testid': 'category-code',
    })
    const name = h('input', { name: 'name', required: true, maxlength: 100, value: current?.name ?? '', 'data-testid': 'category-name' })
    const nameEn = h('input', { name: 'nameEn', required: true, maxlength: 100, value: current?.nameEn ?? '', 'data-testid': 'category-name-en' })
    const dutyKeys = [...new Set([...Object.keys(DUTY), ...(base?.duty ? [base.duty] : [])])]
    const duty = h(
      'select',
      { name: 'duty', 'data-testid': 'category-duty' },
      h('option', { value: '' }, t('（无）', '(none)')),
      dutyKeys.map((d) => h('option', { value: d, selected: base?.duty === d }, tr(DUTY, d))),
    )
    const level = h(
      'select',
      { name: 'defaultLevel', 'data-testid': 'category-level' },
      Object.keys(LEVEL).map((l) => h('option', { value: l, selected: (base?.defaultLevel ?? 'township') === l }, tr(LEVEL, l))),
    )
    const procedure = h(
      'select',
      { name: 'procedure', 'data-testid': 'category-procedure' },
      procedureKeys(base?.procedure).map((k) => h('option', { value: k, selected: (base?.procedure ?? 'ordinary') === k }, procedureName(k))),
    )
    // One number and one unit per urgency and limit.
    const limitInputs = new Map<string, { n: HTMLInputElement; unit: HTMLSelectElement }>()
    const limitRows = URGENCIES.map((u) =>
      h(
        'tr',
        null,
        h('th', { scope: 'row' }, tr(URGENCY, u)),
        (['response', 'resolve'] as Which[]).map((w) => {
          const iso = base?.limits[u][w] ?? (w === 'response' ? 'PT24H' : 'P7D')
          const a = asAmount(iso) ?? { n: 24, unit: 'hours' as Unit }
          const label = `${tr(URGENCY, u)} · ${tr(WHICH, w)}`
          const n = h('input', {
            type: 'number',
            min: 1,
            step: 1,
            required: true,
            value: String(a.n),
            'aria-label': label,
            'data-testid': `limit-${u}-${w}`,
          })
          const unit = h(
            'select',
            { 'aria-label': `${label} · ${t('单位', 'unit')}`, 'data-testid': `limit-${u}-${w}-unit` },
            (['minutes', 'hours', 'days'] as Unit[]).map((x) =>
              h('option', { value: x, selected: a.unit === x }, t({ minutes: '分钟', hours: '小时', days: '天' }[x], x)),
            ),
          )
          limitInputs.set(`limits/${u}/${w}`, { n, unit })
          return h('td', null, h('span', { class: 'limit-input' }, n, unit))
        }),
      ),
    )
    const limits = h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table limits-table', 'data-testid': 'category-limits' },
        h('thead', null, h('tr', null, h('th', null, t('紧急程度', 'Urgency')), h('th', null, tr(WHICH, 'response')), h('th', null, tr(WHICH, 'resolve')))),
        h('tbody', null, limitRows),
      ),
    )
    const sort = h('input', {
      type: 'number',
      name: 'sort',
      min: 0,
      max: 1_000_000,
      step: 1,
      value: current ? String(current.sort) : '',
      'data-testid': 'category-sort',
    })
    const problem = h('div', { 'data-testid': 'category-error' })
    const save = h('button', { type: 'submit', class: 'primary', 'data-testid': 'category-save' }, current ? t('保存', 'Save') : t('添加', 'Add'))
    const cancel = h('button', { type: 'button', 'data-testid': 'category-cancel', onclick: () => closeEditor() }, t('取消', 'Cancel'))

    const limitsValue = () => {
      const out: Record<string, Record<string, string>> = {}
      for (const u of URGENCIES) {
        out[u] = {}
        for (const w of ['response', 'resolve'] as Which[]) {
          const { n, unit } = limitInputs.get(`limits/${u}/${w}`)!
          out[u][w] = toIso(Number(n.value), unit.value as Unit)
        }
      }
      return out as Record<Urgency, Record<Which, string>>
    }
    /** What the form changes of `c`: a field left as it was is not sent. */
    const changes = (c: Category) => {
      const l = limitsValue()
      const limitsChanged = URGENCIES.filter((u) => l[u].response !== c.limits[u].response || l[u].resolve !== c.limits[u].resolve)
      return {
        ...(name.value.trim() !== c.name && { name: name.value.trim() }),
        ...(nameEn.value.trim() !== (c.nameEn ?? '') && { nameEn: nameEn.value.trim() }),
        ...((duty.value || null) !== c.duty && { duty: duty.value || null }),
        ...(level.value !== c.defaultLevel && { defaultLevel: level.value }),
        ...(procedure.value !== c.procedure && { procedure: procedure.value }),
        ...(limitsChanged.length && { limits: Object.fromEntries(limitsChanged.map((u) => [u, l[u]])) }),
        ...(sort.value !== '' && Number(sort.value) !== c.sort && { sort: Number(sort.value) }),
      }
    }
    const markInvalid = (err: unknown) => {
      const fields = new Set(err instanceof ApiError ? (err.details ?? []).map((d) => d.field) : [])
      for (const [key, { n }] of limitInputs) n.setAttribute('aria-invalid', String(fields.has(key)))
      segment.setAttribute('aria-invalid', String(fields.has('code')))
    }
    const form: HTMLFormElement = h(
      'form',
      {
        'data-testid': 'category-form',
        onsubmit: (e: Event) => {
          e.preventDefault()
          const changed = current && changes(current)
          if (changed && !Object.keys(changed).length) return closeEditor()
          void busy(save, async () => {
            clear(problem)
            try {
              if (current) await patch(`/api/categories/${encodeURIComponent(current.code)}`, changed)
              else
                await post('/api/categories', {
                  code: parent ? `${parent.code}.${segment.value.trim()}` : segment.value.trim(),
                  name: name.value.trim(),
                  nameEn: nameEn.value.trim(),
                  duty: duty.value || null,
                  defaultLevel: level.value,
                  procedure: procedure.value,
                  limits: limitsValue(),
                  ...(sort.value !== '' && { sort: Number(sort.value) }),
                })
            } catch (err) {
              markInvalid(err)
              // The catalogue's sentences, beside the form they are about (the toast would go away).
              clear(problem, refusal(err))
              return
            }
            toast(current ? t('已保存', 'Saved') : t('已添加类别', 'Category added'))
            closeEditor()
            await reload()
          })
        },
      },
      current
        ? null
        : field(
            t('类别代码', 'Code'),
            segment,
            parent
              ? t(
                  `添加在“${named(parent)}”之下，完整代码为 ${parent.code}.<此代码>；小写字母开头，可用小写字母、数字和 _`,
                  `Added under "${named(parent)}"; the full code is ${parent.code}.<this code>. Starts with a lower-case letter; lower-case letters, digits and _`,
                )
              : t(
                  '小写字母开头，可用小写字母、数字和 _；添加后不能修改',
                  'Starts with a lower-case letter; lower-case letters, digits and _. It cannot be changed later',
                ),
            true,
          ),
      field(t('名称（中文）', 'Name (Chinese)'), name, undefined, true),
      field(t('名称（英文）', 'Name (English)'), nameEn, undefined, true),
      h(
        'div',
        { class: 'category-fields' },
        field(t('主管职能', 'Owning duty'), duty),
        field(t('默认层级', 'Default level'), level),
        field(t('办理程序', 'Procedure'), procedure),
      ),
      h(
        'fieldset',
        { class: 'group' },
        h('legend', null, t('时限', 'Time limits')),
        limits,
        h(
          'small',
          { class: 'hint' },
          t(
            '每项 10 分钟至 365 天，响应时限不长于办结时限。只对此后受理的案件生效。',
            'Each 10 minutes to 365 days; the response limit no longer than the resolution limit. Applies to cases filed afterwards.',
          ),
        ),
      ),
      field(t('排序', 'Order'), sort, t('同级类别按此从小到大排列', 'Categories under one parent are listed by this, smallest first')),
      problem,
      h('div', { class: 'actions-bar' }, save, cancel),
    )
    clear(
      editor,
      h(
        'h2',
        null,
        current
          ? t(`修改类别：${named(current)}`, `Change category: ${named(current)}`)
          : parent
            ? t(`在“${named(parent)}”下添加类别`, `New category under "${named(parent)}"`)
            : t('新增顶级类别', 'New top-level category'),
      ),
      form,
    )
    editor.hidden = false
    editor.scrollIntoView({ block: 'nearest' })
    ;(current ? name : segment).focus()
  }
  const closeEditor = () => {
    editor.hidden = true
    clear(editor)
  }
  // Disabled until now, when the categories have loaded: an earlier click did nothing.
  if (newBtn) {
    newBtn.onclick = () => openEditor({ parent: null })
    newBtn.disabled = false
  }

  const toggleActive = (c: Category) =>
    h(
      'button',
      {
        type: 'button',
        'data-testid': 'category-toggle-active',
        onclick: (e: Event) =>
          busy(e.currentTarget as HTMLButtonElement, async () => {
            if (
              c.active &&
              !confirm(
                t(
                  `停用“${named(c)}”？它及其下级类别不再受理新的诉求；已有案件不受影响。`,
                  `Withdraw "${named(c)}"? It and the categories under it take no new petitions; existing cases are unaffected.`,
                ),
              )
            )
              return
            await patch(`/api/categories/${encodeURIComponent(c.code)}`, { active: !c.active })
            toast(c.active ? t('已停用', 'Withdrawn') : t('已启用', 'Restored'))
            await reload()
          }),
      },
      c.active ? t('停用', 'Withdraw') : t('启用', 'Restore'),
    )

  const status = (c: Category) =>
    c.inForce
      ? badge(t('在用', 'In use'), 'ok')
      : c.active
        ? badge(t('随上级停用', 'Withdrawn with its parent'), 'bad')
        : badge(t('已停用', 'Withdrawn'), 'bad')

  const limitsCell = (c: Category) =>
    h(
      'dl',
      { class: 'limits-list' },
      URGENCIES.map((u) => [
        h('dt', null, tr(URGENCY, u)),
        h('dd', { 'data-testid': `limits-${u}` }, `${limitWords(c.limits[u].response)} / ${limitWords(c.limits[u].resolve)}`),
      ]),
    )

  const rows = h('tbody')
  const renderTree = () => {
    const codes = byCode()
    clear(
      rows,
      treeOrder(all).map(({ c, depth }) =>
        h(
          'tr',
          { 'data-testid': 'category-row', 'data-code': c.code, class: c.inForce ? '' : 'withdrawn' },
          h(
            'td',
            { class: 'c-name' },
            h(
              'span',
              { class: depth ? 'c-sub' : 'c-top', style: `padding-inline-start: ${depth * 1.25}rem` },
              depth ? h('span', { class: 'muted', 'aria-hidden': 'true' }, '└ ') : null,
              h('span', { 'data-testid': 'category-name' }, named(c)),
            ),
            depth && c.parentCode && codes.has(c.parentCode)
              ? h('span', { class: 'sr-only' }, t(`（${named(codes.get(c.parentCode))}之下）`, ` (under ${named(codes.get(c.parentCode))})`))
              : null,
          ),
          h('td', { class: 'c-duty' }, cellLabel(t('主管职能', 'Duty')), h('span', { 'data-testid': 'category-duty' }, c.duty ? tr(DUTY, c.duty) : '—')),
          h('td', { class: 'c-level' }, cellLabel(t('默认层级', 'Level')), c.defaultLevel ? tr(LEVEL, c.defaultLevel) : '—'),
          h(
            'td',
            { class: 'c-procedure' },
            cellLabel(t('办理程序', 'Procedure')),
            h('span', { 'data-testid': 'category-procedure-name' }, procedureName(c.procedure)),
          ),
          h('td', { class: 'c-limits' }, limitsCell(c)),
          h('td', { class: 'c-status', 'data-testid': 'category-status' }, status(c)),
          h(
            'td',
            { class: 'c-changed muted', 'data-testid': 'category-changed' },
            cellLabel(t('最近修改', 'Last changed')),
            c.updatedAt ? [fmtTime(c.updatedAt), ' ', h('span', { class: 'c-who' }, personName(c.updatedBy, c.updatedByName))] : '—',
          ),
          mayChange
            ? h(
                'td',
                { class: 'actions' },
                h('button', { type: 'button', 'data-testid': 'category-edit', onclick: () => openEditor({ edit: c }) }, t('修改', 'Edit')),
                ' ',
                h('button', { type: 'button', 'data-testid': 'category-add-child', onclick: () => openEditor({ parent: c }) }, t('添加下级', 'Add under')),
                ' ',
                toggleActive(c),
              )
            : null,
        ),
      ),
    )
    if (!all.length)
      rows.append(h('tr', null, h('td', { colspan: 8, class: 'empty', 'data-testid': 'no-categories' }, t('还没有类别。', 'No categories yet.'))))
  }

  clear(
    body,
    h(
      'div',
      { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('事项类别', 'Categories') },
      h(
        'table',
        { class: 'table categories-table phone-blocks', 'data-testid': 'categories' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, t('类别', 'Category')),
            h('th', null, t('主管职能', 'Duty')),
            h('th', null, t('默认层级', 'Level')),
            h('th', null, t('办理程序', 'Procedure')),
            h('th', null, t('时限（响应 / 办结）', 'Limits (respond / resolve)')),
            h('th', null, t('状态', 'Status')),
            h('th', null, t('最近修改', 'Last changed')),
            mayChange ? h('th', null, h('span', { class: 'sr-only' }, t('操作', 'Actions'))) : null,
          ),
        ),
        rows,
      ),
    ),
  )
  renderTree()
}
