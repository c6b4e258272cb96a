import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, getCase, openTask, petition, step } from '../api.js'

t.test('escalation: accepted at the next level; escalated up to the city and sent back at the top', async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    description: '村道被占用',
    category: 'neighbour.building',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  t.equal(c.level, 'grid')
  await step(app, c.id, 'ut_signfor', 'grid01', { signOutcome: 'accept' })
  await step(app, c.id, 'ut_handle', 'grid01', { outcome: 'escalate', reason: '超出网格职权' })
  let now = await getCase(app, c.id)
  t.equal(now.procedure, 'escalation', 'the case switched procedure')
  t.equal(now.activeTasks[0].elementId, 'ut_review')
  t.same(now.activeTasks[0].candidateGroups, ['dispatcher@xh-anping-v01'], 'the village centre reviews first')
  await step(app, c.id, 'ut_review', 'anping-v01', { decision: 'send_back', reviewComment: '网格可办' })
  now = await getCase(app, c.id)
  t.equal(now.activeTasks[0].elementId, 'ut_handle')
  t.same(now.activeTasks[0].candidateGroups, ['unit:xh-anping-v01-g1'], 'sent back to the grid')
  await step(app, c.id, 'ut_handle', 'grid01', { outcome: 'escalate', reason: '确需上级', escalateLevel: 'county' })
  await step(app, c.id, 'ut_review', 'xianghe-dispatcher', { decision: 'accept', targetUnit: 'xianghe-centre' })
  now = await getCase(app, c.id)
  t.equal(now.level, 'county')
  t.same(now.activeTasks[0].candidateGroups, ['dispatcher@xianghe-centre'])
  await step(app, c.id, 'ut_handle', 'xianghe-dispatcher', { outcome: 'escalate', reason: '需市级协调' })
  await step(app, c.id, 'ut_review', 'dispatcher', { decision: 'accept', targetUnit: 'langfang-petition' })
  now = await getCase(app, c.id)
  t.equal(now.level, 'city')
  t.equal(now.ownerUnit, 'langfang-petition')
  await step(app, c.id, 'ut_handle', 'city-petition-officer', { outcome: 'escalate', reason: '再提级' })
  now = await getCase(app, c.id)
  t.equal(now.activeTasks[0].elementId, 'ut_handle', 'at the city there is no higher level: sent back at once')
  t.same(now.activeTasks[0].candidateGroups, ['unit:langfang-petition'])
  await step(app, c.id, 'ut_handle', 'city-petition-officer', { outcome: 'resolved', result: '市信访局协调解决' })
  await call(app, 'callback', 'POST', `/api/cases/${c.id}/evaluation`, { resolved: true, satisfaction: 'basically_satisfied' })
  now = await getCase(app, c.id)
  t.equal(now.status, 'closed')
  t.equal(now.resolvedLevel, 'city')
  const hist = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body
  const types = hist.map((h: any) => h.type)
  for (const ty of ['procedure_switch', 'escalation_requested', 'escalation_sent_back', 'escalation_accepted', 'escalation_at_top'])
    t.ok(types.includes(ty), ty)
  const sw = hist.find((h: any) => h.type === 'procedure_switch')
  t.equal(sw.from, 'ordinary')
  t.equal(sw.to, 'escalation')
  t.ok(
    hist.some((h: any) => h.source === 'engine' && h.instanceId !== hist.filter((x: any) => x.instanceId).at(-1).instanceId),
    'history spans both instances',
  )
})

t.test('joint: lead and co-organisers, parallel contributions, consultation meeting, closure', async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    description: '小区排水与道路共同问题',
    category: 'housing.old_estate',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', name: '李', anonymous: false },
  })
  const c = await caseByNo(app, p.caseNo)
  await step(app, c.id, 'ut_signfor', 'housing-officer', { signOutcome: 'accept' })
  await step(app, c.id, 'ut_handle', 'housing-officer', { outcome: 'joint', reason: '涉及水务、城管' })
  let now = await getCase(app, c.id)
  t.equal(now.procedure, 'joint')
  t.same(now.activeTasks[0].candidateGroups, ['dispatcher@xh-anping-centre'])
  const bad = await call(app, 'anping-dispatcher', 'POST', `/api/tasks/${now.activeTasks[0].id}/complete`, {
    data: { leadUnit: 'xianghe-housing', coUnits: 'nope' },
  })
  t.equal(bad.status, 400, 'unknown co-organiser refused')
  t.equal(bad.body.details[0].field, 'coUnits')
  await step(app, c.id, 'ut_coordinate', 'anping-dispatcher', { leadUnit: 'xianghe-housing', coUnits: 'xianghe-water, xianghe-urban' })
  now = await getCase(app, c.id)
  const co = now.activeTasks.filter((x: any) => x.elementId === 'ut_cohandle')
  t.same(co.map((x: any) => x.candidateGroups[0]).sort(), ['unit:xianghe-urban', 'unit:xianghe-water'], 'one task per co-organiser')
  t.equal(now.ownerUnit, 'xianghe-housing')
  const water = co.find((x: any) => x.candidateGroups[0] === 'unit:xianghe-water')
  const urban = co.find((x: any) => x.candidateGroups[0] === 'unit:xianghe-urban')
  t.equal((await call(app, 'water-officer', 'POST', `/api/tasks/${urban.id}/complete`, { data: { opinion: 'x' } })).status, 404, 'not the other unit’s task')
  t.equal((await call(app, 'water-officer', 'POST', `/api/tasks/${water.id}/complete`, { data: { opinion: '疏通排水管' } })).status, 200)
  t.notOk(await openTask(app, c.id, 'ut_lead'), 'the lead waits for every co-organiser')
  t.equal((await call(app, 'urban-officer', 'POST', `/api/tasks/${urban.id}/complete`, { data: { opinion: '修复路面' } })).status, 200)
  await step(app, c.id, 'ut_lead', 'housing-officer', { result: '三部门联合整改', meeting: 'yes' })
  await step(app, c.id, 'ut_meeting', 'anping-dispatcher', { minutes: '居民代表、法律顾问参会', result: '分期整改' })
  now = await getCase(app, c.id)
  t.equal(now.status, 'awaiting_evaluation')
  const inst = await app.db('process_instances').where({ id: now.instanceId }).first()
  t.equal(JSON.parse(inst.variables).ut_cohandle_results.length, 2, 'both contributions recorded')
  await call(app, 'callback', 'POST', `/api/cases/${c.id}/evaluation`, { resolved: true, satisfaction: 'satisfied' })
  now = await getCase(app, c.id)
  t.equal(now.status, 'closed')
  t.equal(now.resolvedLevel, 'county')
})

t.test('a case the grid handles itself could not become one case one plan: its consultation named the grid twice', async (t) => {
  // ut_consult is offered to `=gridGroup + "," + handlerGroup`; when the grid is the handling unit
  // both are unit:xh-anping-v01-g1, and the second candidate row broke the primary key: the switch
  // answered 422 with the INSERT's SQL in its message, every time.
  const app = await build(t)
  const p = await petition(app, {
    description: '反复上访 家庭矛盾',
    category: 'neighbour.family',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  t.same(c.activeTasks[0].candidateGroups, ['unit:xh-anping-v01-g1'], 'the grid handles it')
  await step(app, c.id, 'ut_signfor', 'grid01', { signOutcome: 'accept' })
  await step(app, c.id, 'ut_handle', 'grid01', { outcome: 'unreasonable', reason: '反复缠访' })
  const now = await getCase(app, c.id)
  t.equal(now.procedure, 'one_case_one_plan')
  t.equal(now.activeTasks[0].elementId, 'ut_consult')
  t.same(now.activeTasks[0].candidateGroups, ['unit:xh-anping-v01-g1'], 'offered to the grid once')
  await step(app, c.id, 'ut_consult', 'grid01', { consultation: '网格员与村委会会商' })
  t.equal((await getCase(app, c.id)).activeTasks[0].elementId, 'ut_plan')
})

t.test('one case one plan: consultation, plan rejected then approved, follow-ups every cycle, closure', async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    description: '反复要求超标准补偿',
    category: 'land.contract',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', name: '赵', anonymous: false },
  })
  const c = await caseByNo(app, p.caseNo)
  await step(app, c.id, 'ut_signfor', 'land-officer', { signOutcome: 'accept' })
  await step(app, c.id, 'ut_handle', 'land-officer', { outcome: 'unreasonable', reason: '诉求超出政策标准，多次越级' })
  let now = await getCase(app, c.id)
  t.equal(now.procedure, 'one_case_one_plan')
  t.same(now.activeTasks[0].candidateGroups, ['unit:xh-anping-v01-g1', 'unit:xianghe-land'])
  await step(app, c.id, 'ut_consult', 'grid01', { consultation: '网格员与村委会会商' })
  await step(app, c.id, 'ut_plan', 'land-officer', { measures: '政策解释、困难帮扶', responsible: '赵敏', milestones: '一周内入户' })
  await step(app, c.id, 'ut_plan_approve', 'xianghe-leader', { planDecision: 'reject', planComment: '补充帮扶措施' })
  await step(app, c.id, 'ut_plan', 'land-officer', { measures: '政策解释、困难帮扶、法律援助', responsible: '赵敏', milestones: '一周内入户，一月内回访' })
  await step(app, c.id, 'ut_plan_approve', 'xianghe-leader', { planDecision: 'approve' })
  now = await getCase(app, c.id)
  t.equal(now.activeTasks[0].elementId, 'ut_execute')
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 7 * 86400e3 + 60e3)), 1, 'a weekly follow-up')
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 14 * 86400e3 + 120e3)), 1, 'and the next week')
  t.ok((await call(app, 'land-officer', 'GET', '/api/notifications')).body.some((n: any) => n.kind === 'followup'))
  t.equal((await getCase(app, c.id)).activeTasks[0].elementId, 'ut_execute', 'follow-ups do not end the execution')
  await step(app, c.id, 'ut_execute', 'land-officer', { result: '当事人接受帮扶方案' })
  const pending = await app.db('timers').where({ status: 'pending' }).whereIn('instance_id', [now.instanceId])
  t.same(
    pending.map((x: any) => x.element_id),
    ['ut_evaluate_expired'],
    'the cycle stops with the execution; only the evaluation period runs',
  )
  await call(app, 'callback', 'POST', `/api/cases/${c.id}/evaluation`, { resolved: true, satisfaction: 'basically_satisfied' })
  t.equal((await getCase(app, c.id)).status, 'closed')
  const types = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body.map((h: any) => h.type)
  for (const ty of ['procedure_switch', 'plan_approved', 'plan_followup', 'closed']) t.ok(types.includes(ty), ty)
})
