import t from 'tap'
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { openDb, type Db } from '../../src/lib/db.js'
import { login, onPostgres, openTestDb } from '../helper.js'

const intake = (i: number) => ({
  channel: 'hotline',
  description: `并发受理 ${i}`,
  category: 'environment.pollution',
  regionCode: 'xh-anping-v01-g1',
  petitioner: { type: 'person', anonymous: true },
})

async function appOn(t: Test, db: Db, schema?: string): Promise<FastifyInstance> {
  const config: Config = { ...loadConfig({ NODE_ENV: 'test' }), demo: true, logLevel: 'silent', serveUi: false, databaseSchema: schema }
  const app = await buildApp({ config, db, background: false })
  await app.ready()
  t.teardown(() => app.close())
  return app
}

t.test('case numbers taken at the same moment are all different and each case has its procedure', async (t) => {
  // On PostgreSQL two apps share one schema, as two nodes do; there the number is drawn in a
  // short transaction of its own, so intakes on different nodes do not queue behind it.
  const { db, url, schema } = await openTestDb(t)
  const apps = [await appOn(t, db, schema)]
  if (onPostgres) apps.push(await appOn(t, await openDb(url, { schema }), schema))
  const headers = await login(apps[0], 'dispatcher')
  const n = 12
  const res = await Promise.all(
    Array.from({ length: n }, (_, i) => apps[i % apps.length].inject({ method: 'POST', url: '/api/cases', headers, payload: intake(i) })),
  )
  t.same(
    res.map((r) => r.statusCode),
    res.map(() => 201),
    'every intake accepted',
  )
  const numbers = res.map((r) => r.json().caseNo as string)
  t.equal(new Set(numbers).size, n, 'no number twice')
  const seqs = numbers.map((x) => Number(x.split('-')[1])).sort((a, b) => a - b)
  t.same(
    seqs,
    Array.from({ length: n }, (_, i) => seqs[0] + i),
    'consecutive when nothing failed',
  )
  const rows = await db('cases').whereIn('case_no', numbers).select('instance_id')
  t.equal(rows.length, n)
  t.ok(
    rows.every((r: any) => !!r.instance_id),
    'each with its process instance',
  )
  t.equal(
    Number((await db('tasks').where({ status: 'open' }).whereIn('case_id', db('cases').whereIn('case_no', numbers).select('id')).count({ n: '*' }).first())!.n),
    n,
    'and its first task',
  )
})
