/**
 * One TableWatch per database (src/lib/write-invalidated.ts, the db plugin's `app.tableWatch`):
 * every module's write-emptied caches (org, intake configuration, engine versions) hang on it, so
 * a statement passes one query listener, not one per module (issue 13); a write to a table still
 * empties only the caches of that table.
 */
import t from 'tap'
import { build } from '../helper.js'
import { call, garbageReport, readsOf } from '../api.js'
import { testClock } from '../clock.js'
import { TableWatch } from '../../src/lib/write-invalidated.js'

/** Every table a module keeps a write-emptied cache of. */
const CACHED = ['users', 'regions', 'categories', 'org_units', 'settings', 'process_definitions', 'process_withdrawals', 'resource_definitions']

t.test('the built app listens to its queries once, for the tables of every module', async (t) => {
  const app = await build(t)
  t.equal(app.db.listenerCount('query'), 1, 'one query listener on the knex instance')
  t.ok(app.tableWatch instanceof TableWatch, 'app.tableWatch')
  t.same([...app.tableWatch.tables()].sort(), [...CACHED].sort(), 'the union of the modules’ tables')
})

t.test('a write to one table empties the caches of that table only', async (t) => {
  const clock = testClock(t)
  const app = await build(t)
  const watch = app.tableWatch
  const reads: Record<string, number> = {}
  const caches = CACHED.map((table) => ({ table, cache: watch.cache<string>([table], { ttlMs: 60_000, max: 10 }) }))
  const both = watch.cache<string>(['users', 'categories'], { ttlMs: 60_000, max: 10 })
  const get = () =>
    Promise.all([
      ...caches.map(({ table, cache }) =>
        cache.get('k', async () => {
          reads[table] = (reads[table] ?? 0) + 1
          return table
        }),
      ),
      both.get('k', async () => {
        reads.both = (reads.both ?? 0) + 1
        return 'both'
      }),
    ])
  // Past the quiet second of any write the start made.
  clock.advance(1100)
  await get()
  await get()
  t.same(reads, Object.fromEntries([...CACHED, 'both'].map((k) => [k, 1])), 'each read once, then kept')

  await app.db('categories').where({ code: 'no-such-category' }).update({ name: 'x' })
  clock.advance(1100)
  await get()
  t.same(
    reads,
    Object.fromEntries([...CACHED, 'both'].map((k) => [k, k === 'categories' || k === 'both' ? 2 : 1])),
    'a write to categories re-reads the caches of categories, and of no other table',
  )

  await app.db.transaction(async (trx) => {
    await trx('process_definitions').where({ id: 'no-such-version' }).del()
  })
  clock.advance(1100)
  await get()
  t.equal(reads.process_definitions, 2, 'a write in a transaction empties its table’s caches')
  t.equal(reads.resource_definitions, 1, 'and not those of the other engine table')
  t.equal(reads.users, 1, 'nor of a domain table')
})

t.test('through the modules’ own caches: a category edit is read again, users and versions are not', async (t) => {
  const clock = testClock(t)
  const app = await build(t)
  const intake = async () => t.equal((await call(app, 'dispatcher', 'POST', '/api/cases', garbageReport)).status, 201)
  await intake()
  clock.advance(1100)
  await intake()
  t.equal(await readsOf(app, ['categories', 'users', 'process_definitions'], intake), 0, 'a warm intake reads none of them')
  await app
    .db('categories')
    .where({ code: garbageReport.category })
    .update({ name: app.db.raw('name') })
  clock.advance(1100)
  // The category and the one above it (environment.garbage under environment): a category is in
  // force only while every category above it is (src/cases/category-tree.ts).
  t.equal(await readsOf(app, ['categories'], intake), 2, 'after a category write the category and its parent are read again')
  t.equal(await readsOf(app, ['users', 'regions', 'process_definitions', 'resource_definitions'], intake), 0, 'users, regions and versions stay kept')
})

t.test('a watch made before its tables matches nothing, then the union of what its caches name', async (t) => {
  const events: ((q: { sql: string }) => void)[] = []
  const db = { on: (_: string, l: (q: { sql: string }) => void) => events.push(l), off: () => {} } as never
  let now = 10_000
  const watch = new TableWatch(db, [], () => now)
  const emit = (sql: string) => events.forEach((l) => l({ sql }))
  emit('insert into "users" (id) values (?)')
  emit('')
  const a = watch.cache<number>(['users'], { ttlMs: 60_000, max: 10 })
  const b = watch.cache<number>(['users_archive'], { ttlMs: 60_000, max: 10 })
  t.throws(() => watch.cache(['users; drop'], { ttlMs: 1, max: 1 }), /not a table name/)
  let n = 0
  await a.get('k', async () => ++n)
  await b.get('k', async () => ++n)
  t.equal(n, 2)
  emit('update `users_archive` set x = 1')
  now += 1100
  t.equal(await a.get('k', async () => ++n), 1, 'users kept: users_archive is another table')
  t.equal(await b.get('k', async () => ++n), 3, 'users_archive read again')
  t.equal(events.length, 1, 'one listener')
})
