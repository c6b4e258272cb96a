import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, getCase, openTask, petition, step, waitingAt, streetLight } from '../api.js'
import { projectRoot } from '../../src/lib/paths.js'

/**
 * The shipped procedures branch with conditional flows leaving the tasks; until 3 Dec 2026 they
 * branched through an exclusive gateway after each task. A county's own version is the
 * county's file: one deployed in the old shape must keep running every path the same way.
 * The fixture is the ordinary procedure as shipped before (test/fixtures/ordinary-gateways.bpmn).
 */
const oldOrdinary = fs.readFileSync(path.join(projectRoot(), 'test', 'fixtures', 'ordinary-gateways.bpmn'), 'utf8')

t.test("a county's ordinary version with the old gateways: return, rejected review, handling, a dissatisfied round, closure", async (t) => {
  const app = await build(t)
  const deployed = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: oldOrdinary, tenant: 'xianghe' })
  t.equal(deployed.status, 201, JSON.stringify(deployed.body))

  // Street lights in 安平 (Xianghe) go to the county's urban management by rule.
  const p = await petition(app, streetLight)
  const c = await caseByNo(app, p.caseNo)
  const diagram = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/diagram`)).body
  t.equal(diagram.version, deployed.body.version, "the case runs the county's version")
  t.match(diagram.xml, /id="gw_signfor"/, 'the one with the gateways')
  t.equal(c.ownerUnit, 'xianghe-urban')

  // Returned at sign-for; the review rejects it: back to the same unit's sign-for.
  const sign = await openTask(app, c.id, 'ut_signfor')
  t.equal((await call(app, 'urban-officer', 'POST', `/api/tasks/${sign.id}/return`, { reason: '属于供电公司职责' })).status, 200)
  let now = await getCase(app, c.id)
  t.equal(now.status, 'received')
  t.same(waitingAt(now), ['ut_dispatch'])
  await step(app, c.id, 'ut_dispatch', 'anping-dispatcher', { returnDecision: 'reject', returnDecisionReason: '路灯由城管局负责维护' })
  now = await getCase(app, c.id)
  t.equal(now.ownerUnit, 'xianghe-urban')
  t.same(waitingAt(now), ['ut_signfor'], 'returned at sign-for → back to sign-for')

  // Signed for, handled, evaluated as dissatisfied: one more round, then closed.
  await step(app, c.id, 'ut_signfor', 'urban-officer', { signOutcome: 'accept', firstReply: '已派人查看' })
  now = await getCase(app, c.id)
  t.equal(now.status, 'in_progress')
  t.same(waitingAt(now), ['ut_handle'])
  await step(app, c.id, 'ut_handle', 'urban-officer', { outcome: 'resolved', result: '已更换灯泡' })
  t.equal((await getCase(app, c.id)).status, 'awaiting_evaluation')
  const ev = await call(app, 'callback', 'POST', `/api/cases/${c.id}/evaluation`, { resolved: false, satisfaction: 'dissatisfied' })
  t.equal(ev.status, 200, JSON.stringify(ev.body))
  t.equal(ev.body.status, 'in_progress')
  t.equal(ev.body.activeTasks[0].elementId, 'ut_handle', 'handled again')
  await step(app, c.id, 'ut_handle', 'urban-officer', { outcome: 'resolved', result: '已更换线路' })
  const ev2 = await call(app, 'callback', 'POST', `/api/cases/${c.id}/evaluation`, { resolved: true, satisfaction: 'satisfied' })
  t.equal(ev2.status, 200, JSON.stringify(ev2.body))
  t.equal(ev2.body.status, 'closed')

  const hist = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body
  const types = hist.map((h: { type: string }) => h.type)
  for (const type of ['returned', 'return_rejected', 'signed_for', 'resolved', 'feedback', 'rehandle', 'closed']) {
    t.ok(types.includes(type), `event ${type}`)
  }
  t.equal(types.filter((x: string) => x === 'evaluated').length, 2)
  const instance = (await call(app, 'admin', 'GET', `/api/process-instances/${c.instanceId}`)).body
  t.equal(instance.state, 'completed', 'the instance ended')
})

t.test("a county's ordinary version with the old gateways: a case no rule covers goes to the dispatcher, who must name a unit", async (t) => {
  const app = await build(t)
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: oldOrdinary, tenant: 'xianghe' })).status, 201)
  // No rule covers "other" filed at a village: the dispatcher's task (returns.test.ts, the same case on the shipped shape).
  const p = await petition(app, { description: '其他问题', category: 'other', regionCode: 'xh-anping-v01-g1', petitioner: { type: 'person', anonymous: true } })
  const c = await caseByNo(app, p.caseNo)
  const dispatch = await openTask(app, c.id, 'ut_dispatch')
  if (!dispatch) return t.pass(`routed by rule to ${c.ownerUnit}: no first dispatch to test`, { skip: true })
  t.equal(c.ownerUnit, null)
  const empty = await call(app, 'anping-dispatcher', 'POST', `/api/tasks/${dispatch.id}/complete`, { data: {} })
  t.equal(empty.status, 400, 'a dispatch names a unit (the form requires it)')
  t.equal(empty.body.details[0].field, 'targetUnit')
  await step(app, c.id, 'ut_dispatch', 'anping-dispatcher', { targetUnit: 'xianghe-urban' })
  const now = await getCase(app, c.id)
  t.equal(now.ownerUnit, 'xianghe-urban')
  t.same(waitingAt(now), ['ut_signfor'])
})
