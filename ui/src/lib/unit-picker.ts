/**
 * The unit picker: a combobox (WAI-ARIA 1.2 "list autocomplete" pattern) over
 * GET /api/cases/:id/dispatch-targets, which lists only the units that can take the case, the
 * routing rule's suggestion first. Type part of a unit's Chinese or English name (or its
 * code); arrows move, Enter picks, Escape closes. `multiple` (co-handling units) keeps the
 * picks as removable chips. Hand-written rather than a library: the app has no framework and
 * the pattern is a hundred lines; it reads the server's list, never a typed code.
 */
import { get, qs } from './api.js'
import { h } from './dom.js'
import { named, t } from './i18n.js'

export interface Target {
  code: string
  name: string
  nameEn: string | null
  kind: string
  level: string
  regionCode: string
  regionName: string
  regionNameEn: string | null
  suggested: boolean
}

let seq = 0

/**
 * Where a unit is, when that says more than its name: a grid unit is named after its grid
 * (安平村第一网格 in 安平村第一网格), and the line under it repeated the name.
 */
function placeOf(u: Target) {
  const place = named({ name: u.regionName, nameEn: u.regionNameEn })
  return place && !named(u).includes(place) ? place : ''
}

export function unitPicker(opts: {
  caseId: string
  id: string
  label: string
  multiple?: boolean
  initial?: string[]
  /** Called with the new value (as `value()` gives it) after each pick and removal. */
  onChange?: (value: string | string[] | undefined) => void
}) {
  const n = ++seq
  const listId = `unit-list-${n}`
  const picked: Target[] = []
  const input = h('input', {
    id: opts.id,
    type: 'text',
    role: 'combobox',
    autocomplete: 'off',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
    'aria-label': opts.label,
    placeholder: t('输入单位名称搜索', 'Type a unit name to search'),
    'data-testid': 'unit-picker',
  })
  const list = h('ul', { id: listId, role: 'listbox', class: 'unit-options', hidden: true, 'aria-label': opts.label })
  const chips = h('div', { class: 'unit-chips', 'aria-live': 'polite' })
  const root = h('div', { class: 'unit-picker' }, chips, input, list)
  let options: Target[] = []
  let active = -1
  let timer: number | undefined
  let asked = 0

  const optionText = (u: Target) => named(u)
  function renderChips() {
    chips.replaceChildren(
      ...picked.map((u) =>
        h(
          'span',
          { class: `chip${u.suggested ? ' suggested' : ''}`, 'data-code': u.code },
          optionText(u),
          placeOf(u) ? h('small', null, ` · ${placeOf(u)}`) : null,
          h('button', { type: 'button', class: 'link', 'aria-label': t(`移除 ${u.name}`, `Remove ${u.nameEn ?? u.name}`), onclick: () => remove(u.code) }, '×'),
        ),
      ),
    )
  }
  function remove(code: string) {
    const i = picked.findIndex((u) => u.code === code)
    if (i >= 0) picked.splice(i, 1)
    renderChips()
    opts.onChange?.(value())
    if (!opts.multiple) input.hidden = false
    input.focus()
  }
  function pick(u: Target) {
    if (!opts.multiple) picked.length = 0
    if (!picked.some((x) => x.code === u.code)) picked.push(u)
    renderChips()
    close()
    input.value = ''
    if (!opts.multiple) input.hidden = true
    root.dispatchEvent(new Event('change', { bubbles: true }))
    opts.onChange?.(value())
    ;(opts.multiple ? input : ((chips.querySelector('button') as HTMLElement | null) ?? input)).focus()
  }
  function close() {
    list.hidden = true
    input.setAttribute('aria-expanded', 'false')
    input.removeAttribute('aria-activedescendant')
    active = -1
  }
  function setActive(i: number) {
    active = i
    for (const [j, li] of [...list.children].entries()) li.setAttribute('aria-selected', String(j === i))
    const li = list.children[i] as HTMLElement | undefined
    if (li) {
      input.setAttribute('aria-activedescendant', li.id)
      li.scrollIntoView({ block: 'nearest' })
    }
  }
  async function search() {
    const ask = ++asked
    const q = input.value.trim()
    try {
      const r = await get<{ items: Target[] }>(`/api/cases/${encodeURIComponent(opts.caseId)}/dispatch-targets${qs({ q: q || undefined, limit: 30 })}`)
      if (ask !== asked) return // a later keystroke's answer wins
      options = r.items.filter((u) => !picked.some((p) => p.code === u.code))
    } catch {
      options = []
    }
    list.replaceChildren(
      ...(options.length
        ? options.map((u, i) =>
            h(
              'li',
              {
                id: `${listId}-${i}`,
                role: 'option',
                'aria-selected': 'false',
                'data-code': u.code,
                class: u.suggested ? 'suggested' : '',
                onmousedown: (e: Event) => (e.preventDefault(), pick(u)),
              },
              h('span', { class: 'unit-name' }, optionText(u)),
              u.suggested ? h('span', { class: 'badge ok' }, t('规则建议', 'suggested')) : null,
              placeOf(u) ? h('small', { class: 'muted' }, placeOf(u)) : null,
            ),
          )
        : [
            h(
              'li',
              { class: 'muted', role: 'option', 'aria-disabled': 'true', 'aria-selected': 'false' },
              t('没有可以承办的单位', 'No unit that can take the case'),
            ),
          ]),
    )
    list.hidden = false
    input.setAttribute('aria-expanded', 'true')
    if (options.length && q) setActive(0)
    else active = -1
  }
  input.addEventListener('input', () => {
    clearTimeout(timer)
    timer = window.setTimeout(search, 150)
  })
  input.addEventListener('focus', () => void search())
  input.addEventListener('blur', () => window.setTimeout(close, 120))
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault()
      if (list.hidden) return void search()
      if (!options.length) return
      setActive(e.key === 'ArrowDown' ? (active + 1) % options.length : (active - 1 + options.length) % options.length)
    } else if (e.key === 'Enter') {
      if (!list.hidden && active >= 0 && options[active]) {
        e.preventDefault()
        pick(options[active])
      }
    } else if (e.key === 'Escape') {
      if (!list.hidden) {
        e.preventDefault()
        close()
      }
    } else if (e.key === 'Backspace' && !input.value && opts.multiple && picked.length) {
      remove(picked[picked.length - 1].code)
    }
  })
  // A value the form was opened with (a re-opened draft): shown by its code until searched.
  for (const code of opts.initial ?? [])
    picked.push({ code, name: code, nameEn: code, kind: '', level: '', regionCode: '', regionName: '', regionNameEn: null, suggested: false })
  renderChips()
  if (!opts.multiple && picked.length) input.hidden = true
  function value(): string | string[] | undefined {
    return opts.multiple ? (picked.length ? picked.map((u) => u.code) : undefined) : picked[0]?.code
  }

  return {
    el: root,
    focus: () => (input.hidden ? (chips.querySelector('button') as HTMLElement | null)?.focus() : input.focus()),
    /** The picked code (a list for `multiple`), or undefined. */
    value,
  }
}
