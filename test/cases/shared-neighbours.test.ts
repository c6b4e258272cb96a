/**
 * An intake reads its township once for both its clustering and its similar suggestions
 * (clusters.ts readShared). What it suggests and which cluster it joins must be what the two
 * reads of their own gave: both worked out here in JS over every case of the township, with
 * each one's window, conditions and cap, in a township with more cases than the shared read
 * takes (so it is cut, and each tops its rows up with its own query).
 */
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { build } from '../helper.js'
import { call } from '../api.js'
import { isSuggested, prepare, rank, similarity, type Comparable } from '../../src/cases/similar.js'

const DAY = 86400e3
const anon = { type: 'person', anonymous: true }
const grid = 'xh-anping-v01-g1'
const exact = { title: '小区垃圾无人清理', description: '楼下垃圾堆放一周无人清理，气味很大', category: 'environment.garbage' }
const near = { title: '小区垃圾没人清理', description: '楼下垃圾堆了好几天没人清理', category: 'environment.garbage' }
const other = { title: '村口路灯不亮', description: '安平村村口的路灯连续三个晚上都不亮', category: 'roads.lighting' }

type Row = Comparable & {
  case_no: string
  status: string
  closed_at: string | null
  duplicate_of: string | null
  clustered_at: string | null
  cluster_id: string | null
}

t.test('the suggestions and the cluster of an intake are those of the township ranked whole, each within its own window and cap', async (t) => {
  const app = await build(t)
  const first = await call(app, 'dispatcher', 'POST', '/api/cases', { channel: 'hotline', ...other, regionCode: grid, petitioner: anon })
  t.equal(first.status, 201, first.status === 201 ? 'a first case' : JSON.stringify(first.body))
  // Without township_path: the database derives it (migration 028) and refuses to be given it.
  const { township_path: _derived, ...template } = await app.db('cases').where({ id: first.body.id }).first()

  // Fixtures written directly (hundreds of intakes would take minutes): copies of that case
  // at other times and in other states, all in its grid, so each passes the SQL place filter
  // and the caps count every one of them.
  const now = Date.now()
  const iso = (ms: number) => new Date(ms).toISOString()
  const month = (ms: number) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 7)
  const rows: Record<string, unknown>[] = []
  const add = (label: string, createdMs: number, text: typeof exact, extra: Record<string, unknown> = {}) => {
    rows.push({
      ...template,
      id: randomUUID(),
      case_no: label,
      tracking_code: randomUUID().slice(0, 8),
      instance_id: null,
      created_at: iso(createdMs),
      updated_at: iso(createdMs),
      month: month(createdMs),
      clustered_at: iso(createdMs),
      cluster_id: null,
      ...text,
      ...extra,
    })
  }
  // Newest first by the shared read's order: reports dated after the intake (the candidates'
  // window reaches 60 days ahead; not a cluster's), duplicates of the last hours (a cluster's,
  // never suggested), then open reports of the last weeks (both), then reports closed long ago
  // (neither).
  for (let i = 0; i < 250; i++) add(`F${i}`, now + DAY + i * 60e3, near)
  for (let i = 0; i < 250; i++) add(`D${i}`, now - (i + 1) * 60e3, near, { duplicate_of: template.id, status: 'closed', closed_at: iso(now - 60e3) })
  // O0 exact and a cluster's root case: suggested, never a neighbour. O10 exact: the newest
  // neighbour after the 250 duplicates, i.e. within a cluster's 300. O100 exact but beyond
  // those 300, O200 within the candidates' 500, O260 beyond it.
  for (let i = 0; i < 400; i++) add(`O${i}`, now - DAY - i * 60e3, [0, 10, 100, 200, 260].includes(i) ? exact : i % 3 ? near : other)
  for (let i = 0; i < 50; i++) add(`C${i}`, now - 40 * DAY - i * 60e3, exact, { status: 'closed', closed_at: iso(now - 35 * DAY) })
  for (let i = 0; i < rows.length; i += 20) await app.db('cases').insert(rows.slice(i, i + 20))
  const o0 = rows.find((r) => r.case_no === 'O0')!
  await app.db('case_clusters').insert({
    id: randomUUID(),
    tenant: template.tenant || null,
    region_path: '/langfang/xianghe/xh-anping/',
    region_code: 'xh-anping',
    category: exact.category,
    label: exact.title,
    size: 0,
    first_at: o0.created_at,
    last_at: o0.created_at,
    root_case_id: o0.id,
    created_at: iso(now),
  })

  const r = await call(app, 'dispatcher', 'POST', '/api/cases', { channel: 'hotline', ...exact, regionCode: grid, petitioner: anon })
  t.equal(r.status, 201, r.status === 201 ? 'the intake' : JSON.stringify(r.body))

  // Worked out in JS over every case of the township.
  const row = (await app.db('cases').where({ id: r.body.id }).first()) as Row
  const at = Date.parse(row.created_at)
  const all = ((await app.db('cases').whereNot({ id: row.id }).where('region_path', 'like', '/langfang/xianghe/xh-anping/%')) as Row[]).sort((a, b) =>
    a.created_at < b.created_at ? 1 : -1,
  )
  t.ok(all.length > 900, `${all.length} cases in the township: more than the shared read takes`)
  const candidates = all
    .filter((c) => Math.abs(Date.parse(c.created_at) - at) <= 60 * DAY)
    .filter((c) => !c.duplicate_of && (c.status !== 'closed' || Date.parse(c.closed_at!) >= Date.now() - 30 * DAY))
    .slice(0, 500)
  const suggested = rank(row, candidates, 5).map((x) => x.c.case_no)
  t.same(suggested.slice(0, 4), ['O0', 'O10', 'O100', 'O200'], 'the exact reports within the 500 newest candidates come first')
  t.same(
    r.body.similar.map((s: { caseNo: string }) => s.caseNo),
    suggested,
    'the intake suggests them',
  )

  const roots = new Set((await app.db('case_clusters').whereNotNull('root_case_id').select('root_case_id')).map((x) => x.root_case_id))
  const neighbours = all
    .filter((c) => c.created_at <= row.created_at && Date.parse(c.created_at) >= at - 30 * DAY && c.clustered_at && !roots.has(c.id))
    .slice(0, 300)
  const me = prepare(row)
  let best: { c: Row; score: number } | null = null
  for (const c of neighbours) {
    const s = similarity(me, prepare(c))
    if (isSuggested(s) && (!best || s.score > best.score)) best = { c, score: s.score }
  }
  t.equal(best?.c.case_no, 'O10', 'the first of the most similar among the 300 newest neighbours')
  const joined = await app.db('cases').whereIn('id', [row.id, best!.c.id]).select('id', 'cluster_id')
  t.ok(row.cluster_id, 'the intake joined a cluster')
  t.same(
    joined.map((x) => x.cluster_id),
    [row.cluster_id, row.cluster_id],
    'the one of that neighbour',
  )

  const again = await call(app, 'dispatcher', 'GET', `/api/cases/${r.body.id}/similar`)
  t.same(
    again.body.items.map((s: { caseNo: string }) => s.caseNo),
    suggested,
    'GET /api/cases/:id/similar (a read of its own) agrees',
  )

  // A grid worker sees their grid only, not the whole township: their intake's suggestions come
  // from a read of their own, scoped, the same as GET /api/cases/:id/similar gives them.
  const mine = await call(app, 'grid01', 'POST', '/api/cases', { channel: 'hotline', ...exact, regionCode: grid, petitioner: anon })
  t.equal(mine.status, 201, mine.status === 201 ? "the grid worker's intake" : JSON.stringify(mine.body))
  t.ok(mine.body.similar.length > 0, 'something is suggested')
  const theirs = await call(app, 'grid01', 'GET', `/api/cases/${mine.body.id}/similar`)
  t.same(
    mine.body.similar.map((s: { caseNo: string }) => s.caseNo),
    theirs.body.items.map((s: { caseNo: string }) => s.caseNo),
    "the grid worker's intake suggests what their own read does",
  )
})
