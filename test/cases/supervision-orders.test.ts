import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, openTask, petition, streetLight } from '../api.js'

/**
 * 督办单 (issue 10): a supervisor whose region covers a case orders the unit handling it to
 * reply by a deadline; the unit is notified and replies; an order not replied by its deadline
 * is overdue (computed when read).
 */

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString()

t.test('issue → the unit is notified → reply; overdue listing; scope', async (t) => {
  const app = await build(t)
  const light = { description: '路灯不亮', category: 'roads.lighting', regionCode: 'xh-anping-v01-g1', petitioner: { type: 'person', anonymous: true } }
  const c = await caseByNo(app, (await petition(app, light)).caseNo)
  const d = await caseByNo(app, (await petition(app, light)).caseNo)
  t.equal(c.ownerUnit, 'xianghe-urban')
  const url = `/api/cases/${c.id}/supervision-orders`
  const order = { message: '群众反映路灯一周未修，请于三日内报告处置进展', replyDue: inDays(3) }

  // Who may issue
  t.equal((await call(app, 'urban-officer', 'POST', url, order)).status, 403, 'a handler may not issue orders')
  t.equal((await call(app, 'guangyang-leader', 'POST', url, order)).status, 404, 'another county’s leader learns nothing of the case')
  t.equal((await call(app, 'xianghe-supervisor', 'POST', url, { ...order, replyDue: inDays(-1) })).status, 400, 'a deadline in the past')
  t.equal((await call(app, 'xianghe-supervisor', 'POST', url, { ...order, replyDue: 'tomorrow' })).status, 400)
  t.equal((await call(app, 'xianghe-supervisor', 'POST', url, { ...order, message: ' ' })).status, 400)

  const issued = await call(app, 'xianghe-supervisor', 'POST', url, order)
  t.equal(issued.status, 201, JSON.stringify(issued.body))
  t.match(issued.body, {
    caseId: c.id,
    caseNo: c.caseNo,
    unit: 'xianghe-urban',
    message: order.message,
    issuedBy: 'xianghe-supervisor',
    replyDueAt: order.replyDue,
    status: 'open',
    late: false,
    reply: null,
  })
  // A leader may issue one too (on the second case).
  const second = await call(app, 'xianghe-leader', 'POST', `/api/cases/${d.id}/supervision-orders`, { message: '请说明未签收原因', replyDue: inDays(1) })
  t.equal(second.status, 201)

  // The unit is told
  const notes = (await call(app, 'urban-officer', 'GET', '/api/notifications')).body.filter((n: any) => n.kind === 'supervision_order')
  t.equal(notes.length, 2)
  const note = notes.find((n: any) => n.caseId === c.id)
  t.equal(note.recipient, 'unit:xianghe-urban')
  t.ok(note.message.includes(order.message), 'with the order’s text verbatim')
  t.match(
    note,
    { key: 'notification.supervision_order', params: { caseNo: c.caseNo }, text: order.message },
    'as a key with the case number, the order whole beside it',
  )
  const rung = (await call(app, 'urban-officer', 'GET', '/api/notifications/bell')).body.notifications.find((n: any) => n.id === note.id)
  t.match(rung, { key: 'notification.supervision_order', params: { caseNo: c.caseNo }, text: order.message }, 'the bell answers the same')
  t.equal(
    (await call(app, 'water-officer', 'GET', '/api/notifications')).body.filter((n: any) => n.kind === 'supervision_order').length,
    0,
    'another unit is not',
  )

  // Lists in scope: the unit sees the orders addressed to it, the county's supervisor those of its cases, another county none
  t.same(
    (await call(app, 'urban-officer', 'GET', '/api/supervision-orders?status=open')).body.map((o: any) => o.id).sort(),
    [issued.body.id, second.body.id].sort(),
  )
  t.equal((await call(app, 'xianghe-supervisor', 'GET', '/api/supervision-orders')).body.length, 2)
  t.same((await call(app, 'guangyang-leader', 'GET', '/api/supervision-orders')).body, [])
  t.same((await call(app, 'water-officer', 'GET', '/api/supervision-orders')).body, [])

  // Reply: only the unit it is addressed to
  const replyUrl = `/api/supervision-orders/${issued.body.id}/reply`
  const answer = { reply: '已安排维修班组，预计明日修复' }
  t.equal((await call(app, 'water-officer', 'POST', replyUrl, answer)).status, 404, 'another unit that does not see the case: 404')
  t.equal((await call(app, 'xianghe-dispatcher', 'POST', replyUrl, answer)).status, 403, 'someone who sees the case but is not the unit: 403')
  const replied = await call(app, 'urban-officer', 'POST', replyUrl, answer)
  t.equal(replied.status, 200, JSON.stringify(replied.body))
  t.match(replied.body, { status: 'replied', late: false, repliedBy: 'urban-officer', reply: answer.reply })
  t.equal((await call(app, 'urban-officer', 'POST', replyUrl, { reply: '再答一次' })).status, 409, 'one reply per order')
  const back = (await call(app, 'xianghe-supervisor', 'GET', '/api/notifications')).body.find((n: any) => n.kind === 'supervision_reply')
  t.ok(back?.message.includes(answer.reply), 'the issuer is told of the reply')
  t.match(back, { key: 'notification.supervision_reply', params: { caseNo: c.caseNo }, text: answer.reply })

  // Overdue: the second order's deadline passes unanswered. (The clock is moved on in the
  // stored row rather than waited for: what is being tested is how the deadline is read.)
  await app
    .db('case_supervisions')
    .where({ id: second.body.id })
    .update({ reply_due_at: new Date(Date.now() - 60_000).toISOString() })
  const overdue = (await call(app, 'xianghe-supervisor', 'GET', '/api/supervision-orders?status=overdue')).body
  t.same(
    overdue.map((o: any) => [o.id, o.status, o.late]),
    [[second.body.id, 'overdue', true]],
  )
  t.same(
    (await call(app, 'xianghe-supervisor', 'GET', '/api/supervision-orders?status=replied')).body.map((o: any) => o.id),
    [issued.body.id],
  )
  t.same((await call(app, 'xianghe-supervisor', 'GET', '/api/supervision-orders?status=open')).body, [])
  // A late reply is still taken, and says it was late.
  const late = await call(app, 'urban-officer', 'POST', `/api/supervision-orders/${second.body.id}/reply`, { reply: '签收人员休假，已补签' })
  t.match(late.body, { status: 'replied', late: true })

  // History: the order and the reply, with their words
  const hist = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body.filter((h: any) => h.type.startsWith('supervision_'))
  t.same(
    hist.map((h: any) => [h.type, h.actor, h.data.message ?? h.data.reply]),
    [
      ['supervision_order', 'xianghe-supervisor', order.message],
      ['supervision_reply', 'urban-officer', answer.reply],
    ],
  )
  // The timers' overdue rows are not orders
  t.notOk((await call(app, 'xianghe-supervisor', 'GET', '/api/supervision-orders')).body.some((o: any) => o.caseId !== c.id && o.caseId !== d.id))
})

t.test('no order while nobody handles the case (awaiting re-dispatch after a return)', async (t) => {
  const app = await build(t)
  const c = await caseByNo(app, (await petition(app, streetLight)).caseNo)
  const sign = await openTask(app, c.id, 'ut_signfor')
  t.equal((await call(app, 'urban-officer', 'POST', `/api/tasks/${sign.id}/return`, { reason: '非本单位' })).status, 200)
  const res = await call(app, 'xianghe-supervisor', 'POST', `/api/cases/${c.id}/supervision-orders`, { message: '请说明', replyDue: inDays(1) })
  t.equal(res.status, 409, 'awaiting re-dispatch: no unit to address')
  t.equal((await call(app, 'xianghe-supervisor', 'GET', '/api/supervision-orders')).body.length, 0, 'nothing was written')
})
