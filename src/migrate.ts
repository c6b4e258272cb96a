import { ConfigError, loadConfig } from './config.js'
import { connectDb } from './lib/db.js'
import { migrationSource } from '../migrations/index.js'
import { startupFailureLine } from './startup-errors.js'

/**
 * The database's migrations, by hand: `status`, and `down <migration>` to undo every migration
 * after the one named, newest first, each in its transaction. A rollback runs this with the
 * NEWER build (only it has the newer migrations' `down`), down to the older build's last
 * migration, which the older build names when it refuses the database (src/lib/newer-database.ts).
 * Reads DATABASE_URL and DATABASE_SCHEMA as the server does. Back up first: a `down` drops what
 * its migration added.
 *
 *   node dist/src/migrate.js status
 *   node dist/src/migrate.js down 031_scoring_item_names
 */
async function main(args: string[]): Promise<number> {
  const config = loadConfig()
  const [command, target] = args
  if (command !== 'status' && !(command === 'down' && target)) {
    console.error('usage: node dist/src/migrate.js status | down <the last migration to keep>')
    return 2
  }
  const known = await migrationSource.getMigrations([])
  if (command === 'down' && !known.includes(target!)) {
    console.error(`${target} is not a migration of this build; its migrations are ${known[0]} … ${known[known.length - 1]} (status lists them)`)
    return 2
  }
  const db = connectDb(config.databaseUrl, { schema: config.databaseSchema, connectTimeoutMs: config.dbConnectTimeoutMs })
  try {
    const done = async (): Promise<string[]> =>
      (await db.schema.hasTable('knex_migrations')) ? (await db('knex_migrations').orderBy('id').select('name')).map((r: { name: string }) => r.name) : []
    const applied = await done()
    if (command === 'status') {
      for (const name of known) console.log(`${applied.includes(name) ? 'applied' : 'pending'}  ${name}`)
      for (const name of applied.filter((n) => !known.includes(n))) console.log(`unknown  ${name} (applied by a newer build)`)
      return 0
    }
    if (!applied.includes(target!)) {
      console.error(`${target} is not applied to this database: nothing to undo down to it (status lists what is)`)
      return 1
    }
    const unknown = applied.filter((n) => !known.includes(n))
    if (unknown.length) {
      console.error(`This database has migrations this build does not have (${unknown.join(', ')}): undo them with the build that applied them`)
      return 1
    }
    for (let last = applied.at(-1); last !== target; last = (await done()).at(-1)) {
      await db.migrate.down({ migrationSource, name: last })
      console.log(`undone ${last}`)
    }
    console.log(`the database is at ${target}`)
    return 0
  } catch (err) {
    console.error(startupFailureLine('database', err, config))
    return 1
  } finally {
    await db.destroy()
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? err.message : err)
    process.exit(1)
  },
)
