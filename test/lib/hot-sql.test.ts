/**
 * The hot path's SQL helpers (src/lib/hot-sql.ts) on the database under test: affected counts,
 * multi-row inserts, set lists, and rows stored exactly as knex's query builder stored them.
 */
import t from 'tap'
import type { Test } from 'tap'
import { insertRows, marks, setClause, sqlFirst, sqlRows, sqlRun } from '../../src/lib/hot-sql.js'
import { onPostgres, openTestDb } from '../helper.js'

async function probeDb(t: Test) {
  const { db } = await openTestDb(t)
  t.teardown(() => db.destroy())
  await db.schema.createTable('hot_probe', (table) => {
    table.string('id').primary()
    table.integer('n')
    table.boolean('flag')
    table.json('data')
    table.text('note').defaultTo('fallback')
    table.string('at')
    table.integer('revision').notNullable().defaultTo(1)
  })
  return db
}

const rowsOf = (rows: Record<string, unknown>[]) => rows.map(({ id: _id, ...rest }) => rest)

t.test('marks and setClause', async (t) => {
  t.equal(marks(0), '')
  t.equal(marks(1), '?')
  t.equal(marks(3), '?, ?, ?')
  t.same(setClause({ a: 1, b: undefined, c: null, 'we"ird': 'x' }), { sql: '"a" = ?, "c" = ?, "we""ird" = ?', bindings: [1, null, 'x'] })
  t.throws(() => setClause({ a: undefined }), /nothing to set/)
})

t.test('insertRows stores what the builder stored: booleans, JSON objects, nulls, missing columns', async (t) => {
  const db = await probeDb(t)
  const rows = [
    { n: 1, flag: true, data: JSON.stringify({ a: [1, 2], b: '引号"' }), at: '2026-01-01T00:00:00.000Z' },
    { n: 2, flag: false, data: JSON.stringify({ c: null }), note: null },
    { n: 3, flag: undefined, data: null, note: 'own' },
  ]
  await db('hot_probe').insert(rows.map((r, i) => ({ id: `b${i}`, ...r })))
  await insertRows(
    db,
    'hot_probe',
    rows.map((r, i) => ({ id: `r${i}`, ...r })),
  )
  const built = await db('hot_probe').where('id', 'like', 'b%').orderBy('id')
  const raw = await db('hot_probe').where('id', 'like', 'r%').orderBy('id')
  t.equal(raw.length, 3)
  t.same(rowsOf(raw), rowsOf(built), 'the same stored values as the query builder wrote')
  // A single row without a column gets the column's default on both databases.
  await db('hot_probe').insert({ id: 'b9', n: 9 })
  await insertRows(db, 'hot_probe', [{ id: 'r9', n: 9 }])
  t.same(rowsOf(await db('hot_probe').whereIn('id', ['r9'])), rowsOf(await db('hot_probe').whereIn('id', ['b9'])))
  t.equal((await sqlFirst<{ note: string }>(db, 'select "note" from "hot_probe" where "id" = ?', ['r9']))!.note, 'fallback')
  // A plain object: its JSON text, as the builder's single-row insert stored it.
  await db('hot_probe').insert({ id: 'b8', data: { k: ['v', 1] } })
  await insertRows(db, 'hot_probe', [{ id: 'r8', data: { k: ['v', 1] } }])
  t.same(rowsOf(await db('hot_probe').whereIn('id', ['r8'])), rowsOf(await db('hot_probe').whereIn('id', ['b8'])))
  const back = await sqlFirst<{ data: unknown }>(db, 'select "data" from "hot_probe" where "id" = ?', ['r0'])
  const data = typeof back!.data === 'string' ? JSON.parse(back!.data) : back!.data
  t.same(data, { a: [1, 2], b: '引号"' }, 'JSON round trip')
})

t.test('insertRows in chunks, and many rows in one statement', async (t) => {
  const db = await probeDb(t)
  const statements: string[] = []
  const listen = (q: { sql: string }) => statements.push(q.sql)
  db.on('query', listen)
  await insertRows(
    db,
    'hot_probe',
    Array.from({ length: 5 }, (_, i) => ({ id: `x${i}`, n: i })),
    2,
  )
  db.off('query', listen)
  t.equal(statements.length, 3, '5 rows in chunks of 2: 3 statements')
  t.match(statements[0], /^insert into "hot_probe" \("id", "n"\) values \((\?|\$1), (\?|\$2)\), \((\?|\$3), (\?|\$4)\)$/)
  t.same(
    (await sqlRows<{ n: number }>(db, 'select "n" from "hot_probe" order by "n"')).map((r) => Number(r.n)),
    [0, 1, 2, 3, 4],
  )
  await insertRows(db, 'hot_probe', [])
})

t.test('sqlRun gives the affected rows; a conflicting revision update affects none', async (t) => {
  const db = await probeDb(t)
  await insertRows(db, 'hot_probe', [
    { id: 'a', n: 1, revision: 1 },
    { id: 'b', n: 1, revision: 1 },
    { id: 'c', n: 2, revision: 1 },
  ])
  t.equal(await sqlRun(db, 'update "hot_probe" set "flag" = ? where "n" = ?', [true, 1]), 2)
  t.equal(await sqlRun(db, `update "hot_probe" set "flag" = ? where "id" in (${marks(3)})`, [false, 'a', 'c', 'zz']), 2)
  const set = setClause({ n: 5, revision: 2 })
  t.equal(await sqlRun(db, `update "hot_probe" set ${set.sql} where "id" = ? and "revision" = ?`, [...set.bindings, 'a', 1]), 1, 'the expected revision')
  t.equal(
    await sqlRun(db, `update "hot_probe" set ${set.sql} where "id" = ? and "revision" = ?`, [...set.bindings, 'a', 1]),
    0,
    'a revision already moved on: 0 rows',
  )
  t.equal(await sqlRun(db, 'delete from "hot_probe" where "id" = ?', ['b']), 1)
  t.equal(await sqlRun(db, 'delete from "hot_probe" where "id" = ?', ['b']), 0)
  t.equal(await sqlRun(db, 'insert into "hot_probe" ("id") values (?)', ['d']), 1)
  const flags = await sqlRows<{ id: string; flag: unknown }>(db, 'select "id", "flag" from "hot_probe" order by "id"')
  const built = await db('hot_probe').select('id', 'flag').orderBy('id')
  t.same(flags, built, 'rows read raw are the rows the builder reads')
  t.same(
    flags.map((r) => r.flag),
    onPostgres ? [false, false, null] : [0, 0, null],
  )
})

t.test('returning rows, inside a transaction that rolls back', async (t) => {
  const db = await probeDb(t)
  await insertRows(db, 'hot_probe', [{ id: 'a', n: 1 }])
  await db
    .transaction(async (trx) => {
      const rows = await sqlRows<{ n: number }>(trx, 'update "hot_probe" set "n" = "n" + 1 where "id" = ? returning "n"', ['a'])
      t.same(
        rows.map((r) => Number(r.n)),
        [2],
      )
      t.equal(Number((await sqlFirst<{ n: number }>(trx, 'select "n" from "hot_probe" where "id" = ?', ['a']))!.n), 2)
      throw new Error('roll back')
    })
    .catch(() => {})
  t.equal(Number((await sqlFirst<{ n: number }>(db, 'select "n" from "hot_probe" where "id" = ?', ['a']))!.n), 1, 'rolled back with the transaction')
  t.equal(await sqlFirst(db, 'select "n" from "hot_probe" where "id" = ?', ['none']), undefined)
})
