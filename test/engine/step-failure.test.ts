import t from 'tap'
import { build, onPostgres } from '../helper.js'
import { call } from '../api.js'
import { noProcesses, process as bpmn } from '../fixtures/bpmn.js'

/**
 * A step that fails for a reason nobody foresaw (here a service handler's bug, a TypeError) told
 * the person "流程执行失败：Cannot read properties of undefined (reading 'unitCode')": the
 * engine's English inside a Chinese sentence. The answer is now a whole sentence in the reader's
 * language saying where it was recorded; the English stays with the administrator (an incident
 * of the instance, and the server log).
 */
const db = onPostgres ? 'PostgreSQL' : 'SQLite'
const BUG = "Cannot read properties of undefined (reading 'unitCode')"

const afterTask = bpmn(
  'buggy_after',
  `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="first"/>
   <userTask id="first" camunda:assignee="xianghe-admin"/><sequenceFlow id="b" sourceRef="first" targetRef="svc"/>
   <serviceTask id="svc" camunda:type="external" camunda:topic="buggy"/><sequenceFlow id="c" sourceRef="svc" targetRef="second"/>
   <userTask id="second" camunda:assignee="xianghe-admin"/><sequenceFlow id="d" sourceRef="second" targetRef="e"/><endEvent id="e"/>`,
)
const atStart = bpmn(
  'buggy_start',
  `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="svc"/>
   <serviceTask id="svc" camunda:type="external" camunda:topic="buggy"/><sequenceFlow id="b" sourceRef="svc" targetRef="e"/><endEvent id="e"/>`,
)

/** Nothing of the engine's text in what the person is answered: not in the sentence, not in a parameter. */
function noEngineText(t: any, body: any) {
  const answer = JSON.stringify(body)
  t.notMatch(answer, /Cannot read|unitCode|TypeError/, 'no engine text in the answer')
}

t.test(`an unforeseen step failure answers a sentence in the reader's language; the administrator finds the engine's text (${db})`, async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  app.engine.registerHandler('buggy', () => {
    throw new TypeError(BUG)
  })
  for (const xml of [afterTask, atStart]) t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml })).status, 201)
  const started = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/buggy_after/start', {})
  t.equal(started.status, 201)
  const first = started.body.activeTasks[0]

  const failed = await call(app, 'xianghe-admin', 'POST', `/api/tasks/${first.id}/complete`, { data: {} })
  t.equal(failed.status, 422)
  t.match(failed.body, { error: 'unprocessable', key: 'error.engine.stepFailedIncident', params: { incident: String } })
  noEngineText(t, failed.body)
  const incidentId = failed.body.params.incident
  t.equal(
    failed.body.message,
    `流程执行失败：出现了意外错误，这一步什么也没有改变；已记录为流程事件 ${incidentId}，管理员可在“流程事件”页查看 / ` +
      `process execution failed: something unexpected went wrong and this step changed nothing; it is recorded as incident ${incidentId}, which an administrator can see on the Incidents page`,
  )

  // The administrator reads the engine's text in the incident the answer names.
  const incident = await call(app, 'xianghe-admin', 'GET', `/api/incidents/${incidentId}`)
  t.equal(incident.status, 200)
  t.match(incident.body, { kind: 'step', element: 'svc', status: 'open', attempts: 1, key: 'error.engine.executionFailed', params: { detail: BUG } })
  t.ok(incident.body.message.includes(BUG), incident.body.message)

  // Nothing of the step happened and nothing holds the instance: the person may try again.
  const inst = (await call(app, 'xianghe-admin', 'GET', `/api/process-instances/${started.body.id}`)).body
  t.equal(inst.status, 'running', 'the instance is not parked as failed')
  t.same(
    inst.activeTasks.map((x: any) => [x.id, x.elementId]),
    [[first.id, 'first']],
    'the task is still open',
  )
  const again = await call(app, 'xianghe-admin', 'POST', `/api/tasks/${first.id}/complete`, { data: {} })
  t.match(again.body, { key: 'error.engine.stepFailedIncident', params: { incident: incidentId } }, 'the same incident, counted again')
  t.equal((await call(app, 'xianghe-admin', 'GET', `/api/incidents/${incidentId}`)).body.attempts, 2)
  const history = (await call(app, 'xianghe-admin', 'GET', `/api/process-instances/${started.body.id}/history`)).body
  noEngineText(t, history)

  // A start that fails has no instance left to attach an incident to: the server log keeps it.
  const start = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/buggy_start/start', {})
  t.equal(start.status, 422)
  t.match(start.body, { key: 'error.engine.stepFailedLogged', params: { ref: /^[0-9a-f]{8}$/ } })
  noEngineText(t, start.body)
  t.equal((await app.db('process_instances').where({ key: 'buggy_start' })).length, 0, 'the start rolled back')

  // Once the cause is fixed, the same completion goes through.
  app.engine.registerHandler('buggy', () => ({ fixed: true }))
  t.equal((await call(app, 'xianghe-admin', 'POST', `/api/tasks/${first.id}/complete`, { data: {} })).status, 200)
})

t.test(`a step incident is resolved by the later step that gets past the failed element, not left for an administrator (${db})`, async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  let broken = true
  app.engine.registerHandler('buggy', () => {
    if (broken) throw new TypeError(BUG)
    return { fixed: true }
  })
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: afterTask })).status, 201)
  const started = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/buggy_after/start', {})
  const first = started.body.activeTasks[0]
  const instanceUrl = `/api/process-instances/${started.body.id}`
  const failed = await call(app, 'xianghe-admin', 'POST', `/api/tasks/${first.id}/complete`, { data: {} })
  t.equal(failed.status, 422)
  const incidentId = failed.body.params.incident
  t.match(
    (await call(app, 'xianghe-admin', 'GET', instanceUrl)).body,
    { status: 'running', error: new RegExp(BUG.slice(0, 20)) },
    'the instance says what failed',
  )

  // A step that does not get past `svc` (here another instance's) leaves it open.
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/buggy_after/start', {})).status, 201)
  t.equal((await call(app, 'xianghe-admin', 'GET', `/api/incidents/${incidentId}`)).body.status, 'open', 'another instance does not resolve it')

  broken = false
  t.equal((await call(app, 'xianghe-admin', 'POST', `/api/tasks/${first.id}/complete`, { data: {} })).status, 200)
  const incident = (await call(app, 'xianghe-admin', 'GET', `/api/incidents/${incidentId}`)).body
  t.match(incident, { status: 'resolved', resolution: 'passed', resolvedBy: 'xianghe-admin', attempts: 1 }, 'resolved by the step that went through')
  t.match((await call(app, 'xianghe-admin', 'GET', instanceUrl)).body, { status: 'running', error: null }, 'the instance no longer names a failure')
  const open = (await call(app, 'xianghe-admin', 'GET', '/api/incidents')).body
  t.notOk(
    open.items.some((i: any) => i.id === incidentId),
    'gone from the open list',
  )
})
