import t from 'tap'
import { build } from '../helper.js'
import { call } from '../api.js'
import { generateCases } from '../../bench/generate.js'
import { TOTAL_CAP } from '../../src/lib/cursor.js'

const count = async (q: any) => Number((await q.count({ n: '*' }).first()).n)

// Regression: every case search counted all its matches (1M cases: "overdue" 380 ms, a
// county user's list 1.9 s, of which the page itself took 1–2 ms).
t.test('case search counts exactly up to the cap and says "at least" past it', async (t) => {
  const app = await build(t)
  await generateCases(app.db, TOTAL_CAP + 300)
  const all = (await call(app, 'admin', 'GET', '/api/cases?limit=50')).body
  t.equal(all.items.length, 50)
  t.notOk('total' in all, 'no exact total past the cap')
  t.equal(all.totalAtLeast, TOTAL_CAP + 1)
  const next = (await call(app, 'admin', 'GET', `/api/cases?limit=50&cursor=${all.next}`)).body
  t.notOk('total' in next || 'totalAtLeast' in next, 'a later page is not counted again')
  t.notOk(
    next.items.some((i: any) => all.items.some((j: any) => j.id === i.id)),
    'and does not repeat the first',
  )

  // Narrow filters are exact, and the range forms match what LIKE matched.
  const cat = (await app.db('cases').whereNotNull('category').first('category')).category as string
  const parent = cat.split('.')[0]
  const byCat = (await call(app, 'admin', 'GET', `/api/cases?category=${parent}&status=received`)).body
  t.equal(
    byCat.total,
    await count(
      app
        .db('cases')
        .where('status', 'received')
        .where((w) => w.where('category', parent).orWhere('category', 'like', `${parent}.%`)),
    ),
    'category subtree',
  )
  const region = await app.db('regions').where({ code: 'xh-anping' }).first('path')
  const byRegion = (await call(app, 'admin', 'GET', '/api/cases?region=xh-anping')).body
  t.equal(byRegion.total, await count(app.db('cases').where('region_path', 'like', `${region.path}%`)), 'region subtree')
  t.ok(byRegion.total > 0, 'the region has some')
  t.ok(byRegion.items.every((i: any) => i.regionCode.startsWith('xh-anping')))
})

t.test('a case number, whole or its start, is found through the index', async (t) => {
  const app = await build(t)
  await generateCases(app.db, 300)
  const row = await app.db('cases').orderBy('case_no', 'desc').first('case_no', 'id')
  const one = (await call(app, 'dispatcher', 'GET', `/api/cases?q=${row.case_no}`)).body
  t.same(
    one.items.map((i: any) => i.id),
    [row.id],
  )
  t.equal(one.total, 1)
  t.equal((await call(app, 'dispatcher', 'GET', `/api/cases?q=${row.case_no.toLowerCase()}`)).body.total, 1, 'read out in lower case')
  const day = row.case_no.split('-')[0]
  const sameDay = (await call(app, 'dispatcher', 'GET', `/api/cases?q=${day}`)).body
  t.equal(sameDay.total, await count(app.db('cases').where('case_no', 'like', `${day}-%`)), 'a day’s numbers')
  t.equal((await call(app, 'dispatcher', 'GET', '/api/cases?q=XH19990101-0001')).body.total, 0, 'no such number')
  // Words still search the text.
  const words = (await call(app, 'dispatcher', 'GET', `/api/cases?q=${encodeURIComponent('请尽快处理')}&limit=5`)).body
  t.equal(words.items.length, 5)
})

// Regression: `q` was LIKE '%…%' over a million rows (1.3 s); it is now a trigram index.
t.test('text search finds any part of title, description or number, in any case, however short', async (t) => {
  const app = await build(t)
  const file = async (description: string) => {
    const r = await call(app, 'dispatcher', 'POST', '/api/cases', {
      channel: 'hotline',
      description,
      category: 'environment.pollution',
      regionCode: 'xh-anping-v01-g1',
      petitioner: { type: 'person', anonymous: true },
    })
    t.equal(r.status, 201, r.body?.message)
    return r.body
  }
  const a = await file('小区东门排水管道堵塞，污水外溢 (Block 7, "Sunny" Garden)')
  const b = await file('楼上装修噪音扰民，晚上十点后仍在施工')
  await generateCases(app.db, 200)
  const ids = async (q: string) => (await call(app, 'dispatcher', 'GET', `/api/cases?q=${encodeURIComponent(q)}&limit=200`)).body.items.map((i: any) => i.id)
  t.same(await ids('排水管道'), [a.id], 'four characters, mid-text')
  t.same(await ids('污水外溢'), [a.id])
  t.same(await ids('噪音扰'), [b.id], 'three characters: the index')
  t.same(await ids('十点'), [b.id], 'two characters: a scan')
  t.same(await ids('block 7'), [a.id], 'case-insensitive')
  t.same(await ids('"Sunny"'), [a.id], 'quotes are text, not query syntax')
  t.same(await ids('50% off'), [], 'LIKE wildcards are text')
  t.same(await ids(a.caseNo.slice(-6)), [a.id], 'part of a case number')
  t.same(await ids('停车难停车难'), [])
  // The generated cases came in after the index was made: the trigger indexed them too.
  const gen = await app.db('cases').where({ source: 'bench' }).orderBy('created_at', 'desc').first('id', 'title')
  t.ok((await ids(gen.title)).includes(gen.id), 'cases inserted later are indexed in their own transaction')
})

// Regression: PostgreSQL searched title, description and number joined by spaces, so a query
// spanning a title's end and a description's start matched there and not on SQLite; and a short
// query with non-ASCII cased letters ("жк") missed "ЖК" on SQLite only (its LIKE folds ASCII).
t.test('a query matched across the title and the description on PostgreSQL, and short Cyrillic ignored case on SQLite only', async (t) => {
  const app = await build(t)
  const file = async (title: string, description: string) => {
    const r = await call(app, 'dispatcher', 'POST', '/api/cases', {
      channel: 'hotline',
      title,
      description,
      category: 'environment.pollution',
      regionCode: 'xh-anping-v01-g1',
      petitioner: { type: 'person', anonymous: true },
    })
    t.equal(r.status, 201, r.body?.message)
    return r.body
  }
  const a = await file('东门排水堵塞', '请尽快疏通 ЖК Élan')
  const b = await file('噪音扰民', '施工到深夜')
  const ids = async (q: string) => (await call(app, 'dispatcher', 'GET', `/api/cases?q=${encodeURIComponent(q)}&limit=50`)).body.items.map((i: any) => i.id)
  t.same(await ids('堵塞 请'), [], 'a title’s end and a description’s start are not one text')
  t.same(await ids('扰民 施工'), [])
  t.same(await ids('堵塞'), [a.id], 'the title alone still matches')
  t.same(await ids('请尽快'), [a.id], 'and the description alone')
  t.same(await ids('жк'), [a.id], 'two Cyrillic letters, any case (a scan)')
  t.same(await ids('éLAN'), [a.id], 'four accented letters, any case (the index)')
  t.same(await ids('é'), [a.id], 'one accented letter')
  t.same(await ids('Жк É'), [a.id], 'mixed, five characters')
  t.same(await ids('施工'), [b.id], 'Chinese, two characters, unchanged')
})
