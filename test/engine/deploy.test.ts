import t from 'tap'
import { build, login } from '../helper.js'
import { noProcesses, process as bpmn } from '../fixtures/bpmn.js'

const ok = `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="u"/><userTask id="u" camunda:assignee="grid01"/><sequenceFlow id="b" sourceRef="u" targetRef="e"/><endEvent id="e"/>`

/** Each construct the contract rejects, with the element the 400 must name. */
const rejected: [string, string, string][] = [
  [
    'script task',
    bpmn(
      'p1',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="js"/><scriptTask id="js" scriptFormat="javascript"><script>1</script></scriptTask><sequenceFlow id="b" sourceRef="js" targetRef="e"/><endEvent id="e"/>`,
    ),
    'js',
  ],
  [
    'javascript condition',
    bpmn(
      'p2',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="g"/><exclusiveGateway id="g"/><sequenceFlow id="c1" sourceRef="g" targetRef="e"><conditionExpression xsi:type="tFormalExpression" language="javascript">next(null, true)</conditionExpression></sequenceFlow><endEvent id="e"/>`,
    ),
    'c1',
  ],
  [
    'unparseable FEEL',
    bpmn(
      'p3',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="g"/><exclusiveGateway id="g"/><sequenceFlow id="c1" sourceRef="g" targetRef="e"><conditionExpression xsi:type="tFormalExpression">\${level &gt;= }</conditionExpression></sequenceFlow><endEvent id="e"/>`,
    ),
    'c1',
  ],
  ['nobody can receive', bpmn('p4', ok.replace('camunda:assignee="grid01"', 'camunda:candidateGroups="no-such-group"')), 'u'],
  [
    'unknown calledElement',
    bpmn(
      'p5',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="c"/><callActivity id="c" calledElement="nowhere"/><sequenceFlow id="b" sourceRef="c" targetRef="e"/><endEvent id="e"/>`,
    ),
    'c',
  ],
  // (A topic no handler serves is no longer refused: it is an external task, src/engine/README.md.)
  [
    'bean call',
    bpmn(
      'p6',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="x"/><serviceTask id="x" camunda:expression="\${mailer.send(caseNo)}"/><sequenceFlow id="b" sourceRef="x" targetRef="e"/><endEvent id="e"/>`,
    ),
    'x',
  ],
  [
    'java class',
    bpmn(
      'p7',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="x"/><serviceTask id="x" camunda:class="org.Foo"/><sequenceFlow id="b" sourceRef="x" targetRef="e"/><endEvent id="e"/>`,
    ),
    'x',
  ],
  [
    // Deployed before as if valid: moddle accepts a flow element without an id.
    'sequence flow without an id',
    bpmn('p8', `<startEvent id="s"/><sequenceFlow sourceRef="s" targetRef="e"/><endEvent id="e"/>`),
    'p8',
  ],
]

t.test('each rejected construct is a 400 naming its element', async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const admin = await login(app, 'admin')
  for (const [what, xml, id] of rejected) {
    const r = await app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload: { xml } })
    t.equal(r.statusCode, 400, what)
    t.equal(r.json().error, 'bad_request')
    t.ok(
      r.json().details.some((d: any) => d.elementId === id),
      `${what}: names ${id} (${JSON.stringify(r.json().details)})`,
    )
  }
  t.equal((await app.db('process_definitions')).length, 0, 'nothing was deployed')
})

t.test('malformed XML, external entities, empty and oversized bodies are refused cleanly', async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const admin = await login(app, 'admin')
  const post = (payload: any) => app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload })
  const malformed = await post({ xml: '<definitions><process' })
  t.equal(malformed.statusCode, 400)
  const xxe = await post({
    xml: `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + bpmn('x', ok).replace('<?xml version="1.0" encoding="UTF-8"?>', ''),
  })
  t.equal(xxe.statusCode, 400)
  t.notMatch(xxe.body, /root:/, 'the entity was never expanded')
  t.equal((await post({ xml: '' })).statusCode, 400)
  t.equal((await post({})).statusCode, 400)
  t.equal((await post({ xml: ok, extra: 1 })).statusCode, 400, 'unknown properties are refused')
  const huge = await post({ xml: 'x'.repeat(1_300_000) })
  t.equal(huge.statusCode, 413)
  t.equal(huge.json().error, 'payload_too_large')
})

t.test('who may deploy: staff 403; a county administrator only as their county', async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const grid = await login(app, 'grid01')
  const xml = bpmn('mine', ok)
  t.equal((await app.inject({ method: 'POST', url: '/api/process-definitions', headers: grid, payload: { xml } })).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: '/api/process-definitions', payload: { xml } })).statusCode, 401)
  const county = await login(app, 'xianghe-admin')
  const own = await app.inject({ method: 'POST', url: '/api/process-definitions', headers: county, payload: { xml } })
  t.equal(own.statusCode, 201)
  t.equal(own.json().tenant, 'xianghe', "a county administrator deploys their county's version")
  // The modeler confirmed "已部署 mine v1（县级版本：xianghe）": the answer names the county as the list does.
  t.match(own.json(), { tenantName: '香河县', tenantNameEn: 'Xianghe County', deployedByName: String })
  const other = await app.inject({ method: 'POST', url: '/api/process-definitions', headers: county, payload: { xml, tenant: 'guangyang' } })
  t.equal(other.statusCode, 403)
  const admin = await login(app, 'admin')
  const bad = await app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload: { xml, tenant: 'no-such-county' } })
  t.equal(bad.statusCode, 403)
  const list = await app.inject({ method: 'GET', url: '/api/process-definitions', headers: county })
  t.ok(list.json().every((d: any) => d.tenant === null || d.tenant === 'xianghe'))
  const xmlRes = await app.inject({ method: 'GET', url: `/api/process-definitions/${own.json().id}/xml`, headers: county })
  t.equal(xmlRes.json().xml, xml)
  const raw = await app.inject({ method: 'GET', url: `/api/process-definitions/${own.json().id}/xml`, headers: { ...county, accept: 'application/xml' } })
  t.match(raw.headers['content-type'], /application\/xml/)
  t.equal(raw.body, xml)
})

t.test('an assignee "${initiator" without its closing brace deployed as a user of that name', async (t) => {
  // api.md: expressions that do not parse are refused at deploy with a 400 naming the element.
  const app = await build(t, { config: { processesDir: noProcesses } })
  const admin = await login(app, 'admin')
  const userTask = (attrs: string) => bpmn('unclosed', ok.replace('camunda:assignee="grid01"', attrs))
  for (const [attrs, what, body] of [
    ['camunda:assignee="${initiator"', 'camunda:assignee', '${initiator'],
    ['camunda:candidateGroups="unit:#{unit"', 'camunda:candidateGroups', '#{unit'],
    ['camunda:assignee="grid01" camunda:dueDate="${due} + ${later"', 'camunda:dueDate', '${later'],
  ]) {
    const r = await app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload: { xml: userTask(attrs) } })
    t.equal(r.statusCode, 400, attrs)
    t.same(
      r.json().details.map((d: any) => [d.elementId, d.key, d.params, d.message]),
      [['u', 'deploy.unclosedExpression', { what, body }, `${what}：表达式 ${body} 缺少结尾的 } / ${what}: the expression ${body} has no closing }`]],
      `${attrs}: the one problem, at u`,
    )
  }
  t.equal((await app.db('process_definitions')).length, 0, 'nothing was deployed')
  // Closed, the same expression deploys (and a literal with no `${` at all stays a literal).
  const closed = await app.inject({
    method: 'POST',
    url: '/api/process-definitions',
    headers: admin,
    payload: { xml: userTask('camunda:assignee="${initiator}"') },
  })
  t.equal(closed.statusCode, 201)
})

t.test('a start without a body was a 400 "body has the wrong type", though every field is optional', async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const admin = await login(app, 'admin')
  const deployed = await app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload: { xml: bpmn('bodiless', ok) } })
  t.equal(deployed.statusCode, 201)
  // What `curl -X POST` sends: no body and no content type.
  const started = await app.inject({ method: 'POST', url: '/api/process-definitions/key/bodiless/start', headers: admin })
  t.equal(started.statusCode, 201, started.body)
  t.equal(started.json().definition.key, 'bodiless')
  t.same(
    started.json().activeTasks.map((x: any) => [x.elementId, x.assignee]),
    [['u', 'grid01']],
    'it waits at its user task',
  )
  // A body that is there is still checked.
  const bad = await app.inject({ method: 'POST', url: '/api/process-definitions/key/bodiless/start', headers: admin, payload: { variables: 'x' } })
  t.equal(bad.statusCode, 400)
})
