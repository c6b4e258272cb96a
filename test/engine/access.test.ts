/*
 * The engine's access interface (src/engine/access.ts) as the petition platform answers it
 * (src/org/engine-access.ts), over the real HTTP API: who acts (a bearer token, its user), who
 * administers which county (deploy, instances, incidents, messages, external tasks, worker
 * accounts), who may broadcast. Expected outcomes follow from the demo organisation (admin: the
 * city's administrator; xianghe-admin, guangyang-admin: one county each; dispatcher: no
 * administrator) and from what each test started, not from the code under test.
 */
import t from 'tap'
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, login } from '../helper.js'
import { NS, noProcesses } from '../fixtures/bpmn.js'
import type { Headers } from '../api.js'

/** test/api.ts's `call` acts as a demo user by name; these checks also send worker tokens and malformed credentials. */
async function call(app: FastifyInstance, headers: Headers | null, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const r = await app.inject({ method, url, headers: headers ?? {}, ...(payload !== undefined && { payload: payload as object }) })
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : null }
}

const waitMessage = `<?xml version="1.0" encoding="UTF-8"?>
<definitions id="defs_acc_wait" ${NS}>
<message id="m_ping" name="acc_ping"/>
<signal id="s_all" name="acc_all"/>
<process id="acc_wait" name="等待 Wait" isExecutable="true">
  <startEvent id="start"/>
  <sequenceFlow id="f1" sourceRef="start" targetRef="split"/>
  <eventBasedGateway id="split"/>
  <sequenceFlow id="f2" sourceRef="split" targetRef="ping"/>
  <sequenceFlow id="f3" sourceRef="split" targetRef="all"/>
  <intermediateCatchEvent id="ping" name="消息 Ping"><messageEventDefinition messageRef="m_ping"/></intermediateCatchEvent>
  <intermediateCatchEvent id="all" name="信号 All"><signalEventDefinition signalRef="s_all"/></intermediateCatchEvent>
  <sequenceFlow id="f4" sourceRef="ping" targetRef="pinged"/>
  <sequenceFlow id="f5" sourceRef="all" targetRef="signalled"/>
  <endEvent id="pinged"/>
  <endEvent id="signalled"/>
</process>
</definitions>`

const external = `<?xml version="1.0" encoding="UTF-8"?>
<definitions id="defs_acc_ext" ${NS}>
<process id="acc_ext" name="外部 External" isExecutable="true">
  <startEvent id="start"/>
  <sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
  <serviceTask id="work" name="外部系统 Other system" camunda:type="external" camunda:topic="acc-topic"/>
  <sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
  <endEvent id="end"/>
</process>
</definitions>`

/** A key of its own per deploy, so each check counts only its own versions. */
const named = (key: string) => waitMessage.replace(/acc_wait/g, key)

type County = 'xianghe' | 'guangyang'

async function setup(t: Test) {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const users = {
    admin: await login(app, 'admin'),
    xianghe: await login(app, 'xianghe-admin'),
    guangyang: await login(app, 'guangyang-admin'),
    dispatcher: await login(app, 'dispatcher'),
  }
  for (const xml of [waitMessage, external]) {
    const r = await call(app, users.admin, 'POST', '/api/process-definitions', { xml })
    if (r.status !== 201) throw new Error(`deploy: ${r.status} ${JSON.stringify(r.body)}`)
  }
  const start = async (key: string, tenant: County) => {
    const r = await call(app, users.admin, 'POST', `/api/process-definitions/key/${key}/start`, { tenant })
    if (r.status !== 201) throw new Error(`start ${key}: ${r.status} ${JSON.stringify(r.body)}`)
    return r.body.id as string
  }
  const state = async (id: string) => (await call(app, users.admin, 'GET', `/api/process-instances/${id}`)).body.state as string
  return { app, users, start, state }
}
t.test('a county administrator cannot deploy to another county; the city administrator can deploy anywhere', async (t) => {
  const { app, users } = await setup(t)
  const versions = async (key: string) => (await call(app, users.admin, 'GET', `/api/process-definitions?key=${key}`)).body as { tenant: string | null }[]

  let r = await call(app, users.xianghe, 'POST', '/api/process-definitions', { xml: named('acc_d1'), tenant: 'guangyang' })
  t.equal(r.status, 403, 'xianghe-admin → guangyang: 403')
  t.same(await versions('acc_d1'), [], 'nothing deployed')

  r = await call(app, users.guangyang, 'POST', '/api/process-definitions/shipped/acc_none/deploy', { tenant: 'xianghe' })
  t.equal(r.status, 403, 'guangyang-admin → xianghe (a shipped file): 403 before anything is looked up')

  r = await call(app, users.xianghe, 'POST', '/api/process-definitions', { xml: named('acc_d2') })
  t.equal(r.status, 201, 'xianghe-admin → their own county')
  t.same(
    (await versions('acc_d2')).map((v) => v.tenant),
    ['xianghe'],
    'the version is xianghe’s',
  )
  t.equal((await call(app, users.guangyang, 'GET', `/api/process-definitions/${r.body.id}`)).status, 404, 'guangyang-admin does not see it')

  r = await call(app, users.admin, 'POST', '/api/process-definitions', { xml: named('acc_d3'), tenant: 'guangyang' })
  t.equal(r.status, 201, 'admin → guangyang')
  t.same(
    (await versions('acc_d3')).map((v) => v.tenant),
    ['guangyang'],
  )
  r = await call(app, users.admin, 'POST', '/api/process-definitions', { xml: named('acc_d4'), tenant: 'xh-anping' })
  t.equal(r.status, 403, 'a tenant must be a county, even for admin')
  t.equal(r.body.key, 'error.engine.tenantNotCounty')

  r = await call(app, users.dispatcher, 'POST', '/api/process-definitions', { xml: named('acc_d5') })
  t.equal(r.status, 403, 'a dispatcher administers no county')
  t.equal(r.body.key, 'error.engine.notAdministrator', 'the engine’s own sentence, no role names')
  t.same(await versions('acc_d5'), [])
})

t.test('instances, history, cancel and messages stay in the county', async (t) => {
  const { app, users, start, state } = await setup(t)
  // Guangyang's instance waits first: an unscoped message would pick the oldest subscription.
  const gy = await start('acc_wait', 'guangyang')
  const xh = await start('acc_wait', 'xianghe')

  for (const path of ['', '/history']) {
    t.equal((await call(app, users.xianghe, 'GET', `/api/process-instances/${gy}${path}`)).status, 404, `xianghe-admin: guangyang's instance${path} → 404`)
    t.equal((await call(app, users.xianghe, 'GET', `/api/process-instances/${xh}${path}`)).status, 200, `xianghe-admin: their own${path}`)
    t.equal((await call(app, users.admin, 'GET', `/api/process-instances/${gy}${path}`)).status, 200, `admin: any${path}`)
  }
  let r = await call(app, users.xianghe, 'POST', `/api/process-instances/${gy}/cancel`, { reason: 'not mine' })
  t.equal(r.status, 404, 'xianghe-admin cannot cancel guangyang’s instance')
  t.equal(await state(gy), 'running')

  r = await call(app, users.xianghe, 'POST', '/api/messages', { name: 'acc_ping', instanceId: gy })
  t.equal(r.status, 404, 'a message to another county’s instance → 404')
  t.equal(await state(gy), 'running', 'and it still waits')

  r = await call(app, users.xianghe, 'POST', '/api/messages', { name: 'acc_ping' })
  t.equal(r.status, 200, 'an unaddressed message reaches the county’s own instance')
  t.equal(r.body.instanceId, xh, 'xianghe’s, though guangyang’s waited longer')
  t.equal(await state(xh), 'completed')
  t.equal(await state(gy), 'running', 'guangyang’s still waits')

  r = await call(app, users.admin, 'POST', '/api/messages', { name: 'acc_ping', instanceId: gy })
  t.equal(r.status, 200, 'admin reaches any county')
  t.equal(await state(gy), 'completed')
})

t.test('only one who acts on every tenant broadcasts a signal', async (t) => {
  const { app, users, start, state } = await setup(t)
  const gy = await start('acc_wait', 'guangyang')
  const xh = await start('acc_wait', 'xianghe')

  let r = await call(app, users.xianghe, 'POST', '/api/signals', { name: 'acc_all' })
  t.equal(r.status, 403, 'a county administrator may not broadcast')
  t.equal(r.body.key, 'error.engine.broadcastForbidden')
  t.same([await state(gy), await state(xh)], ['running', 'running'], 'nobody was signalled')
  t.equal((await call(app, users.dispatcher, 'POST', '/api/signals', { name: 'acc_all' })).status, 403, 'nor a dispatcher')
  t.equal((await call(app, null, 'POST', '/api/signals', { name: 'acc_all' })).status, 401, 'nor anyone unsigned')

  r = await call(app, users.admin, 'POST', '/api/signals', { name: 'acc_all' })
  t.equal(r.status, 200)
  t.equal(r.body.delivered, 2, 'both counties’ instances')
  t.same([await state(gy), await state(xh)], ['completed', 'completed'])
})

t.test('incidents and external tasks stay in the county; a worker account acts in its own', async (t) => {
  const { app, users, start } = await setup(t)
  const gy = await start('acc_ext', 'guangyang')
  const xh = await start('acc_ext', 'xianghe')
  const fetch = (who: Headers, body: object = {}) =>
    call(app, who, 'POST', '/engine-rest/external-task/fetchAndLock', {
      workerId: 'w',
      maxTasks: 10,
      topics: [{ topicName: 'acc-topic', lockDuration: 60_000, ...body }],
    })
  const all = (await call(app, users.admin, 'GET', '/engine-rest/external-task?topicName=acc-topic')).body as { id: string; processInstanceId: string }[]
  t.equal(all.length, 2, 'admin lists both counties’ tasks')
  const gyTask = all.find((x) => x.processInstanceId === gy)!.id
  const xhTask = all.find((x) => x.processInstanceId === xh)!.id

  // A worker account a county administrator issues without naming a tenant is bound to their county.
  let r = await call(app, users.xianghe, 'POST', '/api/worker-accounts', { name: '香河工作者 Xianghe worker' })
  t.equal(r.status, 201)
  t.equal(r.body.tenant, 'xianghe', 'bound to xianghe')
  const xhWorker = { authorization: `Bearer ${r.body.token}` }
  t.equal((await call(app, users.xianghe, 'POST', '/api/worker-accounts', { name: 'x', tenant: 'guangyang' })).status, 403, 'not for another county')
  t.same(
    ((await call(app, users.guangyang, 'GET', '/api/worker-accounts')).body.items as { tenant: string }[]).map((w) => w.tenant),
    [],
    'guangyang-admin does not see xianghe’s account',
  )

  r = await fetch(xhWorker, { tenantIdIn: ['guangyang'] })
  t.same(r.body, [], 'the xianghe worker asking for guangyang gets nothing')
  t.equal((await call(app, xhWorker, 'GET', `/engine-rest/external-task/${gyTask}`)).status, 404, 'not even by id')
  r = await fetch(xhWorker)
  t.same(
    (r.body as { id: string }[]).map((x) => x.id),
    [xhTask],
    'only xianghe’s task',
  )

  // A county administrator's own token: their county's tasks only.
  t.equal((await call(app, users.xianghe, 'GET', `/engine-rest/external-task/${gyTask}`)).status, 404, 'xianghe-admin: guangyang’s task → 404')
  t.equal((await call(app, users.xianghe, 'GET', '/engine-rest/external-task/count?topicName=acc-topic')).body.count, 1, 'xianghe-admin counts one')
  r = await fetch(users.guangyang)
  t.same(
    (r.body as { id: string }[]).map((x) => x.id),
    [gyTask],
    'guangyang-admin fetches guangyang’s only',
  )
  // guangyang-admin fails it for good: an incident of guangyang.
  r = await call(app, users.guangyang, 'POST', `/engine-rest/external-task/${gyTask}/failure`, { workerId: 'w', errorMessage: 'down', retries: 0 })
  t.equal(r.status, 204)
  const incidents = async (who: Headers) => (await call(app, who, 'GET', `/api/incidents?instanceId=${gy}`)).body.items as { id: string }[]
  const [incident] = await incidents(users.admin)
  t.ok(incident, 'an incident opened')
  t.same(await incidents(users.xianghe), [], 'xianghe-admin does not list it')
  t.equal((await call(app, users.xianghe, 'GET', `/api/incidents/${incident.id}`)).status, 404, 'nor read it')
  t.equal((await call(app, users.xianghe, 'POST', `/api/incidents/${incident.id}/retry`)).status, 404, 'nor retry it')
  t.equal((await incidents(users.guangyang)).length, 1, 'guangyang-admin lists it')
  t.equal((await call(app, users.admin, 'POST', `/api/incidents/${incident.id}/retry`)).status, 200, 'admin retries it')

  // Someone who administers no county is refused, whoever they are otherwise.
  r = await fetch(users.dispatcher)
  t.equal(r.status, 403, 'a dispatcher’s token is not a worker’s')
  t.equal(r.body.type, 'AuthorizationException')
})

t.test('a bearer token acts as its user, and only while it is valid', async (t) => {
  const { app, users } = await setup(t)
  // The same token over the engine's REST and Camunda's deployment route: the deployer is its user.
  let r = await call(app, users.xianghe, 'POST', '/api/process-definitions', { xml: named('acc_t1') })
  t.equal(r.status, 201)
  t.equal(r.body.deployedBy, 'xianghe-admin', 'the deployer is the token’s user')

  r = await call(app, null, 'GET', '/api/incidents')
  t.equal(r.status, 401, 'no token: 401')
  t.equal(r.body.key, 'error.unauthorized')
  r = await call(app, { authorization: 'Bearer not-a-token' }, 'GET', '/api/incidents')
  t.equal(r.status, 401, 'a token the organisation does not know: 401')
  t.equal(r.body.key, 'error.auth.invalidToken')
  r = await call(app, { authorization: `Basic ${Buffer.from('admin:demo').toString('base64')}` }, 'GET', '/api/incidents')
  t.equal(r.status, 401, 'another scheme is no bearer token')

  // Signing out revokes every token of the user: the engine's routes stop accepting it too.
  const token = await login(app, 'guangyang-admin')
  t.equal((await call(app, token, 'GET', '/api/process-definitions')).status, 200, 'a fresh token works')
  t.equal((await call(app, token, 'POST', '/api/auth/logout')).status < 300, true, 'signed out')
  r = await call(app, token, 'GET', '/api/process-definitions')
  t.equal(r.status, 401, 'the revoked token no longer acts')
  t.equal(r.body.key, 'error.auth.invalidToken')
  r = await call(app, token, 'POST', '/engine-rest/external-task/fetchAndLock', { workerId: 'w', maxTasks: 1, topics: [] })
  t.equal(r.status, 401, 'nor over Camunda’s REST')
  t.equal(r.body.type, 'AuthenticationException')
})

// Also the regression test of "a county administrator without a county fetching external tasks
// is a 500 on PostgreSQL": their scope was a NUL tenant, which PostgreSQL refuses in text.
t.test('a county administrator without a county administers nothing, not the city (no 500 on PostgreSQL)', async (t) => {
  const { app, users } = await setup(t)
  let r = await call(app, users.admin, 'POST', '/api/org/users', {
    username: 'acc-nocounty',
    displayName: '无县管理员 No-county administrator',
    password: 'acc-password-1',
    roles: ['county_admin'],
    unitCode: 'langfang-centre',
  })
  t.equal(r.status, 201, 'a city-level user with the county administrator role')
  const nocounty = await login(app, 'acc-nocounty', 'acc-password-1')
  r = await call(app, users.admin, 'POST', '/api/process-definitions/key/acc_wait/start', {})
  t.equal(r.status, 201, 'a city instance')
  const city = r.body.id as string
  r = await call(app, users.admin, 'POST', '/api/process-definitions/key/acc_ext/start', {})
  t.equal(r.status, 201, 'a city external task')

  t.equal((await call(app, nocounty, 'GET', `/api/process-instances/${city}`)).status, 404, 'the city’s instance is not theirs')
  t.equal((await call(app, nocounty, 'POST', '/api/messages', { name: 'acc_ping', instanceId: city })).status, 404, 'nor can they message it')
  t.equal((await call(app, users.admin, 'GET', `/api/process-instances/${city}`)).body.state, 'running', 'it still waits')
  t.equal((await call(app, nocounty, 'POST', '/api/process-definitions', { xml: named('acc_n1') })).status, 403, 'they deploy nowhere')
  r = await call(app, nocounty, 'POST', '/engine-rest/external-task/fetchAndLock', {
    workerId: 'w',
    maxTasks: 10,
    topics: [{ topicName: 'acc-topic', lockDuration: 60_000 }],
  })
  t.equal(r.status, 403, 'no external task principal: 403, not a 500')
  t.equal(r.body.type, 'AuthorizationException')
  t.same((await call(app, nocounty, 'GET', '/api/incidents?status=all')).body.items, [], 'no incidents')
  r = await call(app, users.admin, 'POST', '/api/worker-accounts', { name: 'city worker' })
  t.equal(r.status, 201, 'a city worker account')
  r = await call(app, nocounty, 'GET', '/api/worker-accounts')
  t.same([r.status, r.body.items], [200, []], 'they list no worker accounts, the city’s included')
  t.equal((await call(app, nocounty, 'POST', '/api/worker-accounts', { name: 'mine' })).status, 403, 'and issue none')
})
