/**
 * On SQLite, knex's limits and offsets are written into the SQL text (src/lib/db.ts
 * LiteralLimitsSqlite): a bound LIMIT made SQLite re-prepare the statement on every run. The rows a
 * limited read answers are checked against the whole table sorted here, on both databases.
 */
import t from 'tap'
import { onPostgres, openTestDb } from '../helper.js'

t.test('limit and offset: literal on SQLite, the same rows on both databases', async (t) => {
  const { db } = await openTestDb(t)
  t.teardown(() => db.destroy())
  await db.schema.createTable('limit_probe', (table) => {
    table.integer('n').primary()
  })
  await db('limit_probe').insert([5, 3, 9, 1, 7, 2].map((n) => ({ n })))
  const all = [1, 2, 3, 5, 7, 9]

  const first = db('limit_probe').orderBy('n').first('n')
  const offsetOnly = db('limit_probe').orderBy('n').offset(4).select('n')
  const page = db('limit_probe').orderBy('n').limit(2).offset(1).select('n')
  if (onPostgres) {
    t.match(first.toSQL().sql, /limit \?$/, 'PostgreSQL keeps its parameters')
  } else {
    t.match(first.toSQL().sql, /limit 1$/)
    t.same(first.toSQL().bindings, [])
    t.match(page.toSQL().sql, /limit 2 offset 1$/)
    t.same(page.toSQL().bindings, [])
    t.match(offsetOnly.toSQL().sql, /limit -1 offset 4$/)
  }
  t.same(await first, { n: all[0] })
  // A transaction's client is made from the client class, not the instance: the same text there.
  await db.transaction(async (trx) => {
    const inTrx = trx('limit_probe').orderBy('n', 'desc').first('n')
    if (!onPostgres) t.match(inTrx.toSQL().sql, /limit 1$/, 'literal inside a transaction too')
    t.same(await inTrx, { n: all[all.length - 1] })
  })
  t.same(
    (await page).map((r: { n: number }) => r.n),
    all.slice(1, 3),
  )
  t.same(
    (await offsetOnly).map((r: { n: number }) => r.n),
    all.slice(4),
  )
  // Text as a limit is knex's parseInt before it is anything else: only a number reaches the SQL.
  const fromText = db('limit_probe')
    .orderBy('n')
    .limit('3; drop table limit_probe' as unknown as number)
    .select('n')
  t.same(
    (await fromText).map((r: { n: number }) => r.n),
    all.slice(0, 3),
  )
  t.equal((await db('limit_probe').count({ c: '*' }).first())?.c == 6, true, 'the table is still there')
})
