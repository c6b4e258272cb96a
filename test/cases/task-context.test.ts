import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { projectRoot } from '../../src/lib/paths.js'
import { build } from '../helper.js'
import { call, complete, openTask, petition } from '../api.js'

/**
 * A completed task's page shows what its own form was answered with. The browser used to work
 * that out from the form and the raw data itself, a second copy of the server's rules for an
 * earlier step's answers; the server now sends them as `answers`. The expected values are
 * written from processes/forms/dispatch.form and sign_for.form and the seeded units.
 */
/** A case no routing rule covers ("other"): it waits at the dispatcher. Returns its id. */
async function atDispatcher(app: FastifyInstance, description: string): Promise<string> {
  const p = await petition(app, { description, category: 'other', regionCode: 'xh-anping-v01-g1', petitioner: { type: 'person', anonymous: true } })
  return (await app.db('cases').where({ case_no: p.caseNo }).first()).id
}

t.test("a completed task's own answers by its form's labels; an open task has none", async (t) => {
  const app = await build(t)
  const caseId = await atDispatcher(app, '村口排水沟堵塞')

  const dispatch = await openTask(app, caseId, 'ut_dispatch')
  const open = await call(app, 'dispatcher', 'GET', `/api/tasks/${dispatch.id}`)
  t.equal(open.status, 200)
  t.equal(open.body.answers, undefined, 'an open task has no answers yet')

  await complete(app, 'dispatcher', dispatch.id, { targetUnit: 'xh-anping-v01-g1', dispatchNote: '请尽快疏通' })
  const dispatched = await call(app, 'dispatcher', 'GET', `/api/tasks/${dispatch.id}`)
  t.equal(dispatched.body.status, 'completed')
  t.same(
    dispatched.body.answers,
    [
      {
        key: 'targetUnit',
        label: '承办单位 / Owning unit',
        value: 'xh-anping-v01-g1',
        units: [{ code: 'xh-anping-v01-g1', name: '安平村第一网格', nameEn: 'Anping Village Grid 1' }],
      },
      { key: 'dispatchNote', label: '派单说明 / Note', value: '请尽快疏通' },
    ],
    'the unit by name in both languages, the note as written, in the form’s order',
  )

  const sign = await openTask(app, caseId, 'ut_signfor')
  await complete(app, 'grid01', sign.id, { signOutcome: 'accept', firstReply: '   ', returnReason: '' })
  const signed = await call(app, 'grid01', 'GET', `/api/tasks/${sign.id}`)
  t.same(
    signed.body.answers,
    [{ key: 'signOutcome', label: '签收或退单 / Accept or return', value: 'accept', options: ['签收 / Accept'] }],
    'the option by its label; blank answers left out',
  )

  const handle = await openTask(app, caseId, 'ut_handle')
  t.equal((await call(app, 'grid01', 'GET', `/api/tasks/${handle.id}`)).body.answers, undefined, 'the next, open task has none')
  // Whoever may not see the task learns nothing of its answers (the task's own scope).
  t.equal((await call(app, 'grid02', 'GET', `/api/tasks/${sign.id}`)).status, 404, 'another county’s grid worker: 404')
})

t.test("a task's case summary had categoryName, regionName and ownerUnitName null", async (t) => {
  // api.md: GET /api/tasks/:id gives the task with a case summary. Its name fields are those of
  // GET /api/cases/:id; the expected names are the seeded category, grid and village committee.
  const app = await build(t)
  const c = await call(app, 'dispatcher', 'POST', '/api/cases', {
    channel: 'hotline',
    title: '小区垃圾无人清理',
    description: '楼下垃圾堆放一周无人清理',
    category: 'environment.garbage',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  t.equal(c.status, 201)
  const task = await openTask(app, c.body.id, 'ut_signfor')
  const page = await call(app, 'anping-v01', 'GET', `/api/tasks/${task.id}`)
  t.equal(page.status, 200)
  t.match(page.body.case, {
    id: c.body.id,
    categoryName: '垃圾堆放 / Garbage dumping',
    regionName: '安平村第一网格',
    regionNameEn: 'Anping Village Grid 1',
    ownerUnit: 'xh-anping-v01',
    ownerUnitName: '安平村村民委员会',
    ownerUnitNameEn: 'Anping Village Committee',
  })
})

t.test("earlier answers were labelled by today's form version: a new version relabelled what an earlier person was asked", async (t) => {
  const app = await build(t)
  const caseId = await atDispatcher(app, '村口排水沟堵塞')
  const dispatch = await openTask(app, caseId, 'ut_dispatch')
  await complete(app, 'dispatcher', dispatch.id, { targetUnit: 'xh-anping-v01-g1', dispatchNote: '请尽快疏通' })

  // The city's administrator deploys a new version of the dispatch form whose note is now asked otherwise.
  const shipped = fs.readFileSync(path.join(projectRoot(), 'processes/forms/dispatch.form'), 'utf8')
  t.ok(shipped.includes('"派单说明 / Note"'), 'the shipped label, as this test expects it')
  const relabelled = shipped.replace('"派单说明 / Note"', '"给网格员的话 / Words for the grid worker"')
  const deployed = await call(app, 'admin', 'POST', '/api/forms', { source: relabelled })
  t.equal(deployed.status, 201, JSON.stringify(deployed.body))

  const asked = { key: 'dispatchNote', label: '派单说明 / Note', value: '请尽快疏通' }
  const own = (await call(app, 'dispatcher', 'GET', `/api/tasks/${dispatch.id}`)).body
  t.match(own.answers, [{ key: 'targetUnit' }, asked], "the completed task's own answers by the version it was answered with")
  const sign = await openTask(app, caseId, 'ut_signfor')
  const later = (await call(app, 'grid01', 'GET', `/api/tasks/${sign.id}`)).body
  const step = later.context.steps.find((s: any) => s.taskId === dispatch.id)
  t.match(step.fields, [{ key: 'targetUnit' }, asked], "a later task's context shows the earlier step as it was asked")

  // A dispatch answered on the new version reads by the new label.
  const case2 = await atDispatcher(app, '路面塌陷一处')
  const dispatch2 = await openTask(app, case2, 'ut_dispatch')
  await complete(app, 'dispatcher', dispatch2.id, { targetUnit: 'xh-anping-v01-g1', dispatchNote: '注意安全' })
  t.match((await call(app, 'dispatcher', 'GET', `/api/tasks/${dispatch2.id}`)).body.answers, [
    { key: 'targetUnit' },
    { key: 'dispatchNote', label: '给网格员的话 / Words for the grid worker', value: '注意安全' },
  ])
})

/**
 * What broke: the approver and the executor of a one-case-one-plan case read "Nothing submitted
 * for this step" (无待决事项) under 办理依据, the plan (measures, responsible person, milestones)
 * only under the collapsed earlier steps; the joint lead likewise did not see the co-organisers'
 * opinions up front. Each step now decides on them; found by what was submitted and the markers'
 * roles, so a county version whose elements are renamed shows them as well.
 */
async function unreasonableCase(app: FastifyInstance) {
  const p = await petition(app, {
    description: '反复要求超标准补偿',
    category: 'land.contract',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const caseId: string = (await app.db('cases').where({ case_no: p.caseNo }).first()).id
  await complete(app, 'land-officer', (await openTask(app, caseId, 'ut_signfor')).id, { signOutcome: 'accept' })
  await complete(app, 'land-officer', (await openTask(app, caseId, 'ut_handle')).id, { outcome: 'unreasonable', reason: '诉求超出政策标准' })
  return caseId
}

/** The open task of a case (any element) as `user` reads it. */
async function openPage(app: FastifyInstance, caseId: string, user: string) {
  const [task] = (await call(app, 'admin', 'GET', `/api/tasks?caseId=${caseId}&assigned=all`)).body.items
  return (await call(app, user, 'GET', `/api/tasks/${task.id}`)).body
}

const plan1 = { measures: '政策解释、困难帮扶', responsible: '赵敏', milestones: '一周内入户' }
const plan2 = { measures: '政策解释、困难帮扶、法律援助', responsible: '赵敏', milestones: '一周内入户，一月内回访' }
const planFields = (p: typeof plan1) => [
  { key: 'measures', label: '措施 / Measures', value: p.measures },
  { key: 'responsible', label: '责任人 / Responsible person', value: p.responsible },
  { key: 'milestones', label: '时间节点 / Milestones', value: p.milestones },
]

t.test('the plan approver and executor decide on the plan, not "nothing submitted"', async (t) => {
  const app = await build(t)
  const caseId = await unreasonableCase(app)
  const next = async (user: string, data: Record<string, unknown>) => complete(app, user, (await openPage(app, caseId, 'admin')).id, data)
  await next('grid01', { consultation: '网格员与村委会会商' })
  await next('land-officer', plan1)

  let page = await openPage(app, caseId, 'xianghe-leader')
  t.equal(page.name, '方案审批 / Approve the plan')
  t.match(page.context.decidesOn, [{ kind: 'plan', fields: planFields(plan1), by: 'land-officer', byName: String }], 'the approver decides on the plan')
  t.equal(page.context.decidesOn.length, 1)

  await next('xianghe-leader', { planDecision: 'reject', planComment: '补充帮扶措施' })
  await next('land-officer', plan2)
  page = await openPage(app, caseId, 'xianghe-leader')
  t.match(page.context.decidesOn, [{ kind: 'plan', fields: planFields(plan2) }], 'after a revision, the revised plan')
  await next('xianghe-leader', { planDecision: 'approve' })

  page = await openPage(app, caseId, 'land-officer')
  t.equal(page.name, '方案执行 / Execute the plan')
  t.match(page.context.decidesOn, [{ kind: 'plan', fields: planFields(plan2) }], 'the executor carries out the approved plan')
})

t.test('a county version with renamed elements still shows the plan', async (t) => {
  const app = await build(t)
  const shipped = fs.readFileSync(path.join(projectRoot(), 'processes/one_case_one_plan.bpmn'), 'utf8')
  const renamed = shipped
    .replace(/\but_plan_approve\b/g, 'leader_says')
    .replace(/\but_plan\b/g, 'write_it_down')
    .replace(/\but_execute\b/g, 'do_it')
    .replace(/\but_consult\b/g, 'talk_first')
  const deployed = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: renamed, tenant: 'xianghe' })
  t.equal(deployed.status, 201, JSON.stringify(deployed.body))
  const caseId = await unreasonableCase(app)
  let page = await openPage(app, caseId, 'grid01')
  t.equal(page.elementId, 'talk_first', 'the renamed version runs')
  await complete(app, 'grid01', page.id, { consultation: '会商' })
  await complete(app, 'land-officer', (await openPage(app, caseId, 'land-officer')).id, plan1)
  page = await openPage(app, caseId, 'xianghe-leader')
  t.equal(page.elementId, 'leader_says')
  t.match(page.context.decidesOn, [{ kind: 'plan', fields: planFields(plan1) }])
  await complete(app, 'xianghe-leader', page.id, { planDecision: 'approve' })
  page = await openPage(app, caseId, 'land-officer')
  t.equal(page.elementId, 'do_it')
  t.match(page.context.decidesOn, [{ kind: 'plan', fields: planFields(plan1) }])
})

t.test("the joint lead decides on the co-organisers' opinions, each by its unit", async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    description: '小区排水与道路共同问题',
    category: 'housing.old_estate',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const caseId: string = (await app.db('cases').where({ case_no: p.caseNo }).first()).id
  await complete(app, 'housing-officer', (await openTask(app, caseId, 'ut_signfor')).id, { signOutcome: 'accept' })
  await complete(app, 'housing-officer', (await openTask(app, caseId, 'ut_handle')).id, { outcome: 'joint', reason: '涉及水务、城管' })
  await complete(app, 'anping-dispatcher', (await openTask(app, caseId, 'ut_coordinate')).id, {
    leadUnit: 'xianghe-housing',
    coUnits: 'xianghe-water, xianghe-urban',
  })
  const tasks = (await call(app, 'admin', 'GET', `/api/tasks?caseId=${caseId}&assigned=all`)).body.items
  const of = (unit: string) => tasks.find((x: any) => x.candidateGroups.includes(`unit:${unit}`))
  await complete(app, 'water-officer', of('xianghe-water').id, { opinion: '疏通排水管' })
  await complete(app, 'urban-officer', of('xianghe-urban').id, { opinion: '修复路面' })

  const lead = await openTask(app, caseId, 'ut_lead')
  const page = (await call(app, 'housing-officer', 'GET', `/api/tasks/${lead.id}`)).body
  const water = await app.db('org_units').where({ code: 'xianghe-water' }).first()
  const urban = await app.db('org_units').where({ code: 'xianghe-urban' }).first()
  t.match(
    page.context.decidesOn,
    [
      { kind: 'opinion', unit: 'xianghe-water', unitName: { name: water.name }, by: 'water-officer', fields: [{ key: 'opinion', value: '疏通排水管' }] },
      { kind: 'opinion', unit: 'xianghe-urban', unitName: { name: urban.name }, by: 'urban-officer', fields: [{ key: 'opinion', value: '修复路面' }] },
    ],
    'both opinions, in the order given, by unit',
  )
  t.equal(page.context.decidesOn.length, 2)
})
