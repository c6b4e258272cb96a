// The actor of a token is kept ORG_CACHE_MS on a node (issue 13: one statement less per
// request); every write to users or regions on that node empties the cache at once.
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { openDb } from '../../src/lib/db.js'
import { ORG_CACHE_MS } from '../../src/org/service.js'
import { build, login, onPostgres, testDatabaseUrl } from '../helper.js'
import { testClock } from '../clock.js'
import { readsOf } from '../api.js'
import type { FastifyInstance } from 'fastify'

/** Counts the reads of `users` the app makes while `fn` runs. */
const userReads = (app: FastifyInstance, fn: () => Promise<unknown>) => readsOf(app, ['users'], fn)

const me = (app: FastifyInstance, headers: { authorization: string }) => app.inject({ method: 'GET', url: '/api/me', headers })

t.test("a token's actor is read once, and this node's own writes to users and regions apply to the next request", async (t) => {
  const clock = testClock(t)
  const app = await build(t)
  const grid = await login(app, 'grid01')

  t.equal(await userReads(app, () => me(app, grid)), 1, 'the first request reads the user')
  let r: Awaited<ReturnType<typeof me>> | undefined
  t.equal(await userReads(app, async () => (r = await me(app, grid))), 0, 'the next one does not')
  t.equal(r!.statusCode, 200)
  t.equal(r!.json().tenant, 'xianghe')

  // A write to the user's row (here its name) is seen by the very next request.
  await app.db('users').where({ username: 'grid01' }).update({ display_name: '改名的网格员' })
  t.equal((await me(app, grid)).json().displayName, '改名的网格员', 'a changed user row applies at once')

  // So is a write to the region the actor's county comes from.
  const region = (await app.db('users').where({ username: 'grid01' }).first('region_code')).region_code as string
  t.equal((await me(app, grid)).json().tenant, 'xianghe')
  await app.db('regions').where({ code: region }).update({ tenant: 'guangyang' })
  t.equal((await me(app, grid)).json().tenant, 'guangyang', 'a changed region applies at once')
  await app.db('regions').where({ code: region }).update({ tenant: 'xianghe' })

  // For a second after a write nothing read is kept (on PostgreSQL its commit may still be in
  // flight while another connection reads the old row); then one read, kept again.
  t.equal(await userReads(app, () => me(app, grid)), 1, 'read, not kept, right after a write')
  clock.advance(1001)
  t.equal(await userReads(app, () => me(app, grid)), 1, 'read and kept a second later')
  // Kept no longer than ORG_CACHE_MS: past it the user is read again.
  t.equal(await userReads(app, () => me(app, grid)), 0, 'kept within the time')
  clock.advance(ORG_CACHE_MS + 1)
  t.equal(await userReads(app, () => me(app, grid)), 1, 'read again once the time is over')
})

t.test('a user deactivated on this node is refused at once, even with a token the cache holds', async (t) => {
  const app = await build(t)
  const dispatcher = await login(app, 'dispatcher')
  t.equal((await me(app, dispatcher)).statusCode, 200)
  t.equal((await me(app, dispatcher)).statusCode, 200, 'the actor is cached now')
  await app.db('users').where({ username: 'dispatcher' }).update({ active: false })
  const r = await me(app, dispatcher)
  t.equal(r.statusCode, 401, 'refused on the next request')
  t.equal(r.json().key, 'error.auth.invalidToken')
  // The intake route too, not only /api/me.
  const intake = await app.inject({
    method: 'POST',
    url: '/api/cases',
    headers: dispatcher,
    payload: {
      channel: 'hotline',
      description: '路灯不亮',
      category: 'environment.garbage',
      regionCode: 'xh-anping-v01-g1',
      petitioner: { type: 'person', anonymous: true },
    },
  })
  t.equal(intake.statusCode, 401, 'and it registers nothing')
  t.equal(Number((await app.db('cases').count({ n: '*' }))[0].n), 0)
})

t.test('a logout and a password change revoke a cached token on the next request', async (t) => {
  const app = await build(t)
  const a = await login(app, 'grid01')
  const b = await login(app, 'grid01')
  t.equal((await me(app, a)).statusCode, 200)
  t.equal((await me(app, b)).statusCode, 200, 'both tokens cached')
  t.equal((await app.inject({ method: 'POST', url: '/api/auth/logout', headers: a })).statusCode, 204)
  t.equal((await me(app, a)).statusCode, 401, 'the token that logged out')
  t.equal((await me(app, b)).statusCode, 401, "and the user's other token")

  const c = await login(app, 'grid01')
  t.equal((await me(app, c)).statusCode, 200)
  const changed = await app.inject({
    method: 'POST',
    url: '/api/auth/password',
    headers: c,
    payload: { currentPassword: 'demo', newPassword: 'a-new-password' },
  })
  t.equal(changed.statusCode, 200, changed.body)
  t.equal((await me(app, c)).statusCode, 401, 'the old token is refused at once')
  t.equal((await me(app, { authorization: `Bearer ${changed.json().token}` })).statusCode, 200, 'the new one works')
})

t.test(
  'another node over the same PostgreSQL refuses a user deactivated elsewhere within ORG_CACHE_MS',
  { skip: !onPostgres && 'two nodes share a database on PostgreSQL only' },
  async (t) => {
    const clock = testClock(t)
    const a = await build(t)
    // A second node: an app of its own over a connection of its own to the same schema.
    const schema = (a.db.client.config.searchPath as string[])[0]
    const db = await openDb(testDatabaseUrl, { schema })
    const b = await buildApp({ config: { ...a.config }, db, background: false })
    await b.ready()
    t.teardown(async () => {
      await b.close()
      await db.destroy()
    })
    const token = await login(a, 'dispatcher')
    t.equal((await me(b, token)).statusCode, 200, 'node b knows the token')
    await a.db('users').where({ username: 'dispatcher' }).update({ active: false })
    t.equal((await me(a, token)).statusCode, 401, 'node a, where it was written: at once')
    // Node b saw no write; it keeps its entry for at most ORG_CACHE_MS (the documented bound).
    clock.advance(ORG_CACHE_MS + 1)
    t.equal((await me(b, token)).statusCode, 401, 'node b: once its entry is older than ORG_CACHE_MS')
  },
)
