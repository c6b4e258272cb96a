import { spawn } from 'node:child_process'
import t from 'tap'
import { connectDb, openDb, type Db } from '../src/lib/db.js'
import { projectRoot } from '../src/lib/paths.js'
import { serverDatabaseEnv } from './helper.js'
import { serverArgs } from './server-process.js'

/** The migration command the README's "Upgrading and rolling back" tells an operator to run. */
async function migrate(env: Record<string, string>, ...args: string[]) {
  const child = spawn(process.execPath, [...serverArgs('migrate'), ...args], {
    cwd: projectRoot(),
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return { status, stdout, stderr }
}

t.test('down to a migration undoes the later ones, and the next start migrates up again', async (t) => {
  const env = serverDatabaseEnv(t, 'migrate')
  const open = () => openDb(env.DATABASE_URL, { schema: env.DATABASE_SCHEMA })
  let db = await open()
  const applied = async (on: Db = db) => (await on('knex_migrations').orderBy('id').select('name')).map((r: { name: string }) => r.name)
  const before = await applied()
  const at = before.indexOf('029_unused_indexes')
  t.ok(at > 0 && at < before.length - 1, 'migrations after 029 to undo')
  const later = before.slice(at + 1)
  t.ok(await db.schema.hasColumn('incidents', 'message_key'), '030 added incidents.message_key')
  await db.destroy()

  const status = await migrate(env, 'status')
  t.equal(status.status, 0, status.stderr)
  t.match(status.stdout, /^applied {2}001_engine$/m)
  t.notMatch(status.stdout, /pending/, 'all applied')

  const down = await migrate(env, 'down', '029_unused_indexes')
  t.equal(down.status, 0, down.stderr)
  t.equal(down.stdout, [...[...later].reverse().map((name) => `undone ${name}`), 'the database is at 029_unused_indexes', ''].join('\n'), 'newest first')
  // What down left, through a connection that does not migrate.
  const look = connectDb(env.DATABASE_URL, { schema: env.DATABASE_SCHEMA })
  t.same(await applied(look), before.slice(0, at + 1), 'the later migrations are no longer recorded')
  t.notOk(await look.schema.hasColumn('incidents', 'message_key'), "030's column is gone")
  await look.destroy()
  db = await open()
  t.same(await applied(), before, 'the next start applied them again')
  t.ok(await db.schema.hasColumn('incidents', 'message_key'))
  await db.destroy()
})

t.test('down refuses what it cannot do, changing nothing', async (t) => {
  const env = serverDatabaseEnv(t, 'migrate_refused')
  const db = await openDb(env.DATABASE_URL, { schema: env.DATABASE_SCHEMA })
  const count = async () => Number((await db('knex_migrations').count({ n: '*' }).first())!.n)
  const n = await count()
  t.equal((await migrate(env)).status, 2, 'no command: usage')
  const unknownTarget = await migrate(env, 'down', '999_no_such')
  t.equal(unknownTarget.status, 2)
  t.match(unknownTarget.stderr, /999_no_such is not a migration of this build/)
  await db('knex_migrations').insert({ name: '900_from_a_newer_build', batch: 90, migration_time: new Date() })
  const newer = await migrate(env, 'down', '029_unused_indexes')
  t.equal(newer.status, 1)
  t.match(newer.stderr, /This database has migrations this build does not have \(900_from_a_newer_build\): undo them with the build that applied them/)
  t.equal(await count(), n + 1, 'nothing undone')
  await db.destroy()
})
