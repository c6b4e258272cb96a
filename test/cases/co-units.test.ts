import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, getCase, openTask, petition, step } from '../api.js'

/** 加派 (issue 10): co-organisers added to a running joint case get their task; the case can finish. */

t.test('a unit added while the lead works receives a co-organiser task in the running instance, and the case finishes', async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    description: '小区排水与道路共同问题',
    category: 'housing.old_estate',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  await step(app, c.id, 'ut_signfor', 'housing-officer', { signOutcome: 'accept' })
  await step(app, c.id, 'ut_handle', 'housing-officer', { outcome: 'joint', reason: '涉及水务' })
  const url = `/api/cases/${c.id}/co-units`
  t.equal((await call(app, 'anping-dispatcher', 'POST', url, { units: ['xianghe-urban'] })).status, 409, 'not while the coordinator has not organised it yet')
  await step(app, c.id, 'ut_coordinate', 'anping-dispatcher', { leadUnit: 'xianghe-housing', coUnits: 'xianghe-water' })
  await step(app, c.id, 'ut_cohandle', 'water-officer', { opinion: '疏通排水管' })
  const lead = await openTask(app, c.id, 'ut_lead')
  t.ok(lead, 'the lead is at work')

  // Who may add, and what
  t.equal((await call(app, 'housing-officer', 'POST', url, { units: ['xianghe-urban'] })).status, 403, 'the lead unit itself may not')
  t.equal((await call(app, 'xinyuan-dispatcher', 'POST', url, { units: ['xianghe-urban'] })).status, 404, 'another county learns nothing')
  const foreign = await call(app, 'anping-dispatcher', 'POST', url, { units: ['guangyang-land'] })
  t.equal(foreign.status, 400, 'a unit of another county is refused')
  t.equal(foreign.body.details[0].field, 'units')
  t.equal((await call(app, 'anping-dispatcher', 'POST', url, { units: ['xianghe-power'] })).status, 400, 'a unit nobody staffs is refused')
  t.equal((await call(app, 'anping-dispatcher', 'POST', url, { units: ['xianghe-housing'] })).status, 400, 'the lead is not its own co-organiser')
  // Message variables are hostile: nobody may send addedCoUnits through the engine API.
  const sneak = await call(app, 'admin', 'POST', '/api/messages', { name: 'add_co_units', caseId: c.id, variables: { addedCoUnits: ['guangyang-land'] } })
  t.equal(sneak.status, 400, 'addedCoUnits is a platform variable')

  const added = await call(app, 'anping-dispatcher', 'POST', url, { units: ['xianghe-urban'] })
  t.equal(added.status, 200, JSON.stringify(added.body))
  t.equal(added.body.taskIds.length, 1)
  let now = await getCase(app, c.id)
  const task = now.activeTasks.find((x: any) => x.id === added.body.taskIds[0])
  t.equal(task.instanceId, lead.instanceId, 'in the running instance')
  t.same(task.candidateGroups, ['unit:xianghe-urban'], 'addressed to the added unit')
  t.ok(
    now.activeTasks.some((x: any) => x.id === lead.id),
    'the lead’s task keeps running',
  )
  t.equal((await call(app, 'anping-dispatcher', 'POST', url, { units: ['xianghe-environment'] })).status, 409, 'once per handling round')

  // The added unit contributes; the lead answers; the citizen evaluates: closed.
  t.equal((await call(app, 'water-officer', 'POST', `/api/tasks/${task.id}/complete`, { data: { opinion: 'x' } })).status, 404, 'not another unit’s task')
  t.equal((await call(app, 'urban-officer', 'POST', `/api/tasks/${task.id}/complete`, { data: { opinion: '修复路面' } })).status, 200)
  await step(app, c.id, 'ut_lead', 'housing-officer', { result: '联合整改完成', meeting: 'no' })
  await call(app, 'callback', 'POST', `/api/cases/${c.id}/evaluation`, { resolved: true, satisfaction: 'satisfied' })
  now = await getCase(app, c.id)
  t.equal(now.status, 'closed')
  t.same(now.activeTasks, [])
  const inst = await app.db('process_instances').where({ id: now.instanceId }).first('status')
  t.equal(inst.status, 'completed', 'the instance finished: no token left behind')
  const hist = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body
  // The sentence (event.co_units_added) names the units in both languages beside their codes.
  t.same(hist.find((h: any) => h.type === 'co_units_added')?.data, {
    units: ['xianghe-urban'],
    coUnitNames: ['香河县城市管理综合行政执法局'],
    coUnitNamesEn: ['Xianghe County Urban Management Bureau'],
  })
})
