import t from 'tap'
import { build, login } from '../helper.js'
import { noProcesses, process as bpmn } from '../fixtures/bpmn.js'
import { Runtime } from '../../src/engine/runtime.js'

/** A parked engine kept in memory must never be ahead of, or behind, the database. */
const xml = bpmn(
  'cached',
  `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="first"/>
   <userTask id="first" camunda:assignee="admin"><extensionElements><camunda:formData><camunda:formField id="try" type="long"/></camunda:formData></extensionElements></userTask><sequenceFlow id="b" sourceRef="first" targetRef="svc"/>
   <serviceTask id="svc" camunda:type="external" camunda:topic="flaky"/><sequenceFlow id="c" sourceRef="svc" targetRef="second"/>
   <userTask id="second" camunda:assignee="admin"/><sequenceFlow id="d" sourceRef="second" targetRef="e"/><endEvent id="e"/>`,
)

async function setup(t: any) {
  const app = await build(t, { config: { processesDir: noProcesses, engineCacheSize: 200 } })
  let failNext = false
  app.engine.registerHandler('flaky', () => {
    if (failNext) {
      failNext = false
      throw new Error('downstream system unavailable')
    }
    return { svcRan: true }
  })
  const admin = await login(app, 'admin')
  const dep = await app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload: { xml } })
  t.equal(dep.statusCode, 201, dep.body)
  const inst = (await app.inject({ method: 'POST', url: '/api/process-definitions/key/cached/start', headers: admin, payload: {} })).json()
  return { app, admin, inst, failOnce: () => (failNext = true) }
}

t.test('a failing service handler is a 422 that rolls the step back (was a 500), and leaves no engine in memory that differs from the database', async (t) => {
  const { app, admin, inst, failOnce } = await setup(t)
  const first = inst.activeTasks[0]
  failOnce()
  const bad = await app.inject({ method: 'POST', url: `/api/tasks/${first.id}/complete`, headers: admin, payload: { data: { try: 1 } } })
  t.equal(bad.statusCode, 422, 'the handler failure rolls the step back')
  t.equal((await app.db('tasks').where({ id: first.id }).first()).status, 'open')
  // The engine that ran the failed step had already moved past `first`; it must not be reused.
  const ok = await app.inject({ method: 'POST', url: `/api/tasks/${first.id}/complete`, headers: admin, payload: { data: { try: 2 } } })
  t.equal(ok.statusCode, 200, ok.body)
  const after = (await app.inject({ method: 'GET', url: `/api/process-instances/${inst.id}`, headers: admin })).json()
  t.same(
    after.activeTasks.map((x: any) => x.elementId),
    ['second'],
  )
  t.equal(after.variables.try, 2)
  t.equal((await app.db('history').where({ instance_id: inst.id, type: 'task_complete' })).length, 1)
})

t.test('a step made elsewhere (another node) makes the kept engine stale: the next step recovers', async (t) => {
  const { app, admin, inst } = await setup(t)
  const first = inst.activeTasks[0]
  // "Another node": a second runtime over the same database completes the task.
  const other = new Runtime(app.db, app.engine.definitions, 0)
  other.registerHandler('flaky', () => ({ svcRan: 'elsewhere' }))
  await app.db.transaction(async (trx) => {
    const task = await trx('tasks').where({ id: first.id }).first()
    await other.completeTask(trx, task, { by: 'node-b' }, 'admin')
  })
  // This node still holds the engine parked at `first`; the revision tells it that is stale.
  const second = await app.db('tasks').where({ instance_id: inst.id, element_id: 'second', status: 'open' }).first()
  t.ok(second, 'the other node moved the instance on')
  const done = await app.inject({ method: 'POST', url: `/api/tasks/${second.id}/complete`, headers: admin, payload: { data: {} } })
  t.equal(done.statusCode, 200, done.body)
  const after = (await app.inject({ method: 'GET', url: `/api/process-instances/${inst.id}`, headers: admin })).json()
  t.equal(after.state, 'completed')
  t.equal(after.variables.svcRan, 'elsewhere')
  t.equal(after.variables.by, 'node-b')
})
