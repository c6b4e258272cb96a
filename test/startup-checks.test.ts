import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { loadConfig } from '../src/config.js'
import { openDb } from '../src/lib/db.js'
import { StartupError } from '../src/lib/startup-error.js'
import { checkProcessesDir } from '../src/startup-checks.js'
import { openTestDb, serverDatabaseEnv } from './helper.js'
import { templateSpec } from './template.js'
import { startFails } from './server-process.js'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-processes-'))
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }))
const missing = path.join(tmp, 'no-such-folder')
// An empty folder of its own: the fixture's no-processes/ is not copied beside the transpiled
// tests (.build), where CI runs them.
const noProcesses = path.join(tmp, 'empty')
fs.mkdirSync(noProcesses)

// A wrong PROCESSES_DIR on a new database gave a server that answered /health and took no case:
// the seeding read a missing folder as "nothing shipped", and every petition was refused
// "流程 ordinary 不存在".
t.test('PROCESSES_DIR set to a missing folder stops the start, on a new database and on one with procedures', async (t) => {
  const env = serverDatabaseEnv(t, 'processes')
  const expected = `PROCESSES_DIR ${missing} does not exist (ENOENT): it holds the shipped procedures, forms and decisions a database is seeded from; correct PROCESSES_DIR, or unset it for the release's processes/`
  const fresh = await startFails({ env: { ...env, PROCESSES_DIR: missing } })
  t.equal(fresh.status, 1)
  t.same(fresh.lines, [expected], 'one line, new database')

  // A database that has procedures (deployed by hand here); the setting is still wrong.
  const db = await openDb(env.DATABASE_URL, { schema: env.DATABASE_SCHEMA })
  await db('process_definitions').insert({ id: 'p1', key: 'p', tenant: '', version: 1, xml: '<x/>', xml_hash: 'h', deployed_at: new Date().toISOString() })
  const n = Number((await db('process_definitions').count({ n: '*' }).first())!.n)
  await db.destroy()
  t.equal(n, 1, 'the database has a procedure')
  const seeded = await startFails({ env: { ...env, PROCESSES_DIR: missing } })
  t.equal(seeded.status, 1)
  t.same(seeded.lines, [expected], 'one line, database with procedures')

  const file = path.join(tmp, 'a-file')
  fs.writeFileSync(file, 'x')
  const notFolder = await startFails({ env: { ...env, PROCESSES_DIR: file } })
  t.equal(notFolder.status, 1)
  t.match(notFolder.lines, [new RegExp(`^PROCESSES_DIR ${file} is not a folder \\(ENOTDIR\\)`)])
})

t.test('the default folder missing: fatal on a database without procedures, a warning on one with them', async (t) => {
  const defaulted = { processesDir: missing, processesDirSet: false }
  t.equal(loadConfig({}).processesDirSet, false, 'unset PROCESSES_DIR is the default')
  t.equal(loadConfig({ PROCESSES_DIR: noProcesses }).processesDirSet, true)

  const empty = (await openTestDb(t)).db
  t.teardown(() => empty.destroy())
  await t.rejects(
    checkProcessesDir(defaulted, empty),
    new StartupError(
      `The shipped procedures' folder ${missing} does not exist (ENOENT) and the database has no procedure, so no case could be taken: set PROCESSES_DIR to the release's processes/ folder`,
    ),
  )

  const demo = (await openTestDb(t, { template: templateSpec(loadConfig({ NODE_ENV: 'test' })) })).db
  t.teardown(() => demo.destroy())
  t.ok(await demo('process_definitions').where({ key: 'ordinary' }).first(), 'the demo template has the shipped procedures')
  t.same(await checkProcessesDir(defaulted, demo), [
    `The shipped procedures' folder ${missing} does not exist (ENOENT): the database's procedures serve, but a key, form or decision it lacks is not seeded; set PROCESSES_DIR to the release's processes/ folder`,
  ])
  t.same(await checkProcessesDir({ processesDir: noProcesses, processesDirSet: true }, demo), [], 'an empty folder beside procedures: nothing to say')
  t.same(await checkProcessesDir({ processesDir: noProcesses, processesDirSet: true }, empty), [
    `PROCESSES_DIR ${noProcesses} has no .bpmn file and the database no procedure: no case can be taken until an administrator deploys one`,
  ])
})
