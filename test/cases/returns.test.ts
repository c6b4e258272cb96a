import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, getCase, openTask, petition, step, streetLight, waitingAt } from '../api.js'

/**
 * 退单审核 (issue 10): a return reaches the dispatcher with its reason; accepting it means
 * dispatching elsewhere, rejecting it (with a reason) sends the case back to the unit, to the
 * step it was returned from. Every return is a `case_returns` row, counted per unit.
 */

/** This month in China time, worked out here rather than by the server. */
const chinaMonth = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7)

t.test('return → the dispatcher sees the reason → reject with a reason → back at the same unit; then accept → another unit; counts per unit', async (t) => {
  const app = await build(t)
  // Street lights in 安平 go to the county's urban management by rule (the demo routing rules).
  const p = await petition(app, streetLight)
  const c = await caseByNo(app, p.caseNo)
  t.equal(c.ownerUnit, 'xianghe-urban')
  const sign = await openTask(app, c.id, 'ut_signfor')
  const responseDue = sign.dueAt

  // 1. The unit returns it at sign-for.
  t.equal((await call(app, 'urban-officer', 'POST', `/api/tasks/${sign.id}/return`, { reason: '属于供电公司职责' })).status, 200)
  let now = await getCase(app, c.id)
  t.equal(now.status, 'received')
  t.equal(now.ownerUnit, null)
  const review = now.activeTasks[0]
  t.equal(review.elementId, 'ut_dispatch', 'the dispatcher reviews the return at the dispatch task')

  // The dispatcher sees why, on the task itself.
  const task = await call(app, 'anping-dispatcher', 'GET', `/api/tasks/${review.id}`)
  t.equal(task.status, 200)
  t.equal(task.body.case.pendingReturn.reason, '属于供电公司职责')
  t.equal(task.body.case.pendingReturn.unit, 'xianghe-urban')
  t.equal(task.body.case.pendingReturn.returnedBy, 'urban-officer')
  const urban = (await app.db('users').where({ username: 'urban-officer' }).first('display_name')).display_name
  t.equal(task.body.case.pendingReturn.returnedByName, urban, 'the review names who returned it (it gave the username only)')
  t.equal(task.body.case.pendingReturn.status, 'pending')
  t.ok(
    task.body.form.schema.components.some((x: any) => x.key === 'returnDecision'),
    'the form offers the review',
  )
  t.same(task.body.form.facts, { pendingReturn: true }, 'and shows it: a return awaits review')

  // 2. A rejection needs a reason (the form requires it once "reject" is chosen: 400), and nothing moved.
  const noReason = await call(app, 'anping-dispatcher', 'POST', `/api/tasks/${review.id}/complete`, { data: { returnDecision: 'reject' } })
  t.equal(noReason.status, 400)
  t.equal(noReason.body.details[0].field, 'returnDecisionReason')
  t.equal((await openTask(app, c.id, 'ut_dispatch'))?.id, review.id, 'the review is still open')
  // Dispatching back to the unit that returned it is not an acceptance: 422 naming targetUnit.
  const same = await call(app, 'anping-dispatcher', 'POST', `/api/tasks/${review.id}/complete`, {
    data: { returnDecision: 'accept', targetUnit: 'xianghe-urban' },
  })
  t.equal(same.status, 422)
  t.equal(same.body.details[0].field, 'targetUnit')
  // Accepting without naming a unit: the form requires one unless rejecting (400 naming targetUnit).
  const none = await call(app, 'anping-dispatcher', 'POST', `/api/tasks/${review.id}/complete`, { data: { returnDecision: 'accept' } })
  t.equal(none.status, 400)
  t.equal(none.body.details[0].field, 'targetUnit')

  // 3. Reject with a reason: back to the same unit's sign-for, the deadline unchanged.
  await step(app, c.id, 'ut_dispatch', 'anping-dispatcher', { returnDecision: 'reject', returnDecisionReason: '路灯由城管局负责维护，请签收办理' })
  now = await getCase(app, c.id)
  t.equal(now.status, 'dispatched')
  t.equal(now.ownerUnit, 'xianghe-urban')
  t.equal(now.activeTasks.length, 1)
  t.equal(now.activeTasks[0].elementId, 'ut_signfor', 'returned at sign-for → back to sign-for')
  t.same(now.activeTasks[0].candidateGroups, ['unit:xianghe-urban'])
  t.equal(now.activeTasks[0].dueAt, responseDue, 'the time spent on a wrong return is the unit’s')
  let rows = (await call(app, 'xianghe-supervisor', 'GET', `/api/returns?caseId=${c.id}`)).body
  t.equal(rows.length, 1)
  t.match(rows[0], {
    unit: 'xianghe-urban',
    month: chinaMonth(),
    reason: '属于供电公司职责',
    returnedBy: 'urban-officer',
    status: 'rejected',
    decidedBy: 'anping-dispatcher',
    decisionReason: '路灯由城管局负责维护，请签收办理',
  })
  // The list gave the schema's returnedByName/decidedByName as nothing at all.
  const nameOf = async (username: string) => (await app.db('users').where({ username }).first('display_name')).display_name
  t.equal(rows[0].returnedByName, await nameOf('urban-officer'), 'the list names who returned it')
  t.equal(rows[0].decidedByName, await nameOf('anping-dispatcher'), 'and who decided')
  const notes = (await call(app, 'urban-officer', 'GET', '/api/notifications')).body
  const note = notes.find((n: any) => n.kind === 'return_rejected' && n.caseId === c.id)
  t.ok(note, 'the unit is told')
  t.match(note, { key: 'notification.return_rejected', params: { caseNo: c.caseNo } }, 'a sentence the UI translates, naming the case')
  // The reason is the dispatcher's own text: it is not put into the notice's sentence but read, whole, from the case's returns.
  const own = (await call(app, 'urban-officer', 'GET', `/api/cases/${c.id}/returns`)).body
  t.equal(note.text, '路灯由城管局负责维护，请签收办理', 'and after it, whole, as the notice’s text')
  t.equal(own[0]?.decisionReason, '路灯由城管局负责维护，请签收办理', 'the unit reads the reason verbatim')
  t.match(own[0], { returnedByName: await nameOf('urban-officer'), decidedByName: await nameOf('anping-dispatcher') }, 'who returned and who reviewed, by name')
  t.equal((await call(app, 'anping-dispatcher', 'GET', `/api/tasks/${review.id}`)).body.case?.pendingReturn ?? null, null, 'no return is pending any more')

  // 4. The unit signs for it, then returns it while handling; the dispatcher rejects again → back to handling.
  await step(app, c.id, 'ut_signfor', 'urban-officer', { signOutcome: 'accept' })
  const handle = await openTask(app, c.id, 'ut_handle')
  t.equal((await call(app, 'urban-officer', 'POST', `/api/tasks/${handle.id}/return`, { reason: '需供电公司更换线路' })).status, 200)
  await step(app, c.id, 'ut_dispatch', 'anping-dispatcher', { returnDecision: 'reject', returnDecisionReason: '先排查灯具' })
  now = await getCase(app, c.id)
  t.equal(now.status, 'in_progress', 'it had been signed for: in progress again')
  t.equal(now.activeTasks[0].elementId, 'ut_handle', 'returned while handling → back to handling')
  t.same(now.activeTasks[0].candidateGroups, ['unit:xianghe-urban'])

  // 5. A third return, accepted: dispatched to the water company, a new sign-for there.
  const handle2 = await openTask(app, c.id, 'ut_handle')
  t.equal((await call(app, 'urban-officer', 'POST', `/api/tasks/${handle2.id}/return`, { reason: '确属水务' })).status, 200)
  await step(app, c.id, 'ut_dispatch', 'anping-dispatcher', { returnDecision: 'accept', targetUnit: 'xianghe-water', dispatchNote: '转水务局' })
  now = await getCase(app, c.id)
  t.equal(now.ownerUnit, 'xianghe-water')
  t.equal(now.activeTasks[0].elementId, 'ut_signfor')
  t.same(now.activeTasks[0].candidateGroups, ['unit:xianghe-water'])
  rows = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/returns`)).body
  t.same(
    rows.map((r: any) => [r.reason, r.status]),
    [
      ['确属水务', 'accepted'],
      ['需供电公司更换线路', 'rejected'],
      ['属于供电公司职责', 'rejected'],
    ],
    'three returns, newest first',
  )

  // 6. The water company returns it too; the dispatcher rejects: back to water's sign-for.
  const sign3 = await openTask(app, c.id, 'ut_signfor')
  t.equal((await call(app, 'admin', 'POST', `/api/tasks/${sign3.id}/return`, { reason: '非供水问题' })).status, 200)
  await step(app, c.id, 'ut_dispatch', 'anping-dispatcher', { returnDecision: 'reject', returnDecisionReason: '水务局负责该路段' })
  now = await getCase(app, c.id)
  t.equal(now.ownerUnit, 'xianghe-water')
  t.equal(now.activeTasks[0].elementId, 'ut_signfor')

  // Counts per unit, this month (by hand): urban returned 3 (2 rejected, 1 accepted); water 1 (rejected).
  const byUnit = (await call(app, 'xianghe-supervisor', 'GET', `/api/returns/by-unit?month=${chinaMonth()}`)).body
  t.same(
    byUnit.map((u: any) => [u.unit, u.returns, u.pending, u.accepted, u.rejected]),
    [
      ['xianghe-urban', 3, 0, 1, 2],
      ['xianghe-water', 1, 0, 0, 1],
    ],
  )
  t.equal(byUnit[0].unitName, '香河县城市管理综合行政执法局')
  t.same((await call(app, 'xianghe-supervisor', 'GET', '/api/returns/by-unit?month=2001-01')).body, [], 'another month counts none')
  t.same((await call(app, 'guangyang-dispatcher', 'GET', '/api/returns/by-unit')).body, [], 'another county sees none of them')
  t.same((await call(app, 'guangyang-dispatcher', 'GET', '/api/returns')).body, [])
  t.equal((await call(app, 'guangyang-dispatcher', 'GET', `/api/cases/${c.id}/returns`)).status, 404)

  // The history tells every step, with the reasons verbatim.
  const hist = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body
  t.same(
    hist.filter((h: any) => ['returned', 'return_rejected', 'return_accepted'].includes(h.type)).map((h: any) => [h.type, h.data.reason]),
    [
      ['returned', '属于供电公司职责'],
      ['return_rejected', '路灯由城管局负责维护，请签收办理'],
      ['returned', '需供电公司更换线路'],
      ['return_rejected', '先排查灯具'],
      ['returned', '确属水务'],
      ['return_accepted', '转水务局'],
      ['returned', '非供水问题'],
      ['return_rejected', '水务局负责该路段'],
    ],
  )
})

t.test('a first dispatch has no return to review: dispatched without returnDecision, a review field refused, the fact not the client’s', async (t) => {
  const app = await build(t)
  // No rule covers a case filed at a grid with category "other" → the dispatcher's task.
  const p = await petition(app, { description: '其他问题', category: 'other', regionCode: 'xh-anping-v01-g1', petitioner: { type: 'person', anonymous: true } })
  const c = await caseByNo(app, p.caseNo)
  const dispatch = await openTask(app, c.id, 'ut_dispatch')
  t.ok(dispatch, 'the dispatcher dispatches first')
  const shown = await call(app, 'anping-dispatcher', 'GET', `/api/tasks/${dispatch.id}`)
  t.same(shown.body.form.facts, { pendingReturn: false }, 'the form opens knowing no return awaits review')

  // The review's fields are hidden on a first dispatch: a decision sent anyway is refused (400
  // naming it; it used to reach case.returnRejected and fail there with a 422).
  const reject = await call(app, 'anping-dispatcher', 'POST', `/api/tasks/${dispatch.id}/complete`, {
    data: { returnDecision: 'reject', returnDecisionReason: 'x' },
  })
  t.equal(reject.status, 400)
  t.same(
    reject.body.details.map((d: any) => [d.field, d.key]),
    [['returnDecision', 'error.form.hidden']],
  )
  // A client cannot claim a return to make the review appear: the fact is not task data.
  const forged = await call(app, 'anping-dispatcher', 'POST', `/api/tasks/${dispatch.id}/complete`, {
    data: { pendingReturn: true, returnDecision: 'accept', targetUnit: 'xh-anping-v01-g1' },
  })
  t.equal(forged.status, 400)
  t.same(forged.body.details.map((d: any) => [d.field, d.key]).sort(), [
    ['pendingReturn', 'error.form.undeclared'],
    ['returnDecision', 'error.form.hidden'],
  ])
  const empty = await call(app, 'anping-dispatcher', 'POST', `/api/tasks/${dispatch.id}/complete`, { data: {} })
  t.equal(empty.status, 400, 'a dispatch names a unit (the form requires it)')
  t.equal(empty.body.details[0].field, 'targetUnit')
  t.equal((await openTask(app, c.id, 'ut_dispatch'))?.id, dispatch.id, 'nothing moved')

  // What a first dispatch is: a unit (and a note), no decision.
  await step(app, c.id, 'ut_dispatch', 'anping-dispatcher', { targetUnit: 'xh-anping-v01-g1', dispatchNote: '请处理' })
  const now = await getCase(app, c.id)
  t.equal(now.ownerUnit, 'xh-anping-v01-g1')
  t.same(waitingAt(now), ['ut_signfor'])
  t.same((await call(app, 'xianghe-supervisor', 'GET', `/api/returns?caseId=${c.id}`)).body, [], 'no return recorded')

  // Once the unit returns it, the same form reviews the return: the decision is offered and a
  // rejection still needs its reason.
  const sign = await openTask(app, c.id, 'ut_signfor')
  t.equal((await call(app, 'grid01', 'POST', `/api/tasks/${sign.id}/return`, { reason: '不属网格职责' })).status, 200)
  const review = await openTask(app, c.id, 'ut_dispatch')
  t.same((await call(app, 'anping-dispatcher', 'GET', `/api/tasks/${review.id}`)).body.form.facts, { pendingReturn: true })
  const noReason = await call(app, 'anping-dispatcher', 'POST', `/api/tasks/${review.id}/complete`, { data: { returnDecision: 'reject' } })
  t.equal(noReason.status, 400)
  t.same(
    noReason.body.details.map((d: any) => [d.field, d.key]),
    [['returnDecisionReason', 'error.validation.required']],
  )
  await step(app, c.id, 'ut_dispatch', 'anping-dispatcher', { returnDecision: 'reject', returnDecisionReason: '网格负责村内排水' })
  t.match((await call(app, 'xianghe-supervisor', 'GET', `/api/returns?caseId=${c.id}`)).body, [{ unit: 'xh-anping-v01-g1', status: 'rejected' }])
})

t.test('escalation procedure: a return while handling, rejected, goes back to handling at the same unit', async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    description: '楼道瓷砖脱落',
    category: 'housing.property',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  await step(app, c.id, 'ut_signfor', 'housing-officer', { signOutcome: 'accept' })
  await step(app, c.id, 'ut_handle', 'housing-officer', { outcome: 'escalate', reason: '需县级协调' })
  let now = await getCase(app, c.id)
  t.equal(now.procedure, 'escalation')
  const review = now.activeTasks.find((x: any) => x.elementId === 'ut_review')
  t.ok(review, 'the next level reviews the escalation')
  const DISPATCHERS: Record<string, string> = {
    'dispatcher@langfang-centre': 'dispatcher',
    'dispatcher@xianghe-centre': 'xianghe-dispatcher',
    'dispatcher@xh-anping-centre': 'anping-dispatcher',
  }
  const reviewer = DISPATCHERS[review.candidateGroups[0]]
  await step(app, c.id, 'ut_review', reviewer, { decision: 'accept', targetUnit: 'xianghe-housing' })
  now = await getCase(app, c.id)
  const handle = now.activeTasks.find((x: any) => x.elementId === 'ut_handle')
  t.ok(handle)
  t.equal((await call(app, 'housing-officer', 'POST', `/api/tasks/${handle.id}/return`, { reason: '不属住建' })).status, 200)
  now = await getCase(app, c.id)
  const dispatch = now.activeTasks.find((x: any) => x.elementId === 'ut_dispatch')
  t.ok(dispatch)
  const who = DISPATCHERS[dispatch.candidateGroups[0]]
  await step(app, c.id, 'ut_dispatch', who, { returnDecision: 'reject', returnDecisionReason: '物业维修属住建监管' })
  now = await getCase(app, c.id)
  t.equal(now.ownerUnit, 'xianghe-housing')
  t.equal(now.status, 'in_progress')
  t.same(
    now.activeTasks.map((x: any) => [x.elementId, x.candidateGroups]),
    [['ut_handle', ['unit:xianghe-housing']]],
  )
  const rows = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/returns`)).body
  t.match(rows, [{ unit: 'xianghe-housing', status: 'rejected', reason: '不属住建', decisionReason: '物业维修属住建监管' }])
})
