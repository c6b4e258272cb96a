import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from '../helper.js'
import { as, call, caseByNo, petition } from '../api.js'
import { process } from '../fixtures/bpmn.js'

/**
 * Regression: a user a county administrator created with a plain group (`accounting`) read,
 * claimed and completed another county's and the city's tasks offered to that group, as plain
 * tokens were never checked against the task's tenant (only `role:` ones were). A county's user
 * now receives only their county's tasks, whatever token names them; city-level users every
 * tenant's.
 */

const acct = process(
  'probe_acct',
  '<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="u"/><userTask id="u" name="记账 Book" camunda:candidateGroups="accounting"/><sequenceFlow id="f2" sourceRef="u" targetRef="e"/><endEvent id="e"/>',
)

type App = FastifyInstance

/** Deploys acct.bpmn as `who` (their tenant) and starts it; the instance and its one task. */
async function started(t: Test, app: App, who: string, body: Record<string, unknown> = {}) {
  const deployed = await call(app, who, 'POST', '/api/process-definitions', { xml: acct })
  t.ok([200, 201].includes(deployed.status), `${who} deploys: ${JSON.stringify(deployed.body)}`)
  const r = await call(app, who, 'POST', '/api/process-definitions/key/probe_acct/start', body)
  t.equal(r.status, 201, `${who} starts: ${JSON.stringify(r.body)}`)
  return { instanceId: r.body.id as string, taskId: r.body.activeTasks[0].id as string }
}

async function createUser(t: Test, app: App, by: string, username: string, unitCode: string) {
  const r = await call(app, by, 'POST', '/api/org/users', {
    username,
    displayName: username,
    password: 'spyspyspy',
    roles: ['handler'],
    unitCode,
    groups: ['accounting'],
  })
  t.equal(r.status, 201, `${by} creates ${username}: ${JSON.stringify(r.body)}`)
  await as(app, username, 'spyspyspy')
}

const listed = async (app: App, user: string, qs: string) => {
  const r = await call(app, user, 'GET', `/api/tasks?${qs}`)
  return new Set<string>(r.body.items.map((x: { id: string }) => x.id))
}

/** What the instance and its task are, read as the city administrator (not as the user tried). */
const stateOf = async (app: App, instanceId: string, taskId: string) => ({
  instance: (await call(app, 'admin', 'GET', `/api/process-instances/${instanceId}`)).body.status,
  task: (await call(app, 'admin', 'GET', `/api/tasks/${taskId}`)).body,
})

t.test('a county-created user with a plain group gets neither another county’s nor the city’s task of that group', async (t) => {
  const app = await build(t)
  const gy = await started(t, app, 'guangyang-admin')
  const city = await started(t, app, 'admin')
  const xh = await started(t, app, 'xianghe-admin')
  t.equal((await stateOf(app, gy.instanceId, gy.taskId)).task.tenant, 'guangyang')
  t.equal((await stateOf(app, city.instanceId, city.taskId)).task.tenant, null)

  await createUser(t, app, 'xianghe-admin', 'xh-spy', 'xianghe-centre')

  for (const [what, other] of [
    ['Guangyang', gy],
    ['city', city],
  ] as const) {
    for (const qs of ['assigned=candidate', 'assigned=all', 'assigned=me', 'assigned=all&status=completed']) {
      t.notOk((await listed(app, 'xh-spy', qs)).has(other.taskId), `${what} task not in ${qs}`)
    }
    t.equal((await call(app, 'xh-spy', 'GET', `/api/tasks/${other.taskId}`)).status, 404, `${what} task: 404`)
    t.equal((await call(app, 'xh-spy', 'POST', `/api/tasks/${other.taskId}/claim`)).status, 404, `${what} task: claim 404`)
    const bulk = await call(app, 'xh-spy', 'POST', '/api/tasks/claim', { ids: [other.taskId] })
    t.equal(bulk.status, 200)
    t.equal(bulk.body.results[0].status, 404, `${what} task: bulk claim 404`)
    t.equal((await call(app, 'xh-spy', 'POST', `/api/tasks/${other.taskId}/unclaim`)).status, 404, `${what} task: unclaim 404`)
    t.equal((await call(app, 'xh-spy', 'POST', `/api/tasks/${other.taskId}/complete`, { data: {} })).status, 404, `${what} task: complete 404`)
    const after = await stateOf(app, other.instanceId, other.taskId)
    t.equal(after.instance, 'running', `${what} instance still running`)
    t.match(after.task, { status: 'open', assignee: null, completedBy: null }, `${what} task untouched`)
  }
  const count = (await call(app, 'xh-spy', 'GET', '/api/tasks?assigned=candidate')).body
  t.equal(count.total, count.items.length, 'the count agrees with the list')

  // Their own county's task of the same group is still theirs.
  t.ok((await listed(app, 'xh-spy', 'assigned=candidate')).has(xh.taskId), 'own county’s task listed')
  t.equal((await call(app, 'xh-spy', 'POST', `/api/tasks/${xh.taskId}/claim`)).status, 200)
  const done = await call(app, 'xh-spy', 'POST', `/api/tasks/${xh.taskId}/complete`, { data: {} })
  t.equal(done.status, 200)
  t.equal(done.body.completedBy, 'xh-spy')
  t.equal((await stateOf(app, xh.instanceId, xh.taskId)).instance, 'completed', 'own county’s instance completes')

  // Guangyang's own user of the group gets Guangyang's task, not the city's.
  await createUser(t, app, 'guangyang-admin', 'gy-clerk', 'guangyang-centre')
  const gyList = await listed(app, 'gy-clerk', 'assigned=candidate')
  t.ok(gyList.has(gy.taskId), 'a Guangyang user of the group gets Guangyang’s task')
  t.notOk(gyList.has(city.taskId), 'but not the city’s')

  // The city's own user of the group (demo `accountant`, langfang-centre) works on every tenant's.
  const cityList = await listed(app, 'accountant', 'assigned=candidate')
  t.ok(cityList.has(city.taskId) && cityList.has(gy.taskId), 'a city user of the group gets the city’s and the counties’')
  t.equal((await call(app, 'accountant', 'POST', `/api/tasks/${city.taskId}/complete`, { data: {} })).status, 200)
  t.equal((await stateOf(app, city.instanceId, city.taskId)).instance, 'completed')
})

t.test('a task of another county offered to a plain group gives no sight of its case', async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    description: '小区门口垃圾无人清运',
    category: 'environment.garbage',
    regionCode: 'gy-xinyuan-v01-g1',
    petitioner: { type: 'person', anonymous: false, name: '王五', phone: '13800000000' },
  })
  const c = await caseByNo(app, p.caseNo)
  // A case is carried by one procedure at a time: the county's own probe takes over from it.
  const carrier = (await app.db('cases').where({ id: c.id }).first('instance_id')).instance_id
  const cancelled = await call(app, 'guangyang-admin', 'POST', `/api/process-instances/${carrier}/cancel`, { reason: '改由记账流程办理' })
  t.equal(cancelled.status, 200, JSON.stringify(cancelled.body))
  const gy = await started(t, app, 'guangyang-admin', { caseId: c.id })
  t.equal((await stateOf(app, gy.instanceId, gy.taskId)).task.caseId, c.id)
  await createUser(t, app, 'xianghe-admin', 'xh-spy', 'xianghe-centre')
  t.equal((await call(app, 'xh-spy', 'GET', `/api/cases/${c.id}`)).status, 404, 'the case: 404')
  const list = await call(app, 'xh-spy', 'GET', '/api/cases')
  t.equal(list.status, 200)
  t.notOk(
    list.body.items.some((x: { id: string }) => x.id === c.id),
    'not in their case list',
  )
  // A Guangyang user of the group is involved in it.
  await createUser(t, app, 'guangyang-admin', 'gy-clerk', 'guangyang-centre')
  t.equal((await call(app, 'gy-clerk', 'GET', `/api/cases/${c.id}`)).status, 200, 'a Guangyang user of the group sees the case')
})

t.test('a county version whose only receivers are in another county is refused at deploy', async (t) => {
  const app = await build(t)
  // Guangyang's user is the only one holding `gy_only`; a Xianghe task offered to it would wait for nobody.
  const r = await call(app, 'guangyang-admin', 'POST', '/api/org/users', {
    username: 'gy-clerk',
    displayName: 'gy-clerk',
    password: 'clerkclerk',
    roles: ['handler'],
    unitCode: 'guangyang-centre',
    groups: ['gy_only'],
  })
  t.equal(r.status, 201, JSON.stringify(r.body))
  const xml = acct.replace('camunda:candidateGroups="accounting"', 'camunda:candidateGroups="gy_only"')
  const xianghe = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml })
  t.equal(xianghe.status, 400, 'refused for Xianghe')
  t.same(
    xianghe.body.details?.map((d: any) => [d.elementId, d.key]),
    [['u', 'deploy.nobodyReceives']],
  )
  t.equal((await call(app, 'guangyang-admin', 'POST', '/api/process-definitions', { xml })).status, 201, 'Guangyang has a receiver')
  t.equal((await call(app, 'admin', 'POST', '/api/process-definitions', { xml })).status, 201, "the city's version runs in every county")
})
