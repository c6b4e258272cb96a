import { createRequire } from 'node:module'
import { isMessageKey } from '../lib/messages.js'
import { msg, type Msg } from '../lib/errors.js'
import type { ModdleObject } from './validate.js'

/**
 * The bpmnlint rules that point at a flow that cannot run as drawn. Style rules of bpmnlint's
 * `recommended` set are left out on purpose: label-required, no-implicit-split,
 * no-implicit-start/-end (bpmn-engine starts and ends such flows as Camunda does),
 * no-gateway-join-fork, superfluous-gateway, fake-join, superfluous-termination, superfluous-label,
 * no-bpmndi (generated XML has no DI), no-overlapping-elements, global (unused messages),
 * ad-hoc-sub-process, single-event-definition; no-inclusive-gateway (we run inclusive gateways);
 * no-complex-gateway (validate.ts refuses complex gateways itself, as bpmn-elements has none).
 */
export const LINT_RULES = [
  'no-disconnected',
  'start-event-required',
  'end-event-required',
  'no-duplicate-sequence-flows',
  'event-sub-process-typed-start-event',
  'single-blank-start-event',
  'sub-process-blank-start-event',
  'conditional-flows',
  'event-based-gateway',
  'link-event',
] as const

export interface LintReport {
  rule: string
  id: string | undefined
  /**
   * `lint.<rule>`, our own sentence for each rule we enable (the library's messages are English
   * free text); `detail` keeps the library's text, shown by `lint.other` for a rule without one.
   */
  message: Msg
}

const require = createRequire(import.meta.url)

type Linter = { lint(definitions: unknown): Promise<Record<string, Array<{ id?: string; message: string; category: string }>>> }

/**
 * A new Linter for every run: the Linter caches rule instances, and some rules keep state
 * between runs (no-duplicate-sequence-flows remembers every flow it has seen).
 */
function newLinter(): Linter {
  const { Linter } = require('bpmnlint')
  const cache: Record<string, unknown> = {}
  const rules: Record<string, string> = {}
  for (const name of LINT_RULES) {
    cache[`rule:bpmnlint/${name}`] = require(`bpmnlint/rules/${name}`)
    rules[name] = 'error'
  }
  return new Linter({
    config: { rules },
    resolver: {
      resolveRule: (pkg: string, name: string) => {
        const rule = cache[`rule:${pkg}/${name}`]
        if (!rule) throw new Error(`unknown rule <${pkg}/${name}>`)
        return rule
      },
      resolveConfig: (pkg: string, name: string) => {
        throw new Error(`unknown config <${pkg}/${name}>`)
      },
    },
  })
}

/** Runs the selected rules over a bpmn-moddle root and returns their errors. */
export async function lintDefinitions(definitions: ModdleObject): Promise<LintReport[]> {
  linkFlows(definitions)
  const results = await newLinter().lint(definitions)
  const out: LintReport[] = []
  for (const [rule, reports] of Object.entries(results)) {
    for (const r of reports) {
      if (r.category !== 'error' && r.category !== 'rule-error') continue
      const key = `lint.${rule}`
      const params = { rule, detail: r.message }
      out.push({ rule, id: r.id, message: isMessageKey(key) ? msg(key, params) : msg('lint.other', params) })
    }
  }
  return out
}

/**
 * BPMN does not require <incoming>/<outgoing> on flow nodes (Camunda Modeler writes them, hand-written
 * XML often does not), but bpmnlint reads connectivity from them: fill them in from the sequence flows.
 */
function linkFlows(definitions: ModdleObject) {
  const visit = (container: ModdleObject) => {
    for (const el of container.flowElements ?? []) {
      if (el.$type === 'bpmn:SequenceFlow') {
        const { sourceRef: s, targetRef: t } = el
        if (s) {
          s.outgoing ??= []
          if (!s.outgoing.includes(el)) s.outgoing.push(el)
        }
        if (t) {
          t.incoming ??= []
          if (!t.incoming.includes(el)) t.incoming.push(el)
        }
      }
      if (el.flowElements) visit(el)
    }
  }
  for (const root of definitions.rootElements ?? []) if (root.$type === 'bpmn:Process') visit(root)
}
