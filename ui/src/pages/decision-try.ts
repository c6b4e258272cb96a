import { ApiError, post } from '../lib/api.js'
import type { Answer } from '../lib/api-types.js'
import { clear, h } from '../lib/dom.js'
import { messageText, serverText, t } from '../lib/i18n.js'
import { errorText, field } from '../lib/ui.js'

/** A decision of a version as GET /api/decisions/key/:key describes it (src/decisions/dmn.ts describe). */
export interface DecisionInfo {
  id: string
  name: string | null
  kind: 'table' | 'literal'
  hitPolicy: string | null
  inputs: { label: string | null; expression: string; typeRef: string | null }[]
  outputs: { label: string | null; name: string; typeRef: string | null }[]
  requires: string[]
}

type Evaluated = Answer<'/api/decisions/key/{key}/evaluate', 'post'>

const NUMBER_TYPES = new Set(['number', 'integer', 'long', 'double'])

/**
 * The inputs a decision reads: its table's input columns and those of the decisions it requires
 * (a required decision's result is computed, not asked for), each expression once.
 */
function inputsOf(all: Map<string, DecisionInfo>, d: DecisionInfo, seen = new Set<string>()): DecisionInfo['inputs'] {
  if (seen.has(d.id)) return []
  seen.add(d.id)
  const own = [...d.inputs, ...d.requires.flatMap((r) => (all.has(r) ? inputsOf(all, all.get(r)!, seen) : []))]
  return own.filter((c, i) => own.findIndex((o) => o.expression === c.expression) === i)
}

/** One control for an input column, by its type; `read` gives its value, or undefined when empty. */
function inputControl(c: DecisionInfo['inputs'][number], index: number) {
  const name = `try-${index}`
  const testid = `try-input-${c.expression}`
  if (c.typeRef === 'boolean') {
    const sel = h(
      'select',
      { name, 'data-testid': testid },
      h('option', { value: '' }, t('（空）', '(empty)')),
      h('option', { value: 'true' }, t('是 true', 'true')),
      h('option', { value: 'false' }, t('否 false', 'false')),
    )
    return { el: sel, read: () => (sel.value === '' ? undefined : sel.value === 'true') }
  }
  const numeric = !!c.typeRef && NUMBER_TYPES.has(c.typeRef)
  const input = h('input', { name, type: numeric ? 'number' : 'text', step: numeric ? 'any' : undefined, 'data-testid': testid, autocomplete: 'off' })
  return {
    el: input,
    read: (): unknown => {
      const v = input.value.trim()
      if (!v) return undefined
      if (numeric) return Number(v)
      // A column without a type may read a list (routing's `regions`): commas make one.
      if (!c.typeRef && v.includes(',')) {
        return v
          .split(/[,，]/)
          .map((s) => s.trim())
          .filter(Boolean)
      }
      return v
    },
  }
}

/** A value as the reader sees it: text as written, nothing as "(empty)", lists and others as JSON. */
function shown(v: unknown): string {
  if (v === null || v === undefined || v === '') return t('（空）', '(empty)')
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

/** The rules of each decision of the deployed XML in table order: a matched rule by its row number. */
function ruleRows(xml: string): Map<string, number> {
  const rows = new Map<string, number>()
  const doc = new DOMParser().parseFromString(xml, 'application/xml')
  for (const table of Array.from(doc.getElementsByTagNameNS('*', 'decisionTable'))) {
    Array.from(table.children)
      .filter((el) => el.localName === 'rule')
      .forEach((rule, i) => {
        const id = rule.getAttribute('id')
        if (id) rows.set(id, i + 1)
      })
  }
  return rows
}

/**
 * "试算 / Try it": values for the decision's input columns, evaluated by the server against the
 * version the scope uses as deployed (the evaluate route takes no XML, so unsaved edits are not
 * tried, and the panel says so); the matched rules and the outputs, or the failure's message.
 */
export function tryPanel(opts: { key: string; tenant: string | null | undefined; version: { version: number; xml: string }; decisions: DecisionInfo[] }) {
  const all = new Map(opts.decisions.map((d) => [d.id, d]))
  const rows = ruleRows(opts.version.xml)
  const fields = h('div', { class: 'try-fields' })
  const result = h('div', { 'data-testid': 'try-result', role: 'status' })
  let controls: { column: DecisionInfo['inputs'][number]; read: () => unknown }[] = []
  let chosen = opts.decisions.find((d) => d.id === opts.key) ?? opts.decisions[0]
  const rebuild = () => {
    clear(result)
    const columns = inputsOf(all, chosen)
    const made = columns.map((column, i) => ({ column, ...inputControl(column, i) }))
    controls = made
    clear(
      fields,
      made.map(({ column, el }) => {
        const hint = [column.expression, column.typeRef ? null : t('多个值用逗号分隔', 'several values: separate them with commas')].filter(Boolean).join(' · ')
        return field(serverText(column.label) || column.expression, el, hint)
      }),
    )
  }
  const decisionSel =
    opts.decisions.length > 1
      ? h(
          'select',
          {
            'data-testid': 'try-decision',
            onchange: (e: Event) => {
              chosen = all.get((e.target as HTMLSelectElement).value) ?? chosen
              rebuild()
            },
          },
          opts.decisions.map((d) => h('option', { value: d.id, selected: d === chosen }, serverText(d.name) || d.id)),
        )
      : null
  const run = h('button', { type: 'submit', class: 'primary', 'data-testid': 'try-run' }, t('试算', 'Try it'))
  const form = h(
    'form',
    {
      class: 'card try-panel',
      'data-testid': 'try-panel',
      onsubmit: async (e: Event) => {
        e.preventDefault()
        run.disabled = true
        const variables: Record<string, unknown> = {}
        for (const c of controls) {
          const v = c.read()
          if (v !== undefined) variables[c.column.expression] = v
        }
        try {
          const r = await post<Evaluated>(`/api/decisions/key/${encodeURIComponent(opts.key)}/evaluate`, {
            ...(opts.tenant !== undefined && { tenant: opts.tenant }),
            decision: chosen.id,
            variables,
          })
          clear(result, outcome(r, chosen, rows))
        } catch (err) {
          clear(
            result,
            h(
              'div',
              { class: 'alert error', role: 'alert', 'data-testid': 'try-error' },
              t('试算失败：', 'The decision failed: '),
              err instanceof ApiError ? messageText(err) : errorText(err),
            ),
          )
        } finally {
          run.disabled = false
        }
      },
    },
    h('h2', null, t('试算', 'Try it')),
    h(
      'p',
      { class: 'muted' },
      t(
        `填入各输入列的值，用已部署的 v${opts.version.version} 求值（未部署的修改不参与试算）。留空即为空值。`,
        `Enter values for the input columns; they are evaluated with the deployed v${opts.version.version} (changes not yet deployed are not tried). An empty box is null.`,
      ),
    ),
    decisionSel ? field(t('决策', 'Decision'), decisionSel) : null,
    fields,
    h('div', { class: 'try-actions' }, run),
    result,
  )
  rebuild()
  return form
}

/** What the evaluation gave: the matched rules by row, and each hit's outputs by column label. */
function outcome(r: Evaluated, d: DecisionInfo, rows: Map<string, number>) {
  const matched = r.matchedRules ?? []
  const entries = (r.entries ?? []) as Record<string, unknown>[]
  const label = (name: string) => serverText(d.outputs.find((o) => o.name === name)?.label) || name
  if (d.kind === 'table' && !matched.length) {
    return h('div', { class: 'alert', 'data-testid': 'try-no-match' }, t('没有匹配的规则，结果为空。', 'No rule matched: the result is null.'))
  }
  const names = d.kind === 'table' ? d.outputs.map((o) => o.name) : Object.keys(entries[0] ?? {})
  return h(
    'div',
    { class: 'try-outcome' },
    matched.length
      ? h(
          'p',
          { 'data-testid': 'try-matched' },
          t('命中规则：', 'Matched: '),
          matched.map((id, i) => [i ? t('、', ', ') : '', rows.has(id) ? t(`第 ${rows.get(id)} 条（${id}）`, `rule ${rows.get(id)} (${id})`) : id]),
        )
      : null,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table', 'data-testid': 'try-outputs' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            matched.length > 1 ? h('th', null, t('规则', 'Rule')) : null,
            names.map((n) => h('th', null, label(n))),
          ),
        ),
        h(
          'tbody',
          null,
          entries.map((e, i) =>
            h(
              'tr',
              { 'data-testid': 'try-entry' },
              matched.length > 1 ? h('td', null, rows.has(matched[i]) ? String(rows.get(matched[i])) : (matched[i] ?? '')) : null,
              names.map((n) => h('td', { 'data-output': n }, shown(e[n]))),
            ),
          ),
        ),
      ),
    ),
    // An aggregation (COLLECT SUM …) gives one value beside the hits.
    d.hitPolicy?.includes(' ') ? h('p', { 'data-testid': 'try-result-value' }, t('汇总结果：', 'Aggregated: '), shown(r.result)) : null,
  )
}
