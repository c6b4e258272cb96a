import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, getCase, openTask, petition, step } from './util.js'

t.test('ordinary: public petition → rule dispatch → sign for → handle → feedback → citizen evaluation → closed', async (t) => {
  const app = await build(t)
  const defs = await call(app, 'admin', 'GET', '/api/process-definitions')
  t.same(defs.body.map((d: any) => d.key).sort(), ['escalation', 'joint', 'one_case_one_plan', 'ordinary'], 'the four procedures are deployed')

  const cats = await call(app, null, 'GET', '/api/public/categories')
  t.equal(cats.status, 200)
  t.ok(cats.body.find((c: any) => c.code === 'utilities').children.length >= 4)

  const p = await petition(app, {
    title: '小区垃圾无人清理',
    description: '楼下垃圾堆放一周无人清理',
    category: 'environment.garbage',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', name: '张凤霞', phone: '13800000000', anonymous: false },
  })
  t.match(p.caseNo, /^XH\d{8}-\d{4}$/)
  t.match(p.trackingCode, /^[A-HJKMNP-Z2-9]{8}$/)

  const c = await caseByNo(app, p.caseNo)
  t.equal(c.status, 'dispatched')
  t.equal(c.procedure, 'ordinary')
  t.equal(c.ownerUnit, 'xh-anping-v01')
  t.equal(c.level, 'village')
  t.equal(c.petitioner.name, '张凤霞')
  t.equal(c.activeTasks.length, 1)
  t.equal(c.activeTasks[0].elementId, 'ut_signfor')

  await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept', firstReply: '已联系物业' })
  t.equal((await getCase(app, c.id)).status, 'in_progress')
  await step(app, c.id, 'ut_handle', 'anping-v01', { outcome: 'resolved', result: '已清运垃圾' })
  const after = await getCase(app, c.id)
  t.equal(after.status, 'awaiting_evaluation')

  const wrong = await call(app, null, 'GET', `/api/public/track/${p.caseNo}?code=WRONG123`)
  t.equal(wrong.status, 404)
  const tr = await call(app, null, 'GET', `/api/public/track/${p.caseNo}?code=${p.trackingCode}`)
  t.equal(tr.status, 200)
  t.equal(tr.body.awaitingEvaluation, true)
  t.notOk(JSON.stringify(tr.body).includes('张凤霞'))

  const ev = await call(app, null, 'POST', `/api/public/track/${p.caseNo}/evaluation`, { code: p.trackingCode, resolved: true, satisfaction: 'satisfied' })
  t.equal(ev.status, 200, JSON.stringify(ev.body))
  t.equal(ev.body.status, 'closed')
  const again = await call(app, null, 'POST', `/api/public/track/${p.caseNo}/evaluation`, { code: p.trackingCode, resolved: true, satisfaction: 'satisfied' })
  t.equal(again.status, 409)
  const closed = await getCase(app, c.id)
  t.equal(closed.resolvedLevel, 'village')
  t.ok(closed.closedAt)
  t.same(closed.evaluation.satisfaction, 'satisfied')
  t.notOk(await openTask(app, c.id, 'ut_evaluate'))
})
