import t from 'tap'
import { build, login } from '../helper.js'
import { approval, noProcesses, process as bpmn, timed } from '../fixtures/bpmn.js'

async function deploy(app: any, headers: any, xml: string, tenant?: string) {
  const res = await app.inject({ method: 'POST', url: '/api/process-definitions', headers, payload: { xml, ...(tenant && { tenant }) } })
  return res
}

/** The approval fixture's review task declares its one field, `score`, in a form of its own. */
async function buildWithReviewForm(t: any) {
  const app = await build(t, { config: { processesDir: noProcesses } })
  // Forms are deployed resources (src/tasks/form-store.ts): `shuoshi:test-review` names `shuoshi-test-review`.
  await app.engine.resources.deploy(
    'form',
    JSON.stringify({
      id: 'shuoshi-test-review',
      type: 'default',
      components: [{ key: 'score', type: 'number', label: '评分', validate: { required: true, min: 0, max: 5 } }],
    }),
  )
  return app
}

t.test('deploy, start, complete: FEEL conditions route the flow and outputs become variables', async (t) => {
  const app = await buildWithReviewForm(t)
  const admin = await login(app, 'admin')
  const dep = await deploy(app, admin, approval())
  t.equal(dep.statusCode, 201, dep.body)
  t.match(dep.json(), { key: 'approval', version: 1, tenant: null })

  const again = await deploy(app, admin, approval())
  t.equal(again.statusCode, 200, 'unchanged XML is not a new version')
  t.equal(again.json().version, 1)

  const start = await app.inject({
    method: 'POST',
    url: '/api/process-definitions/key/approval/start',
    headers: admin,
    payload: { tenant: 'xianghe', variables: { reviewer: 'grid01', grade: 3 } },
  })
  t.equal(start.statusCode, 201, start.body)
  const inst = start.json()
  t.equal(inst.state, 'running')
  t.same(
    inst.activeActivities.map((a: any) => a.id),
    ['review'],
  )
  t.equal(inst.activeTasks.length, 1)
  const task = inst.activeTasks[0]
  t.equal(task.assignee, 'grid01')
  t.equal(task.priority, 30, 'priority from a FEEL expression')
  t.ok(task.dueAt > new Date(Date.now() + 47 * 3600e3).toISOString(), 'dueDate P2D counts from now')

  const grid = await login(app, 'grid01')
  const done = await app.inject({ method: 'POST', url: `/api/tasks/${task.id}/complete`, headers: grid, payload: { data: { score: 4 } } })
  t.equal(done.statusCode, 200, done.body)
  t.equal(done.json().status, 'completed')

  const after = await app.inject({ method: 'GET', url: `/api/process-instances/${inst.id}`, headers: admin })
  t.equal(after.json().state, 'completed', 'score >= 3 took the approved flow to the end')
  t.equal(after.json().variables.score, 4)

  const again2 = await app.inject({ method: 'POST', url: `/api/tasks/${task.id}/complete`, headers: grid, payload: { data: { score: 4 } } })
  t.equal(again2.statusCode, 409, 'completing a completed task is a conflict')

  const hist = await app.inject({ method: 'GET', url: `/api/process-instances/${inst.id}/history`, headers: admin })
  const types = hist.json().map((h: any) => h.type)
  for (const ty of ['instance_start', 'activity_start', 'task_create', 'task_complete', 'variable_change', 'activity_end', 'instance_end'])
    t.ok(types.includes(ty), `history has ${ty}`)
  t.equal(hist.json().find((h: any) => h.type === 'task_complete').actor, 'grid01')
})

t.test('the default flow is taken when the FEEL condition is false', async (t) => {
  const app = await buildWithReviewForm(t)
  const admin = await login(app, 'admin')
  await deploy(app, admin, approval())
  const inst = (
    await app.inject({
      method: 'POST',
      url: '/api/process-definitions/key/approval/start',
      headers: admin,
      payload: { tenant: 'xianghe', variables: { reviewer: 'grid01', grade: 1 } },
    })
  ).json()
  const grid = await login(app, 'grid01')
  const r = await app.inject({ method: 'POST', url: `/api/tasks/${inst.activeTasks[0].id}/complete`, headers: grid, payload: { data: { score: 2 } } })
  t.equal(r.statusCode, 200)
  const after = (await app.inject({ method: 'GET', url: `/api/process-instances/${inst.id}`, headers: admin })).json()
  t.same(
    after.activeActivities.map((a: any) => a.id),
    ['rework'],
  )
  t.same(after.activeTasks[0].candidateGroups, ['role:dispatcher'])
})

t.test("claim rules: someone else's claimed task is a 409, a stranger gets 404/403", async (t) => {
  const app = await buildWithReviewForm(t)
  const admin = await login(app, 'admin')
  await deploy(app, admin, approval())
  const inst = (
    await app.inject({
      method: 'POST',
      url: '/api/process-definitions/key/approval/start',
      headers: admin,
      payload: { tenant: 'xianghe', variables: { reviewer: 'grid01', grade: 1 } },
    })
  ).json()
  const grid = await login(app, 'grid01')
  await app.inject({ method: 'POST', url: `/api/tasks/${inst.activeTasks[0].id}/complete`, headers: grid, payload: { data: { score: 1 } } })
  const rework = (await app.inject({ method: 'GET', url: `/api/process-instances/${inst.id}`, headers: admin })).json().activeTasks[0]

  const dispatcher = await login(app, 'dispatcher')
  const mine = await app.inject({ method: 'GET', url: '/api/tasks?assigned=candidate', headers: dispatcher })
  t.ok(
    mine.json().items.some((x: any) => x.id === rework.id),
    'the dispatcher sees the group task',
  )
  const strangerView = await app.inject({ method: 'GET', url: `/api/tasks/${rework.id}`, headers: grid })
  t.equal(strangerView.statusCode, 404, "a grid worker does not see the dispatchers' task")

  const claim = await app.inject({ method: 'POST', url: `/api/tasks/${rework.id}/claim`, headers: dispatcher })
  t.equal(claim.statusCode, 200)
  t.equal(claim.json().assignee, 'dispatcher')
  const adminComplete = await app.inject({ method: 'POST', url: `/api/tasks/${rework.id}/claim`, headers: await login(app, 'xianghe-dispatcher') })
  t.equal(adminComplete.statusCode, 409, 'a claimed task cannot be claimed by another')
  const unclaim = await app.inject({ method: 'POST', url: `/api/tasks/${rework.id}/unclaim`, headers: dispatcher })
  t.equal(unclaim.json().assignee, null)
})

t.test('form data is validated against the task form', async (t) => {
  const app = await buildWithReviewForm(t)
  const admin = await login(app, 'admin')
  await deploy(app, admin, approval())
  const inst = (
    await app.inject({
      method: 'POST',
      url: '/api/process-definitions/key/approval/start',
      headers: admin,
      payload: { tenant: 'xianghe', variables: { reviewer: 'grid01', grade: 1 } },
    })
  ).json()
  const grid = await login(app, 'grid01')
  const bad = await app.inject({ method: 'POST', url: `/api/tasks/${inst.activeTasks[0].id}/complete`, headers: grid, payload: { data: { score: 9 } } })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().details[0].field, 'score')
  const missing = await app.inject({ method: 'POST', url: `/api/tasks/${inst.activeTasks[0].id}/complete`, headers: grid, payload: { data: {} } })
  t.equal(missing.statusCode, 400)
  const view = await app.inject({ method: 'GET', url: `/api/tasks/${inst.activeTasks[0].id}`, headers: grid })
  t.equal(view.json().form.schema.components[0].key, 'score')
})

t.test('an interrupting boundary timer fires once through the poller and cancels the task', async (t) => {
  const app = await buildWithReviewForm(t)
  const admin = await login(app, 'admin')
  t.equal((await deploy(app, admin, timed('timed', 'PT2S'))).statusCode, 201)
  const inst = (await app.inject({ method: 'POST', url: '/api/process-definitions/key/timed/start', headers: admin, payload: {} })).json()
  const timers = await app.db('timers').where({ instance_id: inst.id })
  t.equal(timers.length, 1)
  t.equal(timers[0].status, 'pending')
  t.equal(await app.engine.poller.poll(new Date()), 0, 'not due yet')
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 3000)), 1, 'fires when due')
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 6000)), 0, 'and only once')
  const after = (await app.inject({ method: 'GET', url: `/api/process-instances/${inst.id}`, headers: admin })).json()
  t.same(
    after.activeActivities.map((a: any) => a.id),
    ['supervise'],
  )
  const work = await app.db('tasks').where({ instance_id: inst.id, element_id: 'work' }).first()
  t.equal(work.status, 'cancelled')
  t.equal((await app.db('timers').where({ instance_id: inst.id }).first()).status, 'fired')
})

t.test('a non-interrupting cycle timer repeats and leaves the task open; completing the task cancels it', async (t) => {
  const app = await buildWithReviewForm(t)
  const admin = await login(app, 'admin')
  const xml = bpmn(
    'remind',
    `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="work"/>
     <userTask id="work" camunda:assignee="grid01"/>
     <boundaryEvent id="cyc" attachedToRef="work" cancelActivity="false"><timerEventDefinition><timeCycle>R3/PT1H</timeCycle></timerEventDefinition></boundaryEvent>
     <sequenceFlow id="b" sourceRef="cyc" targetRef="note"/><intermediateThrowEvent id="note"/><sequenceFlow id="c" sourceRef="note" targetRef="e2"/><endEvent id="e2"/>
     <sequenceFlow id="d" sourceRef="work" targetRef="e"/><endEvent id="e"/>`,
  )
  t.equal((await deploy(app, admin, xml)).statusCode, 201)
  const inst = (await app.inject({ method: 'POST', url: '/api/process-definitions/key/remind/start', headers: admin, payload: { tenant: 'xianghe' } })).json()
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 3601e3)), 1)
  const pending = await app.db('timers').where({ instance_id: inst.id, status: 'pending' })
  t.equal(pending.length, 1, 'the next repetition is armed')
  t.equal((await app.db('timers').where({ instance_id: inst.id, status: 'fired' })).length, 1)
  const task = await app.db('tasks').where({ instance_id: inst.id, status: 'open' }).first()
  t.ok(task, 'the task is still open')
  const grid = await login(app, 'grid01')
  t.equal((await app.inject({ method: 'POST', url: `/api/tasks/${task.id}/complete`, headers: grid, payload: { data: {} } })).statusCode, 200)
  t.equal((await app.db('timers').where({ instance_id: inst.id, status: 'pending' })).length, 0, 'leaving the task cancels its timer')
  t.equal((await app.db('process_instances').where({ id: inst.id }).first()).status, 'completed')
})
