/**
 * src/lib/db.ts's inSlices on the database under test: a list longer than one statement may bind
 * (SQLite 32,766 parameters, PostgreSQL 65,535) is read and written in slices, with every row.
 */
import t from 'tap'
import { inSlices, MAX_BOUND_LIST } from '../../src/lib/db.js'
import { openTestDb } from '../helper.js'

// Past both databases' limits on bound parameters in one statement.
const N = 70_000

t.test('a whereIn list longer than one statement may bind is read in slices', async (t) => {
  const { db } = await openTestDb(t)
  t.teardown(() => db.destroy())
  await db.schema.createTable('slice_probe', (table) => {
    table.string('id').primary()
    table.integer('n')
  })
  const ids = Array.from({ length: N }, (_, i) => `id-${i}`)
  // Written through inSlices too: one insert of 70,000 rows would bind 140,000 values.
  await inSlices(ids, async (slice) => {
    await db('slice_probe').insert(slice.map((id) => ({ id, n: Number(id.slice(3)) })))
  })
  const [{ count }] = await db('slice_probe').count({ count: '*' })
  t.equal(Number(count), N, 'every row written')

  // Every other id, plus names that match nothing.
  const wanted = [...ids.filter((_, i) => i % 2 === 0), 'missing-1', 'missing-2']
  const sizes: number[] = []
  const rows = await inSlices(wanted, (slice) => {
    sizes.push(slice.length)
    return db('slice_probe').whereIn('id', slice).select<{ id: string; n: number }[]>('id', 'n')
  })
  t.equal(rows.length, N / 2, 'each wanted row once')
  t.equal(
    rows.reduce((sum, r) => sum + Number(r.n), 0),
    // 0 + 2 + … + 69,998: the even numbers below N.
    ((N / 2) * (N - 2)) / 2,
    'the right rows',
  )
  t.ok(Math.max(...sizes) <= MAX_BOUND_LIST, 'no slice over the limit')
  t.equal(
    sizes.reduce((a, b) => a + b, 0),
    wanted.length,
    'every value asked once',
  )
})

t.test('an empty list asks nothing', async (t) => {
  let calls = 0
  t.same(
    await inSlices([], async () => {
      calls++
      return [1]
    }),
    [],
  )
  t.equal(calls, 0)
})
