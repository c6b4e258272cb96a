import t from 'tap'
import { build } from '../helper.js'
import { call } from '../api.js'
import { bilingual } from '../../src/messages/index.js'
import { noProcesses, process as bpmn } from '../fixtures/bpmn.js'
import { failedFollowUp } from '../fixtures/incidents.js'

/**
 * Incidents API (../shared/api.md): a background step that fails becomes an incident in the
 * caller's scope; retry re-runs it, cancel ends the instance. Timers are fired by calling
 * the poller with a clock past their due time.
 */

/** start → PT2S timer → a user task with a non-interrupting cycle whose value is the variable `cyc`. */
const cycling = (id: string) =>
  bpmn(
    id,
    `<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
  <intermediateCatchEvent id="wait"><timerEventDefinition><timeDuration>PT2S</timeDuration></timerEventDefinition></intermediateCatchEvent>
  <sequenceFlow id="f2" sourceRef="wait" targetRef="work"/>
  <userTask id="work" name="办理 Work" camunda:candidateGroups="role:county_admin"/>
  <boundaryEvent id="remind" attachedToRef="work" cancelActivity="false"><timerEventDefinition><timeCycle>=cyc</timeCycle></timerEventDefinition></boundaryEvent>
  <sequenceFlow id="f3" sourceRef="remind" targetRef="e2"/><endEvent id="e2"/>
  <sequenceFlow id="f4" sourceRef="work" targetRef="e"/><endEvent id="e"/>`,
  )

/** start → PT2S timer → a call activity of the key in `child` (not deployed at first). */
const calling = (id: string) =>
  bpmn(
    id,
    `<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
  <intermediateCatchEvent id="wait"><timerEventDefinition><timeDuration>PT2S</timeDuration></timerEventDefinition></intermediateCatchEvent>
  <sequenceFlow id="f2" sourceRef="wait" targetRef="call"/>
  <callActivity id="call" calledElement="=child"/>
  <sequenceFlow id="f3" sourceRef="call" targetRef="e"/><endEvent id="e"/>`,
  )
const child = bpmn(
  'late_child',
  `<startEvent id="s"/><sequenceFlow id="f" sourceRef="s" targetRef="u"/><userTask id="u" camunda:candidateGroups="role:county_admin"/><sequenceFlow id="g" sourceRef="u" targetRef="e"/><endEvent id="e"/>`,
)

const later = () => new Date(Date.now() + 10_000)

async function setup(t: any) {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const deploy = async (user: string, xml: string) => {
    const r = await call(app, user, 'POST', '/api/process-definitions', { xml })
    t.equal(r.status, 201, `deploy as ${user}: ${JSON.stringify(r.body)}`)
  }
  const start = async (user: string, key: string, variables: object) => {
    const r = await call(app, user, 'POST', `/api/process-definitions/key/${key}/start`, { variables })
    t.equal(r.status, 201, `start ${key} as ${user}: ${JSON.stringify(r.body)}`)
    return r.body.id as string
  }
  return { app, deploy, start }
}

// Servers and several engines per test on a shared 2-core machine: well past tap's default.
t.setTimeout(600_000)

t.test('a failing timer becomes an incident scoped to its county; the instance is failed and not retried by the poller', async (t) => {
  const { app, deploy, start } = await setup(t)
  await deploy('xianghe-admin', cycling('cyc_x'))
  await deploy('guangyang-admin', cycling('cyc_g'))
  await deploy('admin', cycling('cyc_city'))
  const xi = await start('xianghe-admin', 'cyc_x', { cyc: 'R/PT0S' })
  const gi = await start('guangyang-admin', 'cyc_g', { cyc: 'R5/PT1S' })
  const ci = await start('admin', 'cyc_city', { cyc: 'R/PT0S' })

  await app.engine.poller.poll(later())
  const all = await call(app, 'admin', 'GET', '/api/incidents')
  t.equal(all.status, 200)
  t.same(all.body.items.map((i: any) => i.instanceId).sort(), [xi, gi, ci].sort(), 'the city administrator sees all three')
  const x = all.body.items.find((i: any) => i.instanceId === xi)
  t.match(x, { kind: 'timer', element: 'remind', status: 'open', attempts: 1, tenant: 'xianghe', caseId: null, processKey: 'cyc_x' })
  t.match(x.message, /R\/PT0S.*without end/)
  // The catalogue message beside the text, for the page to show in its reader's language; the
  // text is that message in both languages (it read "流程执行失败：remind: … / … / process execution failed: remind: …").
  t.equal(x.key, 'deploy.limit.cycleEndless')
  t.match(x.params, { value: 'R/PT0S' })
  t.equal(x.message, bilingual(x.key, x.params))
  t.match(x, { tenantName: '香河县', tenantNameEn: 'Xianghe County' }, 'the county by name beside its code')
  t.match(all.body.items.find((i: any) => i.instanceId === gi).message, /period shorter than 10 s/)
  t.type(x.time, 'string')

  const mine = await call(app, 'xianghe-admin', 'GET', '/api/incidents')
  t.same(
    mine.body.items.map((i: any) => i.instanceId),
    [xi],
    'a county administrator sees only their county',
  )
  const theirs = await call(app, 'guangyang-admin', 'GET', '/api/incidents')
  t.same(
    theirs.body.items.map((i: any) => i.instanceId),
    [gi],
  )
  t.equal((await call(app, 'xianghe-admin', 'GET', `/api/incidents/${x.id}`)).status, 200)
  const cityIncident = all.body.items.find((i: any) => i.instanceId === ci)
  t.equal((await call(app, 'xianghe-admin', 'GET', `/api/incidents/${cityIncident.id}`)).status, 404, 'another scope reads as missing')
  t.equal((await call(app, 'xianghe-admin', 'POST', `/api/incidents/${cityIncident.id}/retry`)).status, 404)
  t.equal((await call(app, 'dispatcher', 'GET', '/api/incidents')).status, 403)
  t.equal((await call(app, 'admin', 'GET', '/api/incidents?status=bogus')).status, 400)

  const inst = await call(app, 'admin', 'GET', `/api/process-instances/${xi}`)
  t.equal(inst.body.status, 'failed', 'the instance is visibly failed')
  t.match(inst.body.error, /R\/PT0S/)
  t.same(inst.body.activeTasks, [], 'the step rolled back: no task of the failed step exists')

  // Later polls leave the failed timer alone: no second incident, no second attempt.
  t.equal(await app.engine.poller.poll(later()), 0)
  const again = await call(app, 'admin', 'GET', `/api/incidents/${x.id}`)
  t.equal(again.body.attempts, 1)
  const hist = await call(app, 'admin', 'GET', `/api/process-instances/${xi}/history`)
  t.equal(hist.body.filter((h: any) => h.type === 'incident').length, 1, 'one incident entry in the history')
})

t.test('retry: fails again with the message kept open, then succeeds once the cause is fixed', async (t) => {
  const { app, deploy, start } = await setup(t)
  await deploy('xianghe-admin', calling('calls_x'))
  const id = await start('xianghe-admin', 'calls_x', { child: 'late_child' })
  await app.engine.poller.poll(later())
  const [incident] = (await call(app, 'xianghe-admin', 'GET', '/api/incidents')).body.items
  // The call activity failed (its called process is missing), not the timer that reached it.
  t.match(incident, { instanceId: id, element: 'call', trigger: 'wait', status: 'open', attempts: 1 })
  t.match(incident.message, /late_child/)

  const failed = await call(app, 'xianghe-admin', 'POST', `/api/incidents/${incident.id}/retry`)
  t.equal(failed.status, 200)
  t.match(failed.body, { status: 'open', attempts: 2 }, 'still open after a failed retry')
  t.match(failed.body.message, /late_child/)
  t.equal((await call(app, 'admin', 'GET', `/api/process-instances/${id}`)).body.status, 'failed')

  await deploy('xianghe-admin', child)
  const ok = await call(app, 'xianghe-admin', 'POST', `/api/incidents/${incident.id}/retry`)
  t.equal(ok.status, 200)
  t.match(ok.body, { status: 'resolved', resolution: 'retried', resolvedBy: 'xianghe-admin' })
  const resolver = await app.db('users').where({ username: 'xianghe-admin' }).first('display_name')
  t.equal(ok.body.resolvedByName, resolver.display_name, 'who resolved it, by name as well')
  const inst = (await call(app, 'admin', 'GET', `/api/process-instances/${id}`)).body
  t.equal(inst.status, 'running', 'the instance runs again')
  t.equal(inst.error, null)
  t.same(
    inst.activeActivities.map((a: any) => a.id),
    ['call'],
    'past the timer, waiting in the call activity',
  )
  t.equal((await call(app, 'xianghe-admin', 'POST', `/api/incidents/${incident.id}/retry`)).status, 409, 'a resolved incident is not retried')
  t.same((await call(app, 'xianghe-admin', 'GET', '/api/incidents')).body.items, [], 'no open incidents left')
  t.equal((await call(app, 'xianghe-admin', 'GET', '/api/incidents?status=resolved')).body.items.length, 1)
})

t.test('cancel ends the instance: tasks, timers and subscriptions cancelled, incidents resolved, history with the reason', async (t) => {
  const { app, deploy, start } = await setup(t)
  await deploy('xianghe-admin', cycling('cyc_x'))
  await deploy('admin', cycling('cyc_city'))
  const failing = await start('xianghe-admin', 'cyc_x', { cyc: 'R/PT0S' })
  const fine = await start('xianghe-admin', 'cyc_x', { cyc: 'R3/PT1H' })
  const city = await start('admin', 'cyc_city', { cyc: 'R3/PT1H' })
  await app.engine.poller.poll(later())
  const running = (await call(app, 'admin', 'GET', `/api/process-instances/${fine}`)).body
  t.equal(running.status, 'running')
  t.equal(running.activeTasks.length, 1, 'the healthy instance waits at its task')

  t.equal((await call(app, 'xianghe-admin', 'POST', `/api/process-instances/${city}/cancel`, { reason: '测试' })).status, 404, 'not their county')
  t.equal((await call(app, 'xianghe-admin', 'POST', `/api/process-instances/${fine}/cancel`, {})).status, 400, 'a reason is required')
  t.equal((await call(app, 'xianghe-admin', 'POST', `/api/process-instances/${fine}/cancel`, { reason: '   ' })).status, 400)
  t.equal((await call(app, 'grid01', 'POST', `/api/process-instances/${fine}/cancel`, { reason: 'x' })).status, 403)

  for (const id of [fine, failing]) {
    const r = await call(app, 'xianghe-admin', 'POST', `/api/process-instances/${id}/cancel`, { reason: '重复立案 duplicate' })
    t.equal(r.status, 200)
    t.match(r.body, { id, status: 'cancelled', error: '重复立案 duplicate' })
    t.type(r.body.endedAt, 'string')
  }
  const inst = (await call(app, 'admin', 'GET', `/api/process-instances/${fine}`)).body
  t.equal(inst.status, 'cancelled')
  t.same(inst.activeTasks, [], 'its task is no longer open')
  const tasks = await app.db('tasks').where({ instance_id: fine })
  t.same(
    tasks.map((x: any) => x.status),
    ['cancelled'],
  )
  t.equal((await app.db('timers').where({ instance_id: fine, status: 'pending' })).length, 0, 'its cycle timer will not fire')
  t.equal(
    (
      await app
        .db('task_candidates')
        .whereIn(
          'task_id',
          tasks.map((x: any) => x.id),
        )
        .where({ open: true })
    ).length,
    0,
  )
  const hist = (await call(app, 'admin', 'GET', `/api/process-instances/${fine}/history`)).body
  t.match(hist.at(-1), { type: 'instance_cancel', actor: 'xianghe-admin', data: { reason: '重复立案 duplicate' } })
  t.ok(hist.some((h: any) => h.type === 'task_cancel'))

  t.same((await call(app, 'xianghe-admin', 'GET', '/api/incidents')).body.items, [], 'the failed instance’s incident is resolved')
  const resolved = (await call(app, 'xianghe-admin', 'GET', '/api/incidents?status=resolved')).body.items
  t.match(resolved, [{ instanceId: failing, resolution: 'cancelled', resolvedBy: 'xianghe-admin' }])
  t.equal(
    (await call(app, 'xianghe-admin', 'POST', `/api/process-instances/${fine}/cancel`, { reason: 'again' })).status,
    409,
    'an ended instance is not cancelled twice',
  )
  t.equal((await call(app, 'admin', 'POST', `/api/process-instances/nope/cancel`, { reason: 'x' })).status, 404)
  t.equal((await call(app, 'admin', 'POST', `/api/process-instances/${city}/cancel`, { reason: 'x' })).status, 200, 'the city administrator cancels any')
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 5 * 3600_000)), 0, 'nothing of the cancelled instances fires')
})

t.test('a service task failing after a timer: the incident names the task, its process by name and the case by number', async (t) => {
  const app = await build(t)
  const { caseNo, c, started } = await failedFollowUp(t, app)
  const { items } = (await call(app, 'xianghe-admin', 'GET', '/api/incidents')).body
  t.equal(items.length, 1)
  t.match(items[0], {
    instanceId: started.body.id,
    kind: 'timer',
    element: 'svc_switch',
    elementName: '转其他流程 / Switch procedure',
    trigger: 'wait_day',
    triggerName: '等一天 / Wait a day',
    processKey: 'follow_up',
    processName: '回访转办 / Follow-up switch',
    caseId: c.id,
    caseNo,
    key: 'error.case.unknownProcedure',
  })
  const hist = (await call(app, 'admin', 'GET', `/api/process-instances/${started.body.id}/history`)).body
  t.match(
    hist.filter((h: any) => h.type === 'incident'),
    [{ elementId: 'svc_switch' }],
    'the history names the task too',
  )
  // A retry that fails again keeps naming the task.
  const again = await call(app, 'xianghe-admin', 'POST', `/api/incidents/${items[0].id}/retry`)
  t.match(again.body, { status: 'open', attempts: 2, element: 'svc_switch', trigger: 'wait_day' })
})

/** A timer on a loop back to itself (allowed: its duration is not shorter than a cycle's period). */
const timerLoop = (id: string) =>
  bpmn(
    id,
    `<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="tick"/>
  <intermediateCatchEvent id="tick"><timerEventDefinition><timeDuration>PT10S</timeDuration></timerEventDefinition></intermediateCatchEvent>
  <sequenceFlow id="f1" sourceRef="tick" targetRef="g"/><exclusiveGateway id="g" default="back"/>
  <sequenceFlow id="back" sourceRef="g" targetRef="tick"/>
  <sequenceFlow id="out" sourceRef="g" targetRef="e"><conditionExpression>=false</conditionExpression></sequenceFlow><endEvent id="e"/>`,
  )

t.test('a timer loop going round by itself stops at the firings bound as an incident (a county loop ran for ever)', async (t) => {
  const { app, deploy, start } = await setup(t)
  await deploy('xianghe-admin', timerLoop('tick_loop'))
  const id = await start('xianghe-admin', 'tick_loop', {})
  // Two rounds go through on their own: the loop is what the diagram says.
  let clock = Date.now()
  const round = async () => app.engine.poller.poll(new Date((clock += 11_000)))
  t.equal(await round(), 1)
  t.equal(await round(), 1)
  t.equal((await app.db('timers').where({ instance_id: id, status: 'fired' })).length, 2)
  // The instance's life so far, as if it had gone round 4,997 times more (5,000 is the bound:
  // validate-limits.ts, STEP_LIMITS.timerFirings). Rows of an element that no longer waits.
  const template = await app.db('timers').where({ instance_id: id, status: 'fired' }).first()
  const rows = Array.from({ length: 4997 }, (_, i) => ({ ...template, id: `past-${i}`, execution_id: `past-${i}` }))
  for (let i = 0; i < rows.length; i += 200) await app.db('timers').insert(rows.slice(i, i + 200))
  // What the flow did (the incident adds an entry of its own).
  const history = async () => (await app.db('history').where({ instance_id: id }).whereNot({ type: 'incident' })).length
  t.equal(await round(), 1, 'the 5,000th firing still goes through')
  const before = await history()
  t.equal(await round(), 0, 'the next does not')
  t.equal(await history(), before, 'and the instance does not move')
  const incidents = await call(app, 'xianghe-admin', 'GET', '/api/incidents')
  const mine = incidents.body.items.filter((i: any) => i.instanceId === id)
  t.equal(mine.length, 1, 'one incident of the instance')
  t.match(mine[0], { kind: 'timer', element: 'tick', status: 'open', key: 'step.timerFirings', params: { max: 5000 } })
  t.match(mine[0].message, /已触发 5000 次.*\/.*fired 5000 times/)
  t.equal(await round(), 0, 'later polls leave it alone')
  t.equal(await history(), before)
})
