/**
 * Withdrawing a process key for a tenant and restoring it (src/engine/withdrawals.ts, migration
 * 038): who may (the city's administrator any tenant, a county administrator their county's
 * versions, nobody else), what a withdrawal changes (new instances of that tenant skip its
 * versions: a county's cases get the city default, a key with nothing behind it cannot start),
 * what it leaves alone (instances already running), the procedures intake starts, a deploy that
 * restores, and the record of who did what. Through the HTTP API, on SQLite and PostgreSQL.
 */
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from '../helper.js'
import { as, call, garbageReport } from '../api.js'
import { process as bpmn } from '../fixtures/bpmn.js'

/** A county's own experiment: one user task its administrator receives. */
const evilLoop = (label: string) =>
  bpmn(
    'evil_loop',
    `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="u"/><userTask id="u" name="${label}" camunda:assignee="xianghe-admin"/><sequenceFlow id="b" sourceRef="u" targetRef="e"/><endEvent id="e"/>`,
  )
const cityKey = (key: string) =>
  bpmn(
    key,
    `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="u"/><userTask id="u" name="办理" camunda:assignee="admin"/><sequenceFlow id="b" sourceRef="u" targetRef="e"/><endEvent id="e"/>`,
  )

const withdraw = (app: FastifyInstance, user: string, key: string, body: Record<string, unknown> = {}) =>
  call(app, user, 'POST', `/api/process-definitions/key/${key}/withdraw`, body)
const restore = (app: FastifyInstance, user: string, key: string, body: Record<string, unknown> = {}) =>
  call(app, user, 'POST', `/api/process-definitions/key/${key}/restore`, body)
const definitionOf = async (app: FastifyInstance, instanceId: string) =>
  (await app.db('process_instances').where({ id: instanceId }).first('definition_id')).definition_id as string

t.test('who may withdraw and restore: the city administrator any tenant, a county administrator their own county only', async (t) => {
  const app = await build(t)
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: evilLoop('v1') })).status, 201)
  t.equal((await call(app, 'admin', 'POST', '/api/process-definitions', { xml: cityKey('wd_city') })).status, 201)

  t.equal((await withdraw(app, 'dispatcher', 'evil_loop', { tenant: 'xianghe' })).status, 403, 'not an administrator: 403')
  const other = await withdraw(app, 'guangyang-admin', 'evil_loop', { tenant: 'xianghe' })
  t.equal(other.status, 403, "another county's administrator: 403")
  t.equal(other.body.key, 'error.engine.countyOnly')
  t.equal((await withdraw(app, 'guangyang-admin', 'evil_loop')).status, 404, 'their own county has no version of it: 404')
  const city = await withdraw(app, 'xianghe-admin', 'wd_city', { tenant: null })
  t.equal(city.status, 403, "a county administrator and the city's versions: 403")
  t.equal((await restore(app, 'xianghe-admin', 'wd_city', { tenant: null })).status, 403, 'nor restore them')
  t.equal((await restore(app, 'guangyang-admin', 'evil_loop', { tenant: 'xianghe' })).status, 403, "nor another county's")
  t.equal(
    await app
      .db('process_withdrawals')
      .count({ n: '*' })
      .first()
      .then((r) => Number(r!.n)),
    0,
    'none of the refusals wrote anything',
  )

  const own = await withdraw(app, 'xianghe-admin', 'evil_loop')
  t.equal(own.status, 200, 'a county administrator withdraws their county’s key (their county by default)')
  t.match(own.body, {
    key: 'evil_loop',
    tenant: 'xianghe',
    tenantName: '香河县',
    withdrawn: true,
    withdrawnBy: 'xianghe-admin',
    withdrawnByName: '香河县管理员',
    inForce: null,
  })
  t.equal((await withdraw(app, 'xianghe-admin', 'evil_loop')).status, 200, 'withdrawing again changes nothing')

  const byAdmin = await withdraw(app, 'admin', 'wd_city')
  t.equal(byAdmin.status, 200, "the city's administrator withdraws the city's versions (the city by default)")
  t.match(byAdmin.body, { tenant: null, withdrawn: true, withdrawnBy: 'admin', inForce: null })

  // The list keeps api.md's fields and adds the withdrawal's.
  const list = (await call(app, 'xianghe-admin', 'GET', '/api/process-definitions')).body as any[]
  const evil = list.find((d) => d.key === 'evil_loop')
  t.match(evil, {
    key: 'evil_loop',
    version: 1,
    tenant: 'xianghe',
    name: 'evil_loop',
    withdrawn: true,
    withdrawnBy: 'xianghe-admin',
    withdrawnByName: '香河县管理员',
  })
  t.type(evil.deployedAt, 'string')
  t.type(evil.withdrawnAt, 'string')
  t.match(
    list.find((d) => d.key === 'ordinary'),
    { withdrawn: false, withdrawnAt: null, withdrawnBy: null },
    'a key in force says so',
  )

  // The city's administrator restores a county's key; the record names each change and who made it.
  const back = await restore(app, 'admin', 'evil_loop', { tenant: 'xianghe' })
  t.equal(back.status, 200)
  t.match(back.body, { withdrawn: false, withdrawnAt: null, inForce: { tenant: 'xianghe', version: 1 } })
  t.equal((await restore(app, 'xianghe-admin', 'evil_loop')).status, 200, 'restoring again changes nothing')
  const record = await call(app, 'xianghe-admin', 'GET', '/api/process-definitions/key/evil_loop/withdrawals?tenant=xianghe')
  t.equal(record.status, 200)
  t.match(
    record.body.map((c: any) => [c.action, c.via, c.by, c.byName]),
    [
      ['restored', 'request', 'admin', '系统管理员'],
      ['withdrawn', 'request', 'xianghe-admin', '香河县管理员'],
    ],
    'one entry per change, newest first, with who (a repeated withdraw or restore adds none)',
  )
  t.equal(
    (await call(app, 'guangyang-admin', 'GET', '/api/process-definitions/key/evil_loop/withdrawals?tenant=xianghe')).status,
    403,
    "another county's record: 403",
  )
  t.equal((await call(app, 'dispatcher', 'GET', '/api/process-definitions/key/evil_loop/withdrawals')).status, 403)
})

t.test('a withdrawn key with nothing to fall back on cannot start; running instances finish; restore starts it again', async (t) => {
  const app = await build(t)
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: evilLoop('v1') })).status, 201)
  const running = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/evil_loop/start', {})
  t.equal(running.status, 201)
  const task = running.body.activeTasks[0]

  t.equal((await withdraw(app, 'xianghe-admin', 'evil_loop')).status, 200)
  const refused = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/evil_loop/start', {})
  t.equal(refused.status, 409, 'starting a withdrawn key with no fallback: 409')
  t.equal(refused.body.key, 'error.engine.processKeyWithdrawn')
  t.same(refused.body.params, { key: 'evil_loop' })
  t.match(refused.body.message, /已停用.*withdrawn/, 'a sentence in both languages')
  t.equal(
    (await call(app, 'admin', 'POST', '/api/process-definitions/key/evil_loop/start', { tenant: 'xianghe' })).status,
    409,
    'for the city administrator too',
  )
  t.equal((await call(app, 'admin', 'POST', '/api/process-definitions/key/never_deployed/start', {})).status, 404, 'a key never deployed stays a 404')

  // The instance started before goes on to its end on its version.
  const done = await call(app, 'xianghe-admin', 'POST', `/api/tasks/${task.id}/complete`, { data: {} })
  t.equal(done.status, 200, "a running instance's task is completed after the withdrawal")
  const after = await call(app, 'xianghe-admin', 'GET', `/api/process-instances/${running.body.id}`)
  t.equal(after.body.state, 'completed', 'and the instance ends')

  t.equal((await restore(app, 'xianghe-admin', 'evil_loop')).status, 200)
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/evil_loop/start', {})).status, 201, 'restored: it starts again')
})

t.test("a county withdrawing its own ordinary procedure: its new cases run the city's definition, cases under way keep theirs", async (t) => {
  const app = await build(t)
  const own = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/shipped/ordinary/deploy', {})
  t.equal(own.status, 201, "Xianghe's own version of the ordinary procedure")
  t.equal(own.body.tenant, 'xianghe')
  const cityId = (await app.db('process_definitions').where({ key: 'ordinary', tenant: '' }).orderBy('version', 'desc').first('id')).id as string
  t.not(own.body.id, cityId)

  const before = await call(app, 'dispatcher', 'POST', '/api/cases', garbageReport)
  t.equal(before.status, 201)
  t.equal((await app.db('cases').where({ id: before.body.id }).first('tenant')).tenant, 'xianghe', 'a Xianghe case')
  const beforeInstance = (await app.db('cases').where({ id: before.body.id }).first('instance_id')).instance_id as string
  t.equal(await definitionOf(app, beforeInstance), own.body.id, "filed before: the county's own version")

  const w = await withdraw(app, 'xianghe-admin', 'ordinary')
  t.equal(w.status, 200, 'a county may withdraw its version of a shipped procedure: the city default stands behind it')
  t.match(w.body, { withdrawn: true, inForce: { id: cityId, tenant: null } }, 'the answer names the version new cases get now')

  const after = await call(app, 'dispatcher', 'POST', '/api/cases', garbageReport)
  t.equal(after.status, 201, 'intake goes on')
  const afterInstance = (await app.db('cases').where({ id: after.body.id }).first('instance_id')).instance_id as string
  t.equal(await definitionOf(app, afterInstance), cityId, "filed after: the city's definition")

  // The case filed before goes on its county version: its sign-for task completes.
  const task = before.body.activeTasks[0]
  const signed = await call(app, 'admin', 'POST', `/api/tasks/${task.id}/complete`, { data: { signOutcome: 'accept', firstReply: '已联系' } })
  t.equal(signed.status, 200, "the running case's task completes after the withdrawal")
  t.equal(await definitionOf(app, beforeInstance), own.body.id, 'still on its own version')

  // Restored, new cases get the county's version again.
  t.equal((await restore(app, 'xianghe-admin', 'ordinary')).status, 200)
  const again = await call(app, 'dispatcher', 'POST', '/api/cases', garbageReport)
  const againInstance = (await app.db('cases').where({ id: again.body.id }).first('instance_id')).instance_id as string
  t.equal(await definitionOf(app, againInstance), own.body.id, "restored: the county's version again")
})

t.test('the procedures intake starts cannot be withdrawn where nothing would be left to start', async (t) => {
  const app = await build(t)
  for (const key of ['ordinary', 'escalation', 'joint', 'one_case_one_plan']) {
    const r = await withdraw(app, 'admin', key, { tenant: null })
    t.equal(r.status, 409, `the city's ${key}: 409`)
    t.equal(r.body.key, 'error.case.procedureNeededByIntake')
    t.match(r.body.message, /无法登记.*no case could be filed/)
  }
  // A key a category names (any key with a city version may be one) likewise.
  t.equal((await call(app, 'admin', 'POST', '/api/process-definitions', { xml: cityKey('wd_category') })).status, 201)
  const patched = await call(app, 'admin', 'PATCH', '/api/categories/environment.garbage', { procedure: 'wd_category' })
  t.equal(patched.status, 200, patched.body.message)
  t.equal((await withdraw(app, 'admin', 'wd_category')).status, 409, "a category's procedure: 409")
  t.equal(
    await app
      .db('process_withdrawals')
      .count({ n: '*' })
      .first()
      .then((r) => Number(r!.n)),
    0,
    'nothing withdrawn',
  )
  t.equal(
    await app
      .db('process_withdrawal_changes')
      .count({ n: '*' })
      .first()
      .then((r) => Number(r!.n)),
    0,
    'nothing recorded',
  )
  t.equal((await call(app, 'admin', 'PATCH', '/api/categories/environment.garbage', { procedure: 'ordinary' })).status, 200)
  t.equal((await withdraw(app, 'admin', 'wd_category')).status, 200, 'named by no category any more: withdrawn')
  const refused = await call(app, 'admin', 'PATCH', '/api/categories/environment.garbage', { procedure: 'wd_category' })
  t.equal(refused.status, 400, 'and a category cannot name it while it is withdrawn')
  t.equal(refused.body.details[0].key, 'error.category.unknownProcedure')
  t.equal((await call(app, 'dispatcher', 'POST', '/api/cases', garbageReport)).status, 201, 'intake works throughout')
})

t.test('an intake whose procedure is withdrawn is refused with the sentence, not a 500, and files nothing', async (t) => {
  const app = await build(t)
  // Not reachable through the API (the 409 above), but intake must not fail blindly if it happens:
  // a withdrawal row written past the checks, as a database restored from elsewhere might hold.
  await app.db('process_withdrawals').insert({ key: 'ordinary', tenant: '', withdrawn_at: new Date().toISOString(), withdrawn_by: 'admin' })
  const r = await call(app, 'dispatcher', 'POST', '/api/cases', garbageReport)
  t.equal(r.status, 409)
  t.equal(r.body.key, 'error.engine.processKeyWithdrawn')
  t.same(r.body.params, { key: 'ordinary' })
  t.equal(
    await app
      .db('cases')
      .count({ n: '*' })
      .first()
      .then((c) => Number(c!.n)),
    0,
    'no case written',
  )
})

t.test('a new version restores a withdrawn key; an unchanged deploy does not', async (t) => {
  const app = await build(t)
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: evilLoop('v1') })).status, 201)
  t.equal((await withdraw(app, 'xianghe-admin', 'evil_loop')).status, 200)
  const same = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: evilLoop('v1') })
  t.equal(same.status, 200, 'unchanged XML: no new version')
  t.equal(same.body.withdrawn, true, 'and the key stays withdrawn')
  const v2 = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: evilLoop('v2') })
  t.equal(v2.status, 201)
  t.match(v2.body, { version: 2, withdrawn: false }, 'a new version is in force at once')
  const started = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/evil_loop/start', {})
  t.equal(started.status, 201)
  t.equal(started.body.definition.version, 2)
  const record = (await call(app, 'xianghe-admin', 'GET', '/api/process-definitions/key/evil_loop/withdrawals?tenant=xianghe')).body
  t.match(
    record.map((c: any) => [c.action, c.via, c.version, c.by]),
    [
      ['restored', 'deploy', 2, 'xianghe-admin'],
      ['withdrawn', 'request', null, 'xianghe-admin'],
    ],
  )
})

t.test('hostile input to withdraw and restore: a clear 4xx', async (t) => {
  const app = await build(t)
  t.equal((await withdraw(app, 'admin', 'nobody_deployed_this')).status, 404)
  t.equal((await withdraw(app, 'admin', 'ordinary', { tenant: 'nowhere' })).status, 404, 'a tenant without versions of the key')
  t.equal((await withdraw(app, 'admin', 'ordinary', { tenant: 'x'.repeat(65) })).status, 400)
  t.equal((await withdraw(app, 'admin', 'ordinary', { tenant: 'xianghe', also: 1 })).status, 400, 'an unknown field')
  t.equal((await withdraw(app, 'admin', 'ordinary', { tenant: ['xianghe'] })).status, 400, 'a tenant that is not a string')
  const long = await call(app, 'admin', 'POST', `/api/process-definitions/key/${'k'.repeat(201)}/withdraw`, {})
  t.equal(long.status, 414, 'a key too long: refused before anything is read')
  t.equal((await call(app, null, 'POST', '/api/process-definitions/key/ordinary/withdraw', {})).status, 401)
  const none = await app.inject({ method: 'POST', url: '/api/process-definitions/key/nobody/withdraw', headers: await as(app, 'admin') })
  t.equal(none.statusCode, 404, 'no body at all is the default scope')
})

t.test('two withdrawals of one key at once: both answer it withdrawn, one change is recorded', async (t) => {
  const app = await build(t)
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: evilLoop('v1') })).status, 201)
  const [a, b] = await Promise.all([withdraw(app, 'xianghe-admin', 'evil_loop'), withdraw(app, 'admin', 'evil_loop', { tenant: 'xianghe' })])
  t.same([a.status, b.status], [200, 200])
  t.same([a.body.withdrawn, b.body.withdrawn], [true, true])
  t.equal(
    await app
      .db('process_withdrawal_changes')
      .count({ n: '*' })
      .first()
      .then((r) => Number(r!.n)),
    1,
    'one entry',
  )
})
