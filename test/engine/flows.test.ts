import t from 'tap'
import { build, login } from '../helper.js'
import { noProcesses, process as bpmn } from '../fixtures/bpmn.js'

// Every flow runs twice: with parked engines reused from memory, and recovered from the database each step.
const engineCacheSize = Number(process.env.FLOWS_ENGINE_CACHE ?? 200)

async function setup(t: any) {
  const app = await build(t, { config: { processesDir: noProcesses, engineCacheSize } })
  const admin = await login(app, 'admin')
  const deploy = async (xml: string, tenant?: string) => {
    const r = await app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload: { xml, ...(tenant && { tenant }) } })
    if (r.statusCode >= 300) throw new Error(`deploy failed: ${r.body}`)
    return r.json()
  }
  const start = async (key: string, variables: Record<string, unknown> = {}, tenant?: string) => {
    const r = await app.inject({
      method: 'POST',
      url: `/api/process-definitions/key/${key}/start`,
      headers: admin,
      payload: { variables, ...(tenant && { tenant }) },
    })
    if (r.statusCode !== 201) throw new Error(`start failed: ${r.body}`)
    return r.json()
  }
  const get = async (id: string) => (await app.inject({ method: 'GET', url: `/api/process-instances/${id}`, headers: admin })).json()
  const complete = async (taskId: string, data: Record<string, unknown> = {}) => {
    const r = await app.inject({ method: 'POST', url: `/api/tasks/${taskId}/complete`, headers: admin, payload: { data } })
    if (r.statusCode !== 200) throw new Error(`complete failed: ${r.body}`)
    return r.json()
  }
  return { app, admin, deploy, start, get, complete }
}

const ids = (inst: any) => inst.activeTasks.map((x: any) => x.elementId).sort()

t.test('parallel gateway forks and joins', async (t) => {
  const { deploy, start, get, complete } = await setup(t)
  await deploy(
    bpmn(
      'par',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="fork"/>
       <parallelGateway id="fork"/><sequenceFlow id="b" sourceRef="fork" targetRef="t1"/><sequenceFlow id="c" sourceRef="fork" targetRef="t2"/>
       <userTask id="t1"/><userTask id="t2"/>
       <sequenceFlow id="d" sourceRef="t1" targetRef="join"/><sequenceFlow id="e" sourceRef="t2" targetRef="join"/>
       <parallelGateway id="join"/><sequenceFlow id="f" sourceRef="join" targetRef="after"/><userTask id="after"/>
       <sequenceFlow id="g" sourceRef="after" targetRef="end"/><endEvent id="end"/>`,
    ),
  )
  const inst = await start('par')
  t.same(ids(inst), ['t1', 't2'])
  await complete(inst.activeTasks[0].id)
  t.same(ids(await get(inst.id)).length, 1, 'the join waits for the other branch')
  const second = (await get(inst.id)).activeTasks[0]
  await complete(second.id)
  t.same(ids(await get(inst.id)), ['after'])
})

t.test('a branch not taken still reaches a parallel join downstream, through a task and its boundary event', async (t) => {
  // bpmn-elements' discard wave is cut where nothing downstream acts on it (src/engine/model.ts);
  // a parallel join does: it waits for every incoming flow to be taken or discarded.
  const { deploy, start, get, complete } = await setup(t)
  await deploy(
    bpmn(
      'dead_path',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="gw"/>
       <exclusiveGateway id="gw" default="fb"/>
       <sequenceFlow id="fa" sourceRef="gw" targetRef="t1"><conditionExpression xsi:type="tFormalExpression">=x = 1</conditionExpression></sequenceFlow>
       <sequenceFlow id="fb" sourceRef="gw" targetRef="t2"/>
       <userTask id="t1"/><userTask id="t2"/>
       <boundaryEvent id="late" attachedToRef="t1" cancelActivity="false"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>
       <sequenceFlow id="d1" sourceRef="t1" targetRef="join"/><sequenceFlow id="d2" sourceRef="t2" targetRef="join"/><sequenceFlow id="d3" sourceRef="late" targetRef="join"/>
       <parallelGateway id="join"/><sequenceFlow id="f" sourceRef="join" targetRef="after"/><userTask id="after"/>
       <sequenceFlow id="g" sourceRef="after" targetRef="end"/><endEvent id="end"/>`,
    ),
  )
  const inst = await start('dead_path', { x: 2 })
  t.same(ids(inst), ['t2'])
  await complete(inst.activeTasks[0].id)
  const now = await get(inst.id)
  t.same(ids(now), ['after'], 'the join heard of the branch that was not taken')
  await complete(now.activeTasks[0].id)
  t.equal((await get(inst.id)).status, 'completed')
})

t.test('inclusive gateway takes every branch whose FEEL condition holds', async (t) => {
  const { deploy, start } = await setup(t)
  await deploy(
    bpmn(
      'incl',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="gw"/>
       <inclusiveGateway id="gw" default="fd"/>
       <sequenceFlow id="f1" sourceRef="gw" targetRef="water"><conditionExpression xsi:type="tFormalExpression">=list contains(kinds, "water")</conditionExpression></sequenceFlow>
       <sequenceFlow id="f2" sourceRef="gw" targetRef="power"><conditionExpression xsi:type="tFormalExpression">list contains(kinds, "power")</conditionExpression></sequenceFlow>
       <sequenceFlow id="fd" sourceRef="gw" targetRef="other"/>
       <userTask id="water"/><userTask id="power"/><userTask id="other"/>
       <sequenceFlow id="x" sourceRef="water" targetRef="e"/><sequenceFlow id="y" sourceRef="power" targetRef="e"/><sequenceFlow id="z" sourceRef="other" targetRef="e"/><endEvent id="e"/>`,
    ),
  )
  t.same(ids(await start('incl', { kinds: ['water', 'power'] })), ['power', 'water'])
  t.same(ids(await start('incl', { kinds: ['power'] })), ['power'])
  t.same(ids(await start('incl', { kinds: [] })), ['other'], 'default flow when none holds')
})

t.test("conditional flows leaving a task read the task's own result: a user task's submitted data, a service task's result variable", async (t) => {
  // Before, a user task's data became process data only at its end, after bpmn-elements had
  // evaluated its outgoing flows: a condition on them read the value of the round before.
  const { deploy, start, get, complete } = await setup(t)
  await deploy(
    bpmn(
      'leave',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="decide"/>
       <userTask id="decide" default="toNo"><extensionElements><camunda:formData><camunda:formField id="choice" type="string"/></camunda:formData></extensionElements></userTask>
       <sequenceFlow id="toYes" sourceRef="decide" targetRef="yes"><conditionExpression xsi:type="tFormalExpression">=choice = "yes"</conditionExpression></sequenceFlow>
       <sequenceFlow id="toNo" sourceRef="decide" targetRef="no"/>
       <userTask id="yes"/>
       <serviceTask id="no" camunda:expression="=count(tries) + 1" camunda:resultVariable="round" default="again"/>
       <sequenceFlow id="giveUp" sourceRef="no" targetRef="last"><conditionExpression xsi:type="tFormalExpression">=round >= 2</conditionExpression></sequenceFlow>
       <sequenceFlow id="again" sourceRef="no" targetRef="retry"/>
       <userTask id="retry"/><userTask id="last"/>
       <sequenceFlow id="x" sourceRef="yes" targetRef="e"/><sequenceFlow id="y" sourceRef="retry" targetRef="e"/><sequenceFlow id="z" sourceRef="last" targetRef="e"/><endEvent id="e"/>`,
    ),
  )
  const first = await start('leave', { choice: 'no', tries: [] })
  await complete(first.activeTasks[0].id, { choice: 'yes' })
  t.same(ids(await get(first.id)), ['yes'], 'the submitted choice, not the one the instance started with')

  const second = await start('leave', { choice: 'yes', tries: [] })
  await complete(second.activeTasks[0].id, { choice: 'no' })
  const retried = await get(second.id)
  t.same(ids(retried), ['retry'], 'the default flow when the submitted choice matches no condition')
  t.equal(retried.variables.round, 1)

  const third = await start('leave', { choice: 'yes', tries: [1] })
  await complete(third.activeTasks[0].id, { choice: 'no' })
  t.same(ids(await get(third.id)), ['last'], "the service task's result variable decides its own outgoing flow")
})

t.test('embedded subprocess and a FEEL service task with a result variable', async (t) => {
  const { deploy, start, get, complete } = await setup(t)
  await deploy(
    bpmn(
      'sub',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="calc"/>
       <serviceTask id="calc" camunda:expression="=days * 24" camunda:resultVariable="hours"/>
       <sequenceFlow id="b" sourceRef="calc" targetRef="sp"/>
       <subProcess id="sp"><startEvent id="ss"/><sequenceFlow id="sa" sourceRef="ss" targetRef="inner"/><userTask id="inner"><extensionElements><camunda:formData><camunda:formField id="note" type="string"/></camunda:formData></extensionElements></userTask><sequenceFlow id="sb" sourceRef="inner" targetRef="se"/><endEvent id="se"/></subProcess>
       <sequenceFlow id="c" sourceRef="sp" targetRef="e"/><endEvent id="e"/>`,
    ),
  )
  const inst = await start('sub', { days: 2 })
  t.equal(inst.variables.hours, 48)
  t.same(ids(inst), ['inner'])
  await complete(inst.activeTasks[0].id, { note: 'ok' })
  const after = await get(inst.id)
  t.equal(after.state, 'completed')
  t.equal(after.variables.note, 'ok')
})

t.test('multi-instance user tasks: parallel over a collection, sequential by cardinality', async (t) => {
  const { deploy, start, get, complete } = await setup(t)
  await deploy(
    bpmn(
      'mi',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="co"/>
       <userTask id="co" name="协办 Co-organise" camunda:candidateGroups="=&quot;handler@&quot; + unit">
         <extensionElements><camunda:formData><camunda:formField id="part" type="string"/></camunda:formData></extensionElements><multiInstanceLoopCharacteristics camunda:collection="\${units}" camunda:elementVariable="unit"/>
       </userTask>
       <sequenceFlow id="b" sourceRef="co" targetRef="seq"/>
       <userTask id="seq" camunda:assignee="admin"><multiInstanceLoopCharacteristics isSequential="true"><loopCardinality>2</loopCardinality></multiInstanceLoopCharacteristics></userTask>
       <sequenceFlow id="c" sourceRef="seq" targetRef="e"/><endEvent id="e"/>`,
    ),
  )
  const inst = await start('mi', { units: ['xianghe-land', 'xianghe-housing'] })
  t.equal(inst.activeTasks.length, 2, 'one task per unit, in parallel')
  t.same(inst.activeTasks.map((x: any) => x.candidateGroups[0]).sort(), ['handler@xianghe-housing', 'handler@xianghe-land'])
  await complete(inst.activeTasks[0].id, { part: 'A' })
  let now = await get(inst.id)
  t.equal(now.activeTasks.length, 1)
  await complete(now.activeTasks[0].id, { part: 'B' })
  now = await get(inst.id)
  t.same(now.variables.co_results.map((r: any) => r.part).sort(), ['A', 'B'], "each iteration's data is collected")
  t.same(ids(now), ['seq'], 'sequential: one at a time')
  await complete(now.activeTasks[0].id)
  now = await get(inst.id)
  t.same(ids(now), ['seq'], 'second iteration')
  await complete(now.activeTasks[0].id)
  t.equal((await get(inst.id)).state, 'completed')
})

t.test("call activity: the called key resolves with the tenant overlay; the child's variables come back", async (t) => {
  const { app, deploy, start, get, complete } = await setup(t)
  const child = (label: string) =>
    bpmn(
      'child',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="ct"/><userTask id="ct" name="${label}"><extensionElements><camunda:formData><camunda:formField id="fromChild" type="string"/></camunda:formData></extensionElements></userTask><sequenceFlow id="b" sourceRef="ct" targetRef="e"/><endEvent id="e"/>`,
    )
  await deploy(child('city child'))
  await deploy(child('xianghe child'), 'xianghe')
  await deploy(
    bpmn(
      'parent',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="call"/><callActivity id="call" calledElement="child"/><sequenceFlow id="b" sourceRef="call" targetRef="last"/><userTask id="last"/><sequenceFlow id="c" sourceRef="last" targetRef="e"/><endEvent id="e"/>`,
    ),
  )
  const city = await start('parent', { x: 1 })
  const cityChild = await app.db('process_instances').where({ parent_id: city.id }).first()
  const cityTask = await app.db('tasks').where({ instance_id: cityChild.id }).first()
  t.equal(cityTask.name, 'city child')
  const county = await start('parent', { x: 1 }, 'xianghe')
  const countyChild = await app.db('process_instances').where({ parent_id: county.id }).first()
  t.equal((await app.db('tasks').where({ instance_id: countyChild.id }).first()).name, 'xianghe child', 'the county version of the called key wins')
  t.equal(JSON.parse(countyChild.variables).x, 1, "the child starts with the caller's variables")
  await complete(cityTask.id, { fromChild: 'yes' })
  const parent = await get(city.id)
  t.same(ids(parent), ['last'], 'the parent moved on when the child ended')
  t.equal(parent.variables.fromChild, 'yes')
})

t.test('message and signal catch events are correlated through the API', async (t) => {
  const { app, admin, deploy, start, get } = await setup(t)
  await deploy(
    `<?xml version="1.0"?><definitions id="d" xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t">
     <message id="Msg" name="citizen-reply"/><signal id="Sig" name="storm-warning"/>
     <process id="waits" isExecutable="true"><startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="m"/>
     <intermediateCatchEvent id="m"><messageEventDefinition messageRef="Msg"/></intermediateCatchEvent>
     <sequenceFlow id="b" sourceRef="m" targetRef="sg"/>
     <intermediateCatchEvent id="sg"><signalEventDefinition signalRef="Sig"/></intermediateCatchEvent>
     <sequenceFlow id="c" sourceRef="sg" targetRef="e"/><endEvent id="e"/></process></definitions>`,
  )
  const inst = await start('waits')
  t.same(
    inst.activeActivities.map((a: any) => a.id),
    ['m'],
  )
  const none = await app.inject({ method: 'POST', url: '/api/messages', headers: admin, payload: { name: 'nobody-waits' } })
  t.equal(none.statusCode, 404)
  const msg = await app.inject({
    method: 'POST',
    url: '/api/messages',
    headers: admin,
    payload: { name: 'citizen-reply', instanceId: inst.id, variables: { reply: '已收到' } },
  })
  t.equal(msg.statusCode, 200, msg.body)
  let now = await get(inst.id)
  t.same(
    now.activeActivities.map((a: any) => a.id),
    ['sg'],
  )
  t.equal(now.variables.reply, '已收到')
  const sig = await app.inject({ method: 'POST', url: '/api/signals', headers: admin, payload: { name: 'storm-warning' } })
  t.equal(sig.json().delivered, 1)
  now = await get(inst.id)
  t.equal(now.state, 'completed')
})

t.test('intermediate timer with a timeDate expression, and a timer start event', async (t) => {
  const { app, deploy, start, get } = await setup(t)
  await deploy(
    bpmn(
      'wait',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="tw"/><intermediateCatchEvent id="tw"><timerEventDefinition><timeDate>=catchDate</timeDate></timerEventDefinition></intermediateCatchEvent><sequenceFlow id="b" sourceRef="tw" targetRef="e"/><endEvent id="e"/>`,
    ),
  )
  const due = new Date(Date.now() + 21 * 86400e3).toISOString()
  const inst = await start('wait', { catchDate: due })
  const timer = await app.db('timers').where({ instance_id: inst.id }).first()
  t.equal(timer.due_at, due, 'three weeks ahead: no setTimeout overflow, the due time is stored')
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 20 * 86400e3)), 0)
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 22 * 86400e3)), 1)
  t.equal((await get(inst.id)).state, 'completed')

  await deploy(
    bpmn(
      'tstart',
      `<startEvent id="s"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></startEvent><sequenceFlow id="a" sourceRef="s" targetRef="u"/><userTask id="u"/><sequenceFlow id="b" sourceRef="u" targetRef="e"/><endEvent id="e"/>`,
    ),
  )
  const ts = await start('tstart')
  t.same(ts.activeTasks, [], 'waits at the timer start event')
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 3601e3)), 1)
  t.same(ids(await get(ts.id)), ['u'])
})

t.test('tenant overlay: a county version wins for its cases; running instances keep their version', async (t) => {
  const { deploy, start, get, complete } = await setup(t)
  const v = (name: string) =>
    bpmn(
      'overlay',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="u"/><userTask id="u" name="${name}"/><sequenceFlow id="b" sourceRef="u" targetRef="e"/><endEvent id="e"/>`,
    )
  await deploy(v('city v1'))
  const old = await start('overlay', {}, 'xianghe')
  t.equal(old.activeTasks[0].name, 'city v1')
  const county = await deploy(v('xianghe v1'), 'xianghe')
  t.match(county, { tenant: 'xianghe', version: 1 })
  t.equal((await start('overlay', {}, 'xianghe')).activeTasks[0].name, 'xianghe v1')
  t.equal((await start('overlay', {}, 'guangyang')).activeTasks[0].name, 'city v1')
  const city2 = await deploy(v('city v2'))
  t.equal(city2.version, 2)
  t.equal((await start('overlay', {}, 'guangyang')).activeTasks[0].name, 'city v2')
  t.equal((await get(old.id)).definition.version, 1, 'a running instance keeps the version it started with')
  await complete(old.activeTasks[0].id)
  t.equal((await get(old.id)).state, 'completed')
})

t.test('a timer whose due time is moved in the table fires at the new time, not the old one', async (t) => {
  const { app, deploy, start, get, complete } = await setup(t)
  await deploy(
    bpmn(
      'moved',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="work"/>
       <userTask id="work" camunda:assignee="admin"/>
       <boundaryEvent id="late" attachedToRef="work" cancelActivity="false"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>
       <sequenceFlow id="b" sourceRef="late" targetRef="sup"/><userTask id="sup" camunda:assignee="admin"/><sequenceFlow id="c" sourceRef="sup" targetRef="e2"/><endEvent id="e2"/>
       <sequenceFlow id="d" sourceRef="work" targetRef="other"/><userTask id="other" camunda:assignee="admin"/><sequenceFlow id="f" sourceRef="other" targetRef="e"/><endEvent id="e"/>`,
    ),
  )
  const inst = await start('moved')
  const newDue = new Date(Date.now() + 3 * 3600e3).toISOString()
  await app.db('timers').where({ instance_id: inst.id, status: 'pending' }).update({ due_at: newDue })
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 2 * 3600e3)), 0, 'not at the old due time')
  // Another step of the instance after the old due time must not fire it either.
  await app.db.transaction((trx) => app.engine.runtime.setVariables(trx, inst.id, { touched: true }, 'admin'))
  t.same(ids(await get(inst.id)), ['work'])
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 3 * 3600e3 + 1000)), 1, 'fires at the new due time')
  t.same(ids(await get(inst.id)), ['sup', 'work'])
  await complete((await get(inst.id)).activeTasks.find((x: any) => x.elementId === 'work').id)
})
