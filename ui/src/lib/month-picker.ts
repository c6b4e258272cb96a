/**
 * A month chosen as a year and a month, two selects labelled from the catalogue (`picker.*`).
 * It replaces `<input type=month>`, whose face (names, order, "----年--月" or "------ ----")
 * is the browser's language, not the page's, and which some browsers show as a bare text box.
 * Value: "YYYY-MM", or '' when `optional` and not both chosen.
 */
import { h } from './dom.js'
import { tk } from './i18n.js'
import type { MessageKey } from '../../../src/messages/catalogue.js'

export interface MonthPicker {
  el: HTMLElement
  value(): string
}

/** How many years back the choice reaches (the platform reports on the recent past). */
const YEARS_BACK = 5

export function monthPicker(
  value: string,
  onChange: (month: string) => void,
  opts: { testid: string; optional?: boolean; now?: Date } = { testid: 'month' },
): MonthPicker {
  const now = opts.now ?? new Date()
  const [y, m] = /^\d{4}-\d{2}$/.test(value) ? value.split('-').map(Number) : [NaN, NaN]
  const thisYear = now.getFullYear()
  const years = new Set<number>()
  for (let i = thisYear; i >= thisYear - YEARS_BACK; i--) years.add(i)
  if (Number.isInteger(y)) years.add(y)
  const any = () => (opts.optional ? [h('option', { value: '' }, tk('picker.any'))] : [])
  const yearSel = h(
    'select',
    { 'aria-label': tk('picker.year'), 'data-testid': `${opts.testid}-year` },
    any(),
    [...years].sort((a, b) => b - a).map((year) => h('option', { value: String(year) }, tk('picker.yearName', { year }))),
  ) as HTMLSelectElement
  const monthSel = h(
    'select',
    { 'aria-label': tk('picker.month'), 'data-testid': `${opts.testid}-month` },
    any(),
    Array.from({ length: 12 }, (_, i) => h('option', { value: String(i + 1).padStart(2, '0') }, tk(`picker.month.${i + 1}` as MessageKey))),
  ) as HTMLSelectElement
  yearSel.value = Number.isInteger(y) ? String(y) : opts.optional ? '' : String(thisYear)
  monthSel.value = Number.isInteger(m) ? String(m).padStart(2, '0') : opts.optional ? '' : String(now.getMonth() + 1).padStart(2, '0')
  const current = () => (yearSel.value && monthSel.value ? `${yearSel.value}-${monthSel.value}` : '')
  let last = current()
  const changed = () => {
    const v = current()
    if (v === last) return
    // From "all", a choice half made (a year, no month yet) waits for its other half.
    if (!v && last === '' && (yearSel.value || monthSel.value)) return
    last = v
    onChange(v)
  }
  yearSel.onchange = monthSel.onchange = changed
  return { el: h('div', { class: 'month-picker', 'data-testid': opts.testid }, yearSel, monthSel), value: current }
}
