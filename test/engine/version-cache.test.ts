/**
 * A node keeps the version a key resolves to (src/engine/resources.ts VERSION_CACHE_MS): intake and
 * completion read no version again, a deployment through this node applies to the very next
 * start, one it did not see (another node's) within the cache's time, and a key it has never
 * found is looked up again every time. A withdrawal (src/engine/withdrawals.ts) is seen as a deployment is.
 */
import t from 'tap'
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import type { Knex } from 'knex'
import { build, onPostgres, testDatabaseUrl } from '../helper.js'
import { buildApp } from '../../src/app.js'
import { openDb } from '../../src/lib/db.js'
import { call, garbageReport, readsOf } from '../api.js'
import { testClock } from '../clock.js'

const plain = (
  name: string,
) => `<?xml version="1.0"?><definitions id="d" xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="t">
  <process id="vc_plain" name="${name}" isExecutable="true"><startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="u"/><userTask id="u" camunda:assignee="admin"/><sequenceFlow id="b" sourceRef="u" targetRef="e"/><endEvent id="e"/></process></definitions>`

/**
 * Writes as another node would: on this app's connection but past knex, so its query events (what
 * the node's TableWatch learns writes from) never see it.
 */
async function unseenWrite(app: FastifyInstance, sql: string, bindings: unknown[]) {
  const client = (app.db as unknown as { client: { acquireConnection(): Promise<any>; releaseConnection(c: unknown): Promise<void> } }).client
  const conn = await client.acquireConnection()
  try {
    if (onPostgres)
      await conn.query(
        sql.replace(/\?/g, (_: string, i: number, s: string) => `$${s.slice(0, i).split('?').length}`),
        bindings,
      )
    else conn.prepare(sql).run(...bindings)
  } finally {
    await client.releaseConnection(conn)
  }
}

t.test('versions resolved once per node: deployments here apply at once, unseen ones within the cache time', async (t) => {
  const clock = testClock(t)
  const app = await build(t)
  const start = async () => {
    const r = await call(app, 'admin', 'POST', '/api/process-definitions/key/vc_plain/start', {})
    t.equal(r.status, 201, 'started')
    return (await app.db('process_instances').where({ id: r.body.id }).first('definition_id')).definition_id as string
  }
  const versionOf = async (id: string) => (await app.db('process_definitions').where({ id }).first('version')).version as number

  t.equal((await call(app, 'admin', 'POST', '/api/process-definitions/key/vc_plain/start', {})).status, 404, 'a key nobody deployed is 404')
  t.equal((await call(app, 'admin', 'POST', '/api/process-definitions', { xml: plain('第一版') })).status, 201)
  t.equal(await versionOf(await start()), 1, 'a key found missing before is looked up again: its first version starts at once')
  clock.advance(1100)
  await start()
  t.equal(await readsOf(app, ['process_definitions'], start), 0, 'a start reads no version once the key was resolved')

  t.equal((await call(app, 'admin', 'POST', '/api/process-definitions', { xml: plain('第二版') })).status, 201)
  const second = await start()
  t.equal(await versionOf(second), 2, "this node's deployment applies to the very next start")

  // Another node deploys a third version: this node keeps starting the second for at most VERSION_CACHE_MS.
  clock.advance(1100)
  await start()
  const row = await app.db('process_definitions').where({ id: second }).first()
  await unseenWrite(
    app,
    'insert into process_definitions (id, key, tenant, version, name, xml, xml_hash, deployed_at, deployed_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ['vc-third', row.key, row.tenant, 3, '第三版', row.xml.replace('第二版', '第三版'), 'third', new Date().toISOString(), 'admin'],
  )
  t.equal(await start(), second, 'a version deployed unseen is not used at once')
  clock.advance(5001)
  t.equal(await start(), 'vc-third', 'and is used once the kept answer is older than VERSION_CACHE_MS')
})

t.test('an intake and a form task completion read no version of a procedure, form or decision', async (t) => {
  const clock = testClock(t)
  const app = await build(t)
  const intake = async () => {
    const r = await call(app, 'dispatcher', 'POST', '/api/cases', garbageReport)
    t.equal(r.status, 201)
    return r.body
  }
  await intake()
  clock.advance(1100)
  const warm = await intake()
  const tables = ['process_definitions', 'resource_definitions']
  let c: Awaited<ReturnType<typeof intake>> | undefined
  t.equal(await readsOf(app, tables, async () => (c = await intake())), 0, 'intake: no version read (procedure, routing decision)')
  t.ok(c!.ownerUnit, 'routed by the decision as before')
  t.equal(c!.ownerUnit, warm.ownerUnit, 'to the same unit as the intake that read the decision')
  const task = c!.activeTasks[0]
  const unit = (await call(app, 'admin', 'GET', `/api/tasks/${task.id}`)).body
  t.ok(unit.form, 'the sign-for task has a form')
  const first = await call(app, 'admin', 'POST', `/api/tasks/${warm.activeTasks[0].id}/complete`, { data: { signOutcome: 'accept', firstReply: '已联系' } })
  t.equal(first.status, 200)
  let done: Awaited<ReturnType<typeof call>> | undefined
  t.equal(
    await readsOf(app, ['resource_definitions'], async () => {
      done = await call(app, 'admin', 'POST', `/api/tasks/${task.id}/complete`, { data: { signOutcome: 'accept', firstReply: '已联系' } })
    }),
    0,
    "completion: the form's version not read again",
  )
  t.equal(done!.status, 200)
})

t.test("a miss reads the newest of the county's and the city's versions in one statement", async (t) => {
  const app = await build(t)
  const at = new Date().toISOString()
  // Versions inserted out of order, 10 among them (a number, not text: 10 is newer than 9).
  const resources = [
    ['', 1],
    ['', 10],
    ['', 9],
    ['xianghe', 2],
    ['xianghe', 3],
    ['xianghe', 1],
    ['dachang', 1],
  ] as const
  await app.db('resource_definitions').insert(
    resources.map(([tenant, version]) => ({
      id: `vc-r-${tenant || 'city'}-${version}`,
      kind: 'form',
      key: 'vc_newest',
      tenant,
      version,
      name: `${tenant || 'city'} v${version}`,
      source: '{}',
      source_hash: `h${tenant}${version}`,
      deployed_at: at,
    })),
  )
  await app.db('process_definitions').insert(
    resources.map(([tenant, version]) => ({
      id: `vc-p-${tenant || 'city'}-${version}`,
      key: 'vc_newest',
      tenant,
      version,
      name: `${tenant || 'city'} v${version}`,
      xml: '<definitions/>',
      xml_hash: `h${tenant}${version}`,
      deployed_at: at,
    })),
  )
  const sent: { sql: string; bindings: readonly Knex.RawBinding[] }[] = []
  const statements = async <R>(fn: () => Promise<R>): Promise<[R, number]> => {
    let n = 0
    const count = (q: { sql: string; bindings: readonly Knex.RawBinding[] }) => {
      sent.push(q)
      n++
    }
    app.db.on('query', count)
    try {
      return [await fn(), n]
    } finally {
      app.db.off('query', count)
    }
  }
  const store = app.engine.resources
  const [heads, n] = await statements(() => store.newestHeads('form', 'vc_newest', 'xianghe'))
  t.same(
    heads.map((h) => [h.tenant, h.version]),
    [
      ['xianghe', 3],
      ['', 10],
    ],
    "the county's newest, then the city's newest",
  )
  t.equal(n, 1, 'one statement')
  if (!onPostgres) {
    // Each half is a seek at the end of the unique index, not a sort of every version.
    const plan = (await app.db.raw(`explain query plan ${sent[0].sql}`, sent[0].bindings)) as { detail: string }[]
    const details = plan.map((p) => p.detail).join('\n')
    t.match(details, /USING (COVERING )?INDEX/, 'read through an index')
    t.notMatch(details, /TEMP B-TREE/, 'nothing sorted')
  }
  t.same(
    (await store.newestHeads('form', 'vc_newest', 'sanhe')).map((h) => [h.tenant, h.version]),
    [['', 10]],
    'a county without its own version: the city’s newest alone',
  )
  t.same(
    (await store.newestHeads('form', 'vc_newest', null)).map((h) => [h.tenant, h.version]),
    [['', 10]],
    'the city',
  )
  t.same(await store.newestHeads('form', 'vc_nobody', 'xianghe'), [], 'a key nobody deployed: none')
  t.equal((await store.resolveHead('form', 'vc_newest', 'dachang')).id, 'vc-r-dachang-1', 'a county override wins over a newer city version')
  const full = await store.resolve('form', 'vc_newest', 'xianghe')
  t.match(full, { id: 'vc-r-xianghe-3', source: '{}' }, 'resolve: the whole row of the county’s newest')
  t.equal((await store.resolve('form', 'vc_newest', '')).id, 'vc-r-city-10')

  const [def, m] = await statements(() => app.engine.definitions.resolve('vc_newest', 'xianghe'))
  t.equal(def.id, 'vc-p-xianghe-3', "a start in the county: the county's newest version")
  t.equal(m, 1, 'one statement')
  t.notOk('xml' in def, 'without the XML')
  t.equal((await app.engine.definitions.resolve('vc_newest', 'sanhe')).id, 'vc-p-city-10', "elsewhere: the city's newest")
  t.equal((await app.engine.definitions.resolve('vc_newest', null)).id, 'vc-p-city-10')
})

/** Xianghe's own version of `vc_plain` beside the city's; gives a start's definition id for a tenant. */
async function countyOverCity(t: Test, app: FastifyInstance) {
  t.equal((await call(app, 'admin', 'POST', '/api/process-definitions', { xml: plain('市级') })).status, 201)
  const county = await call(app, 'admin', 'POST', '/api/process-definitions', { xml: plain('香河'), tenant: 'xianghe' })
  t.equal(county.status, 201)
  const city = (await app.db('process_definitions').where({ key: 'vc_plain', tenant: '' }).first('id')).id as string
  return { county: county.body.id as string, city }
}
const startIn = async (t: Test, app: FastifyInstance, tenant: string) => {
  const r = await call(app, 'admin', 'POST', '/api/process-definitions/key/vc_plain/start', { tenant })
  t.equal(r.status, 201, 'started')
  return (await app.db('process_instances').where({ id: r.body.id }).first('definition_id')).definition_id as string
}

t.test('a withdrawal through this node applies to the next start; one it did not see, within VERSION_CACHE_MS', async (t) => {
  const clock = testClock(t)
  const app = await build(t)
  const { county, city } = await countyOverCity(t, app)
  clock.advance(1100)
  t.equal(await startIn(t, app, 'xianghe'), county)
  t.equal(await readsOf(app, ['process_definitions'], () => startIn(t, app, 'xianghe')), 0, 'the answer is kept')

  t.equal((await call(app, 'admin', 'POST', '/api/process-definitions/key/vc_plain/withdraw', { tenant: 'xianghe' })).status, 200)
  t.equal(await startIn(t, app, 'xianghe'), city, "this node's withdrawal: the very next start gets the city's")
  t.equal((await call(app, 'admin', 'POST', '/api/process-definitions/key/vc_plain/restore', { tenant: 'xianghe' })).status, 200)
  t.equal(await startIn(t, app, 'xianghe'), county, "this node's restore: at once too")

  // Another node withdraws: this node keeps its answer for at most VERSION_CACHE_MS.
  clock.advance(1100)
  t.equal(await startIn(t, app, 'xianghe'), county)
  await unseenWrite(app, 'insert into process_withdrawals (key, tenant, withdrawn_at, withdrawn_by) values (?, ?, ?, ?)', [
    'vc_plain',
    'xianghe',
    new Date().toISOString(),
    'admin',
  ])
  t.equal(await startIn(t, app, 'xianghe'), county, 'a withdrawal written unseen is not applied at once')
  clock.advance(5001)
  t.equal(await startIn(t, app, 'xianghe'), city, 'and is once the kept answer is older than VERSION_CACHE_MS')
})

t.test(
  'two nodes over one PostgreSQL: the node that withdrew applies it at once, the other within VERSION_CACHE_MS',
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
    const { county, city } = await countyOverCity(t, a)
    clock.advance(1100)
    t.equal(await startIn(t, b, 'xianghe'), county, "node b starts the county's version")
    t.equal(await startIn(t, b, 'xianghe'), county, 'and keeps that answer')

    t.equal((await call(a, 'xianghe-admin', 'POST', '/api/process-definitions/key/vc_plain/withdraw', {})).status, 200, 'withdrawn through node a')
    t.equal(await startIn(t, a, 'xianghe'), city, 'node a: at once')
    t.equal(await startIn(t, b, 'xianghe'), county, 'node b: its kept answer, for now')
    clock.advance(5001)
    t.equal(await startIn(t, b, 'xianghe'), city, 'node b: once its answer is older than VERSION_CACHE_MS')

    // A restore is seen by node b as a withdrawal is (it keeps the city's answer meanwhile).
    t.equal((await call(a, 'xianghe-admin', 'POST', '/api/process-definitions/key/vc_plain/restore', {})).status, 200)
    t.equal(await startIn(t, a, 'xianghe'), county, 'restored: node a at once')
    clock.advance(5001)
    t.equal(await startIn(t, b, 'xianghe'), county, 'node b within VERSION_CACHE_MS')
  },
)
