import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, getCase, openTask, petition, step, streetLight } from '../api.js'

/**
 * The level a handler asks to escalate to: a county case escalated "to the village" went
 * silently to the city (the next centre up), whatever was asked. A level not above the case's
 * own is a 422 naming the field; nothing moves.
 */

t.test('a county case escalated to the village silently went to the city', async (t) => {
  const app = await build(t)
  // The demo routing rules send a street light in 安平 to the county's urban management.
  const p = await petition(app, { ...streetLight, channel: 'web' })
  const c = await caseByNo(app, p.caseNo)
  t.equal(c.level, 'county')
  await step(app, c.id, 'ut_signfor', 'urban-officer', { signOutcome: 'accept' })
  const handle = await openTask(app, c.id, 'ut_handle')
  for (const level of ['village', 'township', 'county']) {
    const r = await call(app, 'urban-officer', 'POST', `/api/tasks/${handle.id}/complete`, {
      data: { outcome: 'escalate', reason: '超出事权', escalateLevel: level },
    })
    t.equal(r.status, 422, `${level}: ${JSON.stringify(r.body)}`)
    t.equal(r.body.key, 'error.case.escalateNotAbove')
    t.same(r.body.params, { level, current: 'county' })
    t.same(
      r.body.details.map((d: any) => d.field),
      ['escalateLevel'],
    )
  }
  let now = await getCase(app, c.id)
  t.same([now.procedure, now.level, now.ownerUnit], ['ordinary', 'county', 'xianghe-urban'], 'the case stayed where it was')
  t.equal((await openTask(app, c.id, 'ut_handle')).id, handle.id, 'its handling task is still open')

  await step(app, c.id, 'ut_handle', 'urban-officer', { outcome: 'escalate', reason: '需市级协调', escalateLevel: 'city' })
  now = await getCase(app, c.id)
  t.equal(now.procedure, 'escalation')
  t.same(now.activeTasks[0].candidateGroups, ['dispatcher@langfang-centre'], 'the city centre reviews it')
})

t.test('a level above the case is still honoured, skipping the levels between', async (t) => {
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
  const handle = await openTask(app, c.id, 'ut_handle')
  const same = await call(app, 'grid01', 'POST', `/api/tasks/${handle.id}/complete`, {
    data: { outcome: 'escalate', reason: '超出网格职权', escalateLevel: 'grid' },
  })
  t.equal(same.status, 400, 'the shipped form offers no "grid" level')
  await step(app, c.id, 'ut_handle', 'grid01', { outcome: 'escalate', reason: '超出网格职权', escalateLevel: 'township' })
  const now = await getCase(app, c.id)
  t.same(now.activeTasks[0].candidateGroups, ['dispatcher@xh-anping-centre'], 'the township centre reviews it')
})
