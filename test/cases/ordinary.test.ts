import t from 'tap'
import { build } from '../helper.js'
import { testClock } from '../clock.js'
import { call, caseByNo, getCase, openTask, petition, step, streetLight } from '../api.js'

t.test('ordinary: public petition → rule dispatch → sign for → handle → feedback → citizen evaluation → closed', async (t) => {
  const app = await build(t)
  const defs = await call(app, 'admin', 'GET', '/api/process-definitions')
  t.same(defs.body.map((d: any) => d.key).sort(), ['escalation', 'joint', 'one_case_one_plan', 'ordinary'], 'the four procedures are deployed')

  const cats = await call(app, null, 'GET', '/api/public/categories')
  t.equal(cats.status, 200)
  t.ok(cats.body.find((c: any) => c.code === 'utilities').children.length >= 4)

  const p = await petition(app, {
    title: '小区垃圾无人清理',
    description: '楼下垃圾堆放一周无人清理',
    category: 'environment.garbage',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', name: '张凤霞', phone: '13800000000', anonymous: false },
  })
  t.match(p.caseNo, /^XH\d{8}-\d{4}$/)
  t.match(p.trackingCode, /^[A-HJKMNP-Z2-9]{8}$/)

  const c = await caseByNo(app, p.caseNo)
  t.equal(c.status, 'dispatched')
  t.equal(c.procedure, 'ordinary')
  t.equal(c.ownerUnit, 'xh-anping-v01')
  t.equal(c.level, 'village')
  t.equal(c.petitioner.name, '张凤霞')
  t.equal(c.activeTasks.length, 1)
  t.equal(c.activeTasks[0].elementId, 'ut_signfor')

  await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept', firstReply: '已联系物业' })
  t.equal((await getCase(app, c.id)).status, 'in_progress')
  await step(app, c.id, 'ut_handle', 'anping-v01', { outcome: 'resolved', result: '已清运垃圾' })
  const after = await getCase(app, c.id)
  t.equal(after.status, 'awaiting_evaluation')

  const wrong = await call(app, null, 'GET', `/api/public/track/${p.caseNo}?code=WRONG123`)
  t.equal(wrong.status, 404)
  const tr = await call(app, null, 'GET', `/api/public/track/${p.caseNo}?code=${p.trackingCode}`)
  t.equal(tr.status, 200)
  t.equal(tr.body.awaitingEvaluation, true)
  t.notOk(JSON.stringify(tr.body).includes('张凤霞'))

  const ev = await call(app, null, 'POST', `/api/public/track/${p.caseNo}/evaluation`, { code: p.trackingCode, resolved: true, satisfaction: 'satisfied' })
  t.equal(ev.status, 200, JSON.stringify(ev.body))
  t.equal(ev.body.status, 'closed')
  const again = await call(app, null, 'POST', `/api/public/track/${p.caseNo}/evaluation`, { code: p.trackingCode, resolved: true, satisfaction: 'satisfied' })
  t.equal(again.status, 409)
  const closed = await getCase(app, c.id)
  t.equal(closed.resolvedLevel, 'village')
  t.ok(closed.closedAt)
  t.same(closed.evaluation.satisfaction, 'satisfied')
  t.notOk(await openTask(app, c.id, 'ut_evaluate'))
})

t.test('return (退单) goes to the dispatcher, who re-dispatches; sign-for can return too', async (t) => {
  const app = await build(t)
  const p = await petition(app, streetLight)
  const c = await caseByNo(app, p.caseNo)
  t.equal(c.ownerUnit, 'xianghe-urban')
  const sign = await openTask(app, c.id, 'ut_signfor')
  const stranger = await call(app, 'grid01', 'POST', `/api/tasks/${sign.id}/return`, { reason: 'x' })
  t.equal(stranger.status, 404, 'a non-candidate cannot return the task')
  const ret = await call(app, 'urban-officer', 'POST', `/api/tasks/${sign.id}/return`, { reason: '属于供电公司职责' })
  t.equal(ret.status, 200, JSON.stringify(ret.body))
  let now = await getCase(app, c.id)
  t.equal(now.status, 'received')
  t.equal(now.activeTasks[0].elementId, 'ut_dispatch')
  t.same(now.activeTasks[0].candidateGroups, ['dispatcher@xh-anping-centre'])
  const bad = await call(app, 'anping-dispatcher', 'POST', `/api/tasks/${now.activeTasks[0].id}/complete`, { data: { targetUnit: 'no-such-unit' } })
  t.equal(bad.status, 400, 'an unknown unit is refused')
  t.equal(bad.body.details[0].field, 'targetUnit')
  await step(app, c.id, 'ut_dispatch', 'anping-dispatcher', { targetUnit: 'xianghe-water', dispatchNote: '转水务' })
  now = await getCase(app, c.id)
  t.equal(now.status, 'dispatched')
  t.equal(now.ownerUnit, 'xianghe-water')
  t.same(now.activeTasks[0].candidateGroups, ['unit:xianghe-water'])
  await step(app, c.id, 'ut_signfor', 'admin', { signOutcome: 'accept' })
  const handle = await openTask(app, c.id, 'ut_handle')
  const r2 = await call(app, 'admin', 'POST', `/api/tasks/${handle.id}/return`, { reason: '仍非本单位' })
  t.equal(r2.status, 200)
  t.equal((await getCase(app, c.id)).activeTasks[0].elementId, 'ut_dispatch')
  const hist = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body
  t.equal(hist.filter((h: any) => h.type === 'returned').length, 2, 'both returns are in the history')
  const evalTask = await call(app, 'admin', 'POST', `/api/tasks/${(await openTask(app, c.id, 'ut_dispatch')).id}/return`, { reason: 'x' })
  t.equal(evalTask.status, 422, 'a dispatch task cannot be returned')
})

t.test('extension (延期): approved moves the deadline, refused leaves it; a second request while one is pending is 409', async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    description: '楼道瓷砖脱落',
    category: 'housing.property',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', name: '江先生', anonymous: false },
  })
  const c = await caseByNo(app, p.caseNo)
  await step(app, c.id, 'ut_signfor', 'housing-officer', { signOutcome: 'accept' })
  const handle = await openTask(app, c.id, 'ut_handle')
  const due0 = handle.dueAt
  t.equal(due0, (await getCase(app, c.id)).resolveDueAt)
  const ext = await call(app, 'housing-officer', 'POST', `/api/tasks/${handle.id}/extension`, { days: 5, reason: '需等待施工队' })
  t.equal(ext.status, 202, JSON.stringify(ext.body))
  t.ok(ext.body.approvalTaskId)
  const dup = await call(app, 'housing-officer', 'POST', `/api/tasks/${handle.id}/extension`, { days: 5, reason: '再次' })
  t.equal(dup.status, 409)
  const nobody = await call(app, 'grid01', 'POST', `/api/tasks/${handle.id}/extension`, { days: 5, reason: 'x' })
  t.equal(nobody.status, 404)
  const approval = await openTask(app, c.id, 'ut_handle_ext_approve')
  t.same(approval.candidateGroups, ['leader@xh-anping-centre', 'leader@xianghe-centre', 'leader@langfang-centre'])
  const notLeader = await call(app, 'housing-officer', 'POST', `/api/tasks/${approval.id}/complete`, { data: { extensionDecision: 'approve' } })
  t.equal(notLeader.status, 404)
  await step(app, c.id, 'ut_handle_ext_approve', 'anping-leader', { extensionDecision: 'approve', extensionComment: '同意' })
  const moved = await openTask(app, c.id, 'ut_handle')
  t.equal(moved.id, handle.id, 'the same handling task stays open')
  t.equal(new Date(moved.dueAt).getTime() - new Date(due0).getTime(), 5 * 86400e3, 'due date moved by 5 days')
  t.equal((await getCase(app, c.id)).resolveDueAt, moved.dueAt)
  const timer = await app.db('timers').where({ element_id: 'ut_handle_late', status: 'pending' }).first()
  t.equal(timer.due_at, moved.dueAt, 'the overdue timer moved too')
  t.equal(await app.engine.poller.poll(new Date(new Date(due0).getTime() + 3600e3)), 0, 'nothing fires at the old deadline')

  const ext2 = await call(app, 'housing-officer', 'POST', `/api/tasks/${handle.id}/extension`, { days: 3, reason: '材料未到' })
  t.equal(ext2.status, 409, 'one extension per handling round')
  const types = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body.map((h: any) => h.type)
  for (const ty of ['extension_requested', 'extension_approved']) t.ok(types.includes(ty), ty)
})

t.test('extension refused: the deadline stays', async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    description: '供水压力低',
    category: 'utilities.water',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  t.equal(new Date(c.resolveDueAt).getTime() - new Date(c.createdAt).getTime(), 24 * 3600e3, 'utilities: 24 hours')
  await step(app, c.id, 'ut_signfor', 'water-officer', { signOutcome: 'accept' })
  const handle = await openTask(app, c.id, 'ut_handle')
  t.equal((await call(app, 'water-officer', 'POST', `/api/tasks/${handle.id}/extension`, { days: 2, reason: '管道更换' })).status, 202)
  await step(app, c.id, 'ut_handle_ext_approve', 'xianghe-leader', { extensionDecision: 'refuse', extensionComment: '不同意' })
  t.equal((await openTask(app, c.id, 'ut_handle')).dueAt, handle.dueAt, 'refused: the deadline stays')
  t.equal((await getCase(app, c.id)).resolveDueAt, handle.dueAt)
  const types = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body.map((h: any) => h.type)
  t.ok(types.includes('extension_refused'))
  const sign = await app.db('tasks').where({ case_id: c.id, element_id: 'ut_signfor' }).first()
  t.equal(
    (await call(app, 'water-officer', 'POST', `/api/tasks/${sign.id}/extension`, { days: 2, reason: 'x' })).status,
    409,
    'a completed task cannot be extended',
  )
})

t.test('overdue supervision (督办): the timer flags, records and notifies without cancelling the work', async (t) => {
  const app = await build(t)
  const admin = 'admin'
  const rules = (await call(app, admin, 'GET', '/api/routing-rules')).body
  const put = await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', {
    rules: [{ category: 'market.consumer', owner: '@county:urban', level: 'county', responseLimit: 'PT1M', resolveLimit: 'PT5M' }],
  })
  t.equal(put.status, 200, JSON.stringify(put.body))
  t.equal(put.body[0].tenant, 'xianghe')
  t.ok(rules.length > 5)
  const p = await petition(app, {
    description: '买到过期食品',
    category: 'market.consumer',
    regionCode: 'xh-shuyang-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  t.equal(new Date(c.responseDueAt).getTime() - new Date(c.createdAt).getTime(), 60e3, 'the county rule set a one-minute response limit')
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 2 * 60e3)), 1, 'the sign-for timer fires')
  let now = await getCase(app, c.id)
  t.equal(now.overdue, true)
  t.equal(now.activeTasks[0].elementId, 'ut_signfor', 'the sign-for task is still open')
  const sup = await app.db('case_supervisions').where({ case_id: c.id })
  t.equal(sup.length, 1)
  t.equal(sup[0].stage, 'response')
  const notes = (await call(app, 'xianghe-supervisor', 'GET', '/api/notifications')).body
  t.ok(
    notes.some((n: any) => n.caseId === c.id && n.kind === 'supervision'),
    'the county supervisor is told',
  )
  const unitNotes = (await call(app, 'admin', 'GET', '/api/notifications')).body
  t.ok(Array.isArray(unitNotes))
  const overdueList = (await call(app, 'xianghe-dispatcher', 'GET', '/api/cases?overdue=true')).body
  t.ok(
    overdueList.items.some((i: any) => i.id === c.id),
    'listed as overdue',
  )
  const diag = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/diagram`)).body
  t.match(diag.xml, /bpmndi:BPMNDiagram/)
  t.same(diag.activities.find((a: any) => a.id === 'ut_signfor').state, 'overdue')
  t.same(diag.activities.find((a: any) => a.id === 'ut_signfor_supervise')?.state, 'completed')
  await step(app, c.id, 'ut_signfor', 'admin', { signOutcome: 'accept' })
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 10 * 60e3)), 1, 'the handling timer fires')
  now = await getCase(app, c.id)
  t.equal(now.activeTasks[0].elementId, 'ut_handle')
  t.equal((await app.db('case_supervisions').where({ case_id: c.id })).length, 2)
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 60 * 60e3)), 0, 'and only once')
})

t.test('dissatisfied: one more handling round, then closure even if dissatisfied again', async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    description: '噪声扰民',
    category: 'environment.noise',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', name: '王', phone: '139', anonymous: false },
  })
  const c = await caseByNo(app, p.caseNo)
  await step(app, c.id, 'ut_signfor', 'env-officer', { signOutcome: 'accept' })
  await step(app, c.id, 'ut_handle', 'env-officer', { outcome: 'resolved', result: '已约谈' })
  const ev = await call(app, 'callback', 'POST', `/api/cases/${c.id}/evaluation`, { resolved: false, satisfaction: 'dissatisfied', comment: '仍有噪声' })
  t.equal(ev.status, 200, JSON.stringify(ev.body))
  t.equal(ev.body.status, 'in_progress')
  t.equal(ev.body.activeTasks[0].elementId, 'ut_handle', 'handled again')
  await step(app, c.id, 'ut_handle', 'env-officer', { outcome: 'resolved', result: '已处罚并安装隔音' })
  const notCallback = await call(app, 'env-officer', 'POST', `/api/cases/${c.id}/evaluation`, { resolved: true, satisfaction: 'satisfied' })
  t.equal(notCallback.status, 403)
  const ev2 = await call(app, 'xianghe-callback', 'POST', `/api/cases/${c.id}/evaluation`, { resolved: false, satisfaction: 'dissatisfied' })
  t.equal(ev2.status, 200)
  t.equal(ev2.body.status, 'closed', 'the second dissatisfied evaluation closes the case')
  const hist = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body
  t.equal(hist.filter((h: any) => h.type === 'evaluated').length, 2)
  t.ok(hist.some((h: any) => h.type === 'rehandle'))
})

t.test('after an approved extension, the old expiry firing during another step is not supervised', async (t) => {
  const clock = testClock(t)
  const app = await build(t)
  const put = await call(app, 'admin', 'PUT', '/api/routing-rules', {
    tenant: 'xianghe',
    rules: [{ category: 'urban.parking', owner: '@county:urban', resolveLimit: 'PT10M' }],
  })
  t.equal(put.status, 200)
  const p = await petition(app, {
    description: '乱停车',
    category: 'urban.parking',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  await step(app, c.id, 'ut_signfor', 'urban-officer', { signOutcome: 'accept' })
  const handle = await openTask(app, c.id, 'ut_handle')
  t.equal((await call(app, 'urban-officer', 'POST', `/api/tasks/${handle.id}/extension`, { days: 1, reason: '需协调' })).status, 202)
  await step(app, c.id, 'ut_handle_ext_approve', 'xianghe-leader', { extensionDecision: 'approve' })
  // Past the old expiry (PT10M) without waiting for it: the test clock moves the process's time.
  // (It was PT4S: on a loaded machine the steps before the approval took longer than that, so the
  // old expiry fired before the extension existed and the case was rightly supervised.)
  clock.advance(Math.max(0, new Date(handle.dueAt).getTime() - Date.now()) + 300)
  await step(app, c.id, 'ut_handle', 'urban-officer', { outcome: 'resolved', result: '已劝离' })
  const types = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body.map((h: any) => h.type)
  t.notOk(types.includes('supervision'), 'no supervision for the moved deadline')
  t.equal((await app.db('case_supervisions').where({ case_id: c.id })).length, 0)
  t.equal((await getCase(app, c.id)).overdue, false)
})
