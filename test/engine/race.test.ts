import t from 'tap'
import { build, login } from '../helper.js'
import { noProcesses, process as bpmn } from '../fixtures/bpmn.js'

const xml = bpmn(
  'race',
  `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="fork"/>
   <parallelGateway id="fork"/><sequenceFlow id="b" sourceRef="fork" targetRef="t1"/><sequenceFlow id="c" sourceRef="fork" targetRef="t2"/>
   <userTask id="t1" camunda:candidateGroups="role:dispatcher"><extensionElements><camunda:formData><camunda:formField id="by" type="string"/></camunda:formData></extensionElements></userTask><userTask id="t2" camunda:candidateGroups="role:dispatcher"/>
   <sequenceFlow id="d" sourceRef="t1" targetRef="join"/><sequenceFlow id="e" sourceRef="t2" targetRef="join"/>
   <parallelGateway id="join"/><sequenceFlow id="f" sourceRef="join" targetRef="end"/><endEvent id="end"/>`,
)

t.test('parallel completions of one task: exactly one wins, the rest get 409', async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const admin = await login(app, 'admin')
  await app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload: { xml } })
  const inst = (await app.inject({ method: 'POST', url: '/api/process-definitions/key/race/start', headers: admin, payload: { tenant: 'xianghe' } })).json()
  const task = inst.activeTasks.find((x: any) => x.elementId === 't1')
  const users = ['dispatcher', 'xianghe-dispatcher', 'guangyang-dispatcher', 'admin']
  const heads = await Promise.all(users.map((u) => login(app, u)))
  const results = await Promise.all(
    heads.map((h) => app.inject({ method: 'POST', url: `/api/tasks/${task.id}/complete`, headers: h, payload: { data: { by: 'x' } } })),
  )
  const codes = results.map((r) => r.statusCode).sort()
  // Guangyang's dispatcher holds role:dispatcher too, but a Xianghe task is not theirs: 404.
  t.same(codes, [200, 404, 409, 409], `codes ${codes}`)
  t.equal(results[users.indexOf('guangyang-dispatcher')].statusCode, 404)
  const completes = await app.db('history').where({ instance_id: inst.id, type: 'task_complete', element_id: 't1' })
  t.equal(completes.length, 1, 'one completion in the history')
  const rows = await app.db('tasks').where({ instance_id: inst.id, element_id: 't1' })
  t.equal(rows.length, 1)
  t.equal(rows[0].status, 'completed')
})

t.test('parallel completions of two different tasks of one instance both succeed', async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const admin = await login(app, 'admin')
  await app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload: { xml } })
  const inst = (await app.inject({ method: 'POST', url: '/api/process-definitions/key/race/start', headers: admin, payload: { tenant: 'xianghe' } })).json()
  const d = await login(app, 'dispatcher')
  const results = await Promise.all(
    inst.activeTasks.map((x: any) => app.inject({ method: 'POST', url: `/api/tasks/${x.id}/complete`, headers: d, payload: { data: {} } })),
  )
  t.same(
    results.map((r) => r.statusCode),
    [200, 200],
  )
  const after = (await app.inject({ method: 'GET', url: `/api/process-instances/${inst.id}`, headers: admin })).json()
  t.equal(after.state, 'completed', 'the join saw both branches')
})
