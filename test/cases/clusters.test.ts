/**
 * 共性问题: the 五百户镇 story (../shared/seeds) — household rubbish dumped around a nursery,
 * reported again and again in other words, until the nursery burned. The reports form one
 * recurring problem; a supervisor turns it into one root-cause case (举一反三) handled jointly
 * and linked to every report.
 */
import t from 'tap'
import { build, onPostgres } from '../helper.js'
import { call, petition } from '../api.js'
import { testClock } from '../clock.js'
import { CATCH_UP_MS } from '../../src/cases/clusters.js'

const anon = { type: 'person', anonymous: true }
const g1 = 'xh-anping-v01-g1'
const g2 = 'xh-anping-v01-g2'
const reports = [
  { title: '苗圃周边有人倾倒垃圾', description: '我家苗圃周边长期被人倾倒大量生活垃圾，多次反映没人管，担心起火', regionCode: g1 },
  { description: '村西苗圃旁边又有人倒生活垃圾，越堆越多，希望尽快清理', regionCode: g1 },
  { title: '苗圃旁垃圾堆放', description: '苗圃边上的生活垃圾堆成山了，一直没人清运，天干物燥容易着火', regionCode: g2 },
  { description: '村里有人往苗圃周边倾倒垃圾，已经反映好几次了还是没人管', regionCode: g2 },
].map((r) => ({ ...r, category: 'environment.garbage', petitioner: anon }))
// Another matter in the same village, and the first report's words in another township.
const lamp = {
  title: '村口路灯不亮',
  description: '安平村村口的路灯连续三个晚上都不亮，晚上走路很危险',
  category: 'roads.lighting',
  regionCode: g1,
  petitioner: anon,
}
const elsewhere = { ...reports[0], regionCode: 'xh-shuyang-v01-g1' }

t.test('reports of one problem form a cluster; a supervisor makes it one root-cause case linked to every report', async (t) => {
  const app = await build(t)
  const filed = []
  for (const r of reports) filed.push(await petition(app, r))
  await petition(app, lamp)
  await petition(app, elsewhere)
  const month = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 7)

  const list = await call(app, 'leader', 'GET', `/api/clusters?month=${month}`)
  t.equal(list.status, 200, JSON.stringify(list.body))
  // By hand (src/cases/similar.ts): report 2 is most like 1 (same grid), 3 like 2, 4 like 1 (same
  // village): one cluster of four. The lamp is another matter, the Shuyang report another township.
  t.equal(list.body.items.length, 1)
  const cl = list.body.items[0]
  t.match(cl, {
    size: 4,
    count: 4,
    previousCount: 0,
    trend: 'new',
    candidate: true,
    category: 'environment.garbage',
    regionCode: 'xh-anping',
    rootCaseId: null,
  })
  // The dashboard read "垃圾堆放 / Garbage dumping" in either language: the names come apart too.
  t.same(cl.categoryNames, { name: '垃圾堆放', nameEn: 'Garbage dumping' })
  t.equal(cl.categoryName, '垃圾堆放 / Garbage dumping', 'the bilingual text outside clients read stays')
  t.match(cl, { regionName: '安平镇', regionNameEn: String })
  t.same(cl.months[cl.months.length - 1], { month, count: 4 })
  t.equal(cl.months.length, 6)
  const members = await call(app, 'leader', 'GET', `/api/clusters/${cl.id}/cases`)
  t.same(
    members.body.map((m: any) => m.caseNo),
    filed.map((f) => f.caseNo),
    'the four reports, oldest first',
  )

  // Scope: leaders and supervisors in their area.
  t.equal((await call(app, 'grid01', 'GET', '/api/clusters')).status, 403, 'a grid worker may not list them')
  t.same((await call(app, 'guangyang-leader', 'GET', `/api/clusters?month=${month}`)).body.items, [], 'another county sees none')
  t.equal((await call(app, 'xianghe-leader', 'GET', `/api/clusters?month=${month}`)).body.items.length, 1)
  t.equal((await call(app, 'xianghe-leader', 'GET', '/api/clusters?region=gy-xinyuan')).status, 403, 'a region outside the area')
  t.equal((await call(app, 'leader', 'GET', '/api/clusters?region=nowhere')).status, 400)
  t.equal((await call(app, 'leader', 'GET', '/api/clusters?month=2026-13')).status, 400)
  t.equal((await call(app, 'guangyang-leader', 'GET', `/api/clusters/${cl.id}/cases`)).status, 404)

  // 举一反三
  t.equal((await call(app, 'leader', 'POST', `/api/clusters/${cl.id}/root-case`, {})).status, 403, 'a supervisor decides')
  t.equal((await call(app, 'supervisor', 'POST', '/api/clusters/no-such/root-case', {})).status, 404)
  const root = await call(app, 'supervisor', 'POST', `/api/clusters/${cl.id}/root-case`, { note: '每月一题' })
  t.equal(root.status, 201, JSON.stringify(root.body))
  t.equal(root.body.procedure, 'joint', 'handled by the joint procedure')
  t.equal(root.body.regionCode, 'xh-anping')
  t.equal(root.body.category, 'environment.garbage')
  t.ok(root.body.activeTasks.length >= 1, 'the joint procedure started')
  t.equal((await call(app, 'supervisor', 'POST', `/api/clusters/${cl.id}/root-case`, {})).status, 409, 'one root-cause case per cluster')

  for (const f of filed) {
    const id = members.body.find((m: any) => m.caseNo === f.caseNo).id
    const hist = (await call(app, 'admin', 'GET', `/api/cases/${id}/history`)).body
    const link = hist.find((h: any) => h.type === 'root_case_linked')
    t.same(link?.data, { clusterId: cl.id, rootCaseId: root.body.id, rootCaseNo: root.body.caseNo }, `${f.caseNo} is linked to the root case`)
  }
  const rootHist = (await call(app, 'admin', 'GET', `/api/cases/${root.body.id}/history`)).body
  // `count` is the number event.cluster_root's sentence names.
  t.same(rootHist.find((h: any) => h.type === 'cluster_root').data, {
    clusterId: cl.id,
    members: filed.map((f) => f.caseNo),
    count: filed.length,
    note: '每月一题',
  })
  // The citizen of a report sees that the problem is handled at the root.
  const tr = await app.inject({ method: 'GET', url: `/api/public/track/${filed[0].caseNo}`, headers: { 'x-tracking-code': filed[0].trackingCode } })
  t.ok(tr.json().timeline.some((e: any) => e.type === 'root_case_linked'))

  const after = await call(app, 'leader', 'GET', `/api/clusters?month=${month}`)
  t.match(
    after.body.items[0],
    { id: cl.id, count: 4, rootCaseId: root.body.id, rootCaseNo: root.body.caseNo },
    'the root case is not counted as one more report',
  )
})

t.test('a placing that fails inside the intake fails only itself: the case is registered, answered and placed later', async (t) => {
  const app = await build(t)
  const first = await call(app, 'dispatcher', 'POST', '/api/cases', { ...reports[0], channel: 'hotline' })
  t.equal(first.status, 201)
  // Placing the second report starts a cluster with the first: refuse the cluster's insert, as
  // a database error in the middle of placing would. (On PostgreSQL an error aborts the whole
  // transaction but for a savepoint: this checks that the intake's survives it.)
  const refuse = onPostgres
    ? [
        `create function refuse_cluster() returns trigger as $$ begin raise exception 'placing refused'; end $$ language plpgsql`,
        'create trigger refuse_cluster before insert on case_clusters for each row execute function refuse_cluster()',
      ]
    : [`create trigger refuse_cluster before insert on case_clusters begin select raise(abort, 'placing refused'); end`]
  for (const sql of refuse) await app.db.raw(sql)
  const second = await call(app, 'dispatcher', 'POST', '/api/cases', { ...reports[1], channel: 'hotline' })
  t.equal(second.status, 201, JSON.stringify(second.body))
  t.equal(second.body.clusterId, null, 'not placed')
  t.same(
    second.body.similar.map((s: any) => s.caseNo),
    [first.body.caseNo],
    'the suggestions come from the placing read, before the refused insert',
  )
  t.same(
    second.body.activeTasks.map((x: any) => x.elementId),
    ['ut_signfor'],
    'its procedure started',
  )
  const row = await app.db('cases').where({ id: second.body.id }).first('clustered_at', 'cluster_id', 'instance_id')
  t.match(row, { clustered_at: null, cluster_id: null }, 'left for a later placing')
  t.ok(row.instance_id, 'the intake committed whole')
  t.equal(Number((await app.db('case_clusters').count({ n: '*' }).first())?.n), 0, 'no cluster half made')
  const { similar: _similar, ...receipt } = second.body
  t.same(receipt, (await call(app, 'dispatcher', 'GET', `/api/cases/${second.body.id}`)).body, 'the answer is the case as read afterwards')

  await app.db.raw('drop trigger refuse_cluster' + (onPostgres ? ' on case_clusters' : ''))
  const month = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 7)
  const list = await call(app, 'leader', 'GET', `/api/clusters?month=${month}`)
  t.match(list.body.items, [{ size: 2 }], 'the next listing places it with the first')
  const placed = await app.db('cases').whereIn('id', [first.body.id, second.body.id]).select('cluster_id')
  t.equal(new Set(placed.map((p) => p.cluster_id)).size, 1, 'one cluster')
  t.ok(placed[0].cluster_id)
})

t.test('an intake looks for cases left unplaced at most every CATCH_UP_MS, and at once when its own case was left', async (t) => {
  const clock = testClock(t)
  const app = await build(t)
  const report = (i: number) => call(app, 'dispatcher', 'POST', '/api/cases', { ...reports[i], channel: 'hotline' })
  const first = await report(0)
  t.equal(first.status, 201)
  t.ok((await app.db('cases').where({ id: first.body.id }).first('clustered_at')).clustered_at, 'placed by its intake')
  // Left unplaced, as a case registered past the API or a failed placing on another node is.
  await app.db('cases').where({ id: first.body.id }).update({ clustered_at: null })
  const placedAt = async () => (await app.db('cases').where({ id: first.body.id }).first('clustered_at')).clustered_at as string | null
  t.equal((await report(1)).status, 201)
  t.equal(await placedAt(), null, 'an intake soon after the last look does not look again')
  clock.advance(CATCH_UP_MS + 1)
  const third = await report(2)
  t.equal(third.status, 201)
  t.ok(await placedAt(), 'the first intake after CATCH_UP_MS places it')
  t.equal(third.body.clusterId === null, false, 'and the intake placed its own case too')
})
