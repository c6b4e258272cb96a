import { test } from 'tap'
import { build, login, onPostgres, openTestDb } from '../helper.js'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { openDb } from '../../src/lib/db.js'
import { regionPath } from '../../src/org/index.js'

test('public regions: navigate the tree without logging in', async (t) => {
  const app = await build(t)
  const top = await app.inject({ method: 'GET', url: '/api/public/regions' })
  t.equal(top.statusCode, 200)
  t.same(top.json(), [{ code: 'langfang', name: '廊坊市', nameEn: 'Langfang', level: 'city', parentCode: null, hasChildren: true }])

  const counties = (await app.inject({ method: 'GET', url: '/api/public/regions?parent=langfang' })).json()
  t.same(
    counties.map((r: any) => r.code),
    ['xianghe', 'guangyang'],
  )
  t.same(
    counties.map((r: any) => r.name),
    ['香河县', '广阳区'],
  )

  const towns = (await app.inject({ method: 'GET', url: '/api/public/regions?parent=xianghe' })).json()
  t.ok(towns.some((r: any) => r.code === 'xh-anping' && r.name === '安平镇' && r.level === 'township'))
  const villages = (await app.inject({ method: 'GET', url: '/api/public/regions?parent=xh-anping' })).json()
  t.same(
    villages.map((r: any) => r.code),
    ['xh-anping-v01', 'xh-anping-v02'],
  )
  const grids = (await app.inject({ method: 'GET', url: '/api/public/regions?parent=xh-anping-v01' })).json()
  t.same(
    grids.map((r: any) => [r.code, r.level, r.hasChildren]),
    [
      ['xh-anping-v01-g1', 'grid', false],
      ['xh-anping-v01-g2', 'grid', false],
    ],
  )
  const leaf = await app.inject({ method: 'GET', url: '/api/public/regions?parent=xh-anping-v01-g1' })
  t.same(leaf.json(), [])

  const missing = await app.inject({ method: 'GET', url: '/api/public/regions?parent=atlantis' })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().error, 'not_found')
  t.equal(await regionPath(app.db, 'xh-anping-v01-g1'), '/langfang/xianghe/xh-anping/xh-anping-v01/xh-anping-v01-g1/')
  t.equal(await regionPath(app.db, 'atlantis'), null)
})

test('org regions and units need a login', async (t) => {
  const app = await build(t)
  t.equal((await app.inject({ method: 'GET', url: '/api/org/regions/xianghe' })).statusCode, 401)
  const headers = await login(app, 'grid01')
  const region = await app.inject({ method: 'GET', url: '/api/org/regions/xianghe', headers })
  t.equal(region.statusCode, 200)
  t.match(region.json(), { code: 'xianghe', level: 'county', path: '/langfang/xianghe/', tenant: 'xianghe', parentCode: 'langfang' })
  t.ok(region.json().children.length >= 2)
  const city = (await app.inject({ method: 'GET', url: '/api/org/regions/langfang', headers })).json()
  t.equal(city.tenant, null)
  t.equal((await app.inject({ method: 'GET', url: '/api/org/regions/atlantis', headers })).statusCode, 404)

  const depts = (await app.inject({ method: 'GET', url: '/api/org/units?region=xianghe&kind=department', headers })).json()
  const codes = depts.map((u: any) => u.code)
  for (const c of ['xianghe-land', 'xianghe-environment', 'xianghe-housing', 'xianghe-civil', 'xianghe-police', 'xianghe-emergency']) t.ok(codes.includes(c), c)
  t.notOk(codes.includes('guangyang-land'), 'region filter is a subtree')
  const centres = (await app.inject({ method: 'GET', url: '/api/org/units?kind=centre', headers })).json()
  t.ok(centres.some((u: any) => u.code === 'langfang-centre' && u.level === 'city'))
  t.ok(centres.some((u: any) => u.code === 'xh-anping-centre' && u.level === 'township'))
  const sections = (await app.inject({ method: 'GET', url: '/api/org/units?region=xh-anping&kind=section', headers })).json()
  t.ok(sections.some((u: any) => u.code === 'xh-anping-safety'))
  t.equal((await app.inject({ method: 'GET', url: '/api/org/units?region=atlantis', headers })).statusCode, 404)
})

test('users list: administrators only, a county administrator sees their county', async (t) => {
  const app = await build(t)
  const forbidden = await app.inject({ method: 'GET', url: '/api/org/users', headers: await login(app, 'grid01') })
  t.equal(forbidden.statusCode, 403)
  t.equal(forbidden.json().error, 'forbidden')
  t.equal((await app.inject({ method: 'GET', url: '/api/org/users' })).statusCode, 401)

  const all = await app.inject({ method: 'GET', url: '/api/org/users', headers: await login(app, 'admin') })
  t.equal(all.statusCode, 200)
  const allNames = all.json().map((u: any) => u.username)
  t.ok(allNames.includes('grid02') && allNames.includes('grid01') && allNames.includes('dispatcher'))
  t.notMatch(all.body, /scrypt|password/i, 'no hashes')

  const county = await app.inject({ method: 'GET', url: '/api/org/users', headers: await login(app, 'xianghe-admin') })
  t.equal(county.statusCode, 200)
  const users = county.json()
  t.ok(users.length > 5)
  t.ok(
    users.every((u: any) => u.tenant === 'xianghe'),
    'only xianghe users',
  )
  t.ok(users.some((u: any) => u.username === 'grid01'))

  const handlers = (await app.inject({ method: 'GET', url: '/api/org/users?role=handler&unit=xianghe-land', headers: await login(app, 'admin') })).json()
  t.same(
    handlers.map((u: any) => u.username),
    ['land-officer'],
  )
})

test('creating users', async (t) => {
  const app = await build(t)
  const admin = await login(app, 'admin')
  const countyAdmin = await login(app, 'xianghe-admin')
  const body = { username: 'xh-env2', displayName: '环保 新人', password: 'secret-pass', roles: ['handler'], unitCode: 'xianghe-environment' }

  const created = await app.inject({ method: 'POST', url: '/api/org/users', headers: countyAdmin, payload: body })
  t.equal(created.statusCode, 201)
  t.match(created.json(), { username: 'xh-env2', roles: ['handler'], unitCode: 'xianghe-environment', regionCode: 'xianghe', tenant: 'xianghe', active: true })
  t.notMatch(created.body, /scrypt|secret-pass/)
  const me = await app.inject({ method: 'GET', url: '/api/me', headers: await login(app, 'xh-env2', 'secret-pass') })
  t.ok(me.json().groups.includes('handler@xianghe-environment'))

  t.equal((await app.inject({ method: 'POST', url: '/api/org/users', headers: admin, payload: body })).statusCode, 409, 'duplicate username')
  const elsewhere = await app.inject({
    method: 'POST',
    url: '/api/org/users',
    headers: countyAdmin,
    payload: { ...body, username: 'gy-x', unitCode: 'guangyang-land' },
  })
  t.equal(elsewhere.statusCode, 403, 'county admin cannot create outside the county')
  const escalate = await app.inject({ method: 'POST', url: '/api/org/users', headers: countyAdmin, payload: { ...body, username: 'boss', roles: ['admin'] } })
  t.equal(escalate.statusCode, 403, 'county admin cannot create system admins')
  const unknownUnit = await app.inject({ method: 'POST', url: '/api/org/users', headers: admin, payload: { ...body, username: 'x2', unitCode: 'nowhere' } })
  t.equal(unknownUnit.statusCode, 422)
  const badRole = await app.inject({ method: 'POST', url: '/api/org/users', headers: admin, payload: { ...body, username: 'x3', roles: ['emperor'] } })
  t.equal(badRole.statusCode, 400)
  const shortPw = await app.inject({ method: 'POST', url: '/api/org/users', headers: admin, payload: { ...body, username: 'x4', password: 'short' } })
  t.equal(shortPw.statusCode, 400)
  const byDispatcher = await app.inject({
    method: 'POST',
    url: '/api/org/users',
    headers: await login(app, 'dispatcher'),
    payload: { ...body, username: 'x5' },
  })
  t.equal(byDispatcher.statusCode, 403)
  const plainGroups = await app.inject({
    method: 'POST',
    url: '/api/org/users',
    headers: admin,
    payload: { ...body, username: 'acct2', groups: ['accounting'] },
  })
  t.equal(plainGroups.statusCode, 201)
  t.same(plainGroups.json().groups, ['accounting'])

  const row = await app.db('users').where({ username: 'xh-env2' }).first()
  t.match(row.password_hash, /^scrypt\$16384\$8\$1\$/)
})

test('service helpers: groups, region visibility', async (t) => {
  const app = await build(t)
  const org = app.org
  t.ok(await org.userExists('grid01'))
  t.notOk(await org.userExists('ghost'))
  for (const token of [
    'role:dispatcher',
    'unit:xianghe-land',
    'handler@xianghe-land',
    'grid_worker@xh-anping-v01-g1',
    'accounting',
    'management',
    'role:admin',
    'role:supervisor',
    'role:callback',
    'role:grid_leader',
    'role:county_admin',
  ]) {
    t.ok(await org.groupExists(token), token)
  }
  for (const token of [
    'role:emperor',
    'unit:nowhere',
    'leader@xianghe-land',
    'sales',
    'grid_Worker@xh-anping-v01-g1',
    'gridXworker@xh-anping-v01-g1',
    '="handler@" + ownerUnit',
  ]) {
    t.notOk(await org.groupExists(token), token)
  }
  const land = await org.usersInGroups(['handler@xianghe-land', 'unit:guangyang-land'])
  t.same(land.map((u) => u.username).sort(), ['gy-land-officer', 'land-officer'])
  const dispatchers = (await org.usersInGroups(['role:dispatcher'], { tenant: 'guangyang' })).map((u) => u.username)
  t.ok(dispatchers.includes('dispatcher'), 'city dispatcher included')
  t.ok(dispatchers.includes('guangyang-dispatcher'))
  t.notOk(dispatchers.includes('xianghe-dispatcher'), 'another county excluded')

  const actorOf = async (u: string) => (await app.inject({ method: 'GET', url: '/api/me', headers: await login(app, u) })).json()
  const gridPath = '/langfang/xianghe/xh-anping/xh-anping-v01/xh-anping-v01-g1/'
  const otherGrid = '/langfang/xianghe/xh-anping/xh-anping-v01/xh-anping-v01-g2/'
  const gyPath = '/langfang/guangyang/gy-xinyuan/'
  const grid01 = await actorOf('grid01')
  t.ok(org.canSeeRegion(grid01, gridPath))
  t.notOk(org.canSeeRegion(grid01, otherGrid), 'grid worker: only their grid')
  const countyAdmin = await actorOf('xianghe-admin')
  t.ok(org.canSeeRegion(countyAdmin, otherGrid))
  t.notOk(org.canSeeRegion(countyAdmin, gyPath))
  t.ok(org.canSeeRegion(await actorOf('leader'), gyPath), 'city-level sees all')
  t.ok(org.canSeeRegion(await actorOf('admin'), gyPath))
  const anping = await actorOf('anping-dispatcher')
  t.ok(org.canSeeRegion(anping, otherGrid))
  t.notOk(org.canSeeRegion(anping, '/langfang/xianghe/xh-shuyang/'))
  t.equal(await org.regionSubtreePrefix('xh-anping'), '/langfang/xianghe/xh-anping/')
  t.equal(await org.regionSubtreePrefix('atlantis'), null)
})

test('requireRole lets admin through and refuses others', async (t) => {
  const { db } = await openTestDb(t)
  const app = await buildApp({ config: { ...loadConfig({ NODE_ENV: 'test' }), demo: true, logLevel: 'silent', serveUi: false }, db, background: false })
  t.teardown(() => app.close())
  app.get('/api/test-only', { preHandler: app.requireRole('leader') }, async (req) => ({ who: req.actor.username }))
  t.equal((await app.inject({ method: 'GET', url: '/api/test-only', headers: await login(app, 'leader') })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/api/test-only', headers: await login(app, 'admin') })).statusCode, 200)
  const no = await app.inject({ method: 'GET', url: '/api/test-only', headers: await login(app, 'callback') })
  t.equal(no.statusCode, 403)
  t.match(no.json().message, /需要以下角色之一/)
  t.equal((await app.inject({ method: 'GET', url: '/api/test-only' })).statusCode, 401)
})

test('the demo seed runs once, also when two nodes start together', async (t) => {
  const { db, url, schema } = await openTestDb(t)
  const config = { ...loadConfig({ NODE_ENV: 'test' }), demo: true, logLevel: 'silent', serveUi: false }
  // A second node: its own connection pool over the same database (PostgreSQL) or the same handle (SQLite).
  const db2 = onPostgres ? await openDb(url, { schema }) : db
  const [a, b] = await Promise.all([buildApp({ config, db, background: false }), buildApp({ config, db: db2, background: false })])
  await Promise.all([a.ready(), b.ready()])
  const count = async () => Number((await db('users').where({ username: 'admin' }).count({ n: '*' }))[0].n)
  t.equal(await count(), 1)
  const [{ n: regions }] = await db('regions').count({ n: '*' })
  t.ok(Number(regions) > 20)
  const token = (await a.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'demo' } })).json().token
  const me = await b.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } })
  t.equal(me.statusCode, 200, 'a token from one node works on the other')
  await a.close()
  if (onPostgres) await b.close()
})

test('no seed outside demo mode', async (t) => {
  const app = await build(t, { config: { demo: false } })
  // api.md: "Outside demo mode nothing is seeded" (the operator's `npm run admin` does it).
  for (const table of ['users', 'regions', 'org_units', 'categories']) {
    const [{ n }] = await app.db(table).count({ n: '*' })
    t.equal(Number(n), 0, table)
  }
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'demo' } })
  t.equal(res.statusCode, 401)
})
