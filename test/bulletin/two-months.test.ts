import t from 'tap'
import { mock } from 'node:test'
import ExcelJS from 'exceljs'
import type { FastifyInstance } from 'fastify'
import { build } from '../helper.js'
import { sheetRows } from './fixtures.js'

/**
 * Two months of 香河县 (March and April 2024) played through the real API with the clock set
 * to each moment: petitions, sign-for, handling, returns and their review, an exclusion, a
 * manual supervision order, citizen evaluations (one in the next month, two never given), and
 * the bulletin of each month and its export, checked against points worked out by hand below.
 *
 * Units: townships 安平镇 (xh-anping) and 淑阳镇 (xh-shuyang); departments 县城管局
 * (xianghe-urban, street lights by rule) and 县住建局 (xianghe-housing, housing by rule). Limits
 * (the demo routing rules): respond within 1 day, finish within 7 days; evaluation period 5 days.
 *
 * Default items: respondedInTime +1, responseOverdue −1, closedOnTime +1, resolvedOverdue −2,
 * returned 0, returnRejected −1, satisfied +1, dissatisfied −1, unresolved −1,
 * dissatisfiedAfterRehandle −3, notEvaluated 0, supervisionOrder −1, supervisionReplyLate −2,
 * atOrBelowTownship +1 (townships), excluded 0.
 */

const at = (iso: string) => mock.timers.setTime(Date.parse(iso))

async function api(app: FastifyInstance, user: string | null, method: string, url: string, payload?: unknown) {
  // A fresh token at the current (mocked) time: a token from a week earlier has expired.
  const headers: Record<string, string> = {}
  if (user) {
    const row = await app.db('users').where({ username: user }).first('id')
    headers.authorization = `Bearer ${await app.org.issueToken(row.id)}`
  }
  const res = await app.inject({ method: method as any, url, headers, ...(payload !== undefined && { payload: payload as any }) })
  if (res.statusCode >= 300) throw new Error(`${method} ${url} as ${user}: ${res.statusCode} ${res.body}`)
  return String(res.headers['content-type'] ?? '').includes('json') ? res.json() : res
}

t.test('two months, two townships, two departments: the bulletin and its export give the points worked out by hand', async (t) => {
  const app = await build(t)
  mock.timers.enable({ apis: ['Date'], now: Date.parse('2024-03-01T00:00:00Z') })
  t.teardown(() => mock.timers.reset())

  const petition = async (region: string, category: string, description: string) => {
    const p = await api(app, null, 'POST', '/api/public/petitions', {
      description,
      category,
      regionCode: region,
      petitioner: { type: 'person', anonymous: true },
    })
    const list = await api(app, 'admin', 'GET', `/api/cases?q=${p.caseNo}`)
    return { ...p, id: list.items.find((c: any) => c.caseNo === p.caseNo).id as string }
  }
  const task = async (caseId: string, elementId: string) => {
    const list = await api(app, 'admin', 'GET', `/api/tasks?caseId=${caseId}&assigned=all`)
    const found = list.items.find((x: any) => x.elementId === elementId)
    if (!found) throw new Error(`no open ${elementId} on ${caseId}: ${JSON.stringify(list.items.map((x: any) => x.elementId))}`)
    return found
  }
  const step = async (caseId: string, elementId: string, user: string, data: Record<string, unknown>) =>
    api(app, user, 'POST', `/api/tasks/${(await task(caseId, elementId)).id}/complete`, { data })
  const returnTask = async (caseId: string, elementId: string, user: string, reason: string) =>
    api(app, user, 'POST', `/api/tasks/${(await task(caseId, elementId)).id}/return`, { reason })
  const evaluate = async (p: { caseNo: string; trackingCode: string }, resolved: boolean, satisfaction: string) =>
    api(app, null, 'POST', `/api/public/track/${p.caseNo}/evaluation`, { code: p.trackingCode, resolved, satisfaction })
  const caseOf = (id: string) => api(app, 'admin', 'GET', `/api/cases/${id}`)

  // ── March ──────────────────────────────────────────────────────────────────────
  // P1 安平 street light → 城管局: signed in time, finished in time, satisfied.
  //    +1 responded, +1 on time, +1 satisfied = +3 for 安平镇 and 城管局 (finished at county
  //    level: not "at or below township").
  at('2024-03-04T02:00:00Z')
  const p1 = await petition('xh-anping-v01-g1', 'roads.lighting', '路灯不亮 P1')
  t.equal((await caseOf(p1.id)).ownerUnit, 'xianghe-urban')
  at('2024-03-04T05:00:00Z')
  await step(p1.id, 'ut_signfor', 'urban-officer', { signOutcome: 'accept' })
  at('2024-03-08T02:00:00Z')
  await step(p1.id, 'ut_handle', 'urban-officer', { outcome: 'resolved', result: '已更换灯具' })
  at('2024-03-09T02:00:00Z')
  await evaluate(p1, true, 'satisfied')

  // P2 安平 housing → 住建局: returned at sign-for, the return rejected (the deadline stays), signed
  //    late (03-06 08:00 > 03-06 02:00), finished in time, evaluated unresolved + dissatisfied,
  //    re-handled (new deadline 03-18 02:00), finished late (03-20), dissatisfied again.
  //    Case: −1 response, −2 overdue (the re-handling round is late), −1 dissatisfied,
  //    −1 unresolved, −3 dissatisfied after re-handling = −8 (安平镇, 住建局);
  //    住建局 also: returned 1 (0), rejected 1 (−1) → −9.
  at('2024-03-05T02:00:00Z')
  const p2 = await petition('xh-anping-v01-g1', 'housing.property', '楼道瓷砖脱落 P2')
  t.equal((await caseOf(p2.id)).ownerUnit, 'xianghe-housing')
  at('2024-03-05T04:00:00Z')
  await returnTask(p2.id, 'ut_signfor', 'housing-officer', '属于物业公司')
  at('2024-03-05T06:00:00Z')
  await step(p2.id, 'ut_dispatch', 'anping-dispatcher', { returnDecision: 'reject', returnDecisionReason: '公共部位属住建局监管' })
  at('2024-03-06T08:00:00Z')
  await step(p2.id, 'ut_signfor', 'housing-officer', { signOutcome: 'accept' })
  at('2024-03-10T02:00:00Z')
  await step(p2.id, 'ut_handle', 'housing-officer', { outcome: 'resolved', result: '已督促物业修复' })
  at('2024-03-11T02:00:00Z')
  await evaluate(p2, false, 'dissatisfied')
  t.equal((await caseOf(p2.id)).status, 'in_progress', 'dissatisfied: handled again')
  at('2024-03-20T02:00:00Z')
  await step(p2.id, 'ut_handle', 'housing-officer', { outcome: 'resolved', result: '已重新铺设' })
  at('2024-03-21T02:00:00Z')
  await evaluate(p2, false, 'dissatisfied')
  t.equal((await caseOf(p2.id)).status, 'closed')

  // P3 淑阳 street light → 城管局, which returns it; the dispatcher accepts and sends it to 住建局
  //    (a fresh response limit), signed and finished in time, never evaluated (closed when the
  //    evaluation period ran out). +1 responded, +1 on time, 0 not evaluated = +2 for 淑阳镇 and
  //    住建局 (now its department); 城管局: returned 1, accepted: 0.
  at('2024-03-10T02:00:00Z')
  const p3 = await petition('xh-shuyang-v01-g1', 'roads.lighting', '路灯不亮 P3')
  t.equal((await caseOf(p3.id)).ownerUnit, 'xianghe-urban')
  at('2024-03-10T03:00:00Z')
  await returnTask(p3.id, 'ut_signfor', 'urban-officer', '灯在小区内，属住建')
  at('2024-03-10T04:00:00Z')
  await step(p3.id, 'ut_dispatch', 'shuyang-dispatcher', { returnDecision: 'accept', targetUnit: 'xianghe-housing', dispatchNote: '转住建局' })
  at('2024-03-10T08:00:00Z')
  await step(p3.id, 'ut_signfor', 'housing-officer', { signOutcome: 'accept' })
  at('2024-03-15T02:00:00Z')
  await step(p3.id, 'ut_handle', 'housing-officer', { outcome: 'resolved', result: '已修复' })

  // P5 安平 street light → 城管局, excluded (a duplicate of P1: asked by 城管局, approved by the
  //    county supervisor), then left alone. 0 whatever else: excluded 1 for 安平镇 and 城管局.
  at('2024-03-15T02:00:00Z')
  const p5 = await petition('xh-anping-v01-g1', 'roads.lighting', '路灯不亮 P5（同 P1）')
  at('2024-03-15T04:00:00Z')
  const ex = await api(app, 'urban-officer', 'POST', `/api/cases/${p5.id}/exclusions`, {
    reasonCode: 'duplicate',
    reason: `与 ${p1.caseNo} 为同一路灯`,
    evidence: [p1.caseNo],
  })
  at('2024-03-16T02:00:00Z')
  await api(app, 'xianghe-supervisor', 'POST', `/api/exclusions/${ex.id}/decision`, { approve: true })
  t.ok((await app.db('cases').where({ id: p5.id }).first('excluded_at')).excluded_at, 'P5 is excluded')

  // P3's evaluation period (5 days from 03-15) runs out.
  t.ok((await app.engine.poller.poll(new Date('2024-03-21T03:00:00Z'))) >= 1)
  t.equal((await caseOf(p3.id)).status, 'closed')

  // P4 淑阳 housing → 住建局, received 03-25: a supervision order on 03-28 (reply by 03-30),
  //    replied 04-01 (late); signed 04-02 (late), finished 04-05 (due 04-01: late), evaluated
  //    resolved + satisfied on 04-06 — in April, but P4 is March's case (the cohort rule).
  //    Case: −1 response, −2 overdue, +1 satisfied = −2 (淑阳镇, 住建局);
  //    住建局 also (March, when the order was issued): −1 order, −2 late reply → −5.
  at('2024-03-25T02:00:00Z')
  const p4 = await petition('xh-shuyang-v01-g1', 'housing.property', '外墙渗水 P4')
  at('2024-03-28T02:00:00Z')
  const order4 = await api(app, 'xianghe-supervisor', 'POST', `/api/cases/${p4.id}/supervision-orders`, {
    message: '请尽快签收',
    replyDue: '2024-03-30T02:00:00Z',
  })
  at('2024-04-01T02:00:00Z')
  await api(app, 'housing-officer', 'POST', `/api/supervision-orders/${order4.id}/reply`, { reply: '人手不足，明日签收' })
  at('2024-04-02T02:00:00Z')
  await step(p4.id, 'ut_signfor', 'housing-officer', { signOutcome: 'accept' })
  at('2024-04-05T02:00:00Z')
  await step(p4.id, 'ut_handle', 'housing-officer', { outcome: 'resolved', result: '已修补外墙' })
  at('2024-04-06T02:00:00Z')
  await evaluate(p4, true, 'satisfied')

  // ── April ──────────────────────────────────────────────────────────────────────
  // P6 安平 garbage → 安平村委会 (village level; no department): in time throughout, basically
  //    satisfied, resolved at village level. +1 +1 +1 +1 (at or below township) = +4 for 安平镇.
  at('2024-04-03T02:00:00Z')
  const p6 = await petition('xh-anping-v01-g1', 'environment.garbage', '垃圾堆放 P6')
  t.equal((await caseOf(p6.id)).ownerUnit, 'xh-anping-v01')
  at('2024-04-03T05:00:00Z')
  await step(p6.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
  at('2024-04-04T02:00:00Z')
  await step(p6.id, 'ut_handle', 'anping-v01', { outcome: 'resolved', result: '已清运' })
  at('2024-04-05T02:00:00Z')
  await evaluate(p6, true, 'basically_satisfied')

  // P7 淑阳 street light → 城管局: signed in time, a supervision order on 04-16 (reply by
  //    04-18, replied 04-17: in time), finished 04-20 (due 04-15: late), never evaluated.
  //    Case: +1 responded, −2 overdue, 0 not evaluated = −1 (淑阳镇, 城管局); 城管局 −1 order → −2.
  at('2024-04-08T02:00:00Z')
  const p7 = await petition('xh-shuyang-v01-g1', 'roads.lighting', '路灯闪烁 P7')
  at('2024-04-08T06:00:00Z')
  await step(p7.id, 'ut_signfor', 'urban-officer', { signOutcome: 'accept' })
  at('2024-04-16T02:00:00Z')
  const order7 = await api(app, 'supervisor', 'POST', `/api/cases/${p7.id}/supervision-orders`, { message: '已超期，请说明', replyDue: '2024-04-18T02:00:00Z' })
  at('2024-04-17T02:00:00Z')
  await api(app, 'urban-officer', 'POST', `/api/supervision-orders/${order7.id}/reply`, { reply: '等待配件' })
  at('2024-04-20T02:00:00Z')
  await step(p7.id, 'ut_handle', 'urban-officer', { outcome: 'resolved', result: '已更换线路' })
  t.ok((await app.engine.poller.poll(new Date('2024-04-26T03:00:00Z'))) >= 1)
  t.ok((await caseOf(p7.id)).evaluationExpiredAt, 'P7 closed as not evaluated')

  // P8 安平 housing → 住建局: returned twice at sign-for, both returns rejected (the deadline
  //    stays 04-11 02:00), signed late (04-12), finished in time (04-13 ≤ 04-17), satisfied.
  //    Case: −1 response, +1 on time, +1 satisfied = +1 (安平镇); 住建局: +1, 2 rejected (−2) → −1.
  at('2024-04-10T02:00:00Z')
  const p8 = await petition('xh-anping-v01-g1', 'housing.property', '电梯停运 P8')
  at('2024-04-10T03:00:00Z')
  await returnTask(p8.id, 'ut_signfor', 'housing-officer', '属于特种设备监管')
  at('2024-04-10T04:00:00Z')
  await step(p8.id, 'ut_dispatch', 'anping-dispatcher', { returnDecision: 'reject', returnDecisionReason: '住宅电梯由住建局协调' })
  at('2024-04-11T00:00:00Z')
  await returnTask(p8.id, 'ut_signfor', 'housing-officer', '仍非本局职责')
  at('2024-04-11T01:00:00Z')
  await step(p8.id, 'ut_dispatch', 'anping-dispatcher', { returnDecision: 'reject', returnDecisionReason: '请签收' })
  at('2024-04-12T02:00:00Z')
  await step(p8.id, 'ut_signfor', 'housing-officer', { signOutcome: 'accept' })
  at('2024-04-13T02:00:00Z')
  await step(p8.id, 'ut_handle', 'housing-officer', { outcome: 'resolved', result: '已协调维保单位' })
  at('2024-04-14T02:00:00Z')
  await evaluate(p8, true, 'satisfied')

  // ── The bulletins (in May) ─────────────────────────────────────────────────────────
  at('2024-05-06T02:00:00Z')
  const points = (b: any, list: 'townships' | 'departments') => Object.fromEntries(b[list].map((u: any) => [u.key, u.points]))
  const item = (b: any, list: 'townships' | 'departments', key: string, code: string) =>
    b[list].find((u: any) => u.key === key).items.find((i: any) => i.code === code)

  const march = await api(app, 'xianghe-leader', 'GET', '/api/bulletins/2024-03')
  // 安平镇: P1 +3, P2 −8, P5 0 = −5. 淑阳镇: P3 +2, P4 −2 = 0. 蒋辛屯镇: nothing, 0.
  t.same(points(march, 'townships'), { 'xh-shuyang': 0, 'xh-jiangxintun': 0, 'xh-anping': -5 })
  // 城管局: P1 +3, P3's accepted return 0, P5 excluded 0 = 3. 住建局: P2 −9, P3 +2, P4 −5 = −12.
  t.same(points(march, 'departments'), { 'xianghe-urban': 3, 'xianghe-housing': -12 })
  t.same(
    march.townships.map((u: any) => [u.key, u.rank]),
    [
      ['xh-shuyang', 1],
      ['xh-jiangxintun', 1],
      ['xh-anping', 3],
    ],
    '淑阳 ahead of 蒋辛屯 on cases received, sharing rank 1',
  )
  t.same(item(march, 'departments', 'xianghe-housing', 'returnRejected'), { code: 'returnRejected', count: 1, points: -1 })
  t.same(item(march, 'departments', 'xianghe-urban', 'returned'), { code: 'returned', count: 1, points: 0 })
  t.same(item(march, 'departments', 'xianghe-housing', 'supervisionReplyLate'), { code: 'supervisionReplyLate', count: 1, points: -2 })
  t.same(item(march, 'townships', 'xh-anping', 'excluded'), { code: 'excluded', count: 1, points: 0 })
  t.same(item(march, 'townships', 'xh-anping', 'dissatisfiedAfterRehandle'), { code: 'dissatisfiedAfterRehandle', count: 1, points: -3 })
  t.same(item(march, 'townships', 'xh-shuyang', 'notEvaluated'), { code: 'notEvaluated', count: 1, points: 0 })
  t.same(item(march, 'townships', 'xh-shuyang', 'satisfied'), { code: 'satisfied', count: 1, points: 1 }, 'P4’s April evaluation counts for March')
  // Rates (excluded left out): 安平镇 P1, P2: responded in time 1 of 2; evaluated 2, resolved 1,
  // satisfied 1. 淑阳镇 P3, P4: responded 1 of 2; evaluated 1 (P4), satisfied 1; P3 not evaluated.
  const anpingM = march.townships.find((u: any) => u.key === 'xh-anping')
  t.match(anpingM, { received: 3, excluded: 1 })
  t.match(anpingM.rates, { received: 3, excluded: 1, assessed: 2, responseRate: 0.5, resolutionRate: 0.5, satisfactionRate: 0.5 })
  t.match(march.townships.find((u: any) => u.key === 'xh-shuyang').rates, {
    received: 2,
    responseRate: 0.5,
    resolutionRate: 1,
    satisfactionRate: 1,
    notEvaluated: 1,
  })

  const april = await api(app, 'xianghe-leader', 'GET', '/api/bulletins/2024-04')
  // 安平镇: P6 +4, P8 +1 = 5. 淑阳镇: P7 −1. 城管局: P7 −1, order −1 = −2. 住建局: P8 −1.
  t.same(points(april, 'townships'), { 'xh-anping': 5, 'xh-jiangxintun': 0, 'xh-shuyang': -1 })
  t.same(points(april, 'departments'), { 'xianghe-housing': -1, 'xianghe-urban': -2 })
  t.same(item(april, 'departments', 'xianghe-housing', 'returnRejected'), { code: 'returnRejected', count: 2, points: -2 })
  t.same(item(april, 'townships', 'xh-anping', 'atOrBelowTownship'), { code: 'atOrBelowTownship', count: 1, points: 1 })
  t.same(item(april, 'departments', 'xianghe-urban', 'supervisionReplyLate'), { code: 'supervisionReplyLate', count: 0, points: 0 })
  t.notOk(
    april.departments.some((u: any) => u.key === 'xh-anping-v01'),
    'a village committee is not a department',
  )

  // The click-through behind 住建局's March penalties.
  const behind = await api(app, 'xianghe-leader', 'GET', '/api/bulletins/2024-03/cases?kind=department&unit=xianghe-housing&item=resolvedOverdue')
  t.same(behind.items.map((c: any) => c.caseNo).sort(), [p2.caseNo, p4.caseNo].sort())

  // The export gives the same points.
  for (const [month, b] of [
    ['2024-03', march],
    ['2024-04', april],
  ] as const) {
    const res = await api(app, 'xianghe-leader', 'GET', `/api/bulletins/${month}.xlsx`)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(res.rawPayload)
    const towns = Object.fromEntries(sheetRows(wb.getWorksheet('乡镇排名')!).map((r) => [r['代码'], r['总分']]))
    const depts = Object.fromEntries(sheetRows(wb.getWorksheet('部门排名')!).map((r) => [r['代码'], r['总分']]))
    t.same(towns, points(b, 'townships'), `${month} townships in the xlsx`)
    t.same(depts, points(b, 'departments'), `${month} departments in the xlsx`)
    // The penalty sheet adds up to the negative items of the bulletin.
    const pen = sheetRows(wb.getWorksheet('扣分案件')!).reduce((a, r) => a + r['扣分'], 0)
    const neg = [...b.townships, ...b.departments].flatMap((u: any) => u.items).reduce((a: number, i: any) => a + (i.points < 0 ? i.points : 0), 0)
    t.equal(pen, neg, `${month} penalty lines`)
  }
})
