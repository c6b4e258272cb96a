import t from 'tap'
import { openDb } from '../../src/lib/db.js'
import { migrationSource } from '../../migrations/index.js'
import { serverDatabaseEnv } from '../helper.js'
import { startFails } from '../server-process.js'

// After a newer build migrated, an older one stopped with knex's stack "The migration directory
// is corrupt, the following files are missing: 031_…", which reads like a broken install.
t.test('a database migrated by a newer build: one line naming its migrations and the way back', async (t) => {
  const env = serverDatabaseEnv(t, 'newer')
  const db = await openDb(env.DATABASE_URL, { schema: env.DATABASE_SCHEMA })
  await db('knex_migrations').insert([
    { name: '900_from_a_newer_build', batch: 90, migration_time: new Date() },
    { name: '901_and_another', batch: 90, migration_time: new Date() },
  ])
  await db.destroy()
  const last = (await migrationSource.getMigrations([])).at(-1)
  const r = await startFails({ env })
  t.equal(r.status, 1)
  t.equal(r.lines.length, 1, `one line: ${r.stderr}`)
  t.equal(
    r.lines[0],
    'The database was migrated by a newer version of Shuoshi (migrations this build does not have: 900_from_a_newer_build, 901_and_another); ' +
      `start that newer build, or, after a backup, roll the database back with the newer build ("node dist/src/migrate.js down ${last}", this build's last migration) and start this one again`,
  )
  t.notMatch(r.stderr, /corrupt/)
})
