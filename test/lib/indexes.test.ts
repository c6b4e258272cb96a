/**
 * Every index is written with every row its table gets: an intake writes one WAL page per index
 * it touches (issue 13), so an index that repeats another's columns costs a write per step and
 * answers nothing the other does not. Migration 025 dropped the one such copy, `cases (source,
 * external_id)`, which repeated the unique index migration 005 added; this keeps it so.
 */
import t from 'tap'
import { onPostgres, openTestDb } from '../helper.js'

t.test('no index repeats another index of its table (the same columns, in order, with the same operator classes)', async (t) => {
  const { db } = await openTestDb(t)
  t.teardown(() => db.destroy())
  const seen = new Map<string, string>()
  const repeats: string[] = []
  let count = 0
  const check = (table: string, name: string, key: string) => {
    count++
    const other = seen.get(`${table} ${key}`)
    if (other) repeats.push(`${table}: ${name} repeats ${other} (${key})`)
    else seen.set(`${table} ${key}`, name)
  }
  if (onPostgres) {
    const rows: { tbl: string; name: string; cols: string; ops: string }[] = (
      await db.raw(`
        SELECT c.relname AS tbl, i.relname AS name, x.indkey::text AS cols, x.indclass::text AS ops
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND x.indexprs IS NULL AND x.indpred IS NULL`)
    ).rows
    for (const r of rows) check(r.tbl, r.name, `${r.cols} / ${r.ops}`)
  } else {
    const tables: { name: string }[] = await db.raw(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
    for (const { name: table } of tables) {
      const list: { name: string; partial: number }[] = await db.raw(`SELECT name, partial FROM pragma_index_list(?)`, [table])
      for (const index of list) {
        if (index.partial) continue
        const cols: { cid: number; name: string | null; coll: string; desc: number; key: number }[] = await db.raw(
          `SELECT cid, name, coll, desc, key FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno`,
          [index.name],
        )
        if (cols.some((c) => c.name === null)) continue // an expression: compared by no column list
        check(table, index.name, cols.map((c) => `${c.name} ${c.coll}${c.desc ? ' desc' : ''}`).join(', '))
      }
    }
  }
  t.ok(count > 50, `the check saw the schema's indexes (${count})`)
  t.same(repeats, [], 'no index repeats another')
})

t.test('cases carries no index that no query reads: (tenant, month) and (overdue, status) are gone (migration 026)', async (t) => {
  const { db } = await openTestDb(t)
  t.teardown(() => db.destroy())
  const names: string[] = onPostgres
    ? (await db.raw(`SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'cases'`)).rows.map(
        (r: { name: string }) => r.name,
      )
    : (await db.raw(`SELECT name FROM pragma_index_list('cases')`)).map((r: { name: string }) => r.name)
  t.ok(names.includes('cases_month_region_path_index'), `the list is the table's (${names.length} indexes)`)
  t.notOk(names.includes('cases_tenant_month_index'), 'no (tenant, month): no query filters cases by county and month')
  t.notOk(names.includes('cases_overdue_status_index'), 'no (overdue, status): the overdue filter is an OR it cannot answer')
})
