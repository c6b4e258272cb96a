// @sqlite-only: what /health and the API answer while a node drains is the HTTP layer's (server-drain.test runs the real close on both databases)
/**
 * A node's drain (an operations trial: on SIGTERM a node closed at once while its balancer still
 * sent it requests). In-process: what /health and the API answer once `drain()` began; the
 * signals and the close itself are test/server-drain.test.ts's, with a real server process.
 */
import t from 'tap'
import { build } from '../helper.js'
import { as } from '../api.js'

const STOPPING = {
  status: 'stopping',
  key: 'error.shuttingDown',
  params: {},
  message: '本节点正在停止，请稍后再试 / this server is shutting down, try again shortly',
}

t.test('during the drain /health answers 503 at once and requests are still served, each closing its connection', async (t) => {
  const app = await build(t)
  const staff = await as(app, 'dispatcher')
  const before = await app.inject({ method: 'GET', url: '/health' })
  t.equal(before.statusCode, 200)
  t.not(before.headers.connection, 'close', 'serving: connections are kept')

  app.shutdown.drain()
  const health = await app.inject({ method: 'GET', url: '/health' })
  t.equal(health.statusCode, 503, 'the balancer takes the node out')
  t.same(health.json(), STOPPING)
  t.equal(health.headers['retry-after'], '5')
  t.equal(health.headers.connection, 'close')

  const me = await app.inject({ method: 'GET', url: '/api/me', headers: staff })
  t.equal(me.statusCode, 200, 'a request the balancer still sends is served')
  t.equal(me.json().username, 'dispatcher')
  t.equal(me.headers.connection, 'close', 'and its connection is not kept into the close')
  const cases = await app.inject({ method: 'GET', url: '/api/cases', headers: staff })
  t.equal(cases.statusCode, 200, 'one that reads the database too')

  // Without asking the database: a stopping node's answer does not wait for it.
  await app.db.destroy()
  const gone = await app.inject({ method: 'GET', url: '/health' })
  t.equal(gone.statusCode, 503)
  t.same(gone.json(), STOPPING, 'stopping, not the database')
})
