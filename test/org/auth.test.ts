import { test } from 'tap'
import { build, login } from '../helper.js'
import { signToken } from '../../src/org/tokens.js'

test('login succeeds with the demo password and returns the actor, never a hash', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'grid01', password: 'demo' } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.type(body.token, 'string')
  t.equal(body.user.username, 'grid01')
  t.same(body.user.roles, ['grid_worker'])
  t.equal(body.user.unitCode, 'xh-anping-v01-g1')
  t.equal(body.user.regionPath, '/langfang/xianghe/xh-anping/xh-anping-v01/xh-anping-v01-g1/')
  t.equal(body.user.tenant, 'xianghe')
  t.ok(body.user.groups.includes('role:grid_worker'))
  t.ok(body.user.groups.includes('unit:xh-anping-v01-g1'))
  t.ok(body.user.groups.includes('grid_worker@xh-anping-v01-g1'))
  t.notMatch(res.body, /scrypt|password/i, 'no hash or password field in the response')
})

test('every demo user named by the contract can log in', async (t) => {
  const app = await build(t)
  for (const u of ['admin', 'xianghe-admin', 'dispatcher', 'grid01', 'land-officer', 'leader', 'callback']) {
    const headers = await login(app, u)
    const me = await app.inject({ method: 'GET', url: '/api/me', headers })
    t.equal(me.statusCode, 200, u)
    t.equal(me.json().username, u)
  }
})

test('bad password and unknown user get the same 401', async (t) => {
  const app = await build(t)
  const bad = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'nope' } })
  const unknown = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody', password: 'nope' } })
  t.equal(bad.statusCode, 401)
  t.equal(unknown.statusCode, 401)
  t.same(bad.json(), unknown.json())
  t.equal(bad.json().error, 'unauthorized')
  t.match(bad.json().message, /用户名或密码错误 \/ invalid username or password/)
})

test('login body is validated', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin' } })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'validation_failed')
})

test('/api/me needs a valid, unexpired token of an active user', async (t) => {
  const app = await build(t)
  const headers = await login(app, 'dispatcher')
  const me = await app.inject({ method: 'GET', url: '/api/me', headers })
  t.equal(me.statusCode, 200)
  t.equal(me.json().unitCode, 'langfang-centre')
  t.equal(me.json().tenant, null)

  const none = await app.inject({ method: 'GET', url: '/api/me' })
  t.equal(none.statusCode, 401)
  t.equal(none.json().error, 'unauthorized')

  const token = headers.authorization.slice(7)
  const [body, sig] = token.split('.')
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString())
  const forged = Buffer.from(JSON.stringify({ ...payload, exp: payload.exp + 1e6 })).toString('base64url')
  for (const bad of [`${forged}.${sig}`, `${body}.${sig.slice(0, -2)}xx`, 'garbage', `${body}`]) {
    const res = await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${bad}` } })
    t.equal(res.statusCode, 401, `tampered: ${bad.slice(0, 20)}`)
  }

  const secret = await app.org.tokenSecret()
  const expired = signToken(secret, payload.sub, 60, Date.now() - 2 * 60_000)
  const res = await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${expired}` } })
  t.equal(res.statusCode, 401, 'expired')
  const fresh = await app.org.issueToken(payload.sub)
  t.equal((await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${fresh}` } })).statusCode, 200)

  await app.db('users').where({ username: 'dispatcher' }).update({ active: false })
  const inactive = await app.inject({ method: 'GET', url: '/api/me', headers })
  t.equal(inactive.statusCode, 401, 'inactive user')
  const relogin = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'dispatcher', password: 'demo' } })
  t.equal(relogin.statusCode, 401, 'inactive user cannot log in')
})

test('the token secret is stored once and shared', async (t) => {
  const app = await build(t)
  const secret = await app.org.tokenSecret()
  const row = await app.db('settings').where({ key: 'token_secret' }).first()
  t.equal(secret, row?.value)
  t.ok(secret.length >= 32)
})

test('repeated failed logins are refused with 429, even with the right password', async (t) => {
  const app = await build(t)
  for (let i = 0; i < 10; i++) {
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'leader', password: `guess${i}` } })
    t.equal(res.statusCode, 401)
  }
  const blocked = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'leader', password: 'demo' } })
  t.equal(blocked.statusCode, 429)
  t.equal(blocked.json().error, 'too_many_requests')
  t.ok(blocked.headers['retry-after'])
  const other = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'callback', password: 'demo' } })
  t.equal(other.statusCode, 200, 'another username from the same IP is not affected')
  for (let i = 0; i < 15; i++) await login(app, 'callback')
  t.pass('successful logins do not count')
})

/**
 * Authentication ran as each route's preHandler, after Fastify had parsed and validated the
 * body: a request without a token (or with an expired one) and a bad body got a 400 listing the
 * body's required fields instead of the 401 ../shared/api.md gives for a missing token, and a
 * signed-in user without the role got that 400 instead of 403. Every operation of the OpenAPI
 * document under /api (but the citizens' and login) and /engine-rest/external-task is asked here.
 */
test('a request without a valid token got a 400 about its body before the 401', async (t) => {
  const app = await build(t)
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> }
  const secret = await app.org.tokenSecret()
  const admin = await app.db('users').where({ username: 'admin' }).first('id')
  const expired = signToken(secret, admin.id, 60, Date.now() - 2 * 60_000)
  let asked = 0
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!/^\/(api\/|engine-rest\/external-task)/.test(path) || path.startsWith('/api/public/') || path === '/api/auth/login') continue
    const url = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000')
    for (const method of Object.keys(ops).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))) {
      const withBody = method !== 'get' && method !== 'delete'
      for (const headers of [{}, { authorization: `Bearer ${expired}` }]) {
        const res = await app.inject({ method: method.toUpperCase() as 'POST', url, headers, ...(withBody && { payload: { unexpected: ['x'] } }) })
        t.equal(res.statusCode, 401, `${method.toUpperCase()} ${path} ${'authorization' in headers ? 'expired token' : 'no token'}: 401`)
        t.equal(res.json().error, 'unauthorized')
        asked++
      }
    }
  }
  t.ok(asked > 100, `asked ${asked} operations`)

  // A grid worker may do none of these, whatever the body says.
  const grid = await login(app, 'grid01')
  for (const [url, payload] of [
    ['/api/process-definitions', {}],
    ['/api/process-definitions/key/ordinary/start', { variables: 'not an object' }],
    ['/api/cases/00000000-0000-4000-8000-000000000000/evaluation', {}],
    ['/engine-rest/external-task/fetchAndLock', {}],
  ] as const) {
    const res = await app.inject({ method: 'POST', url, headers: grid, payload })
    t.equal(res.statusCode, 403, `grid01 POST ${url}: 403`)
    t.equal(res.json().error, 'forbidden')
  }
})
