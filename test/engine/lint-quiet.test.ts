// @sqlite-only: the deploy-time linter refuses before anything is written
/**
 * bpmnlint cannot crash a deploy or spam the console (src/engine/validate-lint.ts): a rule that
 * throws becomes one problem naming the rule (`deploy.lintRuleFailed`, a 400 like every other
 * deploy problem), the other rules' reports stand, and nothing is written with console.error
 * (bpmnlint's own guard printed the error and answered a report the deploy then dropped). Without
 * an executable process the linter does not run, and the answer is what it was.
 */
import { createRequire } from 'node:module'
import t, { type Test } from 'tap'
import { build, login } from '../helper.js'
import { NS, noProcesses, process as bpmn } from '../fixtures/bpmn.js'
import { validateBpmn, type ModdleObject, type ValidateOptions } from '../../src/engine/validate.js'
import { LINT_RULES, lintDefinitions } from '../../src/engine/validate-lint.js'

const opts: ValidateOptions = { handlers: new Set(), knownProcessKey: () => false }

/** What console.error receives while the test runs. */
function consoleErrors(t: Test): unknown[][] {
  const seen: unknown[][] = []
  const original = console.error
  console.error = (...args: unknown[]) => {
    seen.push(args)
  }
  t.teardown(() => {
    console.error = original
  })
  return seen
}

/** Replaces the bpmnlint rule module `name` (as validate-lint.ts requires it) until the test ends. */
function replaceRule(t: Test, name: string, factory: unknown) {
  const require = createRequire(new URL('../../src/engine/validate-lint.ts', import.meta.url))
  const file = require.resolve(`bpmnlint/rules/${name}`)
  require(file)
  const mod = require.cache[file]!
  const original = mod.exports
  mod.exports = factory
  t.teardown(() => {
    mod.exports = original
  })
}

const flows = bpmn(
  'lq',
  `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="g"/><exclusiveGateway id="g" default="b"/>` +
    `<sequenceFlow id="b" sourceRef="g" targetRef="e"/><sequenceFlow id="c" sourceRef="g" targetRef="e"><conditionExpression>=true</conditionExpression></sequenceFlow>` +
    `<endEvent id="e"/><task id="lonely"/>`,
)

t.test('a rule that throws on a (hand-broken) model is a problem of its own; the others still report; the console stays quiet', async (t) => {
  const errors = consoleErrors(t)
  // Real diagrams do not make the enabled rules throw: break the parsed model as no parser would.
  const parsed = async () => {
    const { definitions } = await validateBpmn(flows, opts)
    const proc = (definitions!.rootElements as ModdleObject[]).find((e) => e.id === 'lq')!
    const element = (id: string) => (proc.flowElements as ModdleObject[]).find((e) => e.id === id)!
    return { definitions: definitions!, element }
  }
  const throwing = (el: ModdleObject, prop: string) =>
    Object.defineProperty(el, prop, {
      get() {
        throw new Error('boom')
      },
    })

  // The gateway's default flow, a reference only conditional-flows reads.
  const one = await parsed()
  throwing(one.element('g'), 'default')
  const reports = await lintDefinitions(one.definitions)
  t.same(
    reports.filter((r) => r.failed),
    [{ rule: 'conditional-flows', id: 'g', failed: true, message: { key: 'deploy.lintRuleFailed', params: { rule: 'conditional-flows', error: 'boom' } } }],
    'conditional-flows failed, once, at the gateway it was reading: key and params for the UI',
  )
  t.ok(
    reports.some((r) => !r.failed && r.rule === 'no-disconnected' && r.id === 'lonely'),
    'the other rules report as before',
  )

  // A flow's condition, which bpmnlint itself reads walking the model for every rule.
  const all = await parsed()
  throwing(all.element('c'), 'conditionExpression')
  const failed = (await lintDefinitions(all.definitions)).filter((r) => r.failed)
  t.same(failed.map((r) => r.rule).sort(), [...LINT_RULES].sort(), 'every rule failed, once each')
  t.ok(
    failed.every((r) => r.message.key === 'deploy.lintRuleFailed' && r.message.params?.error === 'boom'),
    'each with the error',
  )
  t.same(errors, [], 'nothing on console.error')
})

t.test('a deploy over HTTP whose lint rule throws: 400 naming the rule, nothing deployed, nothing on the console', async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const admin = await login(app, 'admin')
  const errors = consoleErrors(t)
  replaceRule(t, 'link-event', () => ({
    check: (node: ModdleObject) => {
      if (node.$type === 'bpmn:Process') throw new TypeError("Cannot read properties of undefined (reading 'name')")
    },
  }))
  replaceRule(t, 'single-blank-start-event', () => {
    throw new Error('no factory today')
  })
  const xml = bpmn('lq_http', `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="e"/><endEvent id="e"/>`)
  const r = await app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload: { xml } })
  t.equal(r.statusCode, 400, 'a 400, not a 500')
  const body = r.json()
  t.equal(body.key, 'error.engine.definitionProblems')
  const failures = body.details.filter((d: { key: string }) => d.key === 'deploy.lintRuleFailed')
  failures.sort((a: { params: { rule: string } }, b: { params: { rule: string } }) => a.params.rule.localeCompare(b.params.rule))
  t.same(
    failures.map((d: { params: unknown }) => d.params),
    [
      { rule: 'link-event', error: "Cannot read properties of undefined (reading 'name')" },
      { rule: 'single-blank-start-event', error: 'no factory today' },
    ],
    'each failed rule, with its error, as key and params',
  )
  for (const d of failures) t.match(d.message, / \/ the bpmnlint rule [\w-]+ failed on this diagram: /, 'and a bilingual message')
  t.equal(failures[0].elementId, 'lq_http', 'link-event failed at the first element it read (the process)')
  t.equal(failures[1].elementId, null, 'a rule that never ran names no element')
  t.equal((await app.db('process_definitions').where({ key: 'lq_http' })).length, 0, 'nothing was deployed')
  t.same(errors, [], 'nothing on console.error')
})

t.test('a diagram with no executable process: the linter does not run, the answer is as before', async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const admin = await login(app, 'admin')
  const errors = consoleErrors(t)
  // A rule that would throw on anything: had the linter run, its failure would be a second problem.
  replaceRule(t, 'no-disconnected', () => ({
    check: () => {
      throw new Error('the linter ran')
    },
  }))
  const diagrams = {
    'a process not executable (with what bpmnlint would report)': `<?xml version="1.0" encoding="UTF-8"?>\n<definitions id="d" ${NS}><process id="p" isExecutable="false"><startEvent id="s"/><task id="lonely"/><exclusiveGateway id="g"/><sequenceFlow id="a" sourceRef="s" targetRef="g"/><sequenceFlow id="b" sourceRef="g" targetRef="lonely"/><sequenceFlow id="b2" sourceRef="g" targetRef="lonely"/></process></definitions>`,
    'no process at all': `<?xml version="1.0" encoding="UTF-8"?>\n<definitions id="d" ${NS}></definitions>`,
    'a collaboration over a process without isExecutable': `<?xml version="1.0" encoding="UTF-8"?>\n<definitions id="d" ${NS}><collaboration id="c"><participant id="pa" processRef="p"/></collaboration><process id="p"><startEvent id="s"/></process></definitions>`,
  }
  for (const [what, xml] of Object.entries(diagrams)) {
    const r = await app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload: { xml } })
    t.equal(r.statusCode, 400, `${what}: 400`)
    // The answer before this change, as it was recorded then.
    t.same(
      r.json(),
      {
        error: 'bad_request',
        message: '流程定义有 1 个问题 / the definition has 1 problem',
        key: 'error.engine.definitionProblems',
        params: { count: 1 },
        details: [
          {
            elementId: null,
            message: '没有可执行的流程（isExecutable="true"） / there is no executable process (isExecutable="true")',
            key: 'deploy.noExecutable',
            params: {},
          },
        ],
      },
      `${what}: the one problem, no executable process`,
    )
  }
  t.same(errors, [], 'nothing on console.error')
})
