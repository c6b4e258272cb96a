/*
 * External tasks over the Camunda 7 REST API (src/engine/external-tasks.ts, external-routes.ts).
 *
 * The worker is the published camunda-external-task-client-js (npm, devDependency), used
 * unchanged against a listening server over HTTP, with a worker account's bearer token:
 * complete, failure with retries then success, BPMN error caught by a boundary event, no
 * retries left → an incident an administrator retries; and the loan-granting sample's three
 * topics. Then, through plain HTTP: lock expiry returning a task, a worker completing only what
 * it locked, tenant scoping, protected variables, and (PostgreSQL) two nodes over one schema.
 *
 * Expected outcomes, worked out from the diagram below:
 *  - mode "ok": the worker completes with registered=true, owner="张三" → `${registered && !empty owner}`
 *    holds → the instance ends at okEnd.
 *  - mode "flaky": attempt 1 fails (retries 2, retryTimeout 0) → fetched again → attempt 2 completes
 *    with registered=false → default flow → noEnd. Two attempts, one failure recorded.
 *  - mode "reject": BPMN error REJECTED → boundary `rejected` → the user task `review` waits.
 *  - mode "fail": failure with retries 0 → an open incident of kind external, the task not
 *    fetched; the administrator retries the incident → fetched again → completed → okEnd.
 */
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import t from 'tap'
import { Client, Variables } from 'camunda-external-task-client-js'
import type { FastifyInstance } from 'fastify'
import { build, login, onPostgres, openTestDb, testDatabaseUrl } from '../helper.js'
import { NS, noProcesses } from '../fixtures/bpmn.js'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { openDb } from '../../src/lib/db.js'
import { templateSpec } from '../template.js'
import { testClock } from '../clock.js'
import { projectRoot } from '../../src/lib/paths.js'

const registry = `<?xml version="1.0" encoding="UTF-8"?>
<definitions id="defs_registry" ${NS}>
<error id="Err_rejected" name="Rejected" errorCode="REJECTED"/>
<process id="registry_check" name="登记核查 Registry check" isExecutable="true">
  <startEvent id="start"/>
  <sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
  <serviceTask id="check" name="核查登记 Check the registry" camunda:type="external" camunda:topic="land-registry"/>
  <boundaryEvent id="rejected" attachedToRef="check"><errorEventDefinition errorRef="Err_rejected"/></boundaryEvent>
  <sequenceFlow id="f2" sourceRef="check" targetRef="gw"/>
  <exclusiveGateway id="gw" default="fNo"/>
  <sequenceFlow id="fYes" sourceRef="gw" targetRef="okEnd"><conditionExpression xsi:type="tFormalExpression">\${registered &amp;&amp; !empty owner}</conditionExpression></sequenceFlow>
  <sequenceFlow id="fNo" sourceRef="gw" targetRef="noEnd"/>
  <endEvent id="okEnd"/>
  <endEvent id="noEnd"/>
  <sequenceFlow id="f3" sourceRef="rejected" targetRef="review"/>
  <userTask id="review" name="人工复核 Review"/>
  <sequenceFlow id="f4" sourceRef="review" targetRef="revEnd"/>
  <endEvent id="revEnd"/>
</process>
</definitions>`

type Headers = { authorization: string }

async function call(app: FastifyInstance, headers: Headers | null, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const r = await app.inject({ method, url, headers: headers ?? {}, ...(payload !== undefined && { payload: payload as any }) })
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : null, type: r.headers['content-type'] }
}

async function setup(t: any) {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const admin = await login(app, 'admin')
  const deploy = async (xml: string, tenant?: string) => call(app, admin, 'POST', '/api/process-definitions', { xml, ...(tenant && { tenant }) })
  const start = async (key: string, variables: Record<string, unknown>, tenant?: string) => {
    const r = await call(app, admin, 'POST', `/api/process-definitions/key/${key}/start`, { variables, ...(tenant && { tenant }) })
    if (r.status !== 201) throw new Error(`start ${key}: ${r.status} ${JSON.stringify(r.body)}`)
    return r.body.id as string
  }
  const instance = async (id: string) => (await call(app, admin, 'GET', `/api/process-instances/${id}`)).body
  const worker = async (name: string, tenant: string | null) => {
    const r = await call(app, admin, 'POST', '/api/worker-accounts', { name, tenant })
    if (r.status !== 201) throw new Error(`worker account: ${r.status} ${JSON.stringify(r.body)}`)
    return { id: r.body.id as string, authorization: `Bearer ${r.body.token}` }
  }
  return { app, admin, deploy, start, instance, worker }
}

/** Waits (real time: the worker polls on its own timers) until `check` holds, at most `ms`. */
async function until(check: () => Promise<boolean>, ms = 20_000) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return false
}

t.test('camunda-external-task-client-js, unchanged, as the worker over HTTP', async (t) => {
  const { app, admin, deploy, start, instance, worker } = await setup(t)
  t.equal((await deploy(registry)).status, 201, 'a topic with no in-process handler deploys as an external task')
  const account = await worker('土地登记系统 Land registry', null)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port

  const ok = await start('registry_check', { mode: 'ok' })
  const flaky = await start('registry_check', { mode: 'flaky' })
  const reject = await start('registry_check', { mode: 'reject' })
  const fail = await start('registry_check', { mode: 'fail' })
  const attempts = new Map<string, number>()
  const errors: unknown[] = []

  const client = new Client({
    baseUrl: `http://127.0.0.1:${port}/engine-rest`,
    workerId: 'registry-worker-1',
    interval: 50,
    lockDuration: 20_000,
    asyncResponseTimeout: 500,
    autoPoll: false,
    interceptors: (config) => ({ ...config, headers: { ...config.headers, Authorization: account.authorization } }),
  })
  client.on('poll:error', (e: unknown) => errors.push(e))
  client.on('complete:error', (_task: unknown, e: unknown) => errors.push(e))
  client.on('handleFailure:error', (_task: unknown, e: unknown) => errors.push(e))
  client.on('handleBpmnError:error', (_task: unknown, e: unknown) => errors.push(e))
  const seen: { mode: unknown; businessKey: unknown; topic: string; vars: Record<string, unknown> }[] = []
  client.subscribe('land-registry', { variables: ['mode'] }, async ({ task, taskService }) => {
    const mode = task.variables.get('mode')
    const n = (attempts.get(task.processInstanceId) ?? 0) + 1
    attempts.set(task.processInstanceId, n)
    seen.push({ mode, businessKey: task.businessKey, topic: task.topicName, vars: task.variables.getAll() })
    const out = new Variables()
    if (mode === 'ok' || (mode === 'fail' && n > 1)) {
      out.set('registered', true)
      out.set('owner', '张三')
      out.setTyped('parcel', { type: 'json', value: { id: 'XH-0042', area: 120.5 } })
      await taskService.complete(task, out)
    } else if (mode === 'flaky') {
      if (n === 1)
        await taskService.handleFailure(task, { errorMessage: 'registry down', errorDetails: 'ECONNREFUSED 10.0.0.9:443', retries: 2, retryTimeout: 0 })
      else {
        out.set('registered', false)
        await taskService.complete(task, out)
      }
    } else if (mode === 'reject') {
      out.set('reason', '查无此宗地 / no such parcel')
      await taskService.handleBpmnError(task, 'REJECTED', 'not in the registry', out)
    } else if (mode === 'fail') {
      await taskService.handleFailure(task, { errorMessage: 'parcel locked by court order', retries: 0, retryTimeout: 0 })
    }
  })
  client.start()
  t.teardown(() => client.stop())

  t.ok(
    await until(async () => (await instance(ok)).state === 'completed' && (await instance(flaky)).state === 'completed'),
    'ok and flaky instances ran to their end',
  )
  const okHist = (await call(app, admin, 'GET', `/api/process-instances/${ok}`)).body
  t.equal(okHist.variables.registered, true)
  t.equal(okHist.variables.owner, '张三')
  t.same(okHist.variables.parcel, { id: 'XH-0042', area: 120.5 }, 'a Json typed value arrives as the object')
  t.equal(attempts.get(ok), 1)
  t.equal(attempts.get(flaky), 2, 'the failure was retried once, then succeeded')
  t.equal((await instance(flaky)).variables.registered, false)
  const ends = async (id: string) =>
    (await app.db('history').where({ instance_id: id, type: 'activity_end' }).select('element_id')).map((r: any) => r.element_id)
  t.ok((await ends(ok)).includes('okEnd'), 'registered && !empty owner → okEnd')
  t.ok((await ends(flaky)).includes('noEnd'), 'registered=false → the default flow')

  t.ok(await until(async () => (await instance(reject)).activeTasks?.length === 1), 'the BPMN error was caught by the boundary event')
  const rej = await instance(reject)
  t.equal(rej.activeTasks[0].elementId, 'review')
  t.equal(rej.variables.reason, '查无此宗地 / no such parcel', 'the BPMN error carried its variables')

  t.ok(await until(async () => (await call(app, admin, 'GET', `/api/incidents?instanceId=${fail}`)).body.items.length === 1), 'no retries left → an incident')
  const incident = (await call(app, admin, 'GET', `/api/incidents?instanceId=${fail}`)).body.items[0]
  t.equal(incident.kind, 'external')
  t.equal(incident.element, 'check')
  t.match(incident.message, /land-registry.*parcel locked by court order/)
  t.equal((await instance(fail)).state, 'running', 'as in Camunda, the instance keeps running; only the task waits')
  const before = attempts.get(fail)
  const listed = await call(app, account, 'GET', `/engine-rest/external-task?processInstanceId=${fail}`)
  t.equal(listed.body[0].retries, 0)
  t.equal(listed.body[0].errorMessage, 'parcel locked by court order')
  t.equal((await call(app, admin, 'POST', `/api/incidents/${incident.id}/retry`)).status, 200, 'the administrator retries the incident')
  t.ok(await until(async () => (await instance(fail)).state === 'completed'), 'the worker fetched it again and completed it')
  t.equal(attempts.get(fail), (before ?? 0) + 1)
  t.same(errors, [], 'the client saw no error')
  t.ok(
    seen.every((s) => s.topic === 'land-registry' && Object.keys(s.vars).join() === 'mode'),
    'only the variables the subscription asked for were sent',
  )
  t.equal((await app.db('external_tasks').where({ status: 'open' })).length, 0, 'no external task left open')
})

t.test('the loan-granting sample served to the client', async (t) => {
  const { app, deploy, start, instance, worker } = await setup(t)
  // The published file, minus the two constructs Shuoshi refuses (a JavaScript input
  // parameter and a Quartz cron start timer: see the README's table); its external tasks,
  // multi-instance collection `${creditScores}` and JUEL conditions `${score > 5}` are as published.
  const published = fs.readFileSync(path.join(projectRoot(), 'test/fixtures/bpmn-samples/camunda-examples__loan-granting.bpmn'), 'utf8')
  const xml = published
    .replace(/<bpmn:extensionElements>\s*<camunda:inputOutput>[\s\S]*?<\/camunda:inputOutput>\s*<\/bpmn:extensionElements>/, '')
    .replace(/<bpmn:timerEventDefinition>[\s\S]*?<\/bpmn:timerEventDefinition>/, '')
  t.equal((await deploy(xml)).status, 201)
  const account = await worker('loan workers', null)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const id = await start('loan_process', {})
  const granted: unknown[] = []
  const rejected: unknown[] = []
  const client = new Client({
    baseUrl: `http://127.0.0.1:${port}/engine-rest`,
    workerId: 'loan-worker',
    interval: 50,
    autoPoll: false,
    interceptors: (config) => ({ ...config, headers: { ...config.headers, Authorization: account.authorization } }),
  })
  // As camunda-bpm-examples' own workers do: scores for the subprocess, then grant or reject each.
  client.subscribe('creditScoreChecker', async ({ task, taskService }) => {
    const v = new Variables()
    v.setTyped('creditScores', { type: 'json', value: [9, 3, 7] })
    await taskService.complete(task, v)
  })
  client.subscribe('loanGranter', { variables: ['score'] }, async ({ task, taskService }) => {
    granted.push(task.variables.get('score'))
    await taskService.complete(task)
  })
  client.subscribe('requestRejecter', { variables: ['score'] }, async ({ task, taskService }) => {
    rejected.push(task.variables.get('score'))
    await taskService.complete(task)
  })
  client.start()
  t.teardown(() => client.stop())
  t.ok(await until(async () => (await instance(id)).state === 'completed'), 'the loan instance ran to its end')
  // score > 5 for 9 and 7, score <= 5 for 3: two grants, one rejection.
  t.same(granted.sort(), [7, 9])
  t.same(rejected, [3])
})

t.test('locks, ownership, tenant scoping and hostile variables over plain HTTP', async (t) => {
  const { app, admin, deploy, start, worker } = await setup(t)
  t.equal((await deploy(registry)).status, 201)
  const xianghe = await worker('香河 12345 热线', 'xianghe')
  const guangyang = await worker('广阳 12345 热线', 'guangyang')
  const city = await worker('市级短信网关', null)
  const xh = await start('registry_check', { mode: 'x' }, 'xianghe')
  const gy = await start('registry_check', { mode: 'g' }, 'guangyang')
  const fetch = (who: Headers, workerId: string, lockDuration = 60_000, extra: object = {}) =>
    call(app, who, 'POST', '/engine-rest/external-task/fetchAndLock', {
      workerId,
      maxTasks: 10,
      topics: [{ topicName: 'land-registry', lockDuration, ...extra }],
    })

  t.test('authentication and roles', async (t) => {
    t.equal((await fetch({ authorization: 'Bearer nope' }, 'w')).status, 401)
    t.equal((await call(app, null, 'POST', '/engine-rest/external-task/fetchAndLock', { workerId: 'w', maxTasks: 1, topics: [] })).status, 401)
    const grid = await login(app, 'grid01')
    const r = await fetch(grid, 'w')
    t.equal(r.status, 403, 'a grid worker is not a worker account')
    t.equal(r.body.type, 'AuthorizationException', "Camunda's error shape")
    t.equal((await call(app, grid, 'POST', '/api/worker-accounts', { name: 'x' })).status, 403)
    const bad = await call(app, xianghe, 'POST', '/engine-rest/external-task/fetchAndLock', { workerId: 'w', maxTasks: 'lots', topics: [] })
    t.equal(bad.status, 400)
    t.equal(bad.body.type, 'InvalidRequestException')
  })

  t.test('tenant scoping: a Xianghe worker never sees Guangyang’s tasks', async (t) => {
    const a = await fetch(xianghe, 'xh-1')
    t.equal(a.status, 200)
    t.equal(a.type, 'application/json', 'exactly application/json: the Camunda client parses nothing else')
    t.same(
      a.body.map((x: any) => x.processInstanceId),
      [xh],
    )
    t.equal(a.body[0].tenantId, 'xianghe')
    t.same(a.body[0].variables, { mode: { value: 'x', type: 'String', valueInfo: {} } })
    const b = await fetch(guangyang, 'gy-1')
    t.same(
      b.body.map((x: any) => x.processInstanceId),
      [gy],
    )
    const xhTask = a.body[0].id
    const gyTask = b.body[0].id
    t.equal((await call(app, xianghe, 'GET', `/engine-rest/external-task/${gyTask}`)).status, 404, 'not even by id')
    t.equal(
      (await call(app, xianghe, 'POST', `/engine-rest/external-task/${gyTask}/complete`, { workerId: 'gy-1' })).status,
      404,
      'nor complete it with the right worker id',
    )
    t.equal((await call(app, xianghe, 'POST', `/engine-rest/external-task/${gyTask}/unlock`)).status, 404)
    const xa = await login(app, 'xianghe-admin')
    t.same(
      (await call(app, xa, 'GET', '/engine-rest/external-task')).body.map((x: any) => x.id),
      [xhTask],
      'a county administrator lists their county’s',
    )
    t.same((await call(app, city, 'GET', '/engine-rest/external-task')).body.map((x: any) => x.id).sort(), [xhTask, gyTask].sort(), 'a city worker sees both')
    t.same(
      (await call(app, xa, 'GET', '/api/worker-accounts')).body.items.map((w: any) => w.name),
      ['香河 12345 热线'],
    )
    // Both locked now: unlock for the next subtest.
    t.equal((await call(app, xianghe, 'POST', `/engine-rest/external-task/${xhTask}/unlock`)).status, 204)
    t.equal((await call(app, guangyang, 'POST', `/engine-rest/external-task/${gyTask}/unlock`)).status, 204)
  })

  t.test('a worker completes only what it locked; an expired lock returns the task to the pool', async (t) => {
    const clock = testClock(t)
    const a = await fetch(city, 'city-A', 60_000)
    t.equal(a.body.length, 2, 'both tasks locked for a minute')
    t.equal((await fetch(city, 'city-B')).body.length, 0, 'locked tasks are not handed out twice')
    const task = a.body.find((x: any) => x.processInstanceId === xh).id
    const other = await call(app, city, 'POST', `/engine-rest/external-task/${task}/complete`, { workerId: 'city-B' })
    t.equal(other.status, 400, 'another worker id may not complete it')
    clock.advance(61_000)
    const again = await fetch(city, 'city-B', 60_000)
    t.same(again.body.map((x: any) => x.id).sort(), a.body.map((x: any) => x.id).sort(), 'expired locks returned both tasks to the pool')
    t.equal(
      (await call(app, city, 'POST', `/engine-rest/external-task/${task}/complete`, { workerId: 'city-A' })).status,
      400,
      'the first worker lost its lock',
    )
    t.equal(
      (await call(app, xianghe, 'POST', `/engine-rest/external-task/${task}/complete`, { workerId: 'city-B' })).status,
      400,
      'the same worker id from another account is not the lock holder',
    )
    const ext = await call(app, city, 'POST', `/engine-rest/external-task/${task}/extendLock`, { workerId: 'city-B', newDuration: 120_000 })
    t.equal(ext.status, 204)
    const listed = (await call(app, city, 'GET', `/engine-rest/external-task?workerId=city-B&locked=true`)).body
    t.equal(listed.length, 2)
    t.ok(Date.parse(listed.find((x: any) => x.id === task).lockExpirationTime) > Date.now() + 90_000, 'the lock was extended')

    // Hostile variables: a platform variable, a Java object, bad JSON, a bad name — all 400, nothing changes.
    for (const [variables, re] of [
      [{ tenant: { value: 'guangyang', type: 'String' } }, /tenant/],
      [
        {
          x: {
            value: 'rO0ABXNy',
            type: 'Object',
            valueInfo: { serializationDataFormat: 'application/x-java-serialized-object', objectTypeName: 'java.util.HashMap' },
          },
        },
        /Object/,
      ],
      [{ x: { value: '{bad', type: 'Json' } }, /JSON/],
      [{ 'a b': { value: 1, type: 'Integer' } }, /a b/],
      [{ x: { value: 1.5, type: 'Integer' } }, /integer/],
      [{ x: { value: 'AAAA', type: 'Bytes' } }, /Bytes/],
    ] as const) {
      const r = await call(app, city, 'POST', `/engine-rest/external-task/${task}/complete`, { workerId: 'city-B', variables })
      t.equal(r.status, 400, JSON.stringify(variables))
      t.match(r.body.message, re)
    }
    const local = await call(app, city, 'POST', `/engine-rest/external-task/${task}/complete`, {
      workerId: 'city-B',
      localVariables: { caseNo: { value: 'X', type: 'String' } },
    })
    t.equal(local.status, 400, 'local variables are checked too')
    t.equal((await app.db('external_tasks').where({ id: task }).first()).status, 'open', 'still open after every refusal')

    const done = await call(app, city, 'POST', `/engine-rest/external-task/${task}/complete`, {
      workerId: 'city-B',
      variables: { registered: { value: true, type: 'Boolean' }, owner: { value: '李四', type: 'String' } },
    })
    t.equal(done.status, 204)
    t.equal((await call(app, city, 'POST', `/engine-rest/external-task/${task}/complete`, { workerId: 'city-B' })).status, 404, 'completed once only')
    const inst = (await call(app, admin, 'GET', `/api/process-instances/${xh}`)).body
    t.equal(inst.state, 'completed')
    const ignored = await call(app, city, 'POST', `/engine-rest/external-task/${again.body.find((x: any) => x.id !== task).id}/bpmnError`, {
      workerId: 'city-B',
      errorCode: 'NOBODY_CATCHES',
    })
    t.equal(ignored.status, 422, 'a BPMN error no boundary event catches is refused, not swallowed')
    t.match(ignored.body.message, /NOBODY_CATCHES/)
  })

  t.test('long polling is bounded by EXTERNAL_TASK_MAX_WAIT_MS (1 s in tests)', async (t) => {
    const began = Date.now()
    const r = await call(app, city, 'POST', '/engine-rest/external-task/fetchAndLock', {
      workerId: 'idle',
      maxTasks: 1,
      asyncResponseTimeout: 1_800_000,
      topics: [{ topicName: 'nothing-here', lockDuration: 1000 }],
    })
    const took = Date.now() - began
    t.same(r.body, [])
    const none = await call(app, city, 'POST', '/engine-rest/external-task/fetchAndLock', { workerId: 'idle', maxTasks: 5, topics: [] })
    t.same([none.status, none.body], [200, []], 'no topics: nothing, at once (not every topic)')
    t.ok(took >= 700 && took < 15_000, `waited for work, then answered empty (${took} ms), not for 30 minutes`)
  })
})

t.test(
  'two nodes over one PostgreSQL schema never lock or complete one task twice',
  { skip: onPostgres ? false : 'PostgreSQL only: SQLite is one file for one process' },
  async (t) => {
    const config = { ...loadConfig({ NODE_ENV: 'test' }), demo: true, logLevel: 'silent' as const, serveUi: false, processesDir: noProcesses }
    const { db, schema } = await openTestDb(t, { template: templateSpec(config) })
    const a = await buildApp({ config: { ...config, nodeId: 'node-a' }, db, background: false })
    const b = await buildApp({ config: { ...config, nodeId: 'node-b' }, db: await openDb(testDatabaseUrl, { schema }), background: false })
    await a.ready()
    await b.ready()
    t.teardown(async () => {
      await a.close()
      await b.close()
    })
    const admin = await login(a, 'admin')
    t.equal((await call(a, admin, 'POST', '/api/process-definitions', { xml: registry })).status, 201)
    const N = 12
    for (let i = 0; i < N; i++) t.equal((await call(b, admin, 'POST', '/api/process-definitions/key/registry_check/start', { variables: { i } })).status, 201)
    const token = (await call(a, admin, 'POST', '/api/worker-accounts', { name: 'w', tenant: null })).body.token
    const w = { authorization: `Bearer ${token}` }
    const body = (workerId: string) => ({ workerId, maxTasks: N, topics: [{ topicName: 'land-registry', lockDuration: 60_000 }] })
    // Both nodes fetch at the same moment, several times over: SKIP LOCKED splits the pool.
    const fetched = await Promise.all([a, b, a, b].map((app, k) => call(app, w, 'POST', '/engine-rest/external-task/fetchAndLock', body(`w${k}`))))
    const ids = fetched.flatMap((f) => f.body.map((x: any) => x.id))
    t.equal(ids.length, N, `all ${N} tasks handed out`)
    t.equal(new Set(ids).size, N, 'none handed out twice')
    // The same task completed through both nodes at once (same worker, same lock): one 204.
    let successes = 0
    for (const [k, f] of fetched.entries()) {
      for (const task of f.body) {
        const results = await Promise.all([a, b].map((app) => call(app, w, 'POST', `/engine-rest/external-task/${task.id}/complete`, { workerId: `w${k}` })))
        const codes = results.map((r) => r.status).sort()
        t.equal(codes[0], 204, `${task.id}: one success`)
        t.ok(codes[1] === 404 || codes[1] === 409, `${task.id}: the other is refused (${codes[1]})`)
        successes += codes.filter((c) => c === 204).length
      }
    }
    t.equal(successes, N)
    const completed = await db('history').where({ type: 'activity_end', element_id: 'check' }).count({ n: '*' }).first()
    t.equal(Number(completed!.n), N, 'each service task ended exactly once')
    t.equal(
      Number(
        (await db('process_instances').where({ status: 'completed' }).whereIn('id', db('external_tasks').select('instance_id')).count({ n: '*' }).first())!.n,
      ),
      N,
    )
    void randomUUID
  },
)
