import type { Knex } from 'knex'

/**
 * `cases.township_path`, the township subtree of a case's region path (townshipPath() in
 * src/cases/similar.ts), and an index `(township_path, created_at)` for the intake's neighbour
 * read (src/cases/clusters.ts readShared; the duplicate candidates and the cluster neighbours
 * read the same way). Filtered by the months of its window and the township's path range, that
 * read used `(month, region_path)` and then sorted every case of the township in the window to
 * keep the newest 500 (a temporary B-tree per intake, growing with the township); at 100k cases
 * SQLite walked `(created_at, id)`, the whole county's window. By one township and a
 * creation-time range, SQLite walks this index backwards in the order asked for and stops at
 * the limit, and PostgreSQL scans it backwards. Native SQLite CPU per read (`CLOCK=cpu M=300
 * bench/sql-native.ts`, four runs each, alternating): 1.9–2.3 → 1.3–1.7 ms; at 100k generated
 * cases (18k in the township) 4.6 → 1.1 ms, the same 278 rows.
 *
 * Upgrading a million cases (bench/bigdata.ts's, 4 Dec): 6.6 s on SQLite (a VIRTUAL column
 * costs nothing to add; the index is built); 39 s on PostgreSQL, which rewrites the table to
 * store the column, holding it locked meanwhile — a deployment that size upgrades in a quiet hour.
 *
 * A generated column: the database derives it from `region_path`, so none of the places that
 * insert cases (intake, the demo history, bench/generate.ts, test fixtures) can leave it out or
 * get it wrong. SQLite adds only VIRTUAL columns by ALTER TABLE (computed when read; the index
 * keeps its own copy); PostgreSQL has only STORED ones.
 *
 * On SQLite, knex's alterations that rebuild a table (setNullable, dropNullable, `.alter()`,
 * dropForeign…) copy its rows by `SELECT *`, which includes the generated column, and fail on
 * `cases` from here on ("has 50 columns but 51 values"); adding a column or an index does not
 * rebuild. A later migration that must rebuild `cases` drops this column and index first and
 * adds them back after.
 *
 * Region paths start with '/' and end with '/' ('/langfang/xianghe/xh-anping/xh-anping-v01/');
 * for such a path both expressions give what townshipPath() gives: its first three segments,
 * or the path itself when it has three or fewer (test/cases/township-column.test.ts).
 */
export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') {
    await knex.raw(`ALTER TABLE cases ADD COLUMN township_path TEXT GENERATED ALWAYS AS (${PG_TOWNSHIP}) STORED`)
  } else {
    await knex.raw(`ALTER TABLE cases ADD COLUMN township_path TEXT GENERATED ALWAYS AS (${SQLITE_TOWNSHIP}) VIRTUAL`)
  }
  await knex.raw('CREATE INDEX cases_township_created_at_index ON cases (township_path, created_at)')
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX cases_township_created_at_index')
  await knex.raw('ALTER TABLE cases DROP COLUMN township_path')
}

/** The path up to its third segment's closing '/', or all of it when there is none. */
const PG_TOWNSHIP = `coalesce(substring(region_path from '^/[^/]+/[^/]+/[^/]+/'), region_path)`

/**
 * SQLite has no regular expressions: the '/' after each of the first three segments found in
 * turn, each in what follows the one before. With no third '/' (three segments or fewer, no
 * closing '/') the path is its own township; `i3 > 0` implies the first two were found too.
 */
const SQLITE_TOWNSHIP = (() => {
  const r1 = `substr(region_path, 2)`
  const i1 = `instr(${r1}, '/')`
  const r2 = `substr(${r1}, ${i1} + 1)`
  const i2 = `instr(${r2}, '/')`
  const r3 = `substr(${r2}, ${i2} + 1)`
  const i3 = `instr(${r3}, '/')`
  return `CASE WHEN ${i3} > 0 THEN substr(region_path, 1, 1 + ${i1} + ${i2} + ${i3}) ELSE region_path END`
})()
