import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, onPostgres, testDatabaseUrl } from '../helper.js'
import { dbProxy } from '../db-proxy.js'

t.test('GET /health reports ok with a reachable database', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/health' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok', db: 'ok' })
})

/** /health's answer when the database is not there: by catalogue key, never the driver's text (it is unauthenticated). */
function assertUnavailable(t: Test, res: Awaited<ReturnType<FastifyInstance['inject']>>) {
  t.equal(res.statusCode, 503)
  t.same(res.json(), {
    status: 'unavailable',
    db: 'unreachable',
    key: 'error.dbUnavailable',
    params: {},
    message: '数据库暂时无法访问，请稍后再试 / the database is unavailable, try again shortly',
  })
  t.equal(res.headers['retry-after'], '5')
}

t.test("GET /health is 503 when the database is gone, saying so by key and not in knex's words", async (t) => {
  const app = await build(t)
  await app.db.destroy()
  assertUnavailable(t, await app.inject({ method: 'GET', url: '/health' }))
})

// An operations trial: with PostgreSQL stopped the body was "connect ECONNREFUSED 127.0.0.1:…".
t.test("GET /health with PostgreSQL stopped: 503 without the driver's text", { skip: !onPostgres && 'PostgreSQL only' }, async (t) => {
  const proxy = await dbProxy(t, testDatabaseUrl)
  const app = await build(t, { pg: { url: proxy.url } })
  await proxy.refuse()
  // The first probe may meet a pooled connection that was cut, the next a refused connect: both 503.
  for (let i = 0; i < 3; i++) assertUnavailable(t, await app.inject({ method: 'GET', url: '/health' }))
})

// An operations trial: a balancer's 2-5 s check timed out while /health waited up to knex's
// acquire timeout for a connection to a database that did not answer.
t.test('GET /health answers 503 without waiting for a database that does not answer', { skip: !onPostgres && 'PostgreSQL only' }, async (t) => {
  const proxy = await dbProxy(t, testDatabaseUrl)
  // An acquire timeout no balancer waits for: the answer must not come from it.
  const app = await build(t, { pg: { url: proxy.url, acquireTimeoutMs: 600_000 } })
  proxy.hang()
  const pool = (app.db.client as { pool: { numPendingAcquires(): number } }).pool
  let res = await app.inject({ method: 'GET', url: '/health' })
  // The pool's cut idle connections fail fast ("Connection terminated"); then the probe waits.
  for (let i = 0; i < 10 && proxy.held() === 0; i++) res = await app.inject({ method: 'GET', url: '/health' })
  t.ok(proxy.held() > 0, "the probe's connection attempt is still unanswered")
  t.ok(pool.numPendingAcquires() > 0, 'the probe is still waiting for a connection: the answer did not wait for it')
  assertUnavailable(t, res)
  await proxy.refuse()
})

t.test('unknown routes give the error body of the contract', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/api/nothing-here' })
  t.equal(res.statusCode, 404)
  t.equal(res.json().error, 'not_found')
})

t.test('OpenAPI document is served', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(res.statusCode, 200)
  t.equal(res.json().info.title, '说事 Shuoshi API')
})
