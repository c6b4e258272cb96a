/**
 * Telling the citizen (办结告知), in one process: notices are written in the transaction of the
 * event they report, delivered through the webhook with retries, and shown on the tracking page.
 * The worker is driven by hand (`app.notify.worker.poll(at)`), so back-off is a matter of `at`.
 */
import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, petition, step } from '../api.js'
import { unprocessable } from '../../src/lib/errors.js'
import { freePort } from '../server-process.js'
import { startGateway } from './gateway.js'

const garbage = {
  title: '小区垃圾无人清理',
  description: '楼下垃圾堆放一周无人清理',
  category: 'environment.garbage',
  regionCode: 'xh-anping-v01-g1',
  petitioner: { type: 'person', anonymous: true },
}
const track = (app: any, p: { caseNo: string; trackingCode: string }) =>
  app
    .inject({ method: 'GET', url: `/api/public/track/${p.caseNo}`, headers: { 'x-tracking-code': p.trackingCode } })
    .then((r: any) => ({ status: r.statusCode, body: r.json() }))

t.test('notices are written in the transaction of their event: a failing step writes none', async (t) => {
  const app = await build(t)
  let failOn: string | null = null
  // A listener that fails the step after the handlers ran (case.resolve, case.feedback wrote
  // their rows): the whole step, notices included, must roll back.
  app.engine.onStep((e) => {
    if (failOn && e.variables.result === failOn) throw unprocessable('测试失败 / the test fails this step')
  })
  const p = await petition(app, garbage)
  const c = await caseByNo(app, p.caseNo)
  // The rule dispatched the case at intake (case.assign): one acceptance notice, already there.
  let rows = await app.db('citizen_notices').where({ case_id: c.id }).orderBy('created_at')
  t.same(
    rows.map((r: any) => r.kind),
    ['accepted'],
    'intake wrote the acceptance with its dispatch',
  )
  await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
  rows = await app.db('citizen_notices').where({ case_id: c.id })
  t.equal(rows.length, 1, 'the sign-for does not tell the citizen a second time')

  failOn = '坏结果'
  const handle = (await call(app, 'admin', 'GET', `/api/tasks?caseId=${c.id}&assigned=all`)).body.items.find((x: any) => x.elementId === 'ut_handle')
  const failed = await call(app, 'anping-v01', 'POST', `/api/tasks/${handle.id}/complete`, { data: { outcome: 'resolved', result: '坏结果' } })
  t.equal(failed.status, 422, 'the step failed')
  t.equal((await app.db('citizen_notices').where({ case_id: c.id, kind: 'result' })).length, 0, 'no result notice from the failed step')
  t.equal((await app.db('case_events').where({ case_id: c.id, type: 'feedback' })).length, 0, 'nor its event')

  failOn = null
  await step(app, c.id, 'ut_handle', 'anping-v01', { outcome: 'resolved', result: '已清运垃圾' })
  rows = await app.db('citizen_notices').where({ case_id: c.id }).orderBy('created_at')
  t.same(rows.map((r: any) => r.kind).sort(), ['accepted', 'evaluation_due', 'result'])
  const result = rows.find((r: any) => r.kind === 'result')
  // A result with an evaluation to give: the catalogue's sentence that asks for it (notice.resultEvaluate).
  t.equal(result.message_key, 'notice.resultEvaluate')
  const rp = JSON.parse(result.params)
  t.equal(rp.result, '已清运垃圾', 'the unit’s result verbatim in the params')
  t.match(rp.evaluateBy, /^\d{4}-\d{2}-\d{2}$/, 'the day to evaluate by, a parameter')
  // The text a gateway sends is the catalogue's two sentences, rendered from key + params, with the result whole in each.
  t.equal(
    result.text,
    `您反映的问题 ${c.caseNo} 已办理：已清运垃圾。请在 ${rp.evaluateBy} 前评价。 / Your petition ${c.caseNo} has been handled: 已清运垃圾. Please evaluate it by ${rp.evaluateBy}.`,
  )
  const reminder = rows.find((r: any) => r.kind === 'evaluation_due')
  // Evaluation period P5D: the reminder is due one day before it ends, i.e. ~4 days from now.
  const ahead = new Date(reminder.next_attempt_at).getTime() - Date.now()
  t.ok(ahead > 3.9 * 86400e3 && ahead < 4.1 * 86400e3, `reminder due in ~4 days (${ahead} ms)`)
})

t.test('the tracking page shows an anonymous web petitioner what they were told', async (t) => {
  const app = await build(t)
  const p = await petition(app, garbage)
  const c = await caseByNo(app, p.caseNo)
  let tr = await track(app, p)
  t.equal(tr.status, 200)
  t.equal(tr.body.notices.length, 1)
  t.same(
    { kind: tr.body.notices[0].kind, key: tr.body.notices[0].key, caseNo: tr.body.notices[0].params.caseNo, delivered: tr.body.notices[0].delivered },
    { kind: 'accepted', key: 'notice.accepted', caseNo: p.caseNo, delivered: false },
  )
  await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
  await step(app, c.id, 'ut_handle', 'anping-v01', { outcome: 'resolved', result: '已清运垃圾' })
  tr = await track(app, p)
  // The reminder is not due for days: the page shows acceptance and result only.
  t.same(
    tr.body.notices.map((n: any) => n.kind),
    ['accepted', 'result'],
  )
  t.equal(tr.body.notices[1].params.result, '已清运垃圾')
  t.equal(tr.body.result, '已清运垃圾')
  const wrong = await app.inject({ method: 'GET', url: `/api/public/track/${p.caseNo}`, headers: { 'x-tracking-code': 'WRONG234' } })
  t.equal(wrong.statusCode, 404, 'no code, no notices')
})

t.test('a gateway that is down, then refusing connections, then up: delivery resumes, nothing lost, every attempt logged', async (t) => {
  const gw = await startGateway()
  t.teardown(() => gw.close())
  const deadPort = await freePort()
  const app = await build(t, { config: { notifyWebhookUrl: gw.url, notifyBackoffMs: 1000, notifyMaxAttempts: 8 } })
  const a = await petition(app, { ...garbage, petitioner: { type: 'person', name: '张凤霞', phone: '13800000000', anonymous: false } })
  const b = await petition(app, { ...garbage, channel: 'wechat', petitioner: { type: 'person', name: '李四', phone: '13900000000', anonymous: false } })
  const ca = await caseByNo(app, a.caseNo)
  t.equal((await app.db('citizen_notices').where({ status: 'pending' })).length, 2, 'two acceptances waiting')

  gw.mode = 'down'
  const t0 = Date.now()
  t.equal(await app.notify.worker.poll(new Date(t0)), 0, 'nothing delivered while the gateway answers 503')
  t.equal(gw.requests.length, 2)
  // Attempt 1 failed: next attempt after 1 s (back-off 1 s × 2^0). Polling before then sends nothing.
  t.equal(await app.notify.worker.poll(new Date(t0 + 500)), 0)
  t.equal(gw.requests.length, 2, 'no attempt before the back-off has passed')

  // The gateway's address now refuses connections (settings win over config).
  await app.db('settings').insert({ key: 'notify.webhook_url', value: `http://127.0.0.1:${deadPort}/notify` })
  t.equal(await app.notify.worker.poll(new Date(t0 + 1500)), 0, 'connection refused: nothing delivered')
  // Attempt 2 failed: next after 2 s more (1 s × 2^1).
  t.equal(await app.notify.worker.poll(new Date(t0 + 3000)), 0)
  await app.db('settings').where({ key: 'notify.webhook_url' }).delete()
  gw.mode = 'ok'
  t.equal(await app.notify.worker.poll(new Date(t0 + 2500)), 0, 'still backing off at +2.5 s')
  t.equal(await app.notify.worker.poll(new Date(t0 + 4000)), 2, 'both delivered once the gateway is back')
  t.equal(await app.notify.worker.poll(new Date(t0 + 60_000)), 0, 'and not again')

  // The gateway saw each notice twice: the 503 and the success (the refused attempt never reached it).
  t.same([...gw.perKey().values()], [2, 2])
  const delivered = gw.requests.slice(-2).map((r) => r.body)
  const toA = delivered.find((d) => d.caseNo === a.caseNo)
  const toB = delivered.find((d) => d.caseNo === b.caseNo)
  t.same(
    { channel: toA.channel, key: toA.messageKey, contact: toA.contact },
    { channel: 'web', key: 'notice.accepted', contact: undefined },
    'a web petitioner is answered on the web: no phone sent',
  )
  t.equal(toB.channel, 'wechat')
  t.notOk('contact' in toB, 'nor for WeChat')

  const list = await call(app, 'admin', 'GET', `/api/notify/outbox?caseId=${ca.id}`)
  t.equal(list.status, 200)
  t.equal(list.body.items.length, 1)
  t.same(list.body.counts, { sent: 2 })
  const one = await call(app, 'admin', 'GET', `/api/notify/outbox/${list.body.items[0].id}`)
  t.equal(one.body.status, 'sent')
  t.equal(one.body.attempts, 3)
  t.same(
    one.body.log.map((l: any) => [l.ok, l.statusCode]),
    [
      [false, 503],
      [false, null],
      [true, 200],
    ],
    'the log: 503, refused, delivered',
  )
  t.match(one.body.log[1].error, /ECONNREFUSED|fetch failed/)
  t.equal((await call(app, 'grid01', 'GET', '/api/notify/outbox')).status, 403, 'a grid worker may not read the outbox')
  t.equal((await call(app, 'xianghe-admin', 'GET', '/api/notify/outbox')).body.items.length, 2, 'the county administrator sees its county’s')
})

t.test('a phone-channel petitioner’s notice carries the phone; attempts used up → failed, then retried by an administrator', async (t) => {
  const gw = await startGateway()
  t.teardown(() => gw.close())
  const app = await build(t, { config: { notifyWebhookUrl: gw.url, notifyBackoffMs: 1000, notifyMaxAttempts: 2 } })
  const res = await call(app, 'dispatcher', 'POST', '/api/cases', {
    ...garbage,
    channel: 'hotline',
    petitioner: { type: 'person', name: '王五', phone: '13700000000', anonymous: false },
  })
  t.equal(res.status, 201)
  gw.mode = 'down'
  const t0 = Date.now()
  await app.notify.worker.poll(new Date(t0))
  await app.notify.worker.poll(new Date(t0 + 1500))
  const failed = await call(app, 'admin', 'GET', '/api/notify/outbox?status=failed')
  t.equal(failed.body.items.length, 1, 'two attempts (the limit) used: failed')
  t.equal(gw.requests[0].body.contact, '13700000000', 'the hotline citizen is answered by SMS: the phone is sent')
  gw.mode = 'ok'
  t.equal(await app.notify.worker.poll(new Date(t0 + 3600e3)), 0, 'a failed notice is not retried by itself')
  const retry = await call(app, 'admin', 'POST', `/api/notify/outbox/${failed.body.items[0].id}/retry`)
  t.equal(retry.status, 200)
  t.equal(retry.body.status, 'pending')
  t.equal((await call(app, 'admin', 'POST', `/api/notify/outbox/${failed.body.items[0].id}/retry`)).status, 409, 'only a failed notice')
  t.equal(await app.notify.worker.poll(), 1)
  t.equal(gw.requests.length, 3)
})
