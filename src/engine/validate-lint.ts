import { createRequire } from 'node:module'
import { isMessageKey } from '../lib/messages.js'
import { msg, type Msg } from '../lib/errors.js'
import type { ModdleObject } from './validate.js'
import { cutText } from '../lib/text.js'

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
  /** The element reported; for a rule that threw, the element it was looking at (if it has an id). */
  id: string | undefined
  /** The rule threw instead of answering (`deploy.lintRuleFailed`): reported whatever the element. */
  failed?: boolean
  /**
   * `lint.<rule>`, our own sentence for each rule we enable (the library's messages are English
   * free text); `detail` keeps the library's text, shown by `lint.other` for a rule without one.
   */
  message: Msg
}

const require = createRequire(import.meta.url)

type Linter = { lint(definitions: unknown): Promise<Record<string, Array<{ id?: string; message: string; category: string }>>>; applyRule: ApplyRule }
type ApplyRule = (moddleRoot: unknown, definition: { name: string; rule: Rule; config: unknown; category: string }) => unknown[]

type Visit = (node: ModdleObject, reporter: unknown) => unknown
type Rule = { check?: Visit | { enter?: Visit; leave?: Visit }; [k: string]: unknown }

/** The first exception of each rule that threw, by rule: the element it was reading, the error. */
type RuleFailures = Map<string, { id: string | undefined; error: string }>

function recordFailure(failures: RuleFailures, rule: string, err: unknown, node?: ModdleObject) {
  if (failures.has(rule)) return
  const error = cutText(
    String((err as Error)?.message ?? err)
      .replace(/\s+/g, ' ')
      .trim(),
    { codePoints: 300 },
  )
  failures.set(rule, { id: typeof node?.id === 'string' ? node.id : undefined, error })
}

/**
 * `factory` (a bpmnlint rule module: a function returning `{ check }`) with every call into the
 * rule guarded: the first exception is recorded in `failures`, naming the element the rule was
 * reading, and the rule looks at nothing more. bpmnlint's own guard (Linter.applyRule) printed
 * the error with console.error and answered a report without an element, which the deploy then
 * dropped: a broken rule went unseen but for the log noise (issue 13).
 */
function guarded(name: string, factory: (config?: unknown) => Rule, failures: RuleFailures) {
  return (config?: unknown): Rule => {
    let failed = false
    const fail = (err: unknown, node?: ModdleObject) => {
      failed = true
      recordFailure(failures, name, err, node)
    }
    const wrap =
      (fn: Visit): Visit =>
      (node, reporter) => {
        if (failed) return
        try {
          return fn(node, reporter)
        } catch (err) {
          fail(err, node)
        }
      }
    let rule: Rule
    try {
      rule = factory(config)
    } catch (err) {
      fail(err)
      return { check: () => {} }
    }
    const check = rule?.check
    if (typeof check === 'function') return { ...rule, check: wrap(check) }
    if (check && (check.enter || check.leave)) return { ...rule, check: { enter: check.enter && wrap(check.enter), leave: check.leave && wrap(check.leave) } }
    fail(new Error('the rule has no check'))
    return { check: () => {} }
  }
}

/**
 * A new Linter for every run: the Linter caches rule instances, and some rules keep state
 * between runs (no-duplicate-sequence-flows remembers every flow it has seen).
 */
function newLinter(failures: RuleFailures): Linter {
  const { Linter } = require('bpmnlint')
  const testRule = require('bpmnlint/lib/test-rule') as (opts: { moddleRoot: unknown; rule: Rule; config: unknown }) => object[]
  const cache: Record<string, unknown> = {}
  const rules: Record<string, string> = {}
  for (const name of LINT_RULES) {
    cache[`rule:bpmnlint/${name}`] = guarded(name, require(`bpmnlint/rules/${name}`), failures)
    rules[name] = 'error'
  }
  const linter: Linter = new Linter({
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
  // bpmnlint 11's applyRule without its console.error: what escapes the rule's own guard (thrown
  // while bpmnlint walks the model for it: a property that cannot be read) fails that rule too.
  linter.applyRule = (moddleRoot, { name, rule, config, category }) => {
    try {
      return testRule({ moddleRoot, rule, config }).map((report) => ({ ...report, meta: rule.meta, category }))
    } catch (err) {
      recordFailure(failures, name, err)
      return []
    }
  }
  return linter
}

/**
 * Runs the selected rules over a bpmn-moddle root and returns their errors. A rule that throws
 * is one report of its own (`failed`, `deploy.lintRuleFailed` naming the rule and the error), not
 * an exception and not a line on the console: the other rules' reports stand.
 */
export async function lintDefinitions(definitions: ModdleObject): Promise<LintReport[]> {
  linkFlows(definitions)
  const failures: RuleFailures = new Map()
  const results = await newLinter(failures).lint(definitions)
  const out: LintReport[] = []
  for (const [rule, reports] of Object.entries(results)) {
    for (const r of reports) {
      // A 'rule-error' was bpmnlint's own guard, replaced by the failures below.
      if (r.category !== 'error') continue
      const key = `lint.${rule}`
      const params = { rule, detail: r.message }
      out.push({ rule, id: r.id, message: isMessageKey(key) ? msg(key, params) : msg('lint.other', params) })
    }
  }
  for (const [rule, f] of failures) out.push({ rule, id: f.id, failed: true, message: msg('deploy.lintRuleFailed', { rule, error: f.error }) })
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
