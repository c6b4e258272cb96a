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
  // An expression index has no column list to compare.
  for (const { table, name, signature } of (await indexKeys(db)).filter((k) => !k.expression)) {
    count++
    const other = seen.get(`${table} ${signature}`)
    if (other) repeats.push(`${table}: ${name} repeats ${other} (${signature})`)
    else seen.set(`${table} ${signature}`, name)
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
  t.ok(names.includes('cases_metrics_cover_index'), `the list is the table's (${names.length} indexes)`)
  t.notOk(names.includes('cases_tenant_month_index'), 'no (tenant, month): no query filters cases by county and month')
  t.notOk(names.includes('cases_overdue_status_index'), 'no (overdue, status): the overdue filter is an OR it cannot answer')
})

/**
 * An index whose key columns lead another index of its table answers nothing the longer one does
 * not (the same seek on its leading columns, the same order), yet is written with every row.
 * Column names only: a PostgreSQL operator class does not make a copy useful (a LIKE 'prefix%'
 * filter reads the text_pattern_ops index and an equality reads either), except where a query
 * needs the default class that a pattern index lacks, listed here with the reason.
 */
const PREFIX_EXCEPTIONS: Record<string, string> = {
  // The unique constraint on the case number (default operator class, which the uniqueness check
  // and `case_no = ?` use) and the case-number search `case_no LIKE 'prefix%'`, which on
  // PostgreSQL only a text_pattern_ops index answers (migration 007).
  'cases: cases_case_no_pattern_index (case_no) leads cases_case_no_unique (case_no)': 'pg',
}

interface IndexKey {
  table: string
  name: string
  /** Key column names in order (an expression stands for itself alone); no operator class. */
  cols: string[]
  /** Every column in order with its operator class (PostgreSQL) or collation and order (SQLite): equal for two indexes that repeat each other. */
  signature: string
  expression: boolean
}

async function indexKeys(db: Awaited<ReturnType<typeof openTestDb>>['db']): Promise<IndexKey[]> {
  const out: IndexKey[] = []
  if (onPostgres) {
    // Key columns only (not a covering index's INCLUDE columns); an expression is a column of
    // its own that matches nothing; partial indexes serve only their predicate and are left out.
    const rows: { tbl: string; name: string; signature: string; expression: boolean; cols: string[] }[] = (
      await db.raw(`
        SELECT c.relname AS tbl, i.relname AS name, x.indkey::text || ' / ' || x.indclass::text AS signature,
          x.indexprs IS NOT NULL AS expression,
          array(
            SELECT CASE WHEN k.attnum = 0 THEN '(expression ' || k.ord || ')' ELSE a.attname::text END
            FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
            LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
            WHERE k.ord <= x.indnkeyatts
            ORDER BY k.ord
          )::text[] AS cols
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND x.indpred IS NULL`)
    ).rows
    for (const r of rows)
      out.push({
        table: r.tbl,
        name: r.name,
        signature: r.signature,
        expression: r.expression,
        cols: r.cols.map((c) => (c.startsWith('(expression') ? `${c} of ${r.name}` : c)),
      })
  } else {
    const tables: { name: string }[] = await db.raw(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
    for (const { name: table } of tables) {
      const list: { name: string; partial: number }[] = await db.raw(`SELECT name, partial FROM pragma_index_list(?)`, [table])
      for (const index of list) {
        if (index.partial) continue
        const cols: { seqno: number; name: string | null; coll: string; desc: number }[] = await db.raw(
          `SELECT seqno, name, coll, desc FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno`,
          [index.name],
        )
        out.push({
          table,
          name: index.name,
          signature: cols.map((c) => `${c.name} ${c.coll}${c.desc ? ' desc' : ''}`).join(', '),
          expression: cols.some((c) => c.name === null),
          cols: cols.map((c) =>
            c.name === null ? `(expression ${c.seqno} of ${index.name})` : `${c.name}${c.coll === 'BINARY' ? '' : ` ${c.coll}`}${c.desc ? ' desc' : ''}`,
          ),
        })
      }
    }
  }
  return out
}

t.test('no index is a leading prefix of another index of its table (migration 029)', async (t) => {
  const { db } = await openTestDb(t)
  t.teardown(() => db.destroy())
  const keys = await indexKeys(db)
  const leads: string[] = []
  for (const a of keys)
    for (const b of keys) {
      if (a === b || a.table !== b.table || a.cols.length > b.cols.length) continue
      if (a.cols.length === b.cols.length && a.name > b.name) continue // the same columns: said once
      if (a.cols.every((c, i) => b.cols[i] === c)) leads.push(`${a.table}: ${a.name} (${a.cols.join(', ')}) leads ${b.name} (${b.cols.join(', ')})`)
    }
  const db0 = onPostgres ? 'pg' : 'sqlite'
  t.ok(keys.length > 50, `the check saw the schema's indexes (${keys.length})`)
  t.same(
    leads.filter((l) => PREFIX_EXCEPTIONS[l] !== db0),
    [],
    'no index leads another, but for the listed exceptions',
  )
  // An exception that no longer holds is taken out of the list.
  for (const [l, on] of Object.entries(PREFIX_EXCEPTIONS)) if (on === db0) t.ok(leads.includes(l), `still an exception: ${l}`)
})

t.test('migration 029 dropped the indexes another covers or no query reads, and kept those the queries need', async (t) => {
  const { db } = await openTestDb(t)
  t.teardown(() => db.destroy())
  const names = new Set((await indexKeys(db)).map((k) => `${k.table}.${k.name}`))
  t.ok(names.has('cases.cases_metrics_cover_index'), `the list is the schema's (${names.size} indexes)`)
  const gone = ['cases.cases_month_region_path_index', 'bulletin_publications.bulletin_publications_tenant_month_index']
  // The plain (region_path, created_at) and (category, month) serve SQLite's byte-range prefix
  // filters; PostgreSQL's LIKE 'prefix%' reads the text_pattern_ops pair instead.
  const pgOnly = ['cases.cases_region_path_created_at_index', 'cases.cases_category_month_index']
  for (const n of gone) t.notOk(names.has(n), `no ${n}`)
  for (const n of pgOnly) t.equal(names.has(n), !onPostgres, `${n}: ${onPostgres ? 'dropped on PostgreSQL' : 'kept on SQLite'}`)
  if (onPostgres) for (const n of ['cases.cases_region_path_pattern_index', 'cases.cases_category_pattern_index']) t.ok(names.has(n), `${n} kept`)
  // The admin's overdue count reads (status, due_at); the candidate task list (kind, value, task_id);
  // PostgreSQL's bell and notification list, a person's reads (user_id), which no key leads.
  for (const n of [
    'tasks.tasks_status_due_at_index',
    'task_candidates.task_candidates_kind_value_task_id_index',
    'notification_reads.notification_reads_user_id_index',
  ])
    t.ok(names.has(n), `${n} kept`)
})
