/**
 * Two real server processes (src/server.ts) over one PostgreSQL schema, as the README's
 * "Several nodes" section runs them: any node serves any request, a batch of short timers
 * fires exactly once each across both nodes, the same task completed on both nodes at once
 * gives one 200 and one 409, and a node killed with timers pending leaves them to the other.
 * PostgreSQL only: SQLite is one file for one process.
 */
import { randomUUID } from 'node:crypto'
import t from 'tap'
import knex, { type Knex } from 'knex'
import { onPostgres, testDatabaseUrl } from '../helper.js'
import { noProcesses, timed } from '../fixtures/bpmn.js'
import { api, sleep, startServer, type ServerProcess as Node } from '../server-process.js'

const startNode = (name: string, env: Record<string, string>) => startServer({ name, env: { ...env, TIMER_POLL_MS: '200', PROCESSES_DIR: noProcesses } })

/** timer_fired history rows per instance. */
async function firedCounts(db: Knex, ids: string[]): Promise<Map<string, number>> {
  const rows = await db('history').whereIn('instance_id', ids).andWhere({ type: 'timer_fired' }).groupBy('instance_id').select('instance_id').count({ n: '*' })
  return new Map(rows.map((r: any) => [r.instance_id, Number(r.n)]))
}

async function waitAllFired(db: Knex, ids: string[], ms: number): Promise<Map<string, number>> {
  const deadline = Date.now() + ms
  let counts = await firedCounts(db, ids)
  while (Date.now() < deadline && ids.some((id) => !counts.get(id))) {
    await sleep(250)
    counts = await firedCounts(db, ids)
  }
  return counts
}

t.test(
  'two nodes over one PostgreSQL schema share the work',
  { skip: onPostgres ? false : 'PostgreSQL only (TEST_DATABASE_URL=postgres://…): several nodes need a shared server database' },
  async (t) => {
    const schema = `t_multi_${randomUUID().slice(0, 8)}`
    const env = { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: schema, TOKEN_SECRET: `multinode-${randomUUID()}` }
    const db = knex({ client: 'pg', connection: testDatabaseUrl, searchPath: [schema], pool: { min: 0, max: 2 } })
    const nodes: Node[] = []
    t.teardown(async () => {
      for (const n of nodes) if (n.child.exitCode === null) n.child.kill('SIGKILL')
      await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema])
      await db.destroy()
    })

    // The first node migrates and seeds; the second starts on the prepared schema.
    const a = await startNode('node-a', env)
    nodes.push(a)
    const b = await startNode('node-b', env)
    nodes.push(b)

    // Any node serves any request: a token from A works on B, a deployment on A runs on B.
    const token = (await api(a.base, 'POST', '/api/auth/login', undefined, { username: 'admin', password: 'demo' })).json.token
    t.equal((await api(b.base, 'GET', '/api/me', token)).status, 200, 'a token issued by node A is accepted by node B')
    const grid = (await api(b.base, 'POST', '/api/auth/login', undefined, { username: 'grid01', password: 'demo' })).json.token
    t.equal((await api(a.base, 'POST', '/api/process-definitions', token, { xml: timed('mn_short', 'PT1S', false) })).status, 201)
    t.equal((await api(a.base, 'POST', '/api/process-definitions', token, { xml: timed('mn_later', 'PT4S', false) })).status, 201)
    t.equal((await api(b.base, 'POST', '/api/process-definitions', token, { xml: timed('mn_long', 'PT1H', false) })).status, 201, 'node B deploys too')
    const viaB = await api(b.base, 'POST', '/api/process-definitions/key/mn_short/start', token, {})
    t.equal(viaB.status, 201, 'node B starts a definition deployed through node A')
    const readViaA = await api(a.base, 'GET', `/api/process-instances/${viaB.json.id}`, token)
    t.equal(readViaA.status, 200, 'node A reads the instance node B started')

    await t.test('20 short timers fire exactly once each across the two nodes', async (t) => {
      const ids: string[] = [viaB.json.id]
      for (let i = 1; i < 20; i++) {
        const node = i % 2 ? a : b
        const r = await api(node.base, 'POST', `/api/process-definitions/key/${i % 3 ? 'mn_short' : 'mn_later'}/start`, token, {})
        t.equal(r.status, 201)
        ids.push(r.json.id)
      }
      const counts = await waitAllFired(db, ids, 20_000)
      t.same(
        ids.map((id) => counts.get(id) ?? 0),
        ids.map(() => 1),
        'one timer_fired per instance',
      )
      await sleep(1000) // several more poll cycles on both nodes
      const again = await firedCounts(db, ids)
      t.same(
        ids.map((id) => again.get(id) ?? 0),
        ids.map(() => 1),
        'still exactly once after more polls',
      )
      const supervise = await db('tasks').whereIn('instance_id', ids).andWhere({ element_id: 'supervise' }).count({ n: '*' }).first()
      t.equal(Number(supervise?.n), ids.length, 'one supervision task per instance')
      const statuses = await db('timers').whereIn('instance_id', ids).distinct('status').pluck('status')
      t.same(statuses, ['fired'], 'every timer row is fired, none pending or failed')
    })

    await t.test('the same task completed on both nodes at once: one 200, one 409', async (t) => {
      for (let round = 0; round < 3; round++) {
        const inst = (await api(a.base, 'POST', '/api/process-definitions/key/mn_long/start', token, { tenant: 'xianghe' })).json
        const work = inst.activeTasks.find((x: any) => x.elementId === 'work')
        const results = await Promise.all(
          [a, b].map((n) => api(n.base, 'POST', `/api/tasks/${work.id}/complete`, grid, { data: { result: `done on both ${round}` } })),
        )
        const codes = results.map((r) => r.status).sort()
        t.same(codes, [200, 409], `round ${round}: codes ${codes}`)
        const completes = await db('history').where({ instance_id: inst.id, type: 'task_complete', element_id: 'work' })
        t.equal(completes.length, 1, 'one completion in the history')
        const row = await db('tasks').where({ id: work.id }).first()
        t.equal(row.status, 'completed')
      }
    })

    await t.test('SIGKILL one node with timers pending: the other fires them all', async (t) => {
      const ids: string[] = []
      for (let i = 0; i < 10; i++) {
        const r = await api((i % 2 ? a : b).base, 'POST', '/api/process-definitions/key/mn_later/start', token, { tenant: 'xianghe' })
        t.equal(r.status, 201)
        ids.push(r.json.id)
      }
      const killedAt = new Date().toISOString()
      a.child.kill('SIGKILL')
      await new Promise((r) => (a.child.exitCode !== null ? r(null) : a.child.once('exit', r)))
      t.equal((await api(b.base, 'GET', '/health')).status, 200, 'node B still serves')
      const counts = await waitAllFired(db, ids, 20_000)
      t.same(
        ids.map((id) => counts.get(id) ?? 0),
        ids.map(() => 1),
        'every timer fired once after node A died',
      )
      const timers = await db('timers').whereIn('instance_id', ids).select('status', 'fired_at')
      t.ok(
        timers.length === ids.length && timers.every((x: any) => x.status === 'fired' && x.fired_at > killedAt),
        'every timer fired after node A was killed, so by node B',
      )
      // And node B carries on with the work node A started.
      const inst = (await api(b.base, 'GET', `/api/process-instances/${ids[1]}`, token)).json
      const work = inst.activeTasks.find((x: any) => x.elementId === 'work')
      t.equal((await api(b.base, 'POST', `/api/tasks/${work.id}/complete`, grid, { data: { result: 'ok' } })).status, 200)
    })
  },
)
