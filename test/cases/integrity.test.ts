import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, getCase, openTask, petition, step } from '../api.js'
import { CITIZEN_ACTOR } from '../../src/cases/service.js'

/**
 * Issue 9, "who may change what": each test is named after what a handler, a county
 * administrator or a dispatcher could do on the first wave's main, and checks the case record
 * afterwards (deadlines, candidate groups, owner) against values read before the attempt.
 */

const xianghe = {
  description: '楼下垃圾堆放一周无人清理',
  category: 'environment.garbage',
  regionCode: 'xh-anping-v01-g1',
  petitioner: { type: 'person', name: '张凤霞', phone: '13800000000', anonymous: false },
}
const guangyang = {
  description: '小区路面塌陷',
  category: 'environment.garbage',
  regionCode: 'gy-xinyuan-v01-g1',
  petitioner: { type: 'person', name: '李秀英', phone: '13900000000', anonymous: false },
}

async function newCase(app: any, payload: Record<string, unknown>) {
  const p = await petition(app, payload)
  return { ...(await caseByNo(app, p.caseNo)), trackingCode: p.trackingCode, caseNo: p.caseNo }
}

async function instanceOf(app: any, caseId: string) {
  const row = await app.db('cases').where({ id: caseId }).first('instance_id')
  return (await call(app, 'admin', 'GET', `/api/process-instances/${row.instance_id}`)).body
}

t.test('task data', async (t) => {
  const app = await build(t)
  const c = await newCase(app, xianghe)
  const sign = await openTask(app, c.id, 'ut_signfor')
  const before = await instanceOf(app, c.id)

  t.test('a handler moved its own deadline with resolveDue on sign-for', async (t) => {
    const r = await call(app, 'anping-v01', 'POST', `/api/tasks/${sign.id}/complete`, { data: { signOutcome: 'accept', resolveDue: '2099-01-01T00:00:00Z' } })
    t.equal(r.status, 400)
    t.same(
      r.body.details.map((d: any) => d.field),
      ['resolveDue'],
      'the 400 names the undeclared field',
    )
    const after = await instanceOf(app, c.id)
    t.equal(after.variables.resolveDue, before.variables.resolveDue, 'the deadline is unchanged')
    t.equal((await getCase(app, c.id)).resolveDueAt, c.resolveDueAt)
    t.equal((await openTask(app, c.id, 'ut_signfor')).id, sign.id, 'the task still waits')
  })

  t.test('sign-for with handlerGroup handed the case to another county', async (t) => {
    const r = await call(app, 'anping-v01', 'POST', `/api/tasks/${sign.id}/complete`, { data: { signOutcome: 'accept', handlerGroup: 'unit:guangyang-land' } })
    t.equal(r.status, 400)
    t.same(
      r.body.details.map((d: any) => d.field),
      ['handlerGroup'],
    )
  })

  t.test('handling with callbackGroup made the handling unit its own evaluator', async (t) => {
    await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
    const handle = await openTask(app, c.id, 'ut_handle')
    const r = await call(app, 'anping-v01', 'POST', `/api/tasks/${handle.id}/complete`, {
      data: { outcome: 'resolved', result: '已清运', callbackGroup: 'unit:xh-anping-v01' },
    })
    t.equal(r.status, 400)
    t.same(
      r.body.details.map((d: any) => d.field),
      ['callbackGroup'],
    )
    await step(app, c.id, 'ut_handle', 'anping-v01', { outcome: 'resolved', result: '已清运' })
    const evaluation = await openTask(app, c.id, 'ut_evaluate')
    t.same(evaluation.candidateGroups, before.variables.callbackGroup.split(','), 'the evaluation goes to the callback staff chosen at intake')
    const own = await call(app, 'anping-v01', 'POST', `/api/tasks/${evaluation.id}/complete`, { data: { resolved: true, satisfaction: 'satisfied' } })
    t.equal(own.status, 404, 'the handling unit cannot evaluate its own case')
  })

  t.test('the public evaluation acts with no staff role', async (t) => {
    t.notOk(CITIZEN_ACTOR.roles.includes('admin'), 'the citizen actor is no administrator')
    t.same(CITIZEN_ACTOR.groups, [])
    const evaluation = await openTask(app, c.id, 'ut_evaluate')
    await t.rejects(app.tasks.get(CITIZEN_ACTOR, evaluation.id), { statusCode: 404, code: 'not_found' }, 'it sees no task by itself')
    const ev = await call(app, null, 'POST', `/api/public/track/${c.caseNo}/evaluation`, { code: c.trackingCode, resolved: true, satisfaction: 'satisfied' })
    t.equal(ev.status, 200, JSON.stringify(ev.body))
    const closed = await getCase(app, c.id)
    t.equal(closed.status, 'closed')
    t.equal(closed.evaluation.satisfaction, 'satisfied')
    const hist = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body
    t.equal(hist.find((h: any) => h.type === 'evaluated').data.source, 'citizen')
  })

  t.test('a task that declares no fields takes no data', async (t) => {
    const xml = `<?xml version="1.0"?><definitions id="d" xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="t">
      <process id="plain" isExecutable="true"><startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="u"/><userTask id="u" camunda:assignee="admin"/><sequenceFlow id="b" sourceRef="u" targetRef="e"/><endEvent id="e"/></process></definitions>`
    t.equal((await call(app, 'admin', 'POST', '/api/process-definitions', { xml })).status, 201)
    const inst = (await call(app, 'admin', 'POST', '/api/process-definitions/key/plain/start', {})).body
    const r = await call(app, 'admin', 'POST', `/api/tasks/${inst.activeTasks[0].id}/complete`, { data: { anything: 1 } })
    t.equal(r.status, 400)
    t.same(
      r.body.details.map((d: any) => d.field),
      ['anything'],
    )
    t.equal((await call(app, 'admin', 'POST', `/api/tasks/${inst.activeTasks[0].id}/complete`, { data: {} })).status, 200)
  })

  t.test("a diagram's camunda:formData fields are the form of its task", async (t) => {
    const xml = `<?xml version="1.0"?><definitions id="d" xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="t">
      <process id="fields" isExecutable="true"><startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="u"/>
      <userTask id="u" camunda:assignee="admin"><extensionElements><camunda:formData>
        <camunda:formField id="pass" label="是否通过" type="boolean"><camunda:validation><camunda:constraint name="required"/></camunda:validation></camunda:formField>
        <camunda:formField id="detail" label="说明" type="string"/>
      </camunda:formData></extensionElements></userTask>
      <sequenceFlow id="b" sourceRef="u" targetRef="e"/><endEvent id="e"/></process></definitions>`
    t.equal((await call(app, 'admin', 'POST', '/api/process-definitions', { xml })).status, 201)
    const inst = (await call(app, 'admin', 'POST', '/api/process-definitions/key/fields/start', {})).body
    const task = (await call(app, 'admin', 'GET', `/api/tasks/${inst.activeTasks[0].id}`)).body
    t.same(
      task.form.schema.components.map((c: any) => [c.key, c.type, c.label]),
      [
        ['pass', 'checkbox', '是否通过'],
        ['detail', 'textfield', '说明'],
      ],
      'the task page gets a form to render',
    )
    const wrongType = await call(app, 'admin', 'POST', `/api/tasks/${task.id}/complete`, { data: { pass: 'yes' } })
    t.equal(wrongType.status, 400)
    const extra = await call(app, 'admin', 'POST', `/api/tasks/${task.id}/complete`, { data: { pass: true, tenant: 'guangyang' } })
    t.same(
      extra.body.details?.map((d: any) => d.field),
      ['tenant'],
    )
    const missing = await call(app, 'admin', 'POST', `/api/tasks/${task.id}/complete`, { data: { detail: 'x' } })
    t.same(
      missing.body.details?.map((d: any) => d.field),
      ['pass'],
      'a required field is required',
    )
    t.equal((await call(app, 'admin', 'POST', `/api/tasks/${task.id}/complete`, { data: { pass: true, detail: '同意' } })).status, 200)
    const done = (await call(app, 'admin', 'GET', `/api/process-instances/${inst.id}`)).body
    t.same([done.state, done.variables.pass, done.variables.detail], ['completed', true, '同意'])
  })

  t.test('a county diagram whose form field names a platform variable is refused at deploy', async (t) => {
    const xml = `<?xml version="1.0"?><definitions id="d" xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="t">
      <process id="sneaky" isExecutable="true"><startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="u"/>
      <userTask id="u" camunda:candidateGroups="role:dispatcher"><extensionElements><camunda:formData><camunda:formField id="note" type="string"/><camunda:formField id="resolveDue" type="string"/></camunda:formData></extensionElements></userTask>
      <sequenceFlow id="b" sourceRef="u" targetRef="e"/><endEvent id="e"/></process></definitions>`
    const r = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml })
    t.equal(r.status, 400)
    t.equal(r.body.details.length, 1)
    t.equal(r.body.details[0].elementId, 'u')
    t.match(r.body.details[0].message, /resolveDue/)
  })
})

t.test('engine API variables and scope', async (t) => {
  const app = await build(t)
  const gy = await newCase(app, guangyang)
  await step(app, gy.id, 'ut_signfor', 'xinyuan-v01', { signOutcome: 'accept' })
  const gyInstance = await instanceOf(app, gy.id)
  const waiting = async () => app.db('subscriptions').where({ instance_id: gyInstance.id, name: 'extension_request' })
  t.equal((await waiting()).length, 1, 'the Guangyang case waits for an extension request')

  t.test("a county administrator messaged another county's instance", async (t) => {
    const byId = await call(app, 'xianghe-admin', 'POST', '/api/messages', {
      name: 'extension_request',
      instanceId: gyInstance.id,
      variables: { extensionReason: '需等待' },
    })
    t.equal(byId.status, 404)
    const byCase = await call(app, 'xianghe-admin', 'POST', '/api/messages', { name: 'extension_request', caseId: gy.id })
    t.equal(byCase.status, 404)
    const any = await call(app, 'xianghe-admin', 'POST', '/api/messages', { name: 'extension_request', variables: { extensionReason: '需等待' } })
    t.equal(any.status, 404, 'without an instance id the oldest waiting subscription of ANY county was taken')
    t.equal((await waiting()).length, 1, 'the Guangyang subscription is untouched')
    t.notOk(await openTask(app, gy.id, 'ut_handle_ext_approve'), 'no approval task was raised')
    const own = await call(app, 'guangyang-admin', 'POST', '/api/messages', {
      name: 'extension_request',
      instanceId: gyInstance.id,
      variables: { extensionReason: '需等待' },
    })
    // Past the county's scope, the platform's own wait refuses a message from outside
    // (test/cases/platform-messages.test.ts): only the extension route delivers it.
    t.equal(own.status, 422, "the county's own administrator reaches it, and it refuses the message")
    t.equal(own.body.key, 'error.engine.platformMessage')
  })

  t.test('platform variables in start, message and signal variables', async (t) => {
    const xml = `<?xml version="1.0"?><definitions id="d" xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t"><message id="M" name="poke"/>
      <process id="waiter" isExecutable="true"><startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="m"/><intermediateCatchEvent id="m"><messageEventDefinition messageRef="M"/></intermediateCatchEvent><sequenceFlow id="b" sourceRef="m" targetRef="e"/><endEvent id="e"/></process></definitions>`
    t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml, tenant: 'xianghe' })).status, 201)
    const start = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/waiter/start', {
      variables: { note: 'x', caseId: gy.id, leaderGroup: 'unit:xianghe-centre' },
    })
    t.equal(start.status, 400)
    t.same(start.body.details.map((d: any) => d.field).sort(), ['variables.caseId', 'variables.leaderGroup'])
    const inst = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/waiter/start', { variables: { note: 'x' } })
    t.equal(inst.status, 201)
    const msg = await call(app, 'xianghe-admin', 'POST', '/api/messages', {
      name: 'poke',
      instanceId: inst.body.id,
      variables: { resolveDue: '2099-01-01T00:00:00Z' },
    })
    t.equal(msg.status, 400)
    const sig = await call(app, 'admin', 'POST', '/api/signals', { name: 'any', variables: { satisfaction: 'satisfied' } })
    t.equal(sig.status, 400)
    const ok = await call(app, 'xianghe-admin', 'POST', '/api/messages', { name: 'poke', instanceId: inst.body.id, variables: { reply: '收到' } })
    t.equal(ok.status, 200)
  })

  t.test("a county diagram with case.close started on another county's case closed it", async (t) => {
    const xml = `<?xml version="1.0"?><definitions id="d" xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="t">
      <process id="closer" isExecutable="true"><startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="c"/><serviceTask id="c" camunda:type="external" camunda:topic="case.close"/><sequenceFlow id="b" sourceRef="c" targetRef="e"/><endEvent id="e"/></process></definitions>`
    t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml, tenant: 'xianghe' })).status, 201)
    const byKey = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/closer/start', { caseId: gy.id })
    t.equal(byKey.status, 404, "another county's case is not a business key a county administrator can bind")
    const byVariable = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/closer/start', { variables: { caseId: gy.id } })
    t.equal(byVariable.status, 400)
    const bare = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/closer/start', {})
    t.equal(bare.status, 422, 'without a case of its own the handler has nothing to act on')
    const now = await getCase(app, gy.id)
    t.not(now.status, 'closed')
    t.notOk(now.closedAt)
    // Its own county's case, still carried by its procedure: closing it through a second
    // instance would skip handling and evaluation and count as closed.
    const xh = await newCase(app, xianghe)
    const own = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/closer/start', { caseId: xh.id })
    t.equal(own.status, 409, 'a case is carried by one procedure at a time')
    t.equal((await getCase(app, xh.id)).status, 'dispatched')
  })
})

t.test('dispatch targets', async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    description: '路灯不亮',
    category: 'roads.lighting',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', name: '王建国', phone: '13700000000', anonymous: false },
  })
  const c = await caseByNo(app, p.caseNo)
  const sign = await openTask(app, c.id, 'ut_signfor')
  t.equal((await call(app, 'admin', 'POST', `/api/tasks/${sign.id}/return`, { reason: '非本单位职责' })).status, 200)
  const dispatch = await openTask(app, c.id, 'ut_dispatch')
  t.ok(dispatch, 'the returned case waits for a dispatcher')
  const tryUnit = (unit: string) => call(app, 'anping-dispatcher', 'POST', `/api/tasks/${dispatch.id}/complete`, { data: { targetUnit: unit } })

  t.test('a township dispatcher dispatched a Xianghe case to a Guangyang unit', async (t) => {
    const r = await tryUnit('guangyang-land')
    t.equal(r.status, 400)
    t.equal(r.body.details[0].field, 'targetUnit')
    t.equal((await getCase(app, c.id)).ownerUnit, null, 'the case stays undispatched')
    const gy = await call(app, 'gy-land-officer', 'GET', `/api/cases/${c.id}`)
    t.equal(gy.status, 404, 'the other county reads nothing of it')
  })

  t.test('a unit with no staff would leave the case with nobody to sign for it', async (t) => {
    const staff = await app.db('users').where({ unit_code: 'xianghe-power', active: true })
    t.equal(staff.length, 0, 'the demo county power company has no user')
    const r = await tryUnit('xianghe-power')
    t.equal(r.status, 400)
    t.equal(r.body.details[0].field, 'targetUnit')
  })

  t.test('a routing rule naming a unit with no staff left new cases waiting for nobody', async (t) => {
    const p2 = await petition(app, {
      description: '整条街停电',
      category: 'utilities.power',
      regionCode: 'xh-anping-v01-g1',
      petitioner: { type: 'person', anonymous: true },
    })
    const c2 = await caseByNo(app, p2.caseNo)
    t.equal(c2.ownerUnit, null, 'not owned by the unstaffed county power company')
    t.same(
      c2.activeTasks.map((x: any) => [x.elementId, x.candidateGroups]),
      [['ut_dispatch', ['dispatcher@xh-anping-centre']]],
      'the nearest centre dispatches it',
    )
    const hist = (await call(app, 'admin', 'GET', `/api/cases/${c2.id}/history`)).body
    t.equal(hist.find((h: any) => h.type === 'received').data.unstaffedOwner, 'xianghe-power', 'the history says which unit the rule named')
  })

  t.test("a county administrator's routing rule sent the county's cases to another county", async (t) => {
    const rules = (await call(app, 'xianghe-admin', 'GET', '/api/routing-rules')).body.filter((r: any) => r.tenant === 'xianghe')
    const put = await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', {
      tenant: 'xianghe',
      rules: [...rules, { category: 'land', owner: 'guangyang-land', level: 'county' }],
    })
    t.equal(put.status, 422)
    t.same(
      put.body.details.map((d: any) => d.field),
      ['owner'],
    )
    const city = await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', {
      tenant: 'xianghe',
      rules: [...rules, { category: 'land', owner: 'langfang-land', level: 'city' }],
    })
    t.equal(city.status, 200, 'a unit of the city above the county is allowed')
  })

  t.test('a unit of the county with staff is accepted; a city unit is not, from a township centre (it reached a city bureau without escalation)', async (t) => {
    // Not back to xianghe-urban, which returned it: that is a rejected return (test/cases/returns.test.ts).
    t.equal((await tryUnit('xianghe-water')).status, 200)
    const now = await getCase(app, c.id)
    t.equal(now.ownerUnit, 'xianghe-water')
    t.same(now.activeTasks[0].candidateGroups, ['unit:xianghe-water'])
    t.equal((await call(app, 'water-officer', 'POST', `/api/tasks/${now.activeTasks[0].id}/return`, { reason: '属市级' })).status, 200)
    const again = await openTask(app, c.id, 'ut_dispatch')
    const before = await getCase(app, c.id)
    for (const unit of ['langfang-land', 'langfang-centre']) {
      const city = await call(app, 'anping-dispatcher', 'POST', `/api/tasks/${again.id}/complete`, { data: { targetUnit: unit } })
      t.equal(city.status, 400, `${unit}: ${JSON.stringify(city.body)}`)
      t.match(city.body.details, [{ field: 'targetUnit', key: 'error.case.unitAboveCounty' }])
    }
    const after = await getCase(app, c.id)
    t.same([after.ownerUnit, after.activeTasks.map((x: any) => x.id)], [before.ownerUnit, before.activeTasks.map((x: any) => x.id)], 'nothing moved')
    // The way up is the escalation, which the county's centre, then the city's, reviews.
  })
})
