import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, garbageReport, getCase, openTask, petition, step } from '../api.js'

/**
 * A joint case kept the level it had before its coordinator named a lead: a village case led by
 * a county bureau read `level: "village"` and, once closed, `resolvedLevel: "village"` with the
 * county bureau as its owner — the record of where cases are resolved (the share resolved at or
 * below township level) counted it low.
 */

t.test('a joint case led by a unit of another level kept its old level', async (t) => {
  const app = await build(t)
  const p = await petition(app, { ...garbageReport, channel: 'web' })
  const c = await caseByNo(app, p.caseNo)
  t.equal(c.level, 'village')
  await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
  await step(app, c.id, 'ut_handle', 'anping-v01', { outcome: 'joint', reason: '需环保与水务共同处理' })
  await step(app, c.id, 'ut_coordinate', 'anping-dispatcher', { leadUnit: 'xianghe-environment', coUnits: 'xianghe-water' })
  let now = await getCase(app, c.id)
  t.same([now.ownerUnit, now.level], ['xianghe-environment', 'county'], 'handled where its lead is')
  const vars = (await call(app, 'admin', 'GET', `/api/process-instances/${now.instanceId}`)).body.variables
  t.equal(vars.level, 'county', 'and the procedure reads the same level')

  await step(app, c.id, 'ut_cohandle', 'water-officer', { opinion: '疏通排水' })
  await step(app, c.id, 'ut_lead', 'env-officer', { result: '已清运并整治', meeting: 'no' })
  await call(app, 'callback', 'POST', `/api/cases/${c.id}/evaluation`, { resolved: true, satisfaction: 'satisfied' })
  now = await getCase(app, c.id)
  t.equal(now.status, 'closed')
  t.same([now.ownerUnit, now.level, now.resolvedLevel], ['xianghe-environment', 'county', 'county'], 'resolved at county level')
  t.notOk(await openTask(app, c.id, 'ut_lead'))
})
