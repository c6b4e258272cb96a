import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from '../helper.js'
import { testClock } from '../clock.js'
import { call, getCase, openTask, petition, step } from '../api.js'

/**
 * What a trial found: the escalation review, the dispatch (and a return's review), the joint
 * assignment, a co-organiser's opinion, the meeting, the plan's consultation, drafting and
 * approval and an extension's approval said 无期限 / "no deadline", even with the case's deadline
 * hours away; and accepting an escalation reset the case's resolution deadline to now + its
 * limit, so the time the request waited for review was never counted.
 *
 * Each such step is due within the response limit (a centre's sign-for limit) from when it
 * opens, but never after the case's resolution deadline while that is still ahead. Expected
 * times are worked out here from the case's own dates: its response limit is
 * responseDueAt − createdAt at intake.
 */

type Task = { id: string; elementId: string; createdAt: string; dueAt: string | null; candidateGroups: string[] }

async function tasksOf(app: FastifyInstance, caseId: string): Promise<Task[]> {
  return (await call(app, 'admin', 'GET', `/api/tasks?caseId=${caseId}&assigned=all`)).body.items
}

/** Checks the open tasks at `elementId` against the rule above; `limitMs` is the case's response limit. */
async function dueAsRuled(t: Test, app: FastifyInstance, caseId: string, elementId: string, limitMs: number) {
  const c = await getCase(app, caseId)
  const tasks = (await tasksOf(app, caseId)).filter((x) => x.elementId === elementId)
  t.ok(tasks.length, `${elementId} is open`)
  for (const task of tasks) {
    t.ok(task.dueAt, `${elementId} has a deadline`)
    const opened = Date.parse(task.createdAt)
    const resolve = Date.parse(c.resolveDueAt)
    const expected = resolve > opened ? Math.min(opened + limitMs, resolve) : opened + limitMs
    t.ok(Math.abs(Date.parse(task.dueAt!) - expected) < 5000, `${elementId} due ${task.dueAt}, expected ${new Date(expected).toISOString()}`)
  }
}

const anon = { type: 'person', anonymous: true }

async function filed(app: FastifyInstance, body: Record<string, unknown>) {
  const p = await petition(app, { regionCode: 'xh-anping-v01-g1', petitioner: anon, ...body })
  const row = await app.db('cases').where({ case_no: p.caseNo }).first()
  const c = await getCase(app, row.id)
  return { id: row.id as string, limitMs: Date.parse(c.responseDueAt) - Date.parse(c.createdAt) }
}

t.test('dispatch, a return’s review and an extension’s approval have deadlines', async (t) => {
  const app = await build(t)
  const c = await filed(app, { description: '村口排水沟堵塞', category: 'other' })
  await dueAsRuled(t, app, c.id, 'ut_dispatch', c.limitMs)
  await step(app, c.id, 'ut_dispatch', 'dispatcher', { targetUnit: 'xh-anping-v01-g1' })
  const sign = await openTask(app, c.id, 'ut_signfor')
  t.equal((await call(app, 'grid01', 'POST', `/api/tasks/${sign.id}/return`, { reason: '不属于本网格' })).status, 200)
  await dueAsRuled(t, app, c.id, 'ut_dispatch', c.limitMs)
  await step(app, c.id, 'ut_dispatch', 'dispatcher', { returnDecision: 'reject', returnDecisionReason: '属于网格' })
  await step(app, c.id, 'ut_signfor', 'grid01', { signOutcome: 'accept' })
  const handle = await openTask(app, c.id, 'ut_handle')
  t.equal((await call(app, 'grid01', 'POST', `/api/tasks/${handle.id}/extension`, { days: 3, reason: '等待材料' })).status, 202)
  await dueAsRuled(t, app, c.id, 'ut_handle_ext_approve', c.limitMs)
})

t.test('the escalation review has a deadline; accepting keeps the case’s resolution deadline', async (t) => {
  const app = await build(t)
  const c = await filed(app, { description: '村道被占用', category: 'neighbour.building' })
  await step(app, c.id, 'ut_signfor', 'grid01', { signOutcome: 'accept' })
  const before = (await getCase(app, c.id)).resolveDueAt
  await step(app, c.id, 'ut_handle', 'grid01', { outcome: 'escalate', reason: '超出网格职权' })
  await dueAsRuled(t, app, c.id, 'ut_review', c.limitMs)
  await step(app, c.id, 'ut_review', 'anping-v01', { decision: 'accept' })
  const now = await getCase(app, c.id)
  t.equal(now.level, 'village', 'accepted at the village')
  t.equal(now.resolveDueAt, before, 'the case’s resolution deadline runs on: the review’s wait counts')
  t.equal((await openTask(app, c.id, 'ut_handle')).dueAt, before, 'and the handling task is due then')
})

t.test('a review opened near the case’s deadline is due by it; accepted then, a fresh resolution limit', async (t) => {
  const app = await build(t)
  const clock = testClock(t)
  const c = await filed(app, { description: '村道被占用', category: 'neighbour.building' })
  await step(app, c.id, 'ut_signfor', 'grid01', { signOutcome: 'accept' })
  const filedCase = await getCase(app, c.id)
  const resolveLimitMs = Date.parse(filedCase.resolveDueAt) - Date.parse(filedCase.createdAt)
  // Days later (the tokens signed in before have run out): less than the response limit is left.
  clock.advance(resolveLimitMs - c.limitMs / 2)
  const as = async (username: string) => {
    const row = await app.db('users').where({ username }).first('id')
    return { authorization: `Bearer ${await app.org.issueToken(row.id)}` }
  }
  const admin = await as('admin')
  const open = async (elementId: string) =>
    (await app.inject({ method: 'GET', url: `/api/tasks?caseId=${c.id}&assigned=all`, headers: admin }))
      .json()
      .items.find((x: Task) => x.elementId === elementId)
  const complete = async (user: string, elementId: string, data: Record<string, unknown>) => {
    const res = await app.inject({ method: 'POST', url: `/api/tasks/${(await open(elementId)).id}/complete`, headers: await as(user), payload: { data } })
    t.equal(res.statusCode, 200, `${elementId} completed`)
  }
  await complete('grid01', 'ut_handle', { outcome: 'escalate', reason: '超出网格职权' })
  t.equal((await open('ut_review')).dueAt, filedCase.resolveDueAt, 'the review is due by the case’s deadline, the nearer one')
  const accepted = Date.now()
  await complete('anping-v01', 'ut_review', { decision: 'accept' })
  const after = (await app.inject({ method: 'GET', url: `/api/cases/${c.id}`, headers: admin })).json()
  t.ok(Math.abs(Date.parse(after.resolveDueAt) - (accepted + resolveLimitMs)) < 5000, 'the level it reached gets a fresh resolution limit')
})

t.test('joint assignment, co-organisers and the meeting have deadlines', async (t) => {
  const app = await build(t)
  const c = await filed(app, { description: '小区排水与道路共同问题', category: 'housing.old_estate' })
  await step(app, c.id, 'ut_signfor', 'housing-officer', { signOutcome: 'accept' })
  await step(app, c.id, 'ut_handle', 'housing-officer', { outcome: 'joint', reason: '涉及水务、城管' })
  await dueAsRuled(t, app, c.id, 'ut_coordinate', c.limitMs)
  await step(app, c.id, 'ut_coordinate', 'anping-dispatcher', { leadUnit: 'xianghe-housing', coUnits: 'xianghe-water, xianghe-urban' })
  await dueAsRuled(t, app, c.id, 'ut_cohandle', c.limitMs)
  const co = (await tasksOf(app, c.id)).filter((x) => x.elementId === 'ut_cohandle')
  t.equal(co.length, 2, 'one per co-organiser, each with its deadline')
  const of = (unit: string) => co.find((x) => x.candidateGroups.includes(`unit:${unit}`))!
  t.equal((await call(app, 'water-officer', 'POST', `/api/tasks/${of('xianghe-water').id}/complete`, { data: { opinion: '疏通' } })).status, 200)
  t.equal((await call(app, 'urban-officer', 'POST', `/api/tasks/${of('xianghe-urban').id}/complete`, { data: { opinion: '修路' } })).status, 200)
  await step(app, c.id, 'ut_lead', 'housing-officer', { result: '三部门联合整改', meeting: 'yes' })
  await dueAsRuled(t, app, c.id, 'ut_meeting', c.limitMs)
})

t.test('the plan’s consultation, drafting and approval have deadlines', async (t) => {
  const app = await build(t)
  const c = await filed(app, { description: '反复要求超标准补偿', category: 'land.contract' })
  await step(app, c.id, 'ut_signfor', 'land-officer', { signOutcome: 'accept' })
  await step(app, c.id, 'ut_handle', 'land-officer', { outcome: 'unreasonable', reason: '诉求超出政策标准' })
  await dueAsRuled(t, app, c.id, 'ut_consult', c.limitMs)
  await step(app, c.id, 'ut_consult', 'grid01', { consultation: '会商' })
  await dueAsRuled(t, app, c.id, 'ut_plan', c.limitMs)
  await step(app, c.id, 'ut_plan', 'land-officer', { measures: '政策解释', responsible: '赵敏', milestones: '一周内' })
  await dueAsRuled(t, app, c.id, 'ut_plan_approve', c.limitMs)
})
