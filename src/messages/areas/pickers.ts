/**
 * The UI's own choosers (ui/src/lib/month-picker.ts): the month choice of the dashboard, the
 * monthly bulletin and the published bulletins, in place of the browser's `<input type=month>`,
 * which speaks the browser's language rather than the page's.
 */
export const zh = {
  'picker.year': '年份',
  'picker.month': '月份',
  'picker.yearName': '{{year}} 年',
  'picker.any': '全部',
  'picker.month.1': '1 月',
  'picker.month.2': '2 月',
  'picker.month.3': '3 月',
  'picker.month.4': '4 月',
  'picker.month.5': '5 月',
  'picker.month.6': '6 月',
  'picker.month.7': '7 月',
  'picker.month.8': '8 月',
  'picker.month.9': '9 月',
  'picker.month.10': '10 月',
  'picker.month.11': '11 月',
  'picker.month.12': '12 月',
} as const

export const en: { readonly [K in keyof typeof zh]: string } = {
  'picker.year': 'Year',
  'picker.month': 'Month',
  'picker.yearName': '{{year}}',
  'picker.any': 'All',
  'picker.month.1': 'January',
  'picker.month.2': 'February',
  'picker.month.3': 'March',
  'picker.month.4': 'April',
  'picker.month.5': 'May',
  'picker.month.6': 'June',
  'picker.month.7': 'July',
  'picker.month.8': 'August',
  'picker.month.9': 'September',
  'picker.month.10': 'October',
  'picker.month.11': 'November',
  'picker.month.12': 'December',
}
