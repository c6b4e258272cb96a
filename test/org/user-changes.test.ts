// The record of user administration (GET /api/org/users/:username/changes, migration 036):
// creating a user, changing them and resetting their password each left only a request log
// line. Now each writes a row in its own transaction: who, to whom, when, which fields went
// from what to what, and never a password or its hash. Read as the user is: a county
// administrator their county's users only.
import t from 'tap'
import { build } from '../helper.js'
import { call } from '../api.js'

const changesOf = (app: Parameters<typeof call>[0], who: string, username: string) =>
  call(app, who, 'GET', `/api/org/users/${encodeURIComponent(username)}/changes`)

t.test('creating, changing and resetting a user are each recorded with who, when and what changed', async (t) => {
  const app = await build(t)
  const created = await call(app, 'xianghe-admin', 'POST', '/api/org/users', {
    username: 'new-clerk',
    displayName: '新办事员',
    password: 'first-password-1',
    roles: ['handler'],
    unitCode: 'xianghe-land',
  })
  t.equal(created.status, 201, JSON.stringify(created.body))
  const changed = await call(app, 'xianghe-admin', 'PATCH', '/api/org/users/new-clerk', {
    displayName: '新办事员 张三',
    roles: ['handler', 'dispatcher'],
    unitCode: 'xh-anping-v01-g1',
    groups: ['accounting'],
  })
  t.equal(changed.status, 200, JSON.stringify(changed.body))
  // What a field already held is no change: no row.
  t.equal((await call(app, 'xianghe-admin', 'PATCH', '/api/org/users/new-clerk', { displayName: '新办事员 张三' })).status, 200)
  t.equal((await call(app, 'xianghe-admin', 'PATCH', '/api/org/users/new-clerk', { active: false })).status, 200)
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/org/users/new-clerk/password', { password: 'second-password-2' })).status, 204)
  // A refused change (a move out of the county) leaves no row either.
  t.equal((await call(app, 'xianghe-admin', 'PATCH', '/api/org/users/new-clerk', { unitCode: 'guangyang-land' })).status, 403)

  const r = await changesOf(app, 'xianghe-admin', 'new-clerk')
  t.equal(r.status, 200, JSON.stringify(r.body))
  const items = r.body.items
  t.same(
    items.map((c: { action: string }) => c.action),
    ['passwordReset', 'changed', 'changed', 'created'],
    'four rows, newest first',
  )
  for (const c of items) t.match(c, { by: 'xianghe-admin', byName: '香河县管理员', at: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/ })
  t.same(items[0].changes, {}, 'a reset names no field')
  t.same(items[1].changes, { active: { from: true, to: false } }, 'the deactivation')
  t.same(
    items[2].changes,
    {
      displayName: { from: '新办事员', to: '新办事员 张三' },
      roles: { from: ['handler'], to: ['handler', 'dispatcher'] },
      unitCode: { from: 'xianghe-land', to: 'xh-anping-v01-g1' },
      regionCode: { from: 'xianghe', to: 'xh-anping-v01-g1' },
      groups: { from: [], to: ['accounting'] },
    },
    'the change: every field it changed, from and to, and only those',
  )
  t.same(
    items[3].changes,
    {
      displayName: { from: null, to: '新办事员' },
      roles: { from: null, to: ['handler'] },
      unitCode: { from: null, to: 'xianghe-land' },
      regionCode: { from: null, to: 'xianghe' },
      groups: { from: null, to: [] },
      active: { from: null, to: true },
    },
    'the creation: what the user was created with',
  )
  const stored = JSON.stringify(await app.db('user_changes').where({ username: 'new-clerk' }))
  t.notMatch(stored, /"password"|password_hash|scrypt|first-password-1|second-password-2/, 'never a password or its hash')
  t.notMatch(JSON.stringify(r.body), /password-|scrypt/)
})

t.test('a user’s record is read as the user is: a county administrator their county’s only', async (t) => {
  const app = await build(t)
  t.equal((await call(app, 'admin', 'PATCH', '/api/org/users/gy-land-officer', { displayName: '固安 国土' })).status, 200)
  t.equal((await call(app, 'admin', 'PATCH', '/api/org/users/dispatcher', { groups: ['night'] })).status, 200)
  t.equal((await call(app, 'xianghe-admin', 'PATCH', '/api/org/users/grid01', { groups: ['night'] })).status, 200)

  // Another county's user, the city's, nobody: as absent as in the county administrator's list.
  for (const username of ['gy-land-officer', 'dispatcher', 'admin', 'nobody-at-all']) {
    const r = await changesOf(app, 'xianghe-admin', username)
    t.equal(r.status, 404, username)
    t.equal(r.body.key, 'error.org.unknownUser', username)
    t.notMatch(JSON.stringify(r.body), /固安 国土|night/, `${username}: nothing of the record`)
  }
  t.match(
    (await changesOf(app, 'xianghe-admin', 'grid01')).body.items,
    [{ action: 'changed', changes: { groups: { from: [], to: ['night'] } } }],
    'their own county’s',
  )
  const city = await changesOf(app, 'admin', 'gy-land-officer')
  t.equal(city.status, 200, 'the city’s administrator reads every county’s')
  t.match(city.body.items, [{ by: 'admin', changes: { displayName: { to: '固安 国土' } } }])
  t.equal((await changesOf(app, 'admin', 'dispatcher')).body.items.length, 1)

  // Not an administrator: 403; no token: 401.
  t.equal((await changesOf(app, 'grid01', 'grid01')).status, 403, 'not even one’s own')
  t.equal((await changesOf(app, 'dispatcher', 'grid01')).status, 403)
  t.equal((await app.inject({ method: 'GET', url: '/api/org/users/grid01/changes' })).statusCode, 401)
  // A username no row can hold is a 404 too, an over-long one a 400.
  t.equal((await changesOf(app, 'admin', 'x'.repeat(65))).status, 400)
})

t.test('a change whose record cannot be written is not made', async (t) => {
  const app = await build(t)
  const before = await app.db('users').where({ username: 'grid01' }).first()
  // The record's table gone (the failure a full disk or a lost connection would be at that point).
  await app.db.schema.dropTable('user_changes')
  t.equal((await call(app, 'xianghe-admin', 'PATCH', '/api/org/users/grid01', { displayName: '改不了', active: false })).status, 500)
  t.same(await app.db('users').where({ username: 'grid01' }).first(), before, 'the user is as they were: one transaction')
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/org/users/grid01/password', { password: 'never-set-pass' })).status, 500)
  t.equal((await app.db('users').where({ username: 'grid01' }).first()).password_hash, before.password_hash, 'nor the password')
  const create = await call(app, 'xianghe-admin', 'POST', '/api/org/users', {
    username: 'ghost-user',
    displayName: '不存在',
    password: 'ghost-password',
    roles: ['handler'],
    unitCode: 'xianghe-land',
  })
  t.equal(create.status, 500)
  t.notOk(await app.db('users').where({ username: 'ghost-user' }).first(), 'nor the new user')
})
