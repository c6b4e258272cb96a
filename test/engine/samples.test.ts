// @sqlite-only: the engine's behaviour on published diagrams; the durable step on PostgreSQL is driven by the procedure, engine and timer tests
import path from 'node:path'
import fs from 'node:fs'
import t from 'tap'
import { build, login } from '../helper.js'
import { noProcesses } from '../fixtures/bpmn.js'
import { projectRoot } from '../../src/lib/paths.js'

/**
 * The published diagrams in test/fixtures/bpmn-samples (from ../shared/data/bpmn-samples) either deploy and behave as their
 * origin's own tests expect, or are refused with a 400 naming every unsupported element
 * (the element-by-element reasons are asserted in validate.test.ts).
 */
const dir = path.join(projectRoot(), 'test/fixtures/bpmn-samples') + '/'
const read = (f: string) => fs.readFileSync(dir + f, 'utf8')

const refused: Record<string, string[]> = {
  'bpmn-engine__issue-187.bpmn': ['Flow_0zubkyw', 'task_check', 'Activity_1dcslsv'],
  'bpmn-engine__signals.bpmn': ['getSpotPrice'],
  'camunda-examples__camunda-testing-job-announcement-publication.bpmn': [
    'publish_announcement_website',
    'publish_announcement_twitter',
    'publish_announcement_facebook',
  ],
  'camunda-examples__camunda-testing-job-announcement.bpmn': ['mail', 'review', 'correct'],
  'camunda-examples__loan-granting.bpmn': ['StartEvent_1', 'Task_1lvjtd4'],
  'camunda-examples__process.bpmn': ['scriptTask', 'serviceTask'],
  'camunda-platform__invoice.v2.bpmn': ['approveInvoice', 'prepareBankTransfer', 'assignApprover', 'ServiceTask_1'],
  'camunda-platform__reviewInvoice.bpmn': ['reviewInvoice'],
  'miwg__B.2.0.bpmn': [],
  'miwg__C.9.2.bpmn': ['CallActivity_RequestDocument', 'SendTask_NotifyCustomerDelay'],
}

async function setup(t: any) {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const admin = await login(app, 'admin')
  const deploy = (xml: string) => app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload: { xml } })
  const start = async (key: string) => {
    const r = await app.inject({ method: 'POST', url: `/api/process-definitions/key/${key}/start`, headers: admin, payload: {} })
    if (r.statusCode !== 201) throw new Error(`start ${key}: ${r.statusCode} ${r.body}`)
    return r.json()
  }
  const get = async (id: string) => (await app.inject({ method: 'GET', url: `/api/process-instances/${id}`, headers: admin })).json()
  return { app, admin, deploy, start, get }
}

t.test('unsupported samples are refused with a 400 naming each unsupported element', async (t) => {
  const { deploy } = await setup(t)
  for (const [file, ids] of Object.entries(refused)) {
    const r = await deploy(read(file))
    t.equal(r.statusCode, 400, file)
    const named = new Set(r.json().details.map((d: any) => d.elementId))
    for (const id of ids) t.ok(named.has(id), `${file} names ${id}`)
    t.ok(
      r.json().details.every((d: any) => typeof d.message === 'string' && d.message.includes(' / ')),
      `${file}: messages in Chinese and English`,
    )
  }
})

t.test('Camunda UserTaskTest complex scenario: 13 waiting user tasks, then runs to the end', async (t) => {
  const { app, admin, deploy, start, get } = await setup(t)
  const r = await deploy(read('camunda-platform__UserTaskTest.testComplexScenarioWithSubprocessesAndParallelGateways.bpmn'))
  t.equal(r.statusCode, 201)
  const inst = await start(r.json().key)
  t.equal(inst.activeTasks.length, 13, "as Camunda's own test asserts")
  let completed = 0
  for (let i = 0; i < 100; i++) {
    const now = await get(inst.id)
    if (now.state !== 'running') break
    const task = now.activeTasks[0]
    t.ok(task, 'a running instance has a task to do')
    if (!task) break
    const c = await app.inject({ method: 'POST', url: `/api/tasks/${task.id}/complete`, headers: admin, payload: { data: {} } })
    t.equal(c.statusCode, 200)
    completed++
  }
  t.equal((await get(inst.id)).state, 'completed')
  t.ok(completed >= 13, `completed ${completed} tasks`)
  t.equal(
    await app
      .db('tasks')
      .where({ instance_id: inst.id, status: 'open' })
      .count({ n: '*' })
      .first()
      .then((x: any) => Number(x.n)),
    0,
  )
})

t.test('Camunda CancelAcquiredJobTest: the interrupting cycle timer ends the instance through the terminate end event', async (t) => {
  const { app, deploy, start, get } = await setup(t)
  const r = await deploy(read('camunda-platform__CancelAcquiredJobTest.testBothJobsAcquiredAtSameTime.bpmn'))
  t.equal(r.statusCode, 201)
  const inst = await start(r.json().key)
  t.equal(inst.activeTasks.length, 1)
  t.equal((await app.db('timers').where({ instance_id: inst.id, status: 'pending' })).length, 2, 'both boundary timers are due-dated rows')
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 16_000)), 1, 'the 15 s interrupting timer fires')
  const after = await get(inst.id)
  t.equal(after.state, 'completed')
  t.equal((await app.db('tasks').where({ instance_id: inst.id }).first()).status, 'cancelled')
  t.equal((await app.db('timers').where({ instance_id: inst.id, status: 'pending' })).length, 0, 'the other timer went with the task')
})

t.test('Camunda invoicePayment: the user task completes to the end', async (t) => {
  const { app, admin, deploy, start, get } = await setup(t)
  const r = await deploy(read('camunda-examples__invoicePayment.bpmn'))
  t.equal(r.statusCode, 201)
  const inst = await start(r.json().key)
  t.equal(inst.activeTasks.length, 1)
  const c = await app.inject({ method: 'POST', url: `/api/tasks/${inst.activeTasks[0].id}/complete`, headers: admin, payload: { data: {} } })
  t.equal(c.statusCode, 200)
  t.equal((await get(inst.id)).state, 'completed')
})

t.test('bpmn-engine timers sample: waits at its cycle timer start event, which fires from the table', async (t) => {
  const { app, deploy, start, get } = await setup(t)
  const r = await deploy(read('bpmn-engine__timers.bpmn'))
  t.equal(r.statusCode, 201)
  const inst = await start(r.json().key)
  const timers = await app.db('timers').where({ instance_id: inst.id, status: 'pending' })
  t.equal(timers.length, 1)
  t.equal(timers[0].value, 'R3/PT10H')
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 10 * 3600e3 + 1000)), 1)
  t.not((await get(inst.id)).activeActivities.map((a: any) => a.id).join(), 'start-cycle', 'moved past the start event')
})

t.test('MIWG C.9.1 document request: the emailService send task is an external task a worker completes, then the answer ends it', async (t) => {
  const { app, admin, deploy, start, get } = await setup(t)
  const r = await deploy(read('miwg__C.9.1.bpmn'))
  t.equal(r.statusCode, 201, 'deploys: its topic has no in-process handler, so it is served to workers')
  const inst = await start(r.json().key)
  t.same(
    inst.activeActivities.map((a: any) => a.id),
    ['SendTask_RequestDocument'],
  )
  const fetched = await app.inject({
    method: 'POST',
    url: '/engine-rest/external-task/fetchAndLock',
    headers: admin,
    payload: { workerId: 'mail-gateway', maxTasks: 5, topics: [{ topicName: 'emailService', lockDuration: 60_000 }] },
  })
  t.equal(fetched.statusCode, 200)
  const tasks = JSON.parse(fetched.body)
  t.same(
    tasks.map((x: any) => [x.activityId, x.processInstanceId]),
    [['SendTask_RequestDocument', inst.id]],
  )
  const done = await app.inject({
    method: 'POST',
    url: `/engine-rest/external-task/${tasks[0].id}/complete`,
    headers: admin,
    payload: { workerId: 'mail-gateway' },
  })
  t.equal(done.statusCode, 204)
  const waiting = await get(inst.id)
  t.ok(
    waiting.activeActivities.some((a: any) => a.id === 'ReceiveTask_WaitForDocument'),
    'waits for the answer, with its two boundary timers',
  )
  t.equal((await app.db('timers').where({ instance_id: inst.id, status: 'pending' })).length, 2)
  const m = await app.inject({ method: 'POST', url: '/api/messages', headers: admin, payload: { name: 'MESSAGE_documentReceived', instanceId: inst.id } })
  t.equal(m.statusCode, 200, m.body)
  t.equal((await get(inst.id)).state, 'completed', 'the main path: document received')
  t.equal((await app.db('timers').where({ instance_id: inst.id, status: 'pending' })).length, 0)
})
