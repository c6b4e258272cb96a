import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createHash, randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { openDb } from '../../src/lib/db.js'
import { projectRoot } from '../../src/lib/paths.js'
import { onPostgres, testDatabaseUrl } from '../helper.js'
import { call, caseByNo, petition, streetLight } from '../api.js'
import { process as bpmn } from '../fixtures/bpmn.js'

/**
 * processes/ seeds an empty database and stays "the shipped version"; once a key has a version
 * the database is the source of truth, across restarts.
 */

const shippedDir = path.join(projectRoot(), 'processes')
const read = (file: string) => fs.readFileSync(path.join(shippedDir, file), 'utf8')
const sha = (s: string) => createHash('sha256').update(s).digest('hex')

/**
 * One database that outlives an app: a SQLite file in a temp dir, or one PostgreSQL schema.
 * `start` builds a new app over it, as a restarted server would.
 */
function durableDb(t: Test) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-seed-'))
  const schema = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`
  t.teardown(async () => {
    fs.rmSync(dir, { recursive: true, force: true })
    if (onPostgres) {
      const { default: knex } = await import('knex')
      const admin = knex({ client: 'pg', connection: testDatabaseUrl, pool: { min: 0, max: 1 } })
      await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema])
      await admin.destroy()
    }
  })
  return {
    dir,
    async start(config: Partial<Config> = {}): Promise<FastifyInstance> {
      const db = onPostgres ? await openDb(testDatabaseUrl, { schema }) : await openDb(path.join(dir, 'shuoshi.sqlite'))
      const app = await buildApp({
        config: { ...loadConfig({ NODE_ENV: 'test' }), demo: true, logLevel: 'silent', serveUi: false, ...config },
        db,
        background: false,
      })
      await app.ready()
      return app
    },
  }
}

t.test("restart: an administrator's edit of the ordinary procedure stays in force, and new cases run on it", async (t) => {
  const store = durableDb(t)
  const first = await store.start()
  const v1 = (await call(first, 'admin', 'GET', '/api/process-definitions?key=ordinary')).body
  t.equal(v1.length, 1, 'the empty database was seeded with the shipped file')
  const edited = read('ordinary.bpmn').replace('name="签收 / Sign for"', 'name="签收（已修改）/ Sign for (edited)"')
  t.not(edited, read('ordinary.bpmn'), 'the edit changes the file')
  const dep = await call(first, 'admin', 'POST', '/api/process-definitions', { xml: edited })
  t.equal(dep.status, 201, JSON.stringify(dep.body))
  t.equal(dep.body.version, 2)
  await first.close()

  // A later release may ship a key the database lacks: that one is seeded, the edited one is not.
  const release = path.join(store.dir, 'processes')
  fs.mkdirSync(release)
  for (const f of fs.readdirSync(shippedDir)) if (f.endsWith('.bpmn')) fs.copyFileSync(path.join(shippedDir, f), path.join(release, f))
  fs.symlinkSync(path.join(shippedDir, 'forms'), path.join(release, 'forms'))
  fs.writeFileSync(
    path.join(release, 'zz_new.bpmn'),
    bpmn('zz_new', `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="e"/><endEvent id="e"/>`),
  )

  const second = await store.start({ processesDir: release })
  t.teardown(() => second.close())
  const defs = (await call(second, 'admin', 'GET', '/api/process-definitions')).body
  const ordinary = defs.filter((d: any) => d.key === 'ordinary')
  t.same(
    ordinary.map((d: any) => d.version),
    [2, 1],
    'no version was added on restart',
  )
  t.equal(ordinary[0].deployedBy, 'admin', "the latest is the administrator's")
  const xml = (await call(second, 'admin', 'GET', `/api/process-definitions/${ordinary[0].id}/xml`)).body.xml
  t.equal(xml, edited, 'the edit is the latest version')
  t.same(
    defs.filter((d: any) => d.key === 'zz_new').map((d: any) => [d.version, d.deployedBy]),
    [[1, 'system']],
    'a key the database lacked was seeded',
  )
  for (const key of ['escalation', 'joint', 'one_case_one_plan']) t.equal(defs.filter((d: any) => d.key === key).length, 1, `${key}: still one version`)

  const p = await petition(second, streetLight)
  const c = await caseByNo(second, p.caseNo)
  t.equal(c.activeTasks[0].name, '签收（已修改）/ Sign for (edited)', 'a new case runs on the edited version')
  const inst = await call(second, 'admin', 'GET', `/api/process-instances/${c.instanceId}`)
  t.equal(inst.body.definition.id, ordinary[0].id)
})

t.test('shipped versions: listed with whether they differ, deployed only by the administrator of the tenant', async (t) => {
  const store = durableDb(t)
  const app = await store.start()
  t.teardown(() => app.close())
  const files = fs
    .readdirSync(shippedDir)
    .filter((f) => f.endsWith('.bpmn'))
    .sort()
  t.same(files, ['escalation.bpmn', 'joint.bpmn', 'one_case_one_plan.bpmn', 'ordinary.bpmn'])

  const list = async (user = 'admin') => call(app, user, 'GET', '/api/process-definitions/shipped')
  let shipped = await list()
  t.equal(shipped.status, 200)
  t.same(
    shipped.body.map((s: any) => [s.key, s.file, s.latestCityVersion, s.differsFromLatest]),
    [
      ['escalation', 'escalation.bpmn', 1, false],
      ['joint', 'joint.bpmn', 1, false],
      ['one_case_one_plan', 'one_case_one_plan.bpmn', 1, false],
      ['ordinary', 'ordinary.bpmn', 1, false],
    ],
  )
  t.equal(shipped.body.find((s: any) => s.key === 'ordinary').name, '一般问题接单快速办 / Ordinary handling')
  t.equal((await list('xianghe-admin')).status, 200, 'county administrators see them too')
  t.equal((await list('grid01')).status, 403)
  t.equal((await app.inject({ method: 'GET', url: '/api/process-definitions/shipped' })).statusCode, 401)

  const edited = read('ordinary.bpmn').replace('name="办理 / Handle"', 'name="办理 / Handle (v2)"')
  t.equal((await call(app, 'admin', 'POST', '/api/process-definitions', { xml: edited })).status, 201)
  shipped = await list()
  t.same(
    shipped.body.find((s: any) => s.key === 'ordinary'),
    { key: 'ordinary', name: '一般问题接单快速办 / Ordinary handling', file: 'ordinary.bpmn', latestCityVersion: 2, differsFromLatest: true },
  )

  const deploy = (user: string, key: string, payload?: unknown) => call(app, user, 'POST', `/api/process-definitions/shipped/${key}/deploy`, payload)
  t.equal((await deploy('grid01', 'ordinary', {})).status, 403, 'staff may not')
  t.equal((await deploy('xianghe-admin', 'ordinary', { tenant: 'guangyang' })).status, 403, 'not for another county')
  t.equal((await deploy('admin', 'ordinary', { tenant: 'no-such-county' })).status, 403)
  t.equal((await deploy('admin', 'nowhere', {})).status, 404, 'a key nobody shipped')
  t.equal((await deploy('admin', 'ordinary', { tenant: 'xianghe', extra: 1 })).status, 400)

  const county = await deploy('xianghe-admin', 'ordinary')
  t.equal(county.status, 201, JSON.stringify(county.body))
  t.same([county.body.tenant, county.body.version, county.body.deployedBy], ['xianghe', 1, 'xianghe-admin'])
  t.match(county.body, { tenantName: '香河县', tenantNameEn: 'Xianghe County' }, 'the county by name, for the confirmation')
  const countyXml = (await app.db('process_definitions').where({ id: county.body.id }).first()).xml
  t.equal(sha(countyXml), sha(read('ordinary.bpmn')), 'the county version is the shipped file')
  const again = await deploy('xianghe-admin', 'ordinary', { tenant: null })
  t.same(
    [again.status, again.body.tenant, again.body.version],
    [200, 'xianghe', 1],
    'a county administrator never replaces the city default: tenant null is their county, unchanged',
  )

  const city = await deploy('admin', 'ordinary', {})
  t.equal(city.status, 201)
  t.same([city.body.tenant, city.body.version], [null, 3], 'the shipped file is a new city version, after the edit')
  t.equal((await deploy('admin', 'ordinary', {})).status, 200, 'deploying it again is not a new version')
  t.equal((await list()).body.find((s: any) => s.key === 'ordinary').differsFromLatest, false)
  t.same(
    (await app.db('process_definitions').where({ key: 'ordinary' }).orderBy(['tenant', 'version'])).map((r: any) => [r.tenant, r.version]),
    [
      ['', 1],
      ['', 2],
      ['', 3],
      ['xianghe', 1],
    ],
  )
})
