/*
 * Deploy-time validation (src/engine/validate.ts) over the published samples in
 * test/fixtures/bpmn-samples/ (copied from ../shared/data/bpmn-samples) and over small inline diagrams, one per rule.
 *
 * Sample options: no handler registered (handlers = ∅), knownProcessKey = the executable
 * process keys of all samples (so calls between samples resolve), canReceive absent.
 *
 * Decision table (element ids that must be named; "accepted" = no problems at all):
 * | sample                                                   | outcome  | elements named and why |
 * |----------------------------------------------------------|----------|------------------------|
 * | camunda-platform__UserTaskTest.testComplexScenario…      | accepted | `${true}` expression service tasks, MI loopCardinality 5 |
 * | camunda-platform__CancelAcquiredJobTest…                 | accepted | R3/PT15S, R3/PT20S boundary timers |
 * | camunda-examples__invoicePayment                         | accepted | error/escalation boundaries whose refs exist (embedded: formKeys are not this module's business) |
 * | bpmn-engine__timers                                      | accepted | R3/PT10H, PT1M; timeDate `${environment.variables.catchDate}` and dueDate are FEEL paths; manualTask runs |
 * | camunda-platform__invoice.v2                             | refused  | approveInvoice (JUEL dateTime().plusWeeks().toDate(); 2 javascript taskListeners), prepareBankTransfer (dateTime()), assignApprover (businessRuleTask whose DMN decision invoice-assign-approver is not deployed), ServiceTask_1 (camunda:class); `${!clarified}`/`${!approved}` are simple JUEL, translated (juel.ts) |
 * | camunda-platform__reviewInvoice                          | refused  | reviewInvoice (dueDate dateTime().plusDays(2).toDate()); assignReviewer "demo" not checked without canReceive |
 * | camunda-examples__…-job-announcement                     | refused  | review, correct (bean-call assignees), mail (bean-call camunda:expression); `#{!approved}` is translated |
 * | camunda-examples__…-job-announcement-publication         | refused  | publish_announcement_website/_twitter/_facebook (bean calls); `#{!twitter}`, `#{!facebook}` are translated |
 * | camunda-examples__loan-granting                          | refused  | StartEvent_1 (Quartz cron timeCycle), Task_1lvjtd4 (javascript inputParameter script); its topics are external tasks |
 * | camunda-examples__process                                | refused  | serviceTask (`execution.setVariable('foo','bar')`: the engine object), scriptTask (groovy), endEvent (executionListener expression); `${foo != 'bar'}`, `${foo == 'bar'}` are translated |
 * | bpmn-engine__issue-187                                   | refused  | Flow_0zubkyw (language="JavaScript" condition), task_check, Activity_1dcslsv (javascript scriptTasks) |
 * | bpmn-engine__signals                                     | refused  | getSpotPrice: `${environment.services.getSpotPrice}` names a bpmn-engine JavaScript service, which Shuoshi's FEEL context never has (the second, non-executable pool is ignored) |
 * | miwg__B.2.0                                              | refused  | (null) no executable process; _d4afdad7-… globalUserTask (bpmn-engine getDefinitions() throws on it) |
 * | miwg__C.9.1                                              | accepted | SendTask_RequestDocument, SendTask_SendReminderEmail: topic emailService has no handler, so they are external tasks |
 * | miwg__C.9.2                                              | refused  | (null) bpmn:import of C.9.1.bpmn; SendTask_NotifyCustomerDelay (zeebe-only taskDefinition: no implementation we run); CallActivity_RequestDocument (multi-instance with zeebe-only inputCollection: no loopCardinality/camunda:collection). Zeebe-only assignment user tasks are fine (unassigned → admins' pool) |
 */
import path from 'node:path'
import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { validateBpmn, type ValidateOptions, type Problem } from '../../src/engine/validate.js'
import { projectRoot } from '../../src/lib/paths.js'

const SAMPLES = path.join(projectRoot(), 'test/fixtures/bpmn-samples') + '/'

const sampleKeys = new Set([
  'invoice',
  'ReviewInvoice',
  'processWithSubProcessesAndParallelGateways',
  'testProcess',
  'camunda-testing-job-announcement',
  'camunda-testing-job-announcement-publication',
  'loan_process',
  'embeddedFormsBpmnEvents',
  'Process_0cn5rdh',
  'ProcessApprove',
  'tradeProcess',
  'requestDocument_en',
  'ManualCheck',
])
const sampleOpts: ValidateOptions = { handlers: new Set(), knownProcessKey: (k) => sampleKeys.has(k) }

const ids = (problems: Problem[]) => [...new Set(problems.map((p) => p.elementId ?? '(null)'))].sort()
const find = (problems: Problem[], id: string | null) => problems.filter((p) => p.elementId === id).map((p) => p.message)

function sample(name: string) {
  return readFileSync(SAMPLES + name, 'utf8')
}

const expected: Record<string, { key?: string; ids: string[]; messages?: Record<string, RegExp[]> }> = {
  'camunda-platform__UserTaskTest.testComplexScenarioWithSubprocessesAndParallelGateways.bpmn': {
    key: 'processWithSubProcessesAndParallelGateways',
    ids: [],
  },
  'camunda-platform__CancelAcquiredJobTest.testBothJobsAcquiredAtSameTime.bpmn': { key: 'testProcess', ids: [] },
  'camunda-examples__invoicePayment.bpmn': { key: 'embeddedFormsBpmnEvents', ids: [] },
  'bpmn-engine__timers.bpmn': { key: 'Process_0cn5rdh', ids: [] },
  'camunda-platform__invoice.v2.bpmn': {
    key: 'invoice',
    ids: ['ServiceTask_1', 'approveInvoice', 'assignApprover', 'prepareBankTransfer'],
    messages: {
      approveInvoice: [/dateTime, \.plusWeeks, \.toDate/, /taskListener.*create.*javascript/, /taskListener.*assignment.*javascript/],
      prepareBankTransfer: [/dateTime/],
      assignApprover: [/DMN/],
      ServiceTask_1: [/camunda:class="org\.camunda\.bpm\.example\.invoice\.service\.ArchiveInvoiceService"/],
    },
  },
  'camunda-platform__reviewInvoice.bpmn': {
    key: 'ReviewInvoice',
    ids: ['reviewInvoice'],
    messages: { reviewInvoice: [/camunda:dueDate.*dateTime, \.plusDays, \.toDate/] },
  },
  'camunda-examples__camunda-testing-job-announcement.bpmn': {
    key: 'camunda-testing-job-announcement',
    ids: ['correct', 'mail', 'review'],
    messages: {
      review: [/camunda:assignee.*jobAnnouncementService\.findRequester/],
      correct: [/camunda:assignee.*jobAnnouncementService\.findEditor/],
      mail: [/camunda:expression.*jobAnnouncementService\.notifyAboutPostings/],
    },
  },
  'camunda-examples__camunda-testing-job-announcement-publication.bpmn': {
    key: 'camunda-testing-job-announcement-publication',
    ids: ['publish_announcement_facebook', 'publish_announcement_twitter', 'publish_announcement_website'],
    messages: { publish_announcement_twitter: [/JUEL.*jobAnnouncementService\.postToTwitter\(\).*method and bean calls are not supported/] },
  },
  'camunda-examples__loan-granting.bpmn': {
    key: 'loan_process',
    ids: ['StartEvent_1', 'Task_1lvjtd4'],
    messages: {
      StartEvent_1: [/timeCycle.*ISO-8601.*0\/5 0\/1 \* 1\/1 \* \?/],
      Task_1lvjtd4: [/javascript/],
    },
  },
  'camunda-examples__process.bpmn': {
    key: 'testProcess',
    ids: ['endEvent', 'scriptTask', 'serviceTask'],
    messages: {
      scriptTask: [/script tasks are not supported/],
      serviceTask: [/engine object "execution"/],
      endEvent: [/executionListener/],
    },
  },
  'bpmn-engine__issue-187.bpmn': {
    key: 'ProcessApprove',
    ids: ['Activity_1dcslsv', 'Flow_0zubkyw', 'task_check'],
    messages: { Flow_0zubkyw: [/language="JavaScript"/] },
  },
  'bpmn-engine__signals.bpmn': {
    key: 'tradeProcess',
    ids: ['getSpotPrice'],
    messages: { getSpotPrice: [/environment\.services/] },
  },
  'miwg__B.2.0.bpmn': {
    ids: ['(null)', '_d4afdad7-65a5-40c6-9fee-e13ba4c0bed4'],
    messages: { '_d4afdad7-65a5-40c6-9fee-e13ba4c0bed4': [/GlobalUserTask/] },
  },
  'miwg__C.9.1.bpmn': {
    key: 'requestDocument_en',
    ids: [],
  },
  'miwg__C.9.2.bpmn': {
    key: 'ManualCheck',
    ids: ['(null)', 'CallActivity_RequestDocument', 'SendTask_NotifyCustomerDelay'],
    messages: { SendTask_NotifyCustomerDelay: [/no implementation/] },
  },
}

t.test('every sample file has a decision', async (t) => {
  const files = readdirSync(SAMPLES)
    .filter((f) => f.endsWith('.bpmn'))
    .sort()
  t.same(files, Object.keys(expected).sort())
})

for (const [file, exp] of Object.entries(expected)) {
  t.test(`sample ${file}: ${exp.ids.length ? 'refused, naming ' + exp.ids.join(', ') : 'accepted'}`, async (t) => {
    const res = await validateBpmn(sample(file), sampleOpts)
    t.same(ids(res.problems), exp.ids, JSON.stringify(res.problems, null, 1))
    t.equal(res.processKey, exp.key)
    t.ok(res.definitions, 'the moddle root is returned')
    for (const [id, patterns] of Object.entries(exp.messages ?? {})) {
      const msgs = find(res.problems, id === '(null)' ? null : id)
      for (const re of patterns)
        t.ok(
          msgs.some((m) => re.test(m)),
          `${id}: ${re} in ${JSON.stringify(msgs)}`,
        )
    }
    for (const p of res.problems) t.match(p.message, / \/ [A-Za-z$]/, 'Chinese first, then English')
  })
}

t.test('samples: registered handlers serve topics in-process; unregistered topics are external tasks', async (t) => {
  const c91 = await validateBpmn(sample('miwg__C.9.1.bpmn'), { ...sampleOpts, handlers: new Set(['emailService']) })
  t.same(c91.problems, [])
  t.equal(c91.processName, 'Document Request')
  const loan = await validateBpmn(sample('camunda-examples__loan-granting.bpmn'), {
    ...sampleOpts,
    handlers: new Set(['creditScoreChecker', 'loanGranter', 'requestRejecter']),
  })
  t.same(ids(loan.problems), ['StartEvent_1', 'Task_1lvjtd4'])
})

t.test('samples: unknown calledElement of invoice.v2 and job-announcement is named', async (t) => {
  const opts = { ...sampleOpts, knownProcessKey: () => false }
  const inv = await validateBpmn(sample('camunda-platform__invoice.v2.bpmn'), opts)
  t.match(find(inv.problems, 'reviewInvoice').join('\n'), /"ReviewInvoice" is not a known process key/)
  const job = await validateBpmn(sample('camunda-examples__camunda-testing-job-announcement.bpmn'), opts)
  t.match(find(job.problems, 'publication').join('\n'), /camunda-testing-job-announcement-publication/)
})

t.test('samples: reviewInvoice with an org lookup that knows nobody', async (t) => {
  const calls: unknown[] = []
  const res = await validateBpmn(sample('camunda-platform__reviewInvoice.bpmn'), {
    ...sampleOpts,
    canReceive: (r) => {
      calls.push(r)
      return false
    },
  })
  t.same(calls, [{ users: ['demo'], groups: [] }], 'only the literal assignee is looked up')
  t.same(ids(res.problems), ['assignReviewer', 'reviewInvoice'])
  t.match(find(res.problems, 'assignReviewer').join(), /nobody can ever receive/)
})

// ---------------------------------------------------------------------------------------------
// Inline diagrams, one per rule.

const NS =
  'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" ' +
  'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'

function defs(inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions ${NS} id="defs" targetNamespace="http://bpmn.io/schema/bpmn">${inner}</bpmn:definitions>`
}

/** An executable process `p`: start → each node in order → end, plus `extra` flow elements. */
function linear(nodes: string[], { extra = '', root = '', name = 'Petition' } = {}): string {
  const idsInOrder = ['start', ...nodes.map((n) => /\sid="([^"]+)"/.exec(n)![1]), 'end']
  const flows = idsInOrder
    .slice(1)
    .map((target, i) => `<bpmn:sequenceFlow id="f${i}" sourceRef="${idsInOrder[i]}" targetRef="${target}"/>`)
    .join('')
  return defs(
    `${root}<bpmn:process id="p" name="${name}" isExecutable="true"><bpmn:startEvent id="start"/>${nodes.join('')}` +
      `<bpmn:endEvent id="end"/>${flows}${extra}</bpmn:process>`,
  )
}

const opts: ValidateOptions = {
  handlers: new Set(['notify']),
  knownProcessKey: (k) => k === 'child',
}

async function problemsOf(xml: string, o: Partial<ValidateOptions> = {}) {
  return (await validateBpmn(xml, { ...opts, ...o })).problems
}

type Assert = Pick<typeof t, 'ok'>

async function refuses(t: Assert, xml: string, id: string | null, re: RegExp, o: Partial<ValidateOptions> = {}) {
  const problems = await problemsOf(xml, o)
  const msgs = find(problems, id)
  t.ok(
    msgs.some((m) => re.test(m)),
    `${id} ${re} in ${JSON.stringify(problems)}`,
  )
  return problems
}

t.test('a valid minimal process is accepted with its key and name', async (t) => {
  const res = await validateBpmn(linear(['<bpmn:userTask id="u" camunda:candidateGroups="role:dispatcher"/>']), opts)
  t.same(res.problems, [])
  t.equal(res.processKey, 'p')
  t.equal(res.processName, 'Petition')
  t.equal(res.definitions?.$type, 'bpmn:Definitions')
})

t.test('refused before parsing: empty, too large, DOCTYPE / ENTITY (XXE)', async (t) => {
  for (const empty of ['', '   \n ']) {
    const res = await validateBpmn(empty, opts)
    t.equal(res.problems.length, 1)
    t.equal(res.problems[0].elementId, null)
    t.match(res.problems[0].message, /empty/)
  }
  const big = linear(['<bpmn:userTask id="u"/>']).replace('<bpmn:process', `<!-- ${'x'.repeat(1024 * 1024)} --><bpmn:process`)
  const res = await validateBpmn(big, opts)
  t.match(res.problems[0].message, /larger than 1 MB/)
  t.equal(res.definitions, undefined, 'not parsed')

  const xxe =
    '<?xml version="1.0"?>\n<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n' +
    linear(['<bpmn:userTask id="u" name="&xxe;"/>']).replace(/^<\?xml[^>]*>\n/, '')
  const x = await validateBpmn(xxe, opts)
  t.equal(x.definitions, undefined, 'not parsed')
  t.same(ids(x.problems), ['(null)'])
  t.ok(x.problems.some((p) => /DOCTYPE/.test(p.message)))
  t.ok(x.problems.some((p) => /ENTITY/.test(p.message)))
  const lower = await validateBpmn('<!doctype x>' + linear([]), opts)
  t.match(lower.problems[0].message, /DOCTYPE/)
})

t.test('malformed XML gives one problem with the parser message', async (t) => {
  const res = await validateBpmn(linear(['<bpmn:userTask id="u">']), opts)
  t.equal(res.problems.length, 1)
  t.equal(res.problems[0].elementId, null)
  t.match(res.problems[0].message, /XML 无法解析.* \/ malformed XML: .*closing tag mismatch/)
  const notBpmn = await validateBpmn('<foo/>', opts)
  t.equal(notBpmn.problems.length, 1)
  t.match(notBpmn.problems[0].message, /malformed XML/)
})

t.test('exactly one executable process', async (t) => {
  const none = await validateBpmn(linear([]).replace('isExecutable="true"', 'isExecutable="false"'), opts)
  t.same(ids(none.problems), ['(null)'])
  t.match(none.problems[0].message, /no executable process/)
  t.equal(none.processKey, undefined)

  const two = defs(
    ['p1', 'p2', 'p3']
      .map(
        (p) =>
          `<bpmn:process id="${p}" isExecutable="true"><bpmn:startEvent id="${p}s"/><bpmn:endEvent id="${p}e"/>` +
          `<bpmn:sequenceFlow id="${p}f" sourceRef="${p}s" targetRef="${p}e"/></bpmn:process>`,
      )
      .join(''),
  )
  const res = await validateBpmn(two, opts)
  t.same(ids(res.problems), ['p2', 'p3'])
  t.equal(res.processKey, 'p1')

  // A collaboration whose second pool is not executable: its content is not ours to run.
  const collab = defs(
    '<bpmn:collaboration id="c"><bpmn:participant id="a" processRef="p"/><bpmn:participant id="b" processRef="q"/></bpmn:collaboration>' +
      '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/></bpmn:process>' +
      '<bpmn:process id="q" isExecutable="false"><bpmn:scriptTask id="qs" scriptFormat="groovy"><bpmn:script>x</bpmn:script></bpmn:scriptTask><bpmn:task id="lonely"/></bpmn:process>',
  )
  t.same(await problemsOf(collab), [])
})

t.test('script tasks and scripts anywhere are refused', async (t) => {
  await refuses(t, linear(['<bpmn:scriptTask id="s" scriptFormat="javascript"><bpmn:script>1</bpmn:script></bpmn:scriptTask>']), 's', /script tasks/)
  await refuses(
    t,
    linear([
      '<bpmn:userTask id="u"><bpmn:extensionElements><camunda:inputOutput><camunda:inputParameter name="x">' +
        '<camunda:script scriptFormat="groovy">1</camunda:script></camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>',
    ]),
    'u',
    /scripts are not supported.*groovy/,
  )
  await refuses(
    t,
    linear([
      '<bpmn:userTask id="u"><bpmn:extensionElements><camunda:inputOutput><camunda:outputParameter name="x"><camunda:list>' +
        '<camunda:script scriptFormat="python">1</camunda:script></camunda:list></camunda:outputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>',
    ]),
    'u',
    /python/,
  )
  await refuses(
    t,
    linear([
      '<bpmn:userTask id="u"><bpmn:extensionElements><camunda:taskListener event="create"><camunda:script scriptFormat="javascript">x</camunda:script></camunda:taskListener></bpmn:extensionElements></bpmn:userTask>',
    ]),
    'u',
    /taskListener.*script/,
  )
  // a script nested where no specific rule looks (inside a connector) is still found
  const nested = await problemsOf(
    linear([
      '<bpmn:serviceTask id="c"><bpmn:extensionElements><camunda:connector><camunda:connectorId>x</camunda:connectorId><camunda:inputOutput>' +
        '<camunda:inputParameter name="a"><camunda:script scriptFormat="ruby">1</camunda:script></camunda:inputParameter></camunda:inputOutput></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>',
    ]),
  )
  t.ok(find(nested, 'c').some((m) => /connector/.test(m)))
  t.ok(find(nested, 'c').some((m) => /ruby/.test(m)))
  const gw = defs(
    '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" default="no"/>' +
      '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g"/>' +
      '<bpmn:sequenceFlow id="yes" sourceRef="g" targetRef="e1"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="groovy">x == 1</bpmn:conditionExpression></bpmn:sequenceFlow>' +
      '<bpmn:sequenceFlow id="no" sourceRef="g" targetRef="e2"/></bpmn:process>',
  )
  const problems = await refuses(t, gw, 'yes', /language="groovy"/)
  t.same(ids(problems), ['yes'])
})

t.test('Java listeners are refused', async (t) => {
  for (const impl of ['class="a.B"', 'delegateExpression="${bean}"', 'expression="${x.y()}"']) {
    await refuses(
      t,
      linear([`<bpmn:task id="k"><bpmn:extensionElements><camunda:executionListener event="start" ${impl}/></bpmn:extensionElements></bpmn:task>`]),
      'k',
      /executionListener is not supported/,
    )
    await refuses(
      t,
      linear([`<bpmn:userTask id="u"><bpmn:extensionElements><camunda:taskListener event="complete" ${impl}/></bpmn:extensionElements></bpmn:userTask>`]),
      'u',
      /taskListener is not supported/,
    )
  }
  // on the process itself
  const onProcess = linear([]).replace(
    '<bpmn:startEvent id="start"/>',
    '<bpmn:extensionElements><camunda:executionListener event="end" class="a.B"/></bpmn:extensionElements><bpmn:startEvent id="start"/>',
  )
  await refuses(t, onProcess, 'p', /executionListener/)
})

t.test('service and send task implementations', async (t) => {
  await refuses(t, linear(['<bpmn:businessRuleTask id="b" camunda:decisionRef="d"/>']), 'b', /DMN/)
  await refuses(t, linear(['<bpmn:serviceTask id="s" camunda:class="a.B"/>']), 's', /camunda:class="a\.B"/)
  await refuses(t, linear(['<bpmn:serviceTask id="s" camunda:delegateExpression="${bean}"/>']), 's', /delegateExpression/)
  // A topic no in-process handler serves is an external task (external-tasks.ts).
  t.same(await problemsOf(linear(['<bpmn:serviceTask id="s" camunda:type="external" camunda:topic="nobody"/>'])), [])
  t.same(await problemsOf(linear(['<bpmn:sendTask id="s" camunda:type="external" camunda:topic="nobody"/>'])), [])
  await refuses(t, linear([`<bpmn:serviceTask id="s" camunda:type="external" camunda:topic="${'x'.repeat(256)}"/>`]), 's', /camunda:topic must be at most 255/)
  await refuses(t, linear(['<bpmn:serviceTask id="s" camunda:type="external"/>']), 's', /no camunda:topic/)
  await refuses(t, linear(['<bpmn:serviceTask id="s"/>']), 's', /no implementation/)
  await refuses(t, linear(['<bpmn:sendTask id="s"/>']), 's', /no implementation/)
  await refuses(
    t,
    linear([
      '<bpmn:serviceTask id="s"><bpmn:extensionElements><camunda:connector><camunda:connectorId>http-connector</camunda:connectorId></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>',
    ]),
    's',
    /connector/,
  )
  await refuses(t, linear(['<bpmn:serviceTask id="s" camunda:expression="${svc.run(x)}"/>']), 's', /svc\.run/)
  t.same(await problemsOf(linear(['<bpmn:serviceTask id="s" camunda:type="external" camunda:topic="notify"/>'])), [])
  t.same(await problemsOf(linear(['<bpmn:serviceTask id="s" camunda:expression="=count(items) + 1" camunda:resultVariable="n"/>'])), [])
  t.same(await problemsOf(linear(['<bpmn:serviceTask id="s" camunda:expression="${true}" camunda:asyncBefore="true"/>'])), [])
  // a message throw event may carry a service implementation in Camunda 7
  await refuses(
    t,
    linear(['<bpmn:intermediateThrowEvent id="m"><bpmn:messageEventDefinition camunda:class="a.B"/></bpmn:intermediateThrowEvent>']),
    'm',
    /camunda:class/,
  )
  t.same(await problemsOf(linear(['<bpmn:intermediateThrowEvent id="m"><bpmn:messageEventDefinition/></bpmn:intermediateThrowEvent>'])), [])
})

t.test('bpmn:import, global tasks, complex gateways and types bpmn-engine cannot load', async (t) => {
  const imp = linear([]).replace(
    '<bpmn:process',
    '<bpmn:import namespace="x" location="other.bpmn" importType="http://www.omg.org/spec/BPMN/20100524/MODEL"/><bpmn:process',
  )
  await refuses(t, imp, null, /bpmn:import.*other\.bpmn/)
  await refuses(t, linear([], { root: '<bpmn:globalUserTask id="g"/>' }), 'g', /GlobalUserTask/)
  await refuses(t, linear([], { root: '<bpmn:itemDefinition id="item"/>' }), 'item', /bpmn:ItemDefinition/)
  await refuses(t, linear(['<bpmn:complexGateway id="cx"/>']), 'cx', /complex gateways/)
  // even in a pool that is not executable: bpmn-engine loads the whole file
  const other = defs(
    '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/></bpmn:process>' +
      '<bpmn:process id="q"><bpmn:complexGateway id="cx"/></bpmn:process>',
  )
  await refuses(t, other, 'cx', /complex gateways/)
})

t.test('timers: ISO-8601 literals or FEEL', async (t) => {
  const timer = (kind: string, value: string) =>
    linear([
      `<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:${kind} xsi:type="bpmn:tFormalExpression">${value}</bpmn:${kind}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`,
    ])
  for (const [kind, value] of [
    ['timeDuration', 'PT5M'],
    ['timeDuration', 'P7D'],
    ['timeDate', '2030-01-01T09:00:00Z'],
    ['timeCycle', 'R3/PT10M'],
    ['timeCycle', 'R30/P1D'],
    ['timeDuration', '=duration("P" + string(days) + "D")'],
    ['timeDate', '${environment.variables.catchDate}'],
    ['timeDate', '=now() + duration("P1D")'],
  ]) {
    t.same(await problemsOf(timer(kind, value)), [], `${kind} ${value}`)
  }
  for (const [kind, value, re] of [
    ['timeCycle', '0/5 0/1 * 1/1 * ?', /not ISO-8601/],
    ['timeDuration', '5 minutes', /not ISO-8601/],
    ['timeDuration', 'R3/PT10S', /not ISO-8601/],
    ['timeDate', 'tomorrow', /not ISO-8601/],
    ['timeDate', '${dateTime().plusDays(1)}', /dateTime/],
    ['timeDuration', '', /empty/],
  ] as const) {
    await refuses(t, timer(kind, value), 'w', re)
  }
  await refuses(t, linear(['<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition/></bpmn:intermediateCatchEvent>']), 'w', /no timeDuration/)
  // boundary and start timers are checked alike
  const boundary = linear(['<bpmn:userTask id="u"/>'], {
    extra:
      '<bpmn:boundaryEvent id="b" attachedToRef="u"><bpmn:timerEventDefinition><bpmn:timeCycle>0 0 9 * * ?</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>' +
      '<bpmn:endEvent id="be"/><bpmn:sequenceFlow id="bf" sourceRef="b" targetRef="be"/>',
  })
  t.same(ids(await problemsOf(boundary)), ['b'])
})

t.test('missing message / signal / error references', async (t) => {
  await refuses(
    t,
    linear(['<bpmn:intermediateCatchEvent id="m"><bpmn:messageEventDefinition id="md" messageRef="nope"/></bpmn:intermediateCatchEvent>']),
    'm',
    /missing element <nope>/,
  )
  await refuses(t, linear(['<bpmn:intermediateThrowEvent id="s"><bpmn:signalEventDefinition signalRef="gone"/></bpmn:intermediateThrowEvent>']), 's', /gone/)
  const ok = linear(['<bpmn:intermediateThrowEvent id="s"><bpmn:signalEventDefinition signalRef="sig"/></bpmn:intermediateThrowEvent>'], {
    root: '<bpmn:signal id="sig" name="Sig"/>',
  })
  t.same(await problemsOf(ok), [])
  await refuses(
    t,
    linear(['<bpmn:userTask id="u"/>'], {
      extra:
        '<bpmn:boundaryEvent id="b" attachedToRef="u"><bpmn:errorEventDefinition errorRef="Error_x"/></bpmn:boundaryEvent>' +
        '<bpmn:endEvent id="be"/><bpmn:sequenceFlow id="bf" sourceRef="b" targetRef="be"/>',
    }),
    'b',
    /Error_x/,
  )
})

t.test('call activities', async (t) => {
  await refuses(t, linear(['<bpmn:callActivity id="c" calledElement="stranger"/>']), 'c', /"stranger" is not a known process key/)
  await refuses(t, linear(['<bpmn:callActivity id="c"/>']), 'c', /no calledElement/)
  t.same(await problemsOf(linear(['<bpmn:callActivity id="c" calledElement="child"/>'])), [])
  t.same(await problemsOf(linear(['<bpmn:callActivity id="c" calledElement="p"/>'])), [], 'a key of this same file')
  t.same(await problemsOf(linear(['<bpmn:callActivity id="c" calledElement="=&quot;child-&quot; + kind"/>'])), [], 'FEEL calledElement')
  await refuses(t, linear(['<bpmn:callActivity id="c" calledElement="${kind &amp;&amp;}"/>']), 'c', /calledElement.*does not parse/)
  await refuses(
    t,
    linear([
      '<bpmn:callActivity id="c" calledElement="child"><bpmn:extensionElements><camunda:in sourceExpression="${a &amp;&amp; b.c()}" target="x"/></bpmn:extensionElements></bpmn:callActivity>',
    ]),
    'c',
    /sourceExpression/,
  )
})

t.test('expressions must parse as FEEL and call only FEEL functions', async (t) => {
  const cond = (body: string, language = '') =>
    defs(
      '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" default="no"/>' +
        '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g"/>' +
        `<bpmn:sequenceFlow id="yes" sourceRef="g" targetRef="e1"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"${language}><![CDATA[${body}]]></bpmn:conditionExpression></bpmn:sequenceFlow>` +
        '<bpmn:sequenceFlow id="no" sourceRef="g" targetRef="e2"/></bpmn:process>',
    )
  for (const ok of [
    'level >= 3',
    '${category = "land"}',
    '#{approved}',
    '=not(approved)',
    '${string length(name) > 3}',
    'x != "bar"',
    '${content.output.break}',
    // simple JUEL, translated to FEEL at deploy (juel.ts; evaluation is tested in juel.test.ts)
    '${!approved}',
    '${a && b}',
    "${foo == 'bar'}",
    '${x == 1}',
    '#{score > 5}',
    "${foo != 'bar'}",
    '${empty list ? 0 : x div 2}',
    '${not a or b eq c}',
  ]) {
    t.same(await problemsOf(cond(ok)), [], ok)
  }
  t.same(await problemsOf(cond('level > 2', ' language="FEEL"')), [], 'language FEEL is FEEL')
  for (const [bad, re] of [
    ['x == 1', /does not parse.*"=="/],
    ['x != 1 && y', /does not parse/],
    ['${list[0]}', /JUEL.*ambiguous.*=list\[1\]/],
    ['${a[i]}', /JUEL.*computed index/],
    ['${execution.variables}', /engine object "execution"/],
    ["${fn:upper('x')}", /Java function fn:upper/],
    ['', /does not parse|empty/],
    ['${isApproved(x)}', /FEEL does not have \(isApproved\)/],
    ['${dateTime().plusWeeks(1).toDate()}', /dateTime, \.plusWeeks, \.toDate/],
    ['#{jobAnnouncementService.findRequester(jobAnnouncementId)}', /JUEL.*jobAnnouncementService\.findRequester\(\).*bean calls/],
    ['${environment.services.check(x)}', /environment\.services\.check/],
  ] as const) {
    const problems = await refuses(t, cond(bad), 'yes', re)
    t.same(ids(problems), ['yes'], bad)
  }
  // user task attributes, I/O parameters, multi-instance, conditional events
  await refuses(t, linear(['<bpmn:userTask id="u" camunda:dueDate="${dateTime().plusDays(2)}"/>']), 'u', /camunda:dueDate.*dateTime/)
  await refuses(t, linear(['<bpmn:userTask id="u" camunda:followUpDate="${now() +}"/>']), 'u', /camunda:followUpDate/)
  await refuses(t, linear(['<bpmn:userTask id="u" camunda:priority="#{prio(x)}"/>']), 'u', /camunda:priority.*prio/)
  await refuses(t, linear(['<bpmn:userTask id="u" camunda:candidateGroups="handler@${unit.code()}"/>']), 'u', /candidateGroups/)
  t.same(
    await problemsOf(
      linear(['<bpmn:userTask id="u" camunda:candidateGroups="=&quot;handler@&quot; + ownerUnit" camunda:dueDate="=now() + duration(&quot;P3D&quot;)"/>']),
    ),
    [],
  )
  await refuses(
    t,
    linear([
      '<bpmn:userTask id="u"><bpmn:extensionElements><camunda:inputOutput><camunda:inputParameter name="a">${x.toUpperCase()}</camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>',
    ]),
    'u',
    /inputParameter a.*toUpperCase/,
  )
  t.same(
    await problemsOf(
      linear([
        '<bpmn:userTask id="u"><bpmn:extensionElements><camunda:inputOutput><camunda:inputParameter name="a">plain text</camunda:inputParameter><camunda:inputParameter name="b">${upper case(x)}</camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>',
      ]),
    ),
    [],
  )
  await refuses(
    t,
    linear(['<bpmn:userTask id="u"><bpmn:multiInstanceLoopCharacteristics camunda:collection="${list.size()}" camunda:elementVariable="x"/></bpmn:userTask>']),
    'u',
    /camunda:collection.*size/,
  )
  await refuses(
    t,
    linear([
      '<bpmn:userTask id="u"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>${n &gt; 1 ? 2 :}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>',
    ]),
    'u',
    /loopCardinality/,
  )
  await refuses(
    t,
    linear([
      '<bpmn:userTask id="u"><bpmn:multiInstanceLoopCharacteristics camunda:collection="items"><bpmn:completionCondition>${nrOfCompletedInstances/nrOfInstances &gt;= 0.6 &amp;&amp;}</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>',
    ]),
    'u',
    /completionCondition/,
  )
  t.same(
    await problemsOf(
      linear([
        '<bpmn:userTask id="u"><bpmn:multiInstanceLoopCharacteristics isSequential="true" camunda:collection="${items}"><bpmn:loopCardinality>5</bpmn:loopCardinality><bpmn:completionCondition>${done}</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>',
      ]),
    ),
    [],
  )
  t.same(
    await problemsOf(
      linear([
        '<bpmn:userTask id="u"><bpmn:multiInstanceLoopCharacteristics camunda:collection="items"><bpmn:loopCardinality>${n &gt; 1 ? 2 : 3}</bpmn:loopCardinality><bpmn:completionCondition>${nrOfCompletedInstances/nrOfInstances &gt;= 0.6 &amp;&amp; x}</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>',
      ]),
    ),
    [],
    'the same in simple JUEL is translated',
  )
  await refuses(
    t,
    linear(['<bpmn:userTask id="u"><bpmn:multiInstanceLoopCharacteristics/></bpmn:userTask>']),
    'u',
    /neither loopCardinality nor camunda:collection/,
  )
  await refuses(
    t,
    linear([
      '<bpmn:intermediateCatchEvent id="c"><bpmn:conditionalEventDefinition><bpmn:condition xsi:type="bpmn:tFormalExpression">${a == }</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>',
    ]),
    'c',
    /condition.*does not parse/,
  )
})

t.test('user tasks: nobody can receive', async (t) => {
  const calls: Array<{ users: string[]; groups: string[] }> = []
  const canReceive = (r: { users: string[]; groups: string[] }) => {
    calls.push(r)
    return r.users.includes('grid01') || r.groups.includes('role:dispatcher')
  }
  await refuses(
    t,
    linear(['<bpmn:userTask id="u" camunda:assignee="ghost" camunda:candidateUsers="a, b" camunda:candidateGroups="nobody, none@x"/>']),
    'u',
    /nobody can ever receive/,
    { canReceive },
  )
  t.same(calls.at(-1), { users: ['ghost', 'a', 'b'], groups: ['nobody', 'none@x'] })
  t.same(await problemsOf(linear(['<bpmn:userTask id="u" camunda:candidateUsers="ghost, grid01"/>']), { canReceive }), [])
  t.same(await problemsOf(linear(['<bpmn:userTask id="u" camunda:candidateGroups="role:dispatcher"/>']), { canReceive }), [])
  calls.length = 0
  // expressions are resolved at run time: not looked up
  t.same(await problemsOf(linear(['<bpmn:userTask id="u" camunda:assignee="${starter}" camunda:candidateGroups="nobody"/>']), { canReceive }), [])
  // no assignment at all: the administrators' pool
  t.same(await problemsOf(linear(['<bpmn:userTask id="u"/>']), { canReceive }), [])
  // zeebe-only assignment is not read: unassigned
  t.same(
    await problemsOf(
      linear(['<bpmn:userTask id="u"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="clerks"/></bpmn:extensionElements></bpmn:userTask>']),
      { canReceive },
    ),
    [],
  )
  t.same(calls, [], 'canReceive only asked about purely literal receivers')
  // without canReceive nothing is looked up
  t.same(await problemsOf(linear(['<bpmn:userTask id="u" camunda:assignee="ghost"/>'])), [])
})

t.test('moddle warnings: unparsable BPMN is refused, other namespaces ignored', async (t) => {
  await refuses(t, linear(['<bpmn:fooTask id="x"/>']), null, /unparsable BPMN element <bpmn:fooTask>/)
  await refuses(t, linear(['<bpmn:userTask id="u"/>', '<bpmn:task id="u2"/>']).replace('id="u2"', 'id="u"'), 'u', /duplicate element id u/)
  await refuses(t, linear(['<bpmn:userTask id="u" camunda:asignee="demo"/>']), 'u', /unknown Camunda attribute camunda:asignee/)
  t.same(
    await problemsOf(
      linear(['<bpmn:userTask id="u" zeebe:modelerTemplate="x"/>'], { extra: '<zeebe:somethingElse id="z"/>' }).replace(
        'xmlns:zeebe',
        'xmlns:other="urn:x" other:a="1" xmlns:zeebe',
      ),
    ),
    [],
  )
  await refuses(
    t,
    linear(['<bpmn:userTask id="u"/>'], { extra: '<bpmn:sequenceFlow id="dangling" sourceRef="u" targetRef="missing"/>' }),
    'dangling',
    /missing element <missing>/,
  )
})

t.test('a process or flow element without an id is refused (it deployed as if valid)', async (t) => {
  const noProcessId = defs(
    '<bpmn:process isExecutable="true"><bpmn:startEvent id="s"/><bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/></bpmn:process>',
  )
  const r = await validateBpmn(noProcessId, opts)
  t.equal(r.processKey, undefined)
  t.same(
    r.problems.map((p) => [p.elementId, p.key]),
    [[null, 'deploy.processMissingId']],
  )
  await refuses(t, linear([], { extra: '<bpmn:sequenceFlow sourceRef="start" targetRef="end"/>' }), 'p', /a SequenceFlow element has no id \(in p\)/)
  await refuses(t, linear(['<bpmn:subProcess id="sub"><bpmn:userTask name="x"/></bpmn:subProcess>']), 'sub', /a UserTask element has no id \(in sub\)/)
  // (A blank id is moddle's own "illegal ID" refusal: deploy.unparsable.)
})

t.test('a sequence flow joins two flow nodes of its container (flows without a target validated clean)', async (t) => {
  const proc = (inner: string) =>
    defs(
      `<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:endEvent id="e"/><bpmn:sequenceFlow id="ok" sourceRef="s" targetRef="e"/>${inner}</bpmn:process>`,
    )
  await refuses(t, proc('<bpmn:sequenceFlow id="f" sourceRef="s"/>'), 'f', /has no targetRef/)
  await refuses(t, proc('<bpmn:sequenceFlow id="f" targetRef="e"/>'), 'f', /has no sourceRef/)
  await refuses(t, proc('<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="p"/>'), 'f', /targetRef p is not a flow node of p/)
  await refuses(t, proc('<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="ok"/>'), 'f', /targetRef ok is not a flow node of p/)
  await refuses(
    t,
    proc(
      '<bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/><bpmn:userTask id="inner"/><bpmn:sequenceFlow id="fi" sourceRef="ss" targetRef="inner"/></bpmn:subProcess><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="inner"/>',
    ),
    'f',
    /targetRef inner is not a flow node of p/,
  )
  // A reference to no element at all stays moddle's one problem, not two.
  const missing = await problemsOf(proc('<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="nowhere"/>'))
  t.same(
    missing.filter((p) => p.elementId === 'f').map((p) => p.key),
    ['deploy.unresolvedRef'],
  )
})

t.test('selected bpmnlint rules, for the executable process only', async (t) => {
  const disconnected = linear(['<bpmn:userTask id="u"/>'], { extra: '<bpmn:task id="lonely"/>' })
  await refuses(t, disconnected, 'lonely', /no-disconnected/)
  const noEnd = defs(
    '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:task id="t"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="t"/></bpmn:process>',
  )
  await refuses(t, noEnd, 'p', /end-event-required/)
  const noStart = defs(
    '<bpmn:process id="p" isExecutable="true"><bpmn:task id="t"/><bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f" sourceRef="t" targetRef="e"/></bpmn:process>',
  )
  await refuses(t, noStart, 'p', /start-event-required/)
  const dup = linear(['<bpmn:task id="t"/>'], { extra: '<bpmn:sequenceFlow id="again" sourceRef="start" targetRef="t"/>' })
  const problems = await problemsOf(dup)
  t.ok(
    problems.some((p) => /no-duplicate-sequence-flows/.test(p.message)),
    JSON.stringify(problems),
  )
  const missingCondition = defs(
    '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g"/>' +
      '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g"/>' +
      '<bpmn:sequenceFlow id="yes" sourceRef="g" targetRef="e1"><bpmn:conditionExpression>${ok}</bpmn:conditionExpression></bpmn:sequenceFlow>' +
      '<bpmn:sequenceFlow id="other" sourceRef="g" targetRef="e2"/></bpmn:process>',
  )
  await refuses(t, missingCondition, 'other', /conditional-flows/)
  // style rules are not applied: no labels, implicit split, inclusive gateway
  const style = defs(
    '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:task id="t"/><bpmn:inclusiveGateway id="ig"/>' +
      '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>' +
      '<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="t"/><bpmn:sequenceFlow id="f1" sourceRef="t" targetRef="e1"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="ig"/>' +
      '<bpmn:sequenceFlow id="f3" sourceRef="ig" targetRef="e2"/></bpmn:process>',
  )
  t.same(await problemsOf(style), [])
})

t.test('all problems are collected, not only the first', async (t) => {
  const xml = linear([
    '<bpmn:scriptTask id="a" scriptFormat="js"><bpmn:script>1</bpmn:script></bpmn:scriptTask>',
    '<bpmn:serviceTask id="b" camunda:class="x.Y"/>',
    '<bpmn:userTask id="c" camunda:assignee="${x.y()}"/>',
    '<bpmn:callActivity id="d" calledElement="nope"/>',
  ])
  t.same(ids(await problemsOf(xml)), ['a', 'b', 'c', 'd'])
})
