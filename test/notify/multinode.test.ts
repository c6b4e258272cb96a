/**
 * Two server processes over one PostgreSQL schema deliver one outbox: every notice reaches the
 * gateway exactly once (claims are leased with FOR UPDATE SKIP LOCKED, as timers are).
 */
import { randomUUID } from 'node:crypto'
import t from 'tap'
import knex from 'knex'
import { onPostgres, testDatabaseUrl } from '../helper.js'
import { api, sleep, startServer, type ServerProcess } from '../server-process.js'
import { startGateway } from './gateway.js'

t.test(
  'two nodes, one outbox: each notice sent once',
  { skip: onPostgres ? false : 'PostgreSQL only (TEST_DATABASE_URL=postgres://…): two nodes need a shared server database' },
  async (t) => {
    const gw = await startGateway()
    gw.delayMs = 40 // deliveries stay in flight while the other node polls
    const schema = `t_notify_${randomUUID().slice(0, 8)}`
    const env = {
      DATABASE_URL: testDatabaseUrl,
      DATABASE_SCHEMA: schema,
      TOKEN_SECRET: `notify-${randomUUID()}`,
      NOTIFY_WEBHOOK_URL: gw.url,
      NOTIFY_POLL_MS: '50',
    }
    const db = knex({ client: 'pg', connection: testDatabaseUrl, searchPath: [schema], pool: { min: 0, max: 2 } })
    const nodes: ServerProcess[] = []
    t.teardown(async () => {
      for (const n of nodes) if (n.child.exitCode === null) n.child.kill('SIGKILL')
      await gw.close()
      await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema])
      await db.destroy()
    })
    nodes.push(await startServer({ name: 'notify-a', env, timeoutMs: 240_000 }))
    nodes.push(await startServer({ name: 'notify-b', env, timeoutMs: 240_000 }))
    const [a, b] = nodes
    const token = (await api(a.base, 'POST', '/api/auth/login', undefined, { username: 'dispatcher', password: 'demo' })).json.token
    const N = 12
    for (let i = 0; i < N; i++) {
      const r = await api((i % 2 ? a : b).base, 'POST', '/api/cases', token, {
        channel: 'hotline',
        description: `第${i}号：小区门口积水`,
        category: 'environment.garbage',
        regionCode: 'xh-anping-v01-g1',
        petitioner: { type: 'person', anonymous: true },
      })
      t.equal(r.status, 201)
    }
    const deadline = Date.now() + 30_000
    let sent = 0
    while (Date.now() < deadline && sent < N) {
      await sleep(200)
      sent = Number((await db('citizen_notices').where({ status: 'sent' }).count({ n: '*' }))[0].n)
    }
    t.equal(sent, N, 'every acceptance delivered')
    await sleep(1000) // more polls on both nodes
    const per = gw.perKey()
    t.equal(per.size, N, `${N} distinct notices reached the gateway`)
    t.same(
      [...per.values()].filter((n) => n !== 1),
      [],
      'none twice',
    )
    const byNode = await db('citizen_notice_attempts').select('node').count({ n: '*' }).groupBy('node')
    t.equal(
      byNode.reduce((s: number, r: any) => s + Number(r.n), 0),
      N,
      'one attempt row per notice',
    )
    t.comment(`deliveries by node: ${JSON.stringify(byNode)}`)
  },
)
