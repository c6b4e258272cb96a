// Administering users from the web app: PATCH /api/org/users/:username and
// POST /api/org/users/:username/password, scoped as POST /api/org/users is (a county
// administrator: their county's users, never the system administrator role, no move out of the
// county), with the lock-out refusals, and tokens that stop working at once.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, login } from '../helper.js'
import { as, call, caseByNo, openTask, petition } from '../api.js'
import { process } from '../fixtures/bpmn.js'

type Headers = { authorization: string }

const patch = (app: FastifyInstance, who: string, username: string, payload: unknown) =>
  call(app, who, 'PATCH', `/api/org/users/${encodeURIComponent(username)}`, payload)
const resetPw = (app: FastifyInstance, who: string, username: string, password: unknown) =>
  call(app, who, 'POST', `/api/org/users/${encodeURIComponent(username)}/password`, { password })
const me = (app: FastifyInstance, headers: Headers) => app.inject({ method: 'GET', url: '/api/me', headers })
const row = (app: FastifyInstance, username: string) => app.db('users').where({ username }).first()
const tryLogin = (app: FastifyInstance, username: string, password: string) =>
  app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } }).then((r) => r.statusCode)

/** The columns a change may touch, to prove a refusal left them alone. */
const snapshot = async (app: FastifyInstance, username: string) => {
  const r = await row(app, username)
  return { ...r, active: Boolean(r.active) }
}

t.test('a county administrator changes their county’s users and nobody else’s', async (t) => {
  const app = await build(t)

  const renamed = await patch(app, 'xianghe-admin', 'grid01', { displayName: '网格员 王五' })
  t.equal(renamed.status, 200, JSON.stringify(renamed.body))
  t.match(renamed.body, {
    username: 'grid01',
    displayName: '网格员 王五',
    roles: ['grid_worker'],
    unitCode: 'xh-anping-v01-g1',
    tenant: 'xianghe',
    active: true,
  })
  t.notMatch(JSON.stringify(renamed.body), /scrypt|password|token/i, 'no hash, no token version')
  t.equal((await row(app, 'grid01')).display_name, '网格员 王五')

  // Within the county: another unit, its region following the unit; roles and plain groups.
  const moved = await patch(app, 'xianghe-admin', 'grid01', { unitCode: 'xianghe-land', roles: ['handler', 'handler'], groups: ['accounting'] })
  t.equal(moved.status, 200, JSON.stringify(moved.body))
  t.match(moved.body, { unitCode: 'xianghe-land', regionCode: 'xianghe', tenant: 'xianghe', roles: ['handler'], groups: ['accounting'] })

  // Outside: another county's user, the city's, or one who is nobody — all 404, as the list hides them.
  for (const username of ['gy-land-officer', 'dispatcher', 'admin', 'nobody-at-all']) {
    const before = username === 'nobody-at-all' ? undefined : await snapshot(app, username)
    const r = await patch(app, 'xianghe-admin', username, { displayName: '改了' })
    t.equal(r.status, 404, username)
    t.equal(r.body.key, 'error.org.unknownUser', username)
    if (before) t.same(await snapshot(app, username), before, `${username} unchanged`)
  }

  // No move out of the county, whether by unit or by region.
  const before = await snapshot(app, 'grid01')
  for (const body of [{ unitCode: 'guangyang-land' }, { unitCode: 'langfang-centre' }, { regionCode: 'guangyang' }, { regionCode: 'langfang' }]) {
    const r = await patch(app, 'xianghe-admin', 'grid01', body)
    t.equal(r.status, 403, JSON.stringify(body))
    t.equal(r.body.key, 'error.org.moveOutsideCounty', JSON.stringify(body))
  }
  t.same(await snapshot(app, 'grid01'), before, 'grid01 stayed where it was')

  // Never the system administrator role: neither granted, nor touched on a user who holds it.
  const grant = await patch(app, 'xianghe-admin', 'grid01', { roles: ['handler', 'admin'] })
  t.equal(grant.status, 403)
  t.equal(grant.body.key, 'error.org.adminRole')
  t.same(await snapshot(app, 'grid01'), before, 'not granted')
  const sysadmin = await call(app, 'admin', 'POST', '/api/org/users', {
    username: 'xh-sysadmin',
    displayName: '驻县系统管理员',
    password: 'sysadmin-pass',
    roles: ['admin'],
    unitCode: 'xianghe-centre',
  })
  t.equal(sysadmin.status, 201)
  t.equal(sysadmin.body.tenant, 'xianghe', 'a system administrator placed in the county: in the county administrator’s list')
  const sysBefore = await snapshot(app, 'xh-sysadmin')
  for (const body of [{ displayName: '改了' }, { roles: ['handler'] }, { active: false }]) {
    const r = await patch(app, 'xianghe-admin', 'xh-sysadmin', body)
    t.equal(r.status, 403, JSON.stringify(body))
    t.equal(r.body.key, 'error.org.adminRole')
  }
  t.equal((await resetPw(app, 'xianghe-admin', 'xh-sysadmin', 'taken-over-1')).status, 403, 'nor its password')
  t.same(await snapshot(app, 'xh-sysadmin'), sysBefore, 'the system administrator is untouched')

  // The city's administrator reaches everyone, and may move a user to another county.
  const city = await patch(app, 'admin', 'gy-land-officer', { unitCode: 'xianghe-water', displayName: '调来的水务员' })
  t.equal(city.status, 200)
  t.match(city.body, { unitCode: 'xianghe-water', regionCode: 'xianghe', tenant: 'xianghe' })
  const xhList = (await call(app, 'xianghe-admin', 'GET', '/api/org/users')).body.map((u: any) => u.username)
  t.ok(xhList.includes('gy-land-officer'), 'now in Xianghe’s list')
  t.notOk(
    (await call(app, 'guangyang-admin', 'GET', '/api/org/users')).body.some((u: any) => u.username === 'gy-land-officer'),
    'and no longer in Guangyang’s',
  )
  t.equal((await patch(app, 'guangyang-admin', 'gy-land-officer', { displayName: 'x' })).status, 404, 'out of its former administrator’s reach')

  // Not an administrator: 403; no token: 401.
  t.equal((await patch(app, 'land-officer', 'grid01', { displayName: 'x' })).status, 403)
  t.equal((await patch(app, 'xianghe-dispatcher', 'grid01', { active: false })).status, 403)
  t.equal((await resetPw(app, 'land-officer', 'grid01', 'a-long-password')).status, 403)
  t.equal((await call(app, null, 'PATCH', '/api/org/users/grid01', { displayName: 'x' })).status, 401)
  t.equal((await call(app, null, 'POST', '/api/org/users/grid01/password', { password: 'a-long-password' })).status, 401)
  t.equal((await row(app, 'grid01')).display_name, '网格员 王五')
})

t.test('bad bodies are 400s, unknown units and regions 422s, on both routes', async (t) => {
  // (A scalar where a list goes is taken as a list of one, as ajv is told to everywhere: not a 400.)
  const app = await build(t)
  const before = await snapshot(app, 'grid01')
  for (const body of [
    {},
    { displayName: '' },
    // Regression: a name of spaces only was taken, and the user listed with no name.
    { displayName: '   ' },
    { displayName: '\u3000\t' },
    { displayName: 'x'.repeat(101) },
    { roles: [] },
    { roles: ['emperor'] },
    { roles: ['handler', 'emperor'] },
    { active: 'no' },
    { groups: ['a,b'] },
    { groups: ['role:admin'] },
    { password: 'a-long-password' },
    { username: 'renamed' },
    { unitCode: '' },
    null,
    [],
  ]) {
    const r = await patch(app, 'admin', 'grid01', body)
    t.equal(r.status, 400, JSON.stringify(body))
  }
  const unit = await patch(app, 'admin', 'grid01', { unitCode: 'nowhere' })
  t.equal(unit.status, 422)
  t.equal(unit.body.key, 'error.org.unknownUnit')
  const region = await patch(app, 'admin', 'grid01', { regionCode: 'atlantis' })
  t.equal(region.status, 422)
  t.equal(region.body.key, 'error.org.unknownRegion')
  t.equal((await patch(app, 'admin', 'x'.repeat(65), { active: true })).status, 400, 'a username longer than any')
  const blank = await call(app, 'admin', 'POST', '/api/org/users', {
    username: 'blank-name',
    displayName: '  ',
    password: 'a-long-password',
    roles: ['handler'],
    unitCode: 'xianghe-land',
  })
  t.equal(blank.status, 400, 'nor is a new user created with one')
  t.notOk(await row(app, 'blank-name'))
  t.same(await snapshot(app, 'grid01'), before, 'nothing changed')

  for (const body of [{}, { password: 'short' }, { password: { text: 'a-long-password' } }, { password: 'a-long-password', extra: 1 }]) {
    const r = await call(app, 'admin', 'POST', '/api/org/users/grid01/password', body)
    t.equal(r.status, 400, JSON.stringify(body))
  }
  t.equal((await resetPw(app, 'admin', 'nobody-at-all', 'a-long-password')).status, 404)
  t.same(await snapshot(app, 'grid01'), before, 'nothing changed')
})

t.test('no administrator locks themselves out', async (t) => {
  const app = await build(t)
  const county = await login(app, 'xianghe-admin')
  const countyBefore = await snapshot(app, 'xianghe-admin')
  for (const [body, key] of [
    [{ active: false }, 'error.org.selfDeactivate'],
    [{ roles: ['handler'] }, 'error.org.selfDemote'],
    [{ roles: ['county_admin'], active: false }, 'error.org.selfDeactivate'],
  ] as const) {
    const r = await patch(app, 'xianghe-admin', 'xianghe-admin', body)
    t.equal(r.status, 403, JSON.stringify(body))
    t.equal(r.body.key, key, JSON.stringify(body))
  }
  const own = await resetPw(app, 'xianghe-admin', 'xianghe-admin', 'no-current-needed')
  t.equal(own.status, 403, 'a token alone does not set its own password')
  t.equal(own.body.key, 'error.org.selfPasswordReset')
  t.same(await snapshot(app, 'xianghe-admin'), countyBefore, 'unchanged')
  t.equal((await me(app, county)).statusCode, 200, 'still signed in')

  // What keeps the administration is allowed: another role beside it, one's own name.
  const kept = await patch(app, 'xianghe-admin', 'xianghe-admin', { roles: ['county_admin', 'dispatcher'], displayName: '县管理员' })
  t.equal(kept.status, 200)
  t.same(kept.body.roles, ['county_admin', 'dispatcher'])

  const adminBefore = await snapshot(app, 'admin')
  for (const [body, key] of [
    [{ active: false }, 'error.org.selfDeactivate'],
    [{ roles: ['county_admin'] }, 'error.org.selfDemote'],
    [{ roles: ['dispatcher'] }, 'error.org.selfDemote'],
  ] as const) {
    const r = await patch(app, 'admin', 'admin', body)
    t.equal(r.status, 403, JSON.stringify(body))
    t.equal(r.body.key, key, JSON.stringify(body))
  }
  t.equal((await resetPw(app, 'admin', 'admin', 'no-current-needed')).status, 403)
  t.same(await snapshot(app, 'admin'), adminBefore, 'the system administrator unchanged')
})

t.test('deactivating a user refuses their tokens at once, for good, and reactivating lets them sign in again', async (t) => {
  const app = await build(t)
  const a = await login(app, 'grid01')
  const b = await login(app, 'grid01')
  t.equal((await me(app, a)).statusCode, 200)
  t.equal((await me(app, b)).statusCode, 200, 'both tokens work, and the actor is cached')

  const off = await patch(app, 'xianghe-admin', 'grid01', { active: false })
  t.equal(off.status, 200)
  t.equal(off.body.active, false)
  for (const h of [a, b]) {
    const r = await me(app, h)
    t.equal(r.statusCode, 401, 'refused on the next request')
    t.equal(r.json().key, 'error.auth.invalidToken')
  }
  t.equal(await tryLogin(app, 'grid01', 'demo'), 401, 'and cannot sign in')
  const listed = (await call(app, 'xianghe-admin', 'GET', '/api/org/users')).body.find((u: any) => u.username === 'grid01')
  t.equal(listed.active, false, 'listed as inactive')

  const on = await patch(app, 'xianghe-admin', 'grid01', { active: true })
  t.equal(on.status, 200)
  t.equal(on.body.active, true)
  t.equal((await me(app, a)).statusCode, 401, 'a token from before the deactivation stays revoked')
  t.equal(await tryLogin(app, 'grid01', 'demo'), 200, 'a new sign-in works')
})

t.test('a changed role applies to the next request of a token already in use', async (t) => {
  const app = await build(t)
  const made = await call(app, 'xianghe-admin', 'POST', '/api/org/users', {
    username: 'xh-admin2',
    displayName: '第二位县管理员',
    password: 'second-admin',
    roles: ['county_admin'],
    unitCode: 'xianghe-centre',
  })
  t.equal(made.status, 201)
  const second = await login(app, 'xh-admin2', 'second-admin')
  const users = () => app.inject({ method: 'GET', url: '/api/org/users', headers: second }).then((r) => r.statusCode)
  t.equal(await users(), 200, 'an administrator')
  t.equal(await users(), 200, 'cached')
  t.equal((await patch(app, 'xianghe-admin', 'xh-admin2', { roles: ['dispatcher'] })).status, 200)
  t.equal(await users(), 403, 'no longer an administrator, with the same token')
  t.same((await me(app, second)).json().roles, ['dispatcher'])
})

t.test('a password reset revokes every token of the user; the new password signs in', async (t) => {
  const app = await build(t)
  const a = await login(app, 'land-officer')
  t.equal((await me(app, a)).statusCode, 200)
  const r = await resetPw(app, 'xianghe-admin', 'land-officer', 'new-land-password')
  t.equal(r.status, 204, JSON.stringify(r.body))
  t.equal((await me(app, a)).statusCode, 401, 'the old token is refused at once')
  t.equal(await tryLogin(app, 'land-officer', 'demo'), 401, 'the old password no longer works')
  t.equal(await tryLogin(app, 'land-officer', 'new-land-password'), 200, 'the new one does')

  // Another county's user: as absent as in the list.
  const gy = await snapshot(app, 'gy-land-officer')
  const far = await resetPw(app, 'xianghe-admin', 'gy-land-officer', 'new-land-password')
  t.equal(far.status, 404)
  t.equal(far.body.key, 'error.org.unknownUser')
  t.same(await snapshot(app, 'gy-land-officer'), gy, 'untouched')
  t.equal((await resetPw(app, 'admin', 'gy-land-officer', 'city-reset-pass')).status, 204, 'the city’s administrator reaches them')
  t.equal(await tryLogin(app, 'gy-land-officer', 'city-reset-pass'), 200)
})

t.test('a deactivated user is offered no new work: not a dispatch target, not whom a rule routes to', async (t) => {
  const app = await build(t)
  const anon = { type: 'person', anonymous: true }
  // No rule covers `other`: the case waits at dispatch, whose targets are the staffed units.
  const filed = await call(app, 'dispatcher', 'POST', '/api/cases', {
    channel: 'hotline',
    description: '井盖松动',
    category: 'other',
    regionCode: 'xh-anping-v01-g1',
    petitioner: anon,
  })
  t.equal(filed.status, 201)
  const targets = async () =>
    (await call(app, 'dispatcher', 'GET', `/api/cases/${filed.body.id}/dispatch-targets?limit=200`)).body.items.map((u: any) => u.code)
  t.ok((await targets()).includes('xianghe-water'), 'the water bureau, staffed by water-officer alone, is a target')
  t.same(
    (await app.org.usersInGroups(['handler@xianghe-water'])).map((u) => u.username),
    ['water-officer'],
  )

  t.equal((await patch(app, 'xianghe-admin', 'water-officer', { active: false })).status, 200)
  t.notOk((await targets()).includes('xianghe-water'), 'nobody left to sign for it: not a target')
  t.same(await app.org.usersInGroups(['handler@xianghe-water']), [], 'not among those the unit’s tasks are offered to')

  // A rule routes pollution near Anping to the environment bureau; with its one officer
  // deactivated the case goes to the dispatcher instead of waiting for nobody.
  const routed = async () =>
    (
      await caseByNo(
        app,
        (await petition(app, { description: '工厂排污', category: 'environment.pollution', regionCode: 'xh-anping-v01-g1', petitioner: anon })).caseNo,
      )
    ).ownerUnit
  t.equal(await routed(), 'xianghe-environment', 'routed to the bureau while its officer is active')
  t.equal((await patch(app, 'xianghe-admin', 'env-officer', { active: false })).status, 200)
  t.not(await routed(), 'xianghe-environment', 'not to the bureau once its only officer is deactivated')
})

t.test("a deactivated user's claimed tasks went on waiting for them: now they go back to their group", async (t) => {
  const app = await build(t)
  // No routing rule covers "other": the case waits at its township centre's dispatcher (dispatcher@xh-anping-centre).
  const p = await petition(app, {
    description: '楼道灯坏了',
    category: 'other',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  const dispatch = await openTask(app, c.id, 'ut_dispatch')
  t.equal((await call(app, 'anping-dispatcher', 'POST', `/api/tasks/${dispatch.id}/claim`)).status, 200, 'claimed')
  t.equal((await app.db('tasks').where({ id: dispatch.id }).first()).assignee, 'anping-dispatcher')

  // Renaming them gives nothing back; deactivating does.
  t.equal((await patch(app, 'xianghe-admin', 'anping-dispatcher', { displayName: '安平镇调度员 许飞' })).status, 200)
  t.equal((await app.db('tasks').where({ id: dispatch.id }).first()).assignee, 'anping-dispatcher', 'a rename keeps the claim')
  t.equal((await patch(app, 'xianghe-admin', 'anping-dispatcher', { active: false })).status, 200)
  const after = await app.db('tasks').where({ id: dispatch.id }).first()
  t.same(
    { assignee: after.assignee, claimedAt: after.claimed_at, status: after.status },
    { assignee: null, claimedAt: null, status: 'open' },
    'open, claimed by nobody',
  )
  const unclaim = await app.db('history').where({ type: 'task_unclaim' }).whereLike('data', `%${dispatch.id}%`)
  t.equal(unclaim.length, 1, 'one history entry')
  t.equal(unclaim[0].actor, 'xianghe-admin', 'by the administrator who deactivated them')
  t.match(JSON.parse(unclaim[0].data), { taskId: dispatch.id, from: 'anping-dispatcher' })

  // Free to be taken again (here by the city's administrator, whom every task reaches).
  t.equal((await call(app, 'admin', 'POST', `/api/tasks/${dispatch.id}/claim`)).status, 200, 'claimed again')
  // Reactivating gives nothing back either.
  t.equal((await patch(app, 'xianghe-admin', 'anping-dispatcher', { active: true })).status, 200)
  t.equal((await app.db('tasks').where({ id: dispatch.id }).first()).assignee, 'admin')
})

/** A Xianghe task offered to every handler of the county (role:handler), whatever their unit. */
const anyHandler = process(
  'probe_any_handler',
  '<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="u"/><userTask id="u" name="核查 Check" camunda:candidateGroups="role:handler"/><sequenceFlow id="f2" sourceRef="u" targetRef="e"/><endEvent id="e"/>',
)

/**
 * land-officer (a handler of the county's land bureau) claims two tasks: a land case's sign-for,
 * offered to their bureau (unit:xianghe-land), and a county task offered to any handler.
 */
async function landOfficerClaims(t: Test, app: FastifyInstance) {
  const p = await petition(app, {
    description: '承包地被占',
    category: 'land.contract',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const signFor = await openTask(app, (await caseByNo(app, p.caseNo)).id, 'ut_signfor')
  t.same(signFor.candidateGroups, ['unit:xianghe-land'], 'the sign-for is the land bureau’s')
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: anyHandler })).status, 201)
  const started = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/probe_any_handler/start', {})
  t.equal(started.status, 201, 'started')
  const check = started.body.activeTasks[0].id as string
  for (const id of [signFor.id, check]) t.equal((await call(app, 'land-officer', 'POST', `/api/tasks/${id}/claim`)).status, 200, 'claimed')
  return { signFor: signFor.id as string, check }
}

const holder = async (app: FastifyInstance, taskId: string) => (await app.db('tasks').where({ id: taskId }).first()).assignee
const unclaims = (app: FastifyInstance, taskId: string) => app.db('history').where({ type: 'task_unclaim' }).whereLike('data', `%${taskId}%`)

t.test('a user moved to another unit kept the tasks they had claimed in the old one: now those go back to its group', async (t) => {
  const app = await build(t)
  const { signFor, check } = await landOfficerClaims(t, app)

  t.equal((await patch(app, 'xianghe-admin', 'land-officer', { displayName: '县自然资源和规划局 赵敏敏' })).status, 200)
  t.same([await holder(app, signFor), await holder(app, check)], ['land-officer', 'land-officer'], 'a rename gives nothing back')
  t.equal((await app.db('history').where({ type: 'task_unclaim' })).length, 0)

  t.equal((await patch(app, 'xianghe-admin', 'land-officer', { unitCode: 'xianghe-water' })).status, 200)
  const after = await app.db('tasks').where({ id: signFor }).first()
  t.same(
    { assignee: after.assignee, claimedAt: after.claimed_at, status: after.status },
    { assignee: null, claimedAt: null, status: 'open' },
    'the sign-for is free',
  )
  const entries = await unclaims(app, signFor)
  t.equal(entries.length, 1, 'one history entry')
  t.equal(entries[0].actor, 'xianghe-admin', 'by the administrator who moved them')
  t.match(JSON.parse(entries[0].data), { taskId: signFor, from: 'land-officer' })
  t.equal(await holder(app, check), 'land-officer', 'still a handler of the county: the other task stays theirs')
  t.equal((await unclaims(app, check)).length, 0)

  // The bureau's next member is offered it and takes it; the one who left can no longer.
  t.equal((await call(app, 'land-officer', 'POST', `/api/tasks/${signFor}/claim`)).status, 404, 'not theirs to see any more')
  const joined = await call(app, 'xianghe-admin', 'POST', '/api/org/users', {
    username: 'land-officer-2',
    displayName: '县自然资源和规划局 钱进',
    password: 'land-officer-2',
    roles: ['handler'],
    unitCode: 'xianghe-land',
  })
  t.equal(joined.status, 201)
  await as(app, 'land-officer-2', 'land-officer-2')
  const offered = (await call(app, 'land-officer-2', 'GET', '/api/tasks?assigned=candidate')).body.items.map((x: { id: string }) => x.id)
  t.ok(offered.includes(signFor), 'in the bureau’s list again')
  t.equal((await call(app, 'land-officer-2', 'POST', `/api/tasks/${signFor}/claim`)).status, 200)
})

t.test('a user whose roles changed kept claimed tasks of the role they lost: now those go back, the rest stay', async (t) => {
  const app = await build(t)
  const { signFor, check } = await landOfficerClaims(t, app)

  t.equal((await patch(app, 'xianghe-admin', 'land-officer', { roles: ['leader'] })).status, 200)
  t.equal(await holder(app, check), null, 'no longer a handler: the handlers’ task is free')
  const entries = await unclaims(app, check)
  t.equal(entries.length, 1)
  t.equal(entries[0].actor, 'xianghe-admin')
  t.equal(await holder(app, signFor), 'land-officer', 'still in the land bureau: its sign-for stays theirs')
  t.equal((await unclaims(app, signFor)).length, 0)

  // Their plain groups changed too: nothing they hold depends on them, so nothing goes back.
  t.equal((await patch(app, 'xianghe-admin', 'land-officer', { groups: ['accounting'] })).status, 200)
  t.equal(await holder(app, signFor), 'land-officer')
  t.equal((await app.db('history').where({ type: 'task_unclaim' })).length, 1, 'no other entry')
})

t.test('a user moved to another county by the city administrator gives back the county tasks they claimed', async (t) => {
  const app = await build(t)
  const { signFor, check } = await landOfficerClaims(t, app)
  // Still a handler, but of Guangyang: no Xianghe task reaches them, whatever it is offered to.
  t.equal((await patch(app, 'admin', 'land-officer', { unitCode: 'guangyang-land' })).status, 200)
  t.same([await holder(app, signFor), await holder(app, check)], [null, null])
  const entries = await app.db('history').where({ type: 'task_unclaim' })
  t.same(
    entries.map((e: { actor: string }) => e.actor),
    ['admin', 'admin'],
  )
})
