import type { Knex } from 'knex'
import { StartupError } from './startup-error.js'

/**
 * Refuses a database that a newer build has migrated: knex would stop with "The migration
 * directory is corrupt, the following files are missing: …" and a stack, which reads like a
 * broken install. This happens to every older node of a rolling upgrade that restarts after a
 * newer one migrated, and to a rollback that forgot the database.
 */
export async function refuseNewerDatabase(db: Knex, source: Knex.MigrationSource<string>): Promise<void> {
  if (!(await db.schema.hasTable('knex_migrations'))) return
  const known = (await source.getMigrations([])).map((m) => source.getMigrationName(m))
  const done: string[] = (await db('knex_migrations').orderBy('id').select('name')).map((r: { name: string }) => r.name)
  const knownSet = new Set(known)
  const unknown = done.filter((name) => !knownSet.has(name))
  if (!unknown.length) return
  const last = known[known.length - 1]
  throw new StartupError(
    `The database was migrated by a newer version of Shuoshi (migrations this build does not have: ${unknown.join(', ')}); ` +
      `start that newer build, or, after a backup, roll the database back with the newer build ` +
      `("node dist/src/migrate.js down ${last}", this build's last migration) and start this one again`,
  )
}
