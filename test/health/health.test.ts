import t from 'tap'
import { build } from '../helper.js'

t.test('GET /health reports ok with a reachable database', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/health' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok', db: 'ok' })
})

t.test('GET /health is 503 when the database is gone', async (t) => {
  const app = await build(t)
  await app.db.destroy()
  const res = await app.inject({ method: 'GET', url: '/health' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().db, 'unreachable')
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
