/**
 * The per-test database template (test/template.ts): each test's copy is its own, and a change
 * of a migration or of a shipped diagram makes a new template.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { test } from 'tap'
import knexFactory from 'knex'
import { build, login, onPostgres, testDatabaseUrl } from '../helper.js'
import { openDb } from '../../src/lib/db.js'
import { xmlHash } from '../../src/engine/definitions.js'
import { projectRoot } from '../../src/lib/paths.js'
import { pgTemplate, sqliteTemplate, templateKey, type TemplateSpec } from '../template.js'

// Builds two templates from nothing (as a run's first process does): slow on a loaded machine.
t.setTimeout(600_000)

const newUser = { username: 'only-in-a', displayName: '只在甲库', password: 'password-1', roles: ['grid_worker'], unitCode: 'xh-anping-v01-g1' }

test('a copied database is independent: what one test writes, another test (and the template) never sees', async (t) => {
  const a = await build(t)
  const b = await build(t)
  const adminA = await login(a, 'admin')
  const made = await a.inject({ method: 'POST', url: '/api/org/users', headers: adminA, payload: newUser })
  t.equal(made.statusCode, 201, made.body)
  t.ok(await login(a, 'only-in-a', 'password-1'), 'the user exists in the database of app a')
  // b was copied from the same template before a wrote; it must not see the user ...
  const inB = await b.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'only-in-a', password: 'password-1' } })
  t.equal(inB.statusCode, 401, 'unknown in the database of app b')
  // ... and neither does a database copied after the write: the template itself is untouched.
  const c = await build(t)
  const inC = await c.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'only-in-a', password: 'password-1' } })
  t.equal(inC.statusCode, 401, 'unknown in a copy made later')
  // What the template holds is a started app's state: the demo users log in on every copy.
  t.ok(await login(c, 'admin'))
})

/** Copies `from` into a fresh temporary folder, removed when the test ends. */
function copyDir(t: { teardown(fn: () => void): void }, from: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-template-test-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.cpSync(from, dir, { recursive: true })
  return dir
}

/** The XML hashes of the process definitions in the template for `spec` (made if missing). */
async function templateDefinitions(t: { teardown(fn: () => unknown): void }, spec: TemplateSpec, key: string, dir: string): Promise<string[]> {
  if (!onPostgres) {
    const db = await openDb(':memory:', { image: await sqliteTemplate(spec, { key, dir }) })
    t.teardown(() => db.destroy())
    return (await db('process_definitions').select('xml_hash').orderBy('xml_hash')).map((r) => r.xml_hash)
  }
  const schema = await pgTemplate(testDatabaseUrl, spec, { key })
  const db = knexFactory({ client: 'pg', connection: testDatabaseUrl, pool: { min: 0, max: 1 } })
  t.teardown(async () => {
    await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema])
    await db.destroy()
  })
  return (await db.withSchema(schema).from('process_definitions').select('xml_hash').orderBy('xml_hash')).map((r) => r.xml_hash)
}

test('the template is keyed by the migrations and the shipped diagrams: change either and a new one is built', async (t) => {
  const root = projectRoot()
  const migrations = copyDir(t, path.join(root, 'migrations'))
  const processes = copyDir(t, path.join(root, 'processes'))
  const images = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-template-images-'))
  t.teardown(() => fs.rmSync(images, { recursive: true, force: true }))
  const spec: TemplateSpec = { demo: true, processesDir: processes }
  const kind = onPostgres ? 'pg' : 'sqlite'
  const keyOf = () => templateKey(spec, { codeDirs: [path.join(root, 'src'), migrations], kind })

  const first = keyOf()
  t.equal(keyOf(), first, 'the same inputs give the same key')

  // A migration changes (a comment is enough: the hash does not interpret the file).
  const migration = path.join(migrations, '013_assessment.ts')
  const original = fs.readFileSync(migration, 'utf8')
  fs.writeFileSync(migration, original + '\n// changed\n')
  t.not(keyOf(), first, 'a changed migration gives another key')
  fs.writeFileSync(migration, original)
  t.equal(keyOf(), first, 'and back to the original, the original key')

  // A new migration file also counts.
  fs.writeFileSync(path.join(migrations, '099_new.ts'), 'export async function up() {}\n')
  t.not(keyOf(), first, 'an added migration gives another key')
  fs.rmSync(path.join(migrations, '099_new.ts'))

  // The template of the first key holds the shipped diagrams as they are ...
  const ordinaryFile = path.join(processes, 'ordinary.bpmn')
  const ordinary = fs.readFileSync(ordinaryFile, 'utf8')
  const before = await templateDefinitions(t, spec, first, images)
  t.ok(before.includes(xmlHash(ordinary)), 'the template holds the shipped ordinary procedure')

  // ... a changed diagram gives another key, and the template built for it holds the new XML.
  const changed = ordinary.replace('</bpmn:definitions>', '<!-- changed --></bpmn:definitions>')
  t.not(changed, ordinary)
  fs.writeFileSync(ordinaryFile, changed)
  const second = keyOf()
  t.not(second, first, 'a changed shipped diagram gives another key')
  const after = await templateDefinitions(t, spec, second, images)
  t.ok(after.includes(xmlHash(changed)), 'the new template was built with the changed diagram')
  t.notOk(after.includes(xmlHash(ordinary)), 'and not from the old one')
  t.equal(after.length, before.length, 'the same number of shipped diagrams')
  if (!onPostgres) t.equal(fs.readdirSync(images).filter((f) => f.endsWith('.sqlite')).length, 2, 'two template files, one per key')
})
