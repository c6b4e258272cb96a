import t from 'tap'
import { build, onPostgres, serverDatabaseEnv } from '../helper.js'
import { call, caseByNo, petition } from '../api.js'
import { noProcesses, process as bpmn } from '../fixtures/bpmn.js'
import { api, sleep, startServer, type ServerProcess } from '../server-process.js'

/**
 * Issue 9, "diagrams that stop the server": each hostile diagram is refused at deploy (400
 * naming the element) or, when its size comes from a variable, bounded at run time: the step
 * fails that instance only, an incident is recorded, /health keeps answering, and a restart
 * on the same database comes up healthy instead of re-running the failure.
 */

const task = (id: string, extra = '') => `<userTask id="${id}" camunda:candidateGroups="role:county_admin">${extra}</userTask>`
/** start → `body` (elements with ids `first` … `last`) → end. */
const linear = (key: string, body: string, first = 'w', last = 'w') =>
  bpmn(
    key,
    `<startEvent id="s"/><sequenceFlow id="f_in" sourceRef="s" targetRef="${first}"/>${body}<sequenceFlow id="f_out" sourceRef="${last}" targetRef="e"/><endEvent id="e"/>`,
  )
const boundaryCycle = (key: string, cycle: string) =>
  linear(
    key,
    `${task('w')}<boundaryEvent id="b" attachedToRef="w" cancelActivity="false"><timerEventDefinition><timeCycle>${cycle}</timeCycle></timerEventDefinition></boundaryEvent><sequenceFlow id="fb" sourceRef="b" targetRef="eb"/><endEvent id="eb"/>`,
  )
/** The same cycle, reached only after a PT2S timer (the restart loop of the issue). */
const delayedCycle = (key: string, cycle: string) =>
  bpmn(
    key,
    `<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="wait"/>
  <intermediateCatchEvent id="wait"><timerEventDefinition><timeDuration>PT2S</timeDuration></timerEventDefinition></intermediateCatchEvent>
  <sequenceFlow id="f1" sourceRef="wait" targetRef="w"/>${task('w')}
  <boundaryEvent id="b" attachedToRef="w" cancelActivity="false"><timerEventDefinition><timeCycle>${cycle}</timeCycle></timerEventDefinition></boundaryEvent>
  <sequenceFlow id="fb" sourceRef="b" targetRef="eb"/><endEvent id="eb"/><sequenceFlow id="f2" sourceRef="w" targetRef="e"/><endEvent id="e"/>`,
  )
const multi = (key: string, cardinality: string, delayed = false) =>
  bpmn(
    key,
    `<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="${delayed ? 'wait' : 'w'}"/>
  ${delayed ? '<intermediateCatchEvent id="wait"><timerEventDefinition><timeDuration>PT2S</timeDuration></timerEventDefinition></intermediateCatchEvent><sequenceFlow id="f1" sourceRef="wait" targetRef="w"/>' : ''}
  <task id="w"><multiInstanceLoopCharacteristics><loopCardinality>${cardinality}</loopCardinality></multiInstanceLoopCharacteristics></task>
  <sequenceFlow id="f2" sourceRef="w" targetRef="e"/><endEvent id="e"/>`,
  )
const split = (key: string, branches: number) =>
  bpmn(
    key,
    `<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="g"/><parallelGateway id="g"/>${Array.from(
      { length: branches },
      (_, i) => `<sequenceFlow id="p${i}" sourceRef="g" targetRef="t${i}"/><task id="t${i}"/><sequenceFlow id="q${i}" sourceRef="t${i}" targetRef="j"/>`,
    ).join('')}<parallelGateway id="j"/><sequenceFlow id="f9" sourceRef="j" targetRef="e"/><endEvent id="e"/>`,
  )
/** `depth` sub-processes, each inside the one before (`sp1` … `sp<depth>`), each start → inner → end. */
const nested = (key: string, depth: number) => {
  const level = (i: number, inner: string) =>
    inner
      ? `<startEvent id="a${i}"/><sequenceFlow id="x${i}" sourceRef="a${i}" targetRef="sp${i + 1}"/><subProcess id="sp${i + 1}">${inner}</subProcess><sequenceFlow id="y${i}" sourceRef="sp${i + 1}" targetRef="z${i}"/><endEvent id="z${i}"/>`
      : `<startEvent id="a${i}"/><sequenceFlow id="x${i}" sourceRef="a${i}" targetRef="z${i}"/><endEvent id="z${i}"/>`
  let inner = level(depth, '')
  for (let i = depth - 1; i >= 0; i--) inner = level(i, inner)
  return bpmn(key, inner)
}
/** An exclusive gateway whose one conditional flow carries `body` (the other is the default). */
const gateway = (key: string, body: string) =>
  bpmn(
    key,
    `<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="g"/><exclusiveGateway id="g" default="d"/><sequenceFlow id="d" sourceRef="g" targetRef="e"/>
  <sequenceFlow id="c" sourceRef="g" targetRef="e"><conditionExpression xsi:type="tFormalExpression">${body}</conditionExpression></sequenceFlow><endEvent id="e"/>`,
  )
/** A flow that loops back on itself for ever, reached after a PT2S timer: only the step budget stops it. */
const loop = (key: string) =>
  bpmn(
    key,
    `<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="wait"/>
  <intermediateCatchEvent id="wait"><timerEventDefinition><timeDuration>PT2S</timeDuration></timerEventDefinition></intermediateCatchEvent>
  <sequenceFlow id="f1" sourceRef="wait" targetRef="t"/><task id="t"/><sequenceFlow id="f2" sourceRef="t" targetRef="g"/>
  <exclusiveGateway id="g" default="back"/><sequenceFlow id="back" sourceRef="g" targetRef="t"/>
  <sequenceFlow id="out" sourceRef="g" targetRef="e"><conditionExpression>=false</conditionExpression></sequenceFlow><endEvent id="e"/>`,
  )
const timer = (key: string, kind: string, value: string) =>
  linear(key, `<intermediateCatchEvent id="w"><timerEventDefinition><${kind}>${value}</${kind}></timerEventDefinition></intermediateCatchEvent>`)

// Servers and several engines per test on a shared 2-core machine: well past tap's default.
t.setTimeout(600_000)

// Deploy-time refusals come before anything is written: the same on either database, run on
// SQLite only (CI time); what runs and fails at run time, and the restart, run on both.
const deployOnly = onPostgres && 'refused at deploy, before anything is written: on SQLite only (CI time)'

t.test('refused at deploy, each with a 400 naming the element', { skip: deployOnly }, async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const refused = async (xml: string, element: string, re: RegExp, what: string) => {
    const r = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml })
    t.equal(r.status, 400, `${what}: ${r.status} ${r.status === 400 ? '' : JSON.stringify(r.body).slice(0, 300)}`)
    const mine = (r.body.details ?? []).filter((d: any) => d.elementId === element)
    t.ok(
      mine.some((d: any) => re.test(d.message)),
      `${what}: names ${element} (${JSON.stringify(r.body.details)})`,
    )
  }
  await refused(boundaryCycle('h1', 'R/PT0S'), 'b', /without end/, 'a boundary timer R/PT0S')
  await refused(delayedCycle('h2', 'R/PT0S'), 'b', /without end/, 'the same behind a PT2S timer')
  await refused(boundaryCycle('h3', 'R/PT1S'), 'b', /without end/, 'R/PT1S')
  await refused(boundaryCycle('h4', 'R/P7D'), 'b', /without end/, 'any unbounded cycle')
  await refused(boundaryCycle('h5', 'R5/PT5S'), 'b', /shorter than 10 s/, 'a period under a minute')
  await refused(boundaryCycle('h6', 'R5000/PT1H'), 'b', /more than 1000 times/, 'too many repetitions')
  await refused(multi('h7', '10000000'), 'w', /cardinality 10000000 is above the limit of 200/, 'multi-instance cardinality 10,000,000')
  await refused(multi('h8', '=10000000'), 'w', /above the limit/, 'the same as a FEEL literal')
  // A hang guard, not a speed figure: each flow's check built a set of all its container's
  // elements, so this refusal took 21 s of one thread (60 s and more on the loaded CI machine).
  const t0 = Date.now()
  await refused(split('h9', 3000), 'g', /3000 outgoing sequence flows; the limit is 50/, 'a 3,000-branch parallel split')
  const splitMs = Date.now() - t0
  t.ok(splitMs < 10_000, `a 3,000-branch split is refused without checking each flow against every element (${splitMs} ms)`)
  await refused(split('h10', 3000), 'h10', /9006 flow elements; the limit is 500/, 'its element count')
  // Definitions (0) → process (1) → sp1 (2) → … → sp47 (48), whose content is 49 levels deep.
  // The checks walked the document recursively and overflowed the stack: a 500 instead of a 400.
  await refused(nested('h14', 4000), 'sp47', /nested more than 48 levels deep/, '4,000 nested sub-processes')
  // 20,000 FEEL terms joined by `and` (290 KB): feelin's parse ran the process out of memory.
  const terms = Array.from({ length: 20_000 }, (_, i) => `x${i} = 1`).join(' and ')
  await refused(gateway('h15', `=${terms}`), 'c', /the expression has 288886 characters; the limit is 2000/, 'a 290 KB condition')
  // 995 parentheses around a JUEL name: the JUEL reader recursed past the stack (a 500).
  await refused(gateway('h16', '${' + '('.repeat(995) + 'x' + ')'.repeat(995) + '}'), 'c', /nested more than 64 levels deep/, 'JUEL nested 995 deep')
  // The syntax check evaluates a body once: a loop over a range held the deploy (1..1e6 took
  // 0.9 s; 1e8 runs for minutes), and a step would run it again each time.
  await refused(
    gateway('h17', '=count(for i in 1..100000000 return i) &gt; 0'),
    'c',
    /uses for i in 1\.\.100000000 return i: an expression in a diagram may not loop/,
    'a loop',
  )
  await refused(gateway('h18', '=some i in 1..100000000 satisfies i = 0'), 'c', /may not loop/, 'a quantifier')
  await refused(
    gateway('h19', '={f: function(n) if n = 0 then 0 else f(n - 1), r: f(100000000)}.r = 0'),
    'c',
    /may not loop, define a function/,
    'a recursive function',
  )
  // A county's pattern on a citizen's text: 40 characters backtrack for hours.
  await refused(gateway('h20', '=matches(description, "^(a|a)*$")'), 'c', /uses matches\(\)/, 'a regular expression')
  await refused(timer('h11', 'timeDate', '+275760-01-01T00:00:00Z'), 'w', /outside the years 2000–2199/, 'a year that sorts before now as text')
  await refused(timer('h12', 'timeDate', '1970-01-01T00:00:00Z'), 'w', /outside the years/, 'a date before 2000')
  await refused(timer('h13', 'timeDuration', 'P20Y'), 'w', /longer than 10 years/, 'a 20-year duration')

  // What a real procedure needs still deploys: bounded cycles, sane dates, modest sizes.
  for (const [key, xml] of [
    ['ok1', boundaryCycle('ok1', 'R52/P7D')],
    ['ok2', boundaryCycle('ok2', 'R3/PT10M')],
    ['ok3', boundaryCycle('ok3', '=followUpCycle')],
    ['ok4', multi('ok4', '200')],
    ['ok5', split('ok5', 50)],
    ['ok6', timer('ok6', 'timeDate', '2030-01-01T09:00:00Z')],
    ['ok7', timer('ok7', 'timeDuration', 'P1Y')],
    ['ok8', nested('ok8', 10)],
    // JUEL's `empty` was translated with its operand written four times: 12 of them, nested (84
    // characters), made a FEEL text of 400 MB.
    ['ok9', gateway('ok9', '${' + 'empty '.repeat(12) + 'x}')],
  ]) {
    const r = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml })
    t.equal(r.status, 201, `${key} deploys: ${JSON.stringify(r.body.details ?? '')}`)
  }
})

t.test('a timer on a loop that would go round by itself is refused at deploy (a county PT1S loop ran for ever)', { skip: deployOnly }, async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const deploy = (xml: string) => call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml })
  const refused = async (xml: string, element: string, re: RegExp, what: string) => {
    const r = await deploy(xml)
    t.equal(r.status, 400, `${what}: ${r.status}`)
    const mine = (r.body.details ?? []).filter((d: any) => d.elementId === element)
    t.ok(
      mine.some((d: any) => re.test(d.message)),
      `${what}: names ${element} (${JSON.stringify(r.body.details)})`,
    )
  }
  const timerDef = (kind: string, value: string) => `<timerEventDefinition><${kind}>${value}</${kind}></timerEventDefinition>`
  // The trial's: timer → gateway → back to the timer.
  const catchLoop = (key: string, kind: string, value: string, inner = '') =>
    bpmn(
      key,
      `<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="tick"/>
    <intermediateCatchEvent id="tick">${timerDef(kind, value)}</intermediateCatchEvent>
    <sequenceFlow id="f1" sourceRef="tick" targetRef="g"/><exclusiveGateway id="g" default="back"/>${inner}
    <sequenceFlow id="back" sourceRef="g" targetRef="tick"/>
    <sequenceFlow id="out" sourceRef="g" targetRef="e"><conditionExpression>=false</conditionExpression></sequenceFlow><endEvent id="e"/>`,
    )
  await refused(catchLoop('loop_pt1s', 'timeDuration', 'PT1S'), 'tick', /PT1S lies on a loop and is shorter than 10 s/, 'PT1S on a loop')
  await refused(catchLoop('loop_date', 'timeDate', '2030-01-01T00:00:00Z'), 'tick', /lies on a loop: once its date has passed/, 'a date on a loop')
  // An interrupting boundary timer that leads back to its own task: the task waits for a
  // person, but the timer takes the token round without one.
  await refused(
    bpmn(
      'loop_boundary',
      `<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="w"/>${task('w')}
    <boundaryEvent id="b" attachedToRef="w">${timerDef('timeDuration', 'PT5S')}</boundaryEvent>
    <sequenceFlow id="fb" sourceRef="b" targetRef="w"/><sequenceFlow id="f1" sourceRef="w" targetRef="e"/><endEvent id="e"/>`,
    ),
    'b',
    /shorter than 10 s/,
    'a boundary timer back to its task',
  )
  // Round through link events, and through a sub-process holding the timer.
  await refused(
    bpmn(
      'loop_link',
      `<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="back_in"/>
    <intermediateCatchEvent id="back_in"><linkEventDefinition name="again"/></intermediateCatchEvent>
    <sequenceFlow id="f1" sourceRef="back_in" targetRef="tick"/>
    <intermediateCatchEvent id="tick">${timerDef('timeDuration', 'PT2S')}</intermediateCatchEvent>
    <sequenceFlow id="f2" sourceRef="tick" targetRef="go_back"/>
    <intermediateThrowEvent id="go_back"><linkEventDefinition name="again"/></intermediateThrowEvent>`,
    ),
    'tick',
    /shorter than 10 s/,
    'round through a link',
  )
  await refused(
    bpmn(
      'loop_sub',
      `<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="sp"/>
    <subProcess id="sp"><startEvent id="ss"/><sequenceFlow id="sf0" sourceRef="ss" targetRef="tick"/>
      <intermediateCatchEvent id="tick">${timerDef('timeDuration', 'PT3S')}</intermediateCatchEvent>
      <sequenceFlow id="sf1" sourceRef="tick" targetRef="se"/><endEvent id="se"/></subProcess>
    <sequenceFlow id="f1" sourceRef="sp" targetRef="g"/><exclusiveGateway id="g" default="back"/>
    <sequenceFlow id="back" sourceRef="g" targetRef="sp"/>
    <sequenceFlow id="out" sourceRef="g" targetRef="e"><conditionExpression>=false</conditionExpression></sequenceFlow><endEvent id="e"/>`,
    ),
    'tick',
    /shorter than 10 s/,
    'a sub-process on a loop',
  )
  // Accepted: a loop's timer of a cycle's period or more; a short timer not on the loop; a loop
  // whose short timer is a reminder off the loop's path.
  t.equal((await deploy(catchLoop('loop_pt10s', 'timeDuration', 'PT10S'))).status, 201, 'PT10S on a loop')
  t.equal((await deploy(catchLoop('loop_expr', 'timeDuration', '=d'))).status, 201, 'an expression (bounded at run time)')
  t.equal((await deploy(loop('loop_after_timer'))).status, 201, 'a PT2S timer before a loop, not on it')
  const r = await deploy(
    bpmn(
      'rework',
      `<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="w"/>${task('w')}
    <boundaryEvent id="remind" attachedToRef="w" cancelActivity="false">${timerDef('timeDuration', 'PT5S')}</boundaryEvent>
    <sequenceFlow id="fr" sourceRef="remind" targetRef="er"/><endEvent id="er"/>
    <sequenceFlow id="f1" sourceRef="w" targetRef="g"/><exclusiveGateway id="g" default="done"/>
    <sequenceFlow id="again" sourceRef="g" targetRef="w"><conditionExpression>=redo</conditionExpression></sequenceFlow>
    <sequenceFlow id="done" sourceRef="g" targetRef="e"/><endEvent id="e"/>`,
    ),
  )
  t.equal(r.status, 201, `a rework loop with a short reminder that ends off the loop: ${JSON.stringify(r.body.details ?? '')}`)
})

t.test('the shipped procedures deploy under the limits, and the default follow-up cycle is bounded', { skip: deployOnly }, async (t) => {
  const app = await build(t)
  const defs = (await call(app, 'admin', 'GET', '/api/process-definitions')).body
  t.same([...new Set(defs.map((d: any) => d.key))].sort(), ['escalation', 'joint', 'one_case_one_plan', 'ordinary'])
  // The plan's follow-up timer takes its cycle from the platform variable followUpCycle, which
  // intake sets from the default; that default must pass the run-time check.
  const p = await petition(app, {
    description: '反复要求超标准补偿',
    category: 'land.contract',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  const inst = (await call(app, 'admin', 'GET', `/api/process-instances/${c.instanceId}`)).body
  t.equal(inst.variables.followUpCycle, 'R52/P7D', 'intake sets the bounded default')
  const r = await call(app, 'admin', 'POST', '/api/process-definitions', { xml: boundaryCycle('followup', '=cycle') })
  t.equal(r.status, 201)
  const started = await call(app, 'admin', 'POST', '/api/process-definitions/key/followup/start', { variables: { cycle: inst.variables.followUpCycle } })
  t.equal(started.status, 201, 'R52/P7D runs')
  const unbounded = await call(app, 'admin', 'POST', '/api/process-definitions/key/followup/start', { variables: { cycle: 'R/P7D' } })
  t.equal(unbounded.status, 422, 'the old default R/P7D is refused at run time')
  t.match(unbounded.body.details, [{ elementId: 'b' }])
})

t.test('refused at run time when the size comes from a variable: that start fails with a 422 naming the element', async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  t.equal((await call(app, 'admin', 'POST', '/api/process-definitions', { xml: boundaryCycle('rc', '=cyc') })).status, 201)
  t.equal((await call(app, 'admin', 'POST', '/api/process-definitions', { xml: multi('rm', '=n') })).status, 201)
  for (const [key, variables, element, re] of [
    ['rc', { cyc: 'R/PT0S' }, 'b', /without end/],
    ['rc', { cyc: 'R3/PT1S' }, 'b', /shorter than 10 s/],
    ['rc', { cyc: 'R2/+275760-01-01T00:00:00Z/PT1H' }, 'b', /outside the years/],
    ['rm', { n: 10_000_000 }, 'w', /cardinality 10000000/],
  ] as const) {
    const r = await call(app, 'admin', 'POST', `/api/process-definitions/key/${key}/start`, { variables })
    t.equal(r.status, 422, `${key} ${JSON.stringify(variables)}`)
    t.match(r.body.details, [{ elementId: element, message: re }])
  }
  const ok = await call(app, 'admin', 'POST', '/api/process-definitions/key/rm/start', { variables: { n: 3 } })
  t.equal(ok.status, 201, 'a modest count runs')
  t.equal(ok.body.status, 'completed')
  t.equal((await app.db('process_instances').whereIn('status', ['running', 'failed'])).length, 0, 'no refused start left an instance behind')
})

t.test('a version deployed before the expression limits: its slow FEEL is refused at run time, not run', async (t) => {
  // The deploy check refuses these bodies, but a county version stored before the limits existed
  // is not checked again: its step ran `1..1e8` for minutes, a backtracking regex for hours on a
  // citizen's text, and a 290 KB condition ran the process out of memory.
  const app = await build(t, { config: { processesDir: noProcesses } })
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: gateway('old', '=x > 1') })).status, 201)
  const first = await app.db('process_definitions').where({ key: 'old' }).first()
  const terms = Array.from({ length: 20_000 }, (_, i) => `x${i} = 1`).join(' and ')
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['=count(for i in 1..100000000 return i) &gt; 0', {}, /uses for i in 1\.\.100000000 return i and was not run/],
    ['=matches(description, "^(a|a)*$")', { description: 'a'.repeat(40) + '!' }, /uses matches\(\) and was not run/],
    ['=some i in 1..100000000 satisfies i = 0', {}, /and was not run/],
    [`=${terms}`, {}, /the expression has 288885 characters \(the limit is 2000\) and was not run/],
  ]
  let version = first.version
  for (const [body, variables, re] of cases) {
    // As a database from before the limits holds it: written to the table, past the deploy check.
    version += 1
    await app.db('process_definitions').insert({ ...first, id: `old-v${version}`, version, xml: gateway('old', body), xml_hash: `h${version}` })
    const t0 = Date.now()
    const r = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/old/start', { variables })
    const ms = Date.now() - t0
    t.equal(r.status, 422, `${body.slice(0, 50)}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`)
    t.match(r.body.details, [{ elementId: 'g', message: re }], 'the details name the gateway and what was not run')
    t.ok(ms < 10_000, `answered without running it (${ms} ms)`)
  }
  // The same in a task's candidates and a service task's expression, which the engine resolves
  // outside bpmn-elements' evaluator: the step fails at that element.
  const elsewhere: [string, string][] = [
    ['u', `<userTask id="u" camunda:candidateGroups="=if matches(description, &quot;^(a|a)*$&quot;) then &quot;a&quot; else &quot;b&quot;"/>`],
    ['st', `<serviceTask id="st" camunda:expression="=count(for i in 1..100000000 return i)" camunda:resultVariable="n"/>`],
  ]
  for (const [element, body] of elsewhere) {
    version += 1
    await app
      .db('process_definitions')
      .insert({ ...first, id: `old-v${version}`, version, xml: linear('old', body, element, element), xml_hash: `h${version}` })
    const t0 = Date.now()
    const r = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/old/start', { variables: { description: 'a'.repeat(40) + '!' } })
    t.equal(r.status, 422, `${element}: ${r.status}`)
    t.match(r.body.details, [{ elementId: element, message: /was not run/ }], `the details name ${element}`)
    t.ok(Date.now() - t0 < 10_000, `${element}: answered without running it`)
  }
  t.equal((await app.db('process_instances').whereIn('status', ['running', 'failed'])).length, 0, 'no refused start left an instance behind')
  // A modest version after them runs as before.
  await app.db('process_definitions').insert({ ...first, id: 'old-ok', version: version + 1, xml: gateway('old', '=x > 1'), xml_hash: 'ok' })
  const ok = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/old/start', { variables: { x: 2 } })
  t.equal(ok.status, 201)
  t.equal(ok.body.status, 'completed')
})

t.test('a server running hostile diagrams in the background: /health stays fast, incidents are recorded, a restart is healthy', async (t) => {
  const env: Record<string, string> = { TIMER_POLL_MS: '200', PROCESSES_DIR: noProcesses, ...serverDatabaseEnv(t, 'hostile') }
  let server: ServerProcess = await startServer({ name: 'hostile', env, timeoutMs: 180_000 })
  t.teardown(() => void server.child.kill('SIGKILL'))
  const login = async () => (await api(server.base, 'POST', '/api/auth/login', undefined, { username: 'xianghe-admin', password: 'demo' })).json.token as string
  let token = await login()

  const diagrams: [string, string, Record<string, unknown>, string][] = [
    ['zero_cycle', delayedCycle('zero_cycle', '=cyc'), { cyc: 'R/PT0S' }, 'b'],
    ['huge_multi', multi('huge_multi', '=n', true), { n: 10_000_000 }, 'w'],
    ['endless_loop', loop('endless_loop'), {}, ''],
  ]
  /** Polls /health every 50 ms for `ms`; the slowest answer. */
  const watchHealth = async (ms: number, until?: () => Promise<boolean>) => {
    let slowest = 0
    const end = Date.now() + ms
    while (Date.now() < end) {
      const t0 = performance.now()
      const r = await fetch(`${server.base}/health`)
      slowest = Math.max(slowest, performance.now() - t0)
      if (r.status !== 200) throw new Error(`/health answered ${r.status}`)
      if (until && (await until())) break
      await sleep(50)
    }
    return slowest
  }
  // The machine is shared (other suites run beside this one): what /health takes with
  // nothing of ours running is the baseline the bound is added to.
  const baseline = await watchHealth(2000)
  t.comment(`slowest /health with nothing running: ${baseline.toFixed(1)} ms`)

  const ids: Record<string, string> = {}
  for (const [key, xml, variables] of diagrams) {
    t.equal((await api(server.base, 'POST', '/api/process-definitions', token, { xml })).status, 201, `deploy ${key}`)
    const r = await api(server.base, 'POST', `/api/process-definitions/key/${key}/start`, token, { variables })
    t.equal(r.status, 201, `start ${key}`)
    ids[key] = r.json.id
  }

  const openIncidents = async () => (await api(server.base, 'GET', '/api/incidents', token)).json.items as any[]
  const slowest = await watchHealth(20_000, async () => (await openIncidents()).length >= diagrams.length)
  const incidents = await openIncidents()
  t.same(incidents.map((i) => i.instanceId).sort(), Object.values(ids).sort(), 'each hostile instance has an incident')
  for (const [key, , , element] of diagrams) {
    const inc = incidents.find((i) => i.instanceId === ids[key])
    if (element) t.equal(inc?.element, element, `${key}: the incident names ${element}`)
    const inst = (await api(server.base, 'GET', `/api/process-instances/${ids[key]}`, token)).json
    t.equal(inst.status, 'failed', `${key}: failed`)
  }
  // Generous: the target is 200 ms. Measured here: 71 ms (SQLite) and 159 ms
  // (PostgreSQL) on this 2-core machine when lightly loaded, but 250-260 ms over the baseline
  // at load 9-20 (the first background steps of a fresh server run cold); before the budgets
  // the same diagrams held the thread for ever.
  t.ok(
    slowest < baseline + 500,
    `/health answered within 500 ms (over the baseline) while the diagrams ran (slowest ${slowest.toFixed(0)} ms, baseline ${baseline.toFixed(0)} ms)`,
  )
  t.comment(`slowest /health while the hostile steps ran: ${slowest.toFixed(1)} ms`)

  // A restart on the same database: healthy, and the failures are not re-run.
  server.child.kill('SIGKILL')
  await new Promise((r) => server.child.once('exit', r))
  const t0 = Date.now()
  server = await startServer({ name: 'hostile', env, timeoutMs: 180_000 })
  t.comment(`restarted in ${Date.now() - t0} ms`)
  token = await login()
  const after = await watchHealth(3000)
  // The same 500 ms as above (a hang is what this guards; that the failures are not run again is
  // checked on the incidents below): a fresh process's first answers, cold, took 298 ms over the
  // baseline with four test files at once on the 2-core CI machine, and 200 ms called that a failure.
  t.ok(after < baseline + 500, `/health within 500 ms (over the baseline) after the restart (slowest ${after.toFixed(0)} ms)`)
  const again = await openIncidents()
  t.same(again.map((i) => [i.id, i.attempts]).sort(), incidents.map((i) => [i.id, i.attempts]).sort(), 'the same incidents, not attempted again')
  const r = await api(server.base, 'POST', `/api/process-instances/${ids.endless_loop}/cancel`, token, { reason: '恶意流程 hostile diagram' })
  t.equal(r.status, 200, 'an administrator cancels it')
  t.equal((await openIncidents()).length, diagrams.length - 1)
  server.child.kill('SIGTERM')
  t.equal(await new Promise((r) => server.child.once('exit', r)), 0, 'graceful shutdown')
})
