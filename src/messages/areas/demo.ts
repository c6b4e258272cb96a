/**
 * Messages of the demo branch: the version diff (src/engine/diff.ts, GET
 * /api/process-definitions/:id/diff) and the dashboard's ageing figures.
 */
export const zh = {
  'error.engine.diffOtherKey': '只能比较同一流程的版本（{{key}} 与 {{other}} 不是同一流程）',
} as const

export const en: { readonly [K in keyof typeof zh]: string } = {
  'error.engine.diffOtherKey': 'Only versions of one procedure can be compared ({{key}} and {{other}} are different procedures)',
}
