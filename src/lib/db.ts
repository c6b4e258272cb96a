import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import knexFactory, { type Knex } from 'knex'
import type pg from 'pg'
import { migrationSource } from '../../migrations/index.js'
import { isDefaultFile, isPostgresUrl, sqliteFile } from './database-url.js'
import { refuseNewerDatabase } from './newer-database.js'

export type Db = Knex
export type Trx = Knex.Transaction

export { isPostgresUrl }

export interface OpenDbOptions {
  /** PostgreSQL schema to use (tests give each app its own). Created when missing. */
  schema?: string
  /**
   * SQLite only, with url `:memory:`: start the in-memory database as a copy of this serialized
   * image (better-sqlite3's `serialize()`), then migrate as usual. The tests open each test's
   * database from a migrated, seeded template this way (test/template.ts).
   */
  image?: Buffer
  /** PostgreSQL: how long a query waits for a pool connection before failing, ms (`DB_ACQUIRE_TIMEOUT_MS`). */
  acquireTimeoutMs?: number
  /**
   * PostgreSQL: how long opening a connection may take, ms (DB_CONNECT_TIMEOUT_MS). Unbounded, a
   * server that drops packets held a start for 34 s and ended in "operation timed out for an
   * unknown reason", without the host.
   */
  connectTimeoutMs?: number
}

/**
 * knex's own default is 60 s: with PostgreSQL down or the pool exhausted a request hung that long
 * and then answered 500, after the balancer and the person had given up. 10 s still covers a
 * burst queueing for the pool; past it the request fails as "database unavailable" (503).
 */
export const DEFAULT_ACQUIRE_TIMEOUT_MS = 10_000

/** Opens the database named by `url`, creates it if needed and brings it to the latest migration. */
export async function openDb(url: string, opts: OpenDbOptions = {}): Promise<Db> {
  const db = connectDb(url, opts)
  try {
    if (isPostgresUrl(url) && opts.schema) await db.raw('CREATE SCHEMA IF NOT EXISTS ??', [opts.schema])
    await refuseNewerDatabase(db, migrationSource)
    await db.migrate.latest({ migrationSource })
    // SQLite plans from the statistics ANALYZE leaves; without them it picked a sort over every
    // open task for "my unit" (1M cases: 35 ms instead of 9). optimize analyses only tables
    // whose stats are missing or stale, with a row limit (3.4 s once on a 1M-case file, ms after).
    if (!isPostgresUrl(url)) await db.raw('PRAGMA optimize=0x10002')
  } catch (err) {
    // The pool would keep the process alive (and retrying) behind the caller's error.
    await db.destroy().catch(() => {})
    throw err
  }
  quiet.delete(db)
  return db
}

/**
 * Knex logs every failed connection attempt with its stack ("Acquire connection error: …") on
 * stdout besides throwing it. While a database is being opened the caller reports the error (the
 * server in one line, src/startup-errors.ts); afterwards a request's error is logged by the
 * server's error handler, and knex's own line stays as it was.
 */
const quiet = new WeakSet<object>()

/**
 * The database named by `url` as a knex instance, not migrated: openDb for the server, and the
 * migration command (src/migrate.ts), which must not migrate up before it goes down.
 */
export function connectDb(url: string, opts: OpenDbOptions = {}): Db {
  let db: Db
  const log = {
    warn(message: string) {
      if (quiet.has(db) && String(message).startsWith('Acquire connection error')) return
      console.warn(message)
    },
  }
  if (isPostgresUrl(url)) {
    db = knexFactory({
      client: 'pg',
      connection: { connectionString: url, connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000 },
      log,
      searchPath: opts.schema ? [opts.schema] : undefined,
      acquireConnectionTimeout: opts.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS,
      pool: {
        min: 0,
        max: Number(process.env.DB_POOL_MAX ?? 10),
        // PostgreSQL's stock random_page_cost (4) prices an index lookup for spinning disks, so
        // at a million cases it hash-joined every open task where 1,300 index lookups would do
        // ("my unit": 45 -> 21 ms). SSD-era value by default; PG_RANDOM_PAGE_COST= keeps the server's.
        afterCreate(conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) {
          const cost = process.env.PG_RANDOM_PAGE_COST ?? '1.1'
          if (!cost) return done(null, conn)
          if (!/^\d+(\.\d+)?$/.test(cost)) return done(new Error(`PG_RANDOM_PAGE_COST must be a number: ${cost}`), conn)
          conn.query(`SET random_page_cost = ${cost}`, (err: Error | null) => done(err, conn))
        },
      },
    })
  } else {
    if (opts.image && url !== ':memory:') throw new Error('openDb: an image opens only as :memory:')
    const file = sqliteFile(url)
    if (file === null) throw new Error(`openDb: not a PostgreSQL URL nor a SQLite file: ${url.slice(0, url.indexOf(':') + 1)}…`)
    // Only the default's data/ is made, so `npm start` works on a fresh clone; any other missing
    // folder is a mistyped path (src/lib/database-url.ts), not a place for a new database.
    if (file !== ':memory:' && isDefaultFile(file)) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
    db = knexFactory({
      // better-sqlite3 is synchronous: a statement costs tens of microseconds, where the async
      // sqlite3 driver pays a thread-pool round trip per statement (measured in README).
      client: LiteralLimitsSqlite,
      // better-sqlite3 opens a Buffer as an in-memory database holding that image.
      connection: { filename: (opts.image ?? file) as string },
      log,
      useNullAsDefault: true,
      // One connection: SQLite serialises writers anyway, and one connection makes
      // every transaction see the last committed state without busy retries.
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: SqliteConnection) => void) {
          try {
            conn.pragma('journal_mode = WAL')
            conn.pragma('synchronous = NORMAL')
            conn.pragma('foreign_keys = ON')
            conn.pragma('busy_timeout = 5000')
            // SQLite's default page cache is 2 MB; a city's database is gigabytes, and list
            // queries hop between index and table pages. More cache and memory-mapped reads
            // spare a system call per page (bench/bigdata.ts at 1M cases; see README). mmap is
            // opt-in: mapped pages count in RSS and would blur the memory benchmark.
            conn.pragma(`cache_size = -${Number(process.env.SQLITE_CACHE_MB ?? 64) * 1024}`)
            conn.pragma(`mmap_size = ${Number(process.env.SQLITE_MMAP_MB ?? 0) * 1024 * 1024}`)
            // SQLite checkpoints the WAL into the database file inside the commit that takes it
            // past wal_autocheckpoint pages (default 1,000: every ~15 steps of the ordinary
            // procedure, which writes ~78 pages per intake and ~55 per completion). Each
            // checkpoint copies every page the WAL holds and syncs twice; the hot pages (index
            // tails, process_instances) are the same ones each time, so a longer interval copies
            // them once for many steps: CPU in the COMMITs of an intake and a completion 1.52-1.55
            // ms at 1,000 -> 1.05-1.11 ms at 10,000 (bench/sql-native.ts, README). The WAL is bounded
            // by it (~40 MB: the interval plus the commit that crossed it), and
            // journal_size_limit (twice that, so the steady state never truncates) shrinks the
            // file back after one big transaction (a demo history, a bulk import) grew it past.
            const walPages = Number(process.env.SQLITE_WAL_AUTOCHECKPOINT ?? 10_000)
            conn.pragma(`wal_autocheckpoint = ${walPages}`)
            conn.pragma(`journal_size_limit = ${2 * walPages * (Number(conn.pragma('page_size', { simple: true })) + 24)}`)
            // For case search's short queries (CaseService.textFilter): SQLite's own lower() and
            // LIKE fold ASCII only, and its ICU extension is not in better-sqlite3's build.
            conn.function('unicode_lower', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : s))
            cachePreparedStatements(conn, 1000)
            done(null, conn)
          } catch (err) {
            done(err as Error, conn)
          }
        },
      },
    })
  }
  quiet.add(db)
  return db
}

/**
 * SQLite (as better-sqlite3 builds it, with STAT4) re-prepares a statement whose LIMIT or OFFSET
 * is a bound parameter every time it runs, because the planner may use the value; knex binds
 * both (`.first()` is `limit ?` with 1). A one-row read cost 3.9 µs instead of 1.3, and 30
 * completions re-prepared 96 times for 24.9 M instructions (bench/instructions.ts's callgrind dumps). So
 * on SQLite every integer limit and offset is written into the text, as knex's own per-query
 * `{ skipBinding: true }` does; knex has already made each an integer (`parseInt`), so no text
 * reaches the SQL. A client class of our own (knex takes one as `client`) rather than each call
 * site changed: `.first()` is used across the code base, and a new one gets this without anyone
 * remembering; a class, not a patched instance, because a transaction's client is built from the
 * class's prototype.
 */
type Single = { limit?: unknown; offset?: unknown; skipBinding?: Record<string, boolean | undefined> }
// knex exports its dialects only by path (no types): the better-sqlite3 one, as `client: 'better-sqlite3'` picks it.
const BetterSqlite3Client = createRequire(import.meta.url)('knex/lib/dialects/better-sqlite3/index.js') as typeof Knex.Client
class LiteralLimitsSqlite extends BetterSqlite3Client {
  override queryCompiler(builder: { _single: Single }, formatter?: unknown): unknown {
    const single = builder._single
    // An offset without a limit compiles as `limit -1` on SQLite: that limit is literal too.
    if (Number.isSafeInteger(single.limit) || (single.limit == null && Number.isSafeInteger(single.offset))) (single.skipBinding ??= {}).limit = true
    if (Number.isSafeInteger(single.offset)) (single.skipBinding ??= {}).offset = true
    return (super.queryCompiler as (b: unknown, f?: unknown) => unknown)(builder, formatter)
  }
}

/**
 * knex prepares every statement anew; a step repeats the same few dozen SQL texts, so the
 * connection keeps its most recent prepared statements (least recently used out). Measured
 * by bench/profile.ts (BENCH_PROFILE_KEY=ordinary): intake 28-30 -> 24-27 ms CPU, completion
 * 33-38 -> 27 ms. SQLite re-prepares a cached statement itself after a schema change.
 */
/**
 * The part of a better-sqlite3 Database that afterCreate uses (better-sqlite3 ships no types and
 * @types/better-sqlite3 is not installed): pragma() answers a value with { simple: true };
 * function() registers a JavaScript SQL function.
 */
interface SqliteConnection {
  pragma(source: string, options?: { simple?: boolean }): unknown
  prepare(sql: string): unknown
  function(name: string, options: { deterministic?: boolean }, fn: (...args: unknown[]) => unknown): unknown
}

function cachePreparedStatements(conn: { prepare(sql: string): unknown }, size: number) {
  const prepare = conn.prepare.bind(conn)
  const cache = new Map<string, unknown>()
  conn.prepare = (sql: string) => {
    let statement = cache.get(sql)
    if (statement) {
      cache.delete(sql)
    } else {
      statement = prepare(sql)
      if (cache.size >= size) cache.delete(cache.keys().next().value!)
    }
    cache.set(sql, statement)
    return statement
  }
}

export function isPostgres(db: Db): boolean {
  return db.client.config.client === 'pg'
}

/**
 * How many values one `IN (…)` list or multi-row insert binds at most: one statement's bound
 * parameters are limited (SQLite 32,766, PostgreSQL 65,535), and a list of names or ids gathered
 * from a page of rows can be longer than that.
 */
export const MAX_BOUND_LIST = 500

/**
 * `work` run once per slice of `values` (at most MAX_BOUND_LIST each), one after another, and the
 * rows it returns concatenated: for `whereIn` reads and inserts whose list may outgrow one
 * statement. Sequential on purpose: inside a transaction there is one connection to use.
 */
export async function inSlices<T, R = never>(values: readonly T[], work: (slice: T[]) => Promise<readonly R[] | void>): Promise<R[]> {
  const out: R[] = []
  for (let i = 0; i < values.length; i += MAX_BOUND_LIST) {
    const rows = await work(values.slice(i, i + MAX_BOUND_LIST))
    if (rows) out.push(...rows)
  }
  return out
}

/** Current time as the fixed-width ISO string every timestamp column stores. */
export function nowIso(): string {
  return new Date().toISOString()
}

/** Text with LIKE's wildcards and escape character escaped, for `… LIKE ? ESCAPE '\\'`. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => '\\' + c)

/**
 * `column LIKE 'prefix%'` in a form each database answers from a btree index. SQLite only
 * uses an index for LIKE under case_sensitive_like, so it gets the equivalent half-open
 * range (exact under its BINARY collation); PostgreSQL keeps LIKE and answers it from a
 * text_pattern_ops index (migration 007), whatever the database's collation.
 */
export function wherePrefix(db: Db, q: Knex.QueryBuilder, column: string, prefix: string): Knex.QueryBuilder {
  // Callers pass '\u0000' as "matches nothing" (an unknown region, a user without one); no
  // stored path or code contains it, and PostgreSQL refuses it in text (the query failed: 500).
  if (prefix.includes('\u0000')) return q.whereRaw('1 = 0')
  if (isPostgres(db)) return q.whereRaw(`?? like ? escape '\\'`, [column, escapeLike(prefix) + '%'])
  if (!prefix) return q
  const last = prefix.charCodeAt(prefix.length - 1)
  return q.where(column, '>=', prefix).where(column, '<', prefix.slice(0, -1) + String.fromCharCode(last + 1))
}

/**
 * How many rows a query matches, counted no further than `cap`: an exact total for a narrow
 * filter, "more than cap" for a broad one, where counting a million rows would cost more
 * than the page itself. Returns cap + 1 when there are more.
 */
export async function countUpTo(db: Db, q: Knex.QueryBuilder, cap: number): Promise<number> {
  const inner = q
    .clone()
    .clearSelect()
    .clearOrder()
    .select(db.raw('1'))
    .limit(cap + 1)
  const row = await db.count({ n: '*' }).from(inner.as('capped')).first()
  return Number(row?.n ?? 0)
}
