import fs from 'node:fs'
import path from 'node:path'
import knexFactory, { type Knex } from 'knex'
import { migrationSource } from '../../migrations/index.js'

export type Db = Knex
export type Trx = Knex.Transaction

export function isPostgresUrl(url: string): boolean {
  return url.startsWith('postgres://') || url.startsWith('postgresql://')
}

export interface OpenDbOptions {
  /** PostgreSQL schema to use (tests give each app its own). Created when missing. */
  schema?: string
}

/** Opens the database named by `url`, creates it if needed and brings it to the latest migration. */
export async function openDb(url: string, opts: OpenDbOptions = {}): Promise<Db> {
  let db: Db
  if (isPostgresUrl(url)) {
    db = knexFactory({
      client: 'pg',
      connection: url,
      searchPath: opts.schema ? [opts.schema] : undefined,
      pool: { min: 0, max: Number(process.env.DB_POOL_MAX ?? 10) },
    })
    if (opts.schema) await db.raw('CREATE SCHEMA IF NOT EXISTS ??', [opts.schema])
  } else {
    if (url !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(url)), { recursive: true })
    db = knexFactory({
      // better-sqlite3 is synchronous: a statement costs tens of microseconds, where the async
      // sqlite3 driver pays a thread-pool round trip per statement (measured in README).
      client: 'better-sqlite3',
      connection: { filename: url },
      useNullAsDefault: true,
      // One connection: SQLite serialises writers anyway, and one connection makes
      // every transaction see the last committed state without busy retries.
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: any, done: (err: Error | null, conn: any) => void) {
          try {
            conn.pragma('journal_mode = WAL')
            conn.pragma('synchronous = NORMAL')
            conn.pragma('foreign_keys = ON')
            conn.pragma('busy_timeout = 5000')
            done(null, conn)
          } catch (err) {
            done(err as Error, conn)
          }
        },
      },
    })
  }
  await db.migrate.latest({ migrationSource })
  return db
}

export function isPostgres(db: Db): boolean {
  return db.client.config.client === 'pg'
}

/** Current time as the fixed-width ISO string every timestamp column stores. */
export function nowIso(): string {
  return new Date().toISOString()
}
