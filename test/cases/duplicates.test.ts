/**
 * 重复件: the suggestion finds the re-report, linking closes the duplicate's procedure, its
 * citizen follows the main case to its result, the rates count the matter once, and linking
 * is refused outside the actor's scope or where it would chain.
 */
import t from 'tap'
import { build } from '../helper.js'
import { call, getCase, petition, step } from '../api.js'

const anon = { type: 'person', anonymous: true }
// A: the original report. D: the same matter re-reported in other words (same grid, same category).
const A = {
  title: '村口路灯不亮',
  description: '安平村村口的路灯连续三个晚上都不亮，晚上走路很危险',
  category: 'roads.lighting',
  regionCode: 'xh-anping-v01-g1',
  petitioner: anon,
}
const D = {
  description: '村口那几盏路灯坏了，好几个晚上不亮，走夜路危险，请尽快修',
  category: 'roads.lighting',
  regionCode: 'xh-anping-v01-g1',
  petitioner: anon,
}
// B: a different matter in the same place. C: the same wording in another township.
const B = {
  title: '村口垃圾堆放',
  description: '安平村村口垃圾堆了一周没人清运，气味很大',
  category: 'environment.garbage',
  regionCode: 'xh-anping-v01-g1',
  petitioner: anon,
}
const C = { ...A, regionCode: 'xh-shuyang-v01-g1' }

const idOf = async (app: any, caseNo: string) => (await call(app, 'admin', 'GET', `/api/cases?q=${caseNo}`)).body.items[0].id
const track = (app: any, p: { caseNo: string; trackingCode: string }) =>
  app.inject({ method: 'GET', url: `/api/public/track/${p.caseNo}`, headers: { 'x-tracking-code': p.trackingCode } }).then((r: any) => r.json())

t.test('the re-report is suggested; linking it makes its citizen follow the main case; the rates count it once', async (t) => {
  const app = await build(t)
  const pa = await petition(app, A)
  const pb = await petition(app, B)
  const pc = await petition(app, C)
  const pd = await petition(app, D)
  const [a, b, c, d] = [await idOf(app, pa.caseNo), await idOf(app, pb.caseNo), await idOf(app, pc.caseNo), await idOf(app, pd.caseNo)]

  const sim = await call(app, 'dispatcher', 'GET', `/api/cases/${d}/similar`)
  t.equal(sim.status, 200)
  t.same(
    sim.body.items.map((x: any) => x.caseNo),
    [pa.caseNo],
    'only A: B is another matter in the same place, C the same words in another township',
  )
  t.equal(sim.body.items[0].place, 1, 'same grid')
  t.equal(sim.body.items[0].categoryMatch, 1)
  t.ok(sim.body.items[0].text >= 0.2, `text similarity ${sim.body.items[0].text}`)

  // The staff intake answers with the same list.
  const staff = await call(app, 'grid01', 'POST', '/api/cases', { ...D, channel: 'grid_report', description: '村口路灯坏了好几个晚上都不亮' })
  t.equal(staff.status, 201)
  t.same(staff.body.similar.map((x: any) => x.caseNo).sort(), [pa.caseNo, pd.caseNo].sort(), 'the registrar sees A and D')
  t.notOk(staff.body.similar.some((x: any) => x.caseNo === pb.caseNo || x.caseNo === pc.caseNo))

  // Rates before linking (Xianghe, this month): A, B, C, D and the staff case = 5 received, 0 closed.
  const month = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 7)
  const rates = async () => (await call(app, 'leader', 'GET', `/api/metrics/rates?from=${month}&to=${month}&region=xianghe`)).body.overall
  t.match(await rates(), { received: 5, closed: 0 })

  const link = await call(app, 'dispatcher', 'POST', `/api/cases/${d}/duplicate-of`, { mainCaseId: a, note: '同一处路灯' })
  t.equal(link.status, 200, JSON.stringify(link.body))
  t.equal(link.body.duplicateOf, a)
  t.equal(link.body.status, 'closed')
  t.same(link.body.activeTasks, [], 'the duplicate’s own procedure ended')
  const inst = await app.db('process_instances').where({ case_id: d }).first('status')
  t.equal(inst.status, 'cancelled')
  const hist = (await call(app, 'admin', 'GET', `/api/cases/${d}/history`)).body
  const ev = hist.find((h: any) => h.type === 'duplicate_linked')
  t.same(ev.data, { mainCaseId: a, mainCaseNo: pa.caseNo, note: '同一处路灯' })
  t.ok((await call(app, 'admin', 'GET', `/api/cases/${a}/history`)).body.some((h: any) => h.type === 'duplicate_added'))

  // Counted once: D leaves received (5 → 4) and its closing is not a closure.
  t.match(await rates(), { received: 4, closed: 0 })

  // The main case is handled; the duplicate's citizen sees its result through their own code.
  await step(app, a, 'ut_signfor', 'urban-officer', { signOutcome: 'accept' })
  await step(app, a, 'ut_handle', 'urban-officer', { outcome: 'resolved', result: '已更换村口三盏路灯灯泡' })
  const tr = await track(app, pd)
  t.equal(tr.caseNo, pd.caseNo)
  t.same(tr.duplicateOf, { caseNo: pa.caseNo })
  t.equal(tr.status, 'awaiting_evaluation', 'the main case’s status')
  t.equal(tr.result, '已更换村口三盏路灯灯泡')
  t.ok(
    tr.timeline.some((e: any) => e.type === 'feedback' && e.caseNo === pa.caseNo),
    'the main case’s feedback in the timeline',
  )
  t.ok(tr.timeline.some((e: any) => e.type === 'duplicate_linked' && e.caseNo === pd.caseNo))
  t.notOk(JSON.stringify(tr).includes(pa.trackingCode), 'never the main case’s code')
  // Notices of D's citizen: its own acceptance, the link, and the main case's result (fan-out).
  t.same(
    tr.notices.map((n: any) => n.kind),
    ['accepted', 'duplicate_linked', 'result'],
  )
  // Told the result, not asked to evaluate it (their own procedure ended at the link).
  t.equal(tr.notices[2].key, 'notice.resultTogether', 'the catalogue sentence without a request to evaluate')
  t.same(tr.notices[2].params, { result: '已更换村口三盏路灯灯泡', caseNo: pd.caseNo, mainCaseNo: pa.caseNo })
  t.equal(
    tr.notices[2].text,
    `您反映的问题 ${pd.caseNo}（与 ${pa.caseNo} 合并办理）已办理：已更换村口三盏路灯灯泡。 / Your petition ${pd.caseNo} (handled together with ${pa.caseNo}) has been handled: 已更换村口三盏路灯灯泡.`,
  )
  t.equal(
    await app
      .db('citizen_notices')
      .where({ case_id: d, kind: 'evaluation_due' })
      .count({ n: '*' })
      .then((r: any) => Number(r[0].n)),
    0,
    'no evaluation reminder for the duplicate',
  )
  // A's own citizen is told too, once.
  t.same(
    (await track(app, pa)).notices.map((n: any) => n.kind),
    ['accepted', 'result'],
  )
  void b
  void c
})

t.test('linking is refused outside scope, across counties, onto a duplicate, and twice', async (t) => {
  const app = await build(t)
  const pa = await petition(app, A)
  const pd = await petition(app, D)
  const pc = await petition(app, C)
  const pe = await petition(app, { ...D, description: '第三次反映村口路灯不亮' })
  const pg = await petition(app, { ...A, regionCode: 'gy-xinyuan' })
  const [a, d, c, e, g] = await Promise.all([pa, pd, pc, pe, pg].map((p) => idOf(app, p.caseNo)))
  const post = (user: string, id: string, mainCaseId: string) => call(app, user, 'POST', `/api/cases/${id}/duplicate-of`, { mainCaseId })

  t.equal((await post('grid01', d, c)).status, 404, 'a grid worker does not see the other township’s case')
  t.equal((await post('grid04', d, c)).status, 404, 'nor the other grid worker this one')
  t.equal((await post('xianghe-admin', d, a)).status, 403, 'a county administrator does not handle cases')
  t.equal((await post('dispatcher', d, 'no-such-case')).status, 404)
  t.equal((await call(app, 'dispatcher', 'POST', `/api/cases/${d}/duplicate-of`, {})).status, 400, 'mainCaseId required')
  t.equal((await post('dispatcher', d, d)).status, 422, 'not itself')
  const cross = await post('dispatcher', g, a)
  t.equal(cross.status, 422, 'not across counties')
  t.match(cross.body.message, /不属于同一县/)
  t.match(
    cross.body,
    { key: 'error.duplicate.otherCounty', details: [{ field: 'mainCaseId', key: 'error.duplicate.otherCounty' }] },
    'a catalogue key, on the answer and on its field',
  )
  t.equal((await call(app, 'guangyang-dispatcher', 'GET', `/api/cases/${a}/similar`)).status, 404, 'similar is scoped like the case')

  t.equal((await post('grid01', d, a)).status, 200, 'the grid worker links within the grid')
  t.equal((await post('dispatcher', d, a)).status, 409, 'already a duplicate')
  t.equal((await post('dispatcher', e, d)).status, 422, 'the main case is itself a duplicate')
  t.equal((await post('dispatcher', a, e)).status, 422, 'A has a duplicate of its own: it cannot become one (no chains, no cycles)')
  t.equal((await post('dispatcher', e, a)).status, 200, 'a second duplicate of the same main case')
  const similarOfA = (await call(app, 'dispatcher', 'GET', `/api/cases/${e}/similar`)).body.items.map((x: any) => x.caseNo)
  t.notOk(similarOfA.includes(pd.caseNo), 'a duplicate is not suggested: its main case is')
  t.equal((await getCase(app, a)).duplicateOf, null)
})
