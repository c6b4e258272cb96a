import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, getCase, openTask, petition, step } from '../api.js'

/**
 * Issue 10: a case waited for the citizen's evaluation forever. After the county's evaluation
 * period the evaluation step ends, the case closes as not evaluated, and the rates count it
 * apart: closed, but neither satisfied nor dissatisfied.
 */

const DAY = 86_400_000

async function awaitingEvaluation(app: any) {
  const p = await petition(app, {
    description: '楼下垃圾堆放一周无人清理',
    category: 'environment.garbage',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
  await step(app, c.id, 'ut_handle', 'anping-v01', { outcome: 'resolved', result: '已清运垃圾' })
  const hist = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body
  const fedBack = Date.parse(hist.find((h: any) => h.type === 'feedback').at)
  return { ...p, id: c.id, fedBack }
}

t.test('the evaluation period runs out: the case closes as not evaluated and counts apart', async (t) => {
  const app = await build(t)
  const c = await awaitingEvaluation(app)
  t.equal((await getCase(app, c.id)).status, 'awaiting_evaluation')
  const task = await openTask(app, c.id, 'ut_evaluate')
  const due = Date.parse(task.dueAt)
  t.ok(Math.abs(due - (c.fedBack + 5 * DAY)) < 5_000, `the evaluation is due five days after the result (${task.dueAt})`)

  t.equal(await app.engine.poller.poll(new Date(c.fedBack + 4 * DAY)), 0, 'nothing is due after four days')
  t.equal(await app.engine.poller.poll(new Date(due + 60_000)), 1, 'the evaluation period ends')

  const closed = await getCase(app, c.id)
  t.equal(closed.status, 'closed')
  t.ok(closed.closedAt)
  t.ok(closed.evaluationExpiredAt, 'closed as not evaluated')
  t.equal(closed.evaluation, null, 'no evaluation is made up')
  t.equal(closed.resolvedLevel, 'village', "the unit's result stands")
  t.same(closed.activeTasks, [])
  const late = await call(app, null, 'POST', `/api/public/track/${c.caseNo}/evaluation`, { code: c.trackingCode, resolved: true, satisfaction: 'satisfied' })
  t.equal(late.status, 409, 'an evaluation after the period is refused')
  const track = await call(app, null, 'GET', `/api/public/track/${c.caseNo}`)
  t.equal(track.status, 404, 'no code, no tracking')
  const tracked = (await app.inject({ method: 'GET', url: `/api/public/track/${c.caseNo}`, headers: { 'x-tracking-code': c.trackingCode } })).json()
  t.ok(
    tracked.timeline.some((e: any) => e.type === 'evaluation_expired'),
    'the citizen sees why it closed',
  )

  const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7)
  const rates = (await call(app, 'admin', 'GET', `/api/metrics/rates?from=${month}&to=${month}`)).body.overall
  t.match(rates, { received: 1, closed: 1, evaluated: 0, satisfied: 0, notEvaluated: 1, satisfactionRate: null })
})

t.test('a county sets its own evaluation period', async (t) => {
  const app = await build(t)
  await app.db('settings').insert([
    { key: 'cases.evaluation_period', value: 'P7D' },
    { key: 'cases.evaluation_period.xianghe', value: 'P2D' },
  ])
  const c = await awaitingEvaluation(app)
  const task = await openTask(app, c.id, 'ut_evaluate')
  t.ok(Math.abs(Date.parse(task.dueAt) - (c.fedBack + 2 * DAY)) < 5_000, `Xianghe's two days, not the city's seven (${task.dueAt})`)
  const ev = await call(app, null, 'POST', `/api/public/track/${c.caseNo}/evaluation`, { code: c.trackingCode, resolved: true, satisfaction: 'satisfied' })
  t.equal(ev.status, 200, 'within the period the citizen evaluates as before')
  t.equal(await app.engine.poller.poll(new Date(Date.parse(task.dueAt) + 60_000)), 0, 'the expiry timer left with the task')
  const closed = await getCase(app, c.id)
  t.equal(closed.evaluation.satisfaction, 'satisfied')
  t.equal(closed.evaluationExpiredAt, null)
})
