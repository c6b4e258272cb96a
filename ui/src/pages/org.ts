import type { Answer } from '../lib/api-types.js'
import { del, get, patch, post } from '../lib/api.js'
import { clear, h } from '../lib/dom.js'
import { LEVEL, UNIT_KIND, fmtTime, named, t, tr } from '../lib/i18n.js'
import { DUTY } from '../lib/names.js'
import { personName } from '../lib/timeline.js'
import type { Ctx } from '../lib/router.js'
import { badge, busy, cellLabel, errorBox, field, loading, pageHead, toast } from '../lib/ui.js'

type Tree = Answer<'/api/org/tree'>
type Region = Tree['children'][number]
type Unit = Tree['units'][number]

/** The import's and the creation route's code rule (src/org/bootstrap.ts ORG_CODE_PATTERN), for the browser's own check. */
const CODE_PATTERN = '[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}'
const LEVELS = ['city', 'county', 'township', 'village', 'grid'] as const
/** What one region of a level is called, for the buttons and titles that add one. */
const LEVEL_NOUN: Record<string, [string, string]> = {
  city: ['市', 'city'],
  county: ['县（区）', 'county'],
  township: ['乡镇（街道）', 'township'],
  village: ['村（社区）', 'village'],
  grid: ['网格', 'grid'],
}
const childLevel = (level: string) => LEVELS[LEVELS.indexOf(level as (typeof LEVELS)[number]) + 1] ?? null

type Mode = { newRegion: Region } | { rename: Region } | { newUnit: Region } | { editUnit: Unit; region: Region }

/**
 * Regions and org units (区域与单位), one level of the tree at a time: the region, the way back
 * up, its child regions and its units. The city's administrator sees everything, a county
 * administrator their county (the server scopes and checks every change: what this page offers
 * follows the `mayAdminister` / `mayRename` it answers). Codes are given once and never change;
 * names, and a unit's duty, may.
 */
export async function orgPage(ctx: Ctx) {
  ctx.view.classList.add('wide')
  const editor = h('section', { class: 'card org-editor', hidden: true, 'data-testid': 'org-editor' })
  const body = h('div', null, loading())
  ctx.view.append(
    pageHead(t('区域与单位', 'Regions and units')),
    h(
      'p',
      { class: 'muted', 'data-testid': 'org-note' },
      t(
        '区域（市、县、乡镇、村、网格）和在其中工作的单位。代码添加后不能修改：案件、用户和派单规则都以代码指向它们。单位的职能决定派单规则“按职能”（如乡镇的公安职能）找到哪个单位，修改后对此后受理的案件生效；无人在岗的单位收不到案件，由调度员处理。',
        'Regions (city, county, township, village, grid) and the units that work in them. A code cannot be changed once added: cases, users and routing rules name them by it. A unit\'s duty is how routing rules "by duty" (a township\'s police, say) find it; a change applies to cases filed afterwards. A unit nobody staffs receives no cases: the dispatcher takes them.',
      ),
    ),
    editor,
    body,
  )

  const load = async (code: string | null): Promise<Tree> => {
    const tree = await get<Tree>(`/api/org/tree${code ? `?region=${encodeURIComponent(code)}` : ''}`)
    // The city's administrator starts at the top: with one city, at the city itself.
    if (!code && !tree.region && tree.children.length === 1) return get<Tree>(`/api/org/tree?region=${encodeURIComponent(tree.children[0].code)}`)
    return tree
  }
  let tree: Tree
  try {
    tree = await load(ctx.query.get('region'))
  } catch (err) {
    if (ctx.alive()) clear(body, errorBox(err))
    return
  }
  if (!ctx.alive()) return
  const reload = async () => {
    tree = await load(tree.region?.code ?? null)
    if (ctx.alive()) render()
  }
  const here = (r: Pick<Region, 'code'>) => `/admin/org?region=${encodeURIComponent(r.code)}`

  // ── the editor: a region added or renamed, a unit added or changed ──
  const openEditor = (mode: Mode) => {
    const unit = 'editUnit' in mode ? mode.editUnit : null
    const renamed = 'rename' in mode ? mode.rename : null
    const current = unit ?? renamed
    const forUnit = 'newUnit' in mode || 'editUnit' in mode
    const place = 'newRegion' in mode ? mode.newRegion : 'newUnit' in mode ? mode.newUnit : 'editUnit' in mode ? mode.region : null
    const level = 'newRegion' in mode ? childLevel(mode.newRegion.level) : null
    // A grid's and a village's own unit carries the region's code: that is how routing's @grid and @village find it.
    const ownUnit = 'newUnit' in mode && (mode.newUnit.level === 'grid' || mode.newUnit.level === 'village')
    const code = h('input', {
      name: 'code',
      required: true,
      pattern: CODE_PATTERN,
      maxlength: 64,
      autocomplete: 'off',
      autocapitalize: 'off',
      spellcheck: 'false',
      value: ownUnit ? place!.code : place ? `${place.code}-` : '',
      'data-testid': 'org-code',
    })
    const name = h('input', { name: 'name', required: true, maxlength: 100, value: current?.name ?? '', 'data-testid': 'org-name' })
    const nameEn = h('input', { name: 'nameEn', required: true, maxlength: 100, value: current?.nameEn ?? '', 'data-testid': 'org-name-en' })
    const kindDefault = ownUnit ? (place!.level === 'grid' ? 'grid' : 'village_committee') : 'department'
    const kind = h(
      'select',
      { name: 'kind', 'data-testid': 'org-kind' },
      Object.keys(UNIT_KIND).map((k) => h('option', { value: k, selected: k === kindDefault }, tr(UNIT_KIND, k))),
    )
    const dutyKeys = [...new Set([...Object.keys(DUTY), ...(unit?.duty ? [unit.duty] : [])])]
    const dutyNow = unit ? unit.duty : ownUnit ? 'general' : null
    const duty = h(
      'select',
      { name: 'duty', 'data-testid': 'org-duty' },
      h('option', { value: '' }, t('（无）', '(none)')),
      dutyKeys.map((d) => h('option', { value: d, selected: dutyNow === d }, tr(DUTY, d))),
    )
    const problem = h('div', { 'data-testid': 'org-error' })
    const save = h('button', { type: 'submit', class: 'primary', 'data-testid': 'org-save' }, current ? t('保存', 'Save') : t('添加', 'Add'))
    const cancel = h('button', { type: 'button', 'data-testid': 'org-cancel', onclick: () => closeEditor() }, t('取消', 'Cancel'))

    /** What the form changes of a region or unit: a field left as it was is not sent. */
    const changes = (x: Region | Unit) => ({
      ...(name.value.trim() !== x.name && { name: name.value.trim() }),
      ...(nameEn.value.trim() !== (x.nameEn ?? '') && { nameEn: nameEn.value.trim() }),
      ...(unit && (duty.value || null) !== unit.duty && { duty: duty.value || null }),
    })
    const send = async () => {
      const names = { name: name.value.trim(), nameEn: nameEn.value.trim() }
      if ('newRegion' in mode) await post('/api/org/regions', { code: code.value.trim(), ...names, parentCode: mode.newRegion.code })
      else if ('newUnit' in mode)
        await post('/api/org/units', { code: code.value.trim(), ...names, kind: kind.value, regionCode: mode.newUnit.code, duty: duty.value || null })
      else if (renamed) await patch(`/api/org/regions/${encodeURIComponent(renamed.code)}`, changes(renamed))
      else if (unit) await patch(`/api/org/units/${encodeURIComponent(unit.code)}`, changes(unit))
    }
    const form: HTMLFormElement = h(
      'form',
      {
        'data-testid': 'org-form',
        onsubmit: (e: Event) => {
          e.preventDefault()
          // Said here in words: the server's refusal of a blank name names the API's field.
          if (!name.value.trim() || !nameEn.value.trim()) {
            clear(problem, errorBox(t('请填写中文和英文名称', 'Enter the Chinese and the English name')))
            return
          }
          if (current && !Object.keys(changes(current)).length) return closeEditor()
          void busy(save, async () => {
            clear(problem)
            try {
              await send()
            } catch (err) {
              // The catalogue's sentence, beside the form it is about (the toast would go away).
              clear(problem, errorBox(err))
              return
            }
            toast(current ? t('已保存', 'Saved') : t('已添加', 'Added'))
            closeEditor()
            await reload()
          })
        },
      },
      current
        ? null
        : field(
            t('代码', 'Code'),
            code,
            ownUnit
              ? t(
                  '本区域自身的单位（村委会、网格）使用与区域相同的代码，派单规则的“本网格”“本村”据此找到它。添加后不能修改。',
                  'The region\'s own unit (village committee, grid) takes the region\'s code: routing\'s "the grid" and "the village" find it by it. It cannot be changed later.',
                )
              : t(
                  '字母或数字开头，可用字母、数字和 . _ -，如上级代码加后缀；添加后不能修改',
                  "A letter or digit first, then letters, digits and . _ -, e.g. the parent's code with a suffix. It cannot be changed later",
                ),
            true,
          ),
      field(t('名称（中文）', 'Name (Chinese)'), name, undefined, true),
      field(t('名称（英文）', 'Name (English)'), nameEn, undefined, true),
      forUnit
        ? h(
            'div',
            { class: 'category-fields' },
            unit ? null : field(t('类型', 'Kind'), kind, undefined, true),
            field(t('职能', 'Duty'), duty, t('派单规则按职能找到单位', 'Routing rules find a unit by its duty')),
          )
        : null,
      problem,
      h('div', { class: 'actions-bar' }, save, cancel),
    )
    const title =
      'newRegion' in mode
        ? t(`在“${named(mode.newRegion)}”下添加${tr(LEVEL_NOUN, level)}`, `Add a ${tr(LEVEL_NOUN, level)} under "${named(mode.newRegion)}"`)
        : 'newUnit' in mode
          ? t(`在“${named(mode.newUnit)}”添加单位`, `Add a unit in "${named(mode.newUnit)}"`)
          : renamed
            ? t(`修改区域：${named(renamed)}`, `Rename region: ${named(renamed)}`)
            : t(`修改单位：${named(unit)}`, `Change unit: ${named(unit)}`)
    clear(editor, h('h2', null, title), current ? h('p', { class: 'muted' }, t('代码', 'Code'), ' ', h('code', null, current.code)) : null, form)
    editor.hidden = false
    editor.scrollIntoView({ block: 'nearest' })
    ;(current ? name : code).focus()
  }
  const closeEditor = () => {
    editor.hidden = true
    clear(editor)
  }

  /**
   * Deletes what nothing names yet (a mistaken addition), after a confirmation; the server refuses
   * anything still named (a case, a user, a rule…) with the catalogue's sentence, shown as a toast.
   */
  const deleteButton = (what: 'regions' | 'units', x: Region | Unit) =>
    h(
      'button',
      {
        type: 'button',
        class: 'danger',
        'data-testid': what === 'regions' ? 'region-delete' : 'unit-delete',
        onclick: (e: Event) =>
          busy(e.currentTarget as HTMLButtonElement, async () => {
            if (
              !confirm(
                t(
                  `删除“${named(x)}”？只有尚无用户、案件、派单规则或流程提到的${what === 'regions' ? '区域' : '单位'}才能删除。`,
                  `Delete "${named(x)}"? Only a ${what === 'regions' ? 'region' : 'unit'} no user, case, routing rule or process names yet can be deleted.`,
                ),
              )
            )
              return
            await del(`/api/org/${what}/${encodeURIComponent(x.code)}`)
            toast(t('已删除', 'Deleted'))
            await reload()
          }),
      },
      t('删除', 'Delete'),
    )

  const lastChange = (x: { updatedAt?: string | null; updatedBy?: string | null; updatedByName?: string | null }) =>
    x.updatedAt ? [fmtTime(x.updatedAt), ' ', h('span', { class: 'o-who' }, personName(x.updatedBy ?? null, x.updatedByName ?? null))] : '—'

  const regionTable = (regions: Region[]) =>
    h(
      'div',
      { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('下级区域', 'Regions below') },
      h(
        'table',
        { class: 'table org-table', 'data-testid': 'regions' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, t('中文名称', 'Chinese name')),
            h('th', null, t('英文名称', 'English name')),
            h('th', null, t('级别', 'Level')),
            h('th', null, t('代码', 'Code')),
            h('th', null, t('最近修改', 'Last changed')),
            h('th', null, h('span', { class: 'sr-only' }, t('操作', 'Actions'))),
          ),
        ),
        h(
          'tbody',
          null,
          regions.map((r) =>
            h(
              'tr',
              { 'data-testid': 'region-row', 'data-code': r.code },
              h(
                'td',
                { class: 'o-name' },
                r.mayAdminister
                  ? h('a', { href: here(r), 'data-testid': 'region-open' }, h('span', { 'data-testid': 'region-name' }, r.name))
                  : h('span', { 'data-testid': 'region-name' }, r.name),
              ),
              h('td', { class: 'o-name-en', 'data-testid': 'region-name-en' }, cellLabel(t('英文名称', 'English name')), r.nameEn ?? '—'),
              h('td', { class: 'o-level' }, cellLabel(t('级别', 'Level')), tr(LEVEL, r.level)),
              h('td', { class: 'o-code' }, cellLabel(t('代码', 'Code')), h('code', null, r.code)),
              h('td', { class: 'o-changed muted' }, cellLabel(t('最近修改', 'Last changed')), lastChange(r)),
              h(
                'td',
                { class: 'actions' },
                r.mayRename
                  ? h('button', { type: 'button', 'data-testid': 'region-rename', onclick: () => openEditor({ rename: r }) }, t('改名', 'Rename'))
                  : null,
                // A county or the city is never deleted (its code is a tenant); a leaf below one may be.
                r.mayAdminister && !r.hasChildren && r.level !== 'county' && r.level !== 'city' ? [' ', deleteButton('regions', r)] : null,
              ),
            ),
          ),
          regions.length
            ? null
            : h('tr', null, h('td', { colspan: 6, class: 'empty', 'data-testid': 'no-regions' }, t('下面还没有区域。', 'No regions below yet.'))),
        ),
      ),
    )

  const unitTable = (units: Unit[], region: Region) =>
    h(
      'div',
      { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('单位', 'Units') },
      h(
        'table',
        { class: 'table org-table units', 'data-testid': 'units' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, t('中文名称', 'Chinese name')),
            h('th', null, t('英文名称', 'English name')),
            h('th', null, t('类型', 'Kind')),
            h('th', null, t('职能', 'Duty')),
            h('th', null, t('在岗人数', 'Staff')),
            h('th', null, t('代码', 'Code')),
            h('th', null, t('最近修改', 'Last changed')),
            h('th', null, h('span', { class: 'sr-only' }, t('操作', 'Actions'))),
          ),
        ),
        h(
          'tbody',
          null,
          units.map((u) =>
            h(
              'tr',
              { 'data-testid': 'unit-row', 'data-code': u.code },
              h('td', { class: 'o-name', 'data-testid': 'unit-name' }, u.name),
              h('td', { class: 'o-name-en', 'data-testid': 'unit-name-en' }, cellLabel(t('英文名称', 'English name')), u.nameEn ?? '—'),
              h('td', { class: 'o-kind', 'data-testid': 'unit-kind' }, cellLabel(t('类型', 'Kind')), tr(UNIT_KIND, u.kind)),
              h('td', { class: 'o-duty', 'data-testid': 'unit-duty' }, cellLabel(t('职能', 'Duty')), u.duty ? tr(DUTY, u.duty) : '—'),
              h(
                'td',
                { class: 'o-members', 'data-testid': 'unit-members' },
                cellLabel(t('在岗人数', 'Staff')),
                u.members ? String(u.members) : badge(t('无人在岗', 'Nobody'), 'bad'),
              ),
              h('td', { class: 'o-code' }, cellLabel(t('代码', 'Code')), h('code', null, u.code)),
              h('td', { class: 'o-changed muted' }, cellLabel(t('最近修改', 'Last changed')), lastChange(u)),
              h(
                'td',
                { class: 'actions' },
                u.mayChange
                  ? [
                      h('button', { type: 'button', 'data-testid': 'unit-edit', onclick: () => openEditor({ editUnit: u, region }) }, t('修改', 'Edit')),
                      // Someone placed in it names it: offered only where nobody is.
                      u.members ? null : [' ', deleteButton('units', u)],
                    ]
                  : null,
              ),
            ),
          ),
          units.length ? null : h('tr', null, h('td', { colspan: 8, class: 'empty', 'data-testid': 'no-units' }, t('这里还没有单位。', 'No units here yet.'))),
        ),
      ),
    )

  const render = () => {
    const region = tree.region
    if (!region) {
      // The top of the tree (more than one city): only the regions there.
      clear(body, h('section', { class: 'org-section' }, h('h2', null, t('区域', 'Regions')), regionTable(tree.children)))
      return
    }
    const crumbs = h(
      'nav',
      { class: 'org-crumbs', 'aria-label': t('所在位置', 'Where you are'), 'data-testid': 'org-breadcrumb' },
      tree.ancestors.map((a) => [
        a.mayAdminister ? h('a', { href: here(a) }, named(a)) : h('span', null, named(a)),
        h('span', { 'aria-hidden': 'true' }, ' › '),
      ]),
      h('span', { 'aria-current': 'page' }, named(region)),
    )
    const below = childLevel(region.level)
    const addRegion =
      below && region.mayAdminister
        ? h(
            'button',
            { type: 'button', class: 'primary', 'data-testid': 'add-region', onclick: () => openEditor({ newRegion: region }) },
            t(`添加${tr(LEVEL_NOUN, below)}`, `Add a ${tr(LEVEL_NOUN, below)}`),
          )
        : null
    const addUnit = region.mayAdminister
      ? h(
          'button',
          { type: 'button', class: 'primary', 'data-testid': 'add-unit', onclick: () => openEditor({ newUnit: region }) },
          t('添加单位', 'Add a unit'),
        )
      : null
    clear(
      body,
      crumbs,
      h(
        'section',
        { class: 'card org-region', 'data-testid': 'org-region' },
        h(
          'div',
          { class: 'org-region-head' },
          h('h2', { 'data-testid': 'org-region-name' }, named(region)),
          badge(tr(LEVEL, region.level)),
          region.mayRename
            ? h('button', { type: 'button', 'data-testid': 'org-region-rename', onclick: () => openEditor({ rename: region }) }, t('改名', 'Rename'))
            : null,
        ),
        h(
          'dl',
          { class: 'org-facts' },
          h('dt', null, t('中文名称', 'Chinese name')),
          h('dd', null, region.name),
          h('dt', null, t('英文名称', 'English name')),
          h('dd', null, region.nameEn ?? '—'),
          h('dt', null, t('代码', 'Code')),
          h('dd', null, h('code', null, region.code)),
          h('dt', null, t('最近修改', 'Last changed')),
          h('dd', null, lastChange(region)),
        ),
      ),
      below
        ? h(
            'section',
            { class: 'org-section' },
            h(
              'div',
              { class: 'org-section-head' },
              h('h2', null, t(`下级区域（${tree.children.length}）`, `Regions below (${tree.children.length})`)),
              addRegion,
            ),
            regionTable(tree.children),
          )
        : null,
      h(
        'section',
        { class: 'org-section' },
        h('div', { class: 'org-section-head' }, h('h2', null, t(`本区域的单位（${tree.units.length}）`, `Units here (${tree.units.length})`)), addUnit),
        unitTable(tree.units, region),
      ),
    )
  }
  render()
}
