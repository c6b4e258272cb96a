import type { Knex } from 'knex'
import { isPostgres } from './db.js'

/**
 * SQL text for the statements of the hot path (issue 13: half the CPU per step), sent through
 * knex's `raw` rather than its query builder.
 *
 * Every engine step and case handler sends a few dozen statements, and building one through
 * the builder (cloning its state, compiling the grammar, wrapping each identifier) cost ~13 µs
 * against ~6.5 µs for `trx.raw(sql, bindings)` with a fixed text; knex was ~11 % of the
 * process's CPU on the ordinary procedure and ~770 KB of the ~3,990 KB allocated per intake and
 * completion. The statements a step repeats are therefore written once here, as text valid on
 * both SQLite and PostgreSQL (identifiers in double quotes, `?` placeholders, which knex numbers
 * for PostgreSQL).
 *
 * A read of one row says `limit 1` in its text, never `limit ?`: the SQLite better-sqlite3 ships
 * (built with STAT4) prepares a statement with a bound LIMIT again on every run (a point read
 * 3.9 µs against 1.3 µs). knex's own limits are made literal on SQLite by the client class in
 * src/lib/db.ts (`LiteralLimitsSqlite`); text sent here does not pass through it.
 *
 * knex still owns the connections, transactions, migrations and every query that is not hot;
 * raw statements go through the same client, so they take part in the transaction they are sent
 * in, are seen by the `query` event (TableWatch, the SQL tests) and have their values formatted
 * the same way (better-sqlite3: booleans to 1/0, dates to milliseconds; pg: its own encoding).
 * What the builder did to values on top of that is done here too: a plain object inserted is
 * stored as its JSON text, a value left undefined is not written (an update leaves the column,
 * an insert gives PostgreSQL's DEFAULT and SQLite's NULL, as knex does with useNullAsDefault).
 */

export type SqlDb = Knex | Knex.Transaction
export type Binding = Knex.Value | undefined

/** A double-quoted identifier (valid on both databases). */
export function quoteId(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** `?, ?, ?` for n values. */
export function marks(n: number): string {
  return n <= 0 ? '' : '?' + ', ?'.repeat(n - 1)
}

/** The rows a statement answers (a select, or a write with `returning`). */
export async function sqlRows<R = Record<string, unknown>>(db: SqlDb, sql: string, bindings: readonly Binding[] = []): Promise<R[]> {
  const resp = await db.raw(sql, bindings as Knex.RawBinding[])
  return (Array.isArray(resp) ? resp : resp.rows) as R[]
}

/** The first row a statement answers, or undefined. */
export async function sqlFirst<R = Record<string, unknown>>(db: SqlDb, sql: string, bindings: readonly Binding[] = []): Promise<R | undefined> {
  return (await sqlRows<R>(db, sql, bindings))[0]
}

/**
 * Runs an insert, update or delete without `returning` and gives the number of rows it affected
 * (better-sqlite3's `changes`, pg's `rowCount`).
 */
export async function sqlRun(db: SqlDb, sql: string, bindings: readonly Binding[] = []): Promise<number> {
  const resp = await db.raw(sql, bindings as Knex.RawBinding[])
  if (Array.isArray(resp)) return resp.length
  return Number(isPostgres(db) ? resp.rowCount : resp.changes) || 0
}

/**
 * `"a" = ?, "b" = ?` for an update's set list and its bindings, in the object's key order;
 * undefined values are left out (as knex's update did).
 */
export function setClause(values: Record<string, unknown>): { sql: string; bindings: Binding[] } {
  let sql = ''
  const bindings: Binding[] = []
  for (const key in values) {
    const v = values[key]
    if (v === undefined) continue
    if (bindings.length) sql += ', '
    sql += `${quoteId(key)} = ?`
    bindings.push(v as Binding)
  }
  if (!bindings.length) throw new Error('setClause: nothing to set')
  return { sql, bindings }
}

/** A column's value as the builder's insert stored it: a plain object as its JSON text. */
function insertValue(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return JSON.stringify(v)
  return v
}

/**
 * Inserts rows in statements of at most `chunkSize` rows each. The columns are every key of
 * any row; a row without one (or with it undefined) gets DEFAULT on PostgreSQL and NULL on
 * SQLite, as knex's insert gave. Not knex's batchInsert (a 1 ms timer and a savepoint per call):
 * the caller's transaction makes the chunks atomic.
 */
export async function insertRows(db: SqlDb, table: string, rows: readonly object[], chunkSize = 200): Promise<void> {
  if (!rows.length) return
  const missing = isPostgres(db) ? 'DEFAULT' : 'NULL'
  for (let i = 0; i < rows.length; i += chunkSize) {
    const chunk = rows.slice(i, i + chunkSize) as readonly Record<string, unknown>[]
    const columns: string[] = []
    const seen = new Set<string>()
    for (const row of chunk) {
      for (const key in row) {
        if (!seen.has(key)) {
          seen.add(key)
          columns.push(key)
        }
      }
    }
    const bindings: unknown[] = []
    let values = ''
    for (let r = 0; r < chunk.length; r++) {
      const row = chunk[r]
      values += r ? ', (' : '('
      for (let c = 0; c < columns.length; c++) {
        if (c) values += ', '
        const v = row[columns[c]]
        if (v === undefined) values += missing
        else {
          values += '?'
          bindings.push(insertValue(v))
        }
      }
      values += ')'
    }
    await db.raw(`insert into ${quoteId(table)} (${columns.map(quoteId).join(', ')}) values ${values}`, bindings as Knex.RawBinding[])
  }
}
