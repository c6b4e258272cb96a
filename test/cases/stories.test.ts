import t from 'tap'
import { build } from '../helper.js'
import { as, call, caseByNo, getCase, petition, step } from '../api.js'

/** The three stories of the source articles (shared/seeds), played through the API by the demo roles. */

t.test('a loose air-conditioner cover reported on WeChat, handled by the grid worker with the street safety station', async (t) => {
  const app = await build(t)
  // The street's safety station gets an account (administrators add staff as units join).
  const user = await call(app, 'admin', 'POST', '/api/org/users', {
    username: 'xinyuan-safety',
    displayName: '新源街道安监站 韩亮',
    password: 'demo-password',
    roles: ['handler'],
    unitCode: 'gy-xinyuan-safety',
  })
  t.equal(user.status, 201, JSON.stringify(user.body))
  await as(app, 'xinyuan-safety', 'demo-password')

  const p = await petition(app, {
    channel: 'wechat',
    title: '空调外机罩松动有坠落风险',
    description: '北吉里小区楼外铁质空调外机罩是上世纪90年代安装的，年久老化，几乎每个都松动，有坠落风险。',
    category: 'safety.falling',
    regionCode: 'gy-xinyuan-v01-g1',
    address: '新民社区北吉里小区',
    petitioner: { type: 'person', name: '刘阿姨', phone: '13900000001', anonymous: false },
  })
  t.match(p.caseNo, /^GY\d{8}-\d{4}$/)
  const c = await caseByNo(app, p.caseNo)
  t.equal(c.channel, 'wechat')
  t.same(c.activeTasks[0].candidateGroups, ['unit:gy-xinyuan-v01-g1'], 'the platform reminds the community grid worker')

  const seen = await getCase(app, c.id, 'grid02')
  t.equal(seen.petitioner.phone, '13900000001', 'the grid worker can phone Auntie Liu')
  await step(app, c.id, 'ut_signfor', 'grid02', { signOutcome: 'accept', firstReply: '已电话联系并实地查看' })
  await step(app, c.id, 'ut_handle', 'grid02', { outcome: 'joint', reason: '全面巡查后上报网格长，需街道安监站拟定拆除方案', result: '' })
  const j = await getCase(app, c.id)
  t.equal(j.procedure, 'joint')
  await step(app, c.id, 'ut_coordinate', 'xinyuan-dispatcher', {
    leadUnit: 'gy-xinyuan-v01-g1',
    coUnits: 'gy-xinyuan-safety',
    jointNote: '网格长与安监站沟通协调',
  })
  await step(app, c.id, 'ut_cohandle', 'xinyuan-safety', { opinion: '拟定拆除处理方案，安排专业高空作业工人' })
  await step(app, c.id, 'ut_lead', 'grid02', { result: '专业高空作业工人已将存在隐患的空调外机罩集中拆除', meeting: 'no' })

  const tr = await call(app, null, 'GET', `/api/public/track/${p.caseNo}?code=${p.trackingCode}`)
  t.equal(tr.body.status, 'awaiting_evaluation')
  t.ok(
    tr.body.timeline.some((e: any) => /集中拆除/.test(e.message ?? '')),
    'the citizen sees the result',
  )
  t.notOk(JSON.stringify(tr.body).includes('13900000001'))
  const ev = await call(app, null, 'POST', `/api/public/track/${p.caseNo}/evaluation`, {
    code: p.trackingCode.toLowerCase(),
    resolved: true,
    satisfaction: 'satisfied',
    comment: '谢谢',
  })
  t.equal(ev.status, 200)
  const done = await getCase(app, c.id)
  t.equal(done.status, 'closed')
  t.equal(done.resolvedLevel, 'grid', 'resolved in the grid: small matters stay in the village')
})

t.test('a land dispute between two village households, escalated to the township and handled by the land department', async (t) => {
  const app = await build(t)
  const res = await call(app, 'grid01', 'POST', '/api/cases', {
    channel: 'grid_report',
    title: '王家摆村两户土地纠纷',
    description: '两户村民因土地边界发生纠纷，网格员多次调解未果。',
    category: 'neighbour.land',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', name: '王某', phone: '13700000002', anonymous: false },
  })
  t.equal(res.status, 201, JSON.stringify(res.body))
  const c = res.body
  t.equal(c.level, 'grid')
  t.equal(c.status, 'dispatched')
  t.match(c.caseNo, /^XH/)
  await step(app, c.id, 'ut_signfor', 'grid01', { signOutcome: 'accept', firstReply: '已上门了解情况' })
  await step(app, c.id, 'ut_handle', 'grid01', { outcome: 'escalate', reason: '多次调解未果，超出网格职权', escalateLevel: 'township' })
  let now = await getCase(app, c.id)
  t.equal(now.procedure, 'escalation')
  t.same(now.activeTasks[0].candidateGroups, ['dispatcher@xh-anping-centre'], 'the Anping township centre reviews')
  t.equal((await call(app, 'land-officer', 'GET', `/api/cases/${c.id}`)).status, 404, 'the land department does not see it yet')
  await step(app, c.id, 'ut_review', 'anping-dispatcher', { decision: 'accept', targetUnit: 'xianghe-land', reviewComment: '流转至土地部门' })
  now = await getCase(app, c.id)
  t.equal(now.level, 'township')
  t.equal(now.ownerUnit, 'xianghe-land')
  const seen = await getCase(app, c.id, 'land-officer')
  t.equal(seen.petitioner.name, '王某', 'the land officer handling it sees who to contact')
  await step(app, c.id, 'ut_handle', 'land-officer', { outcome: 'resolved', result: '联系网格员了解情况，入村讲法律、讲政策、讲道理，纠纷化解' })
  const ev = await call(app, 'xianghe-callback', 'POST', `/api/cases/${c.id}/evaluation`, {
    resolved: true,
    satisfaction: 'satisfied',
    comment: '两户均表示满意',
  })
  t.equal(ev.status, 200, JSON.stringify(ev.body))
  t.equal(ev.body.status, 'closed')
  t.equal(ev.body.resolvedLevel, 'township', 'big matters stay in the township')
  const hist = (await call(app, 'grid01', 'GET', `/api/cases/${c.id}/history`)).body
  const actors = new Set(hist.map((h: any) => h.actor))
  for (const u of ['grid01', 'anping-dispatcher', 'land-officer', 'xianghe-callback']) t.ok(actors.has(u), `history names ${u}`)
})

t.test('a courier parcel question answered within minutes', async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    channel: 'wechat',
    description: '快递已送到小区驿站，却怎么也找不到。',
    category: 'logistics.parcel',
    regionCode: 'xh-shuyang-v01-g1',
    petitioner: { type: 'person', name: '小张', phone: '13600000003', anonymous: false },
  })
  const c = await caseByNo(app, p.caseNo)
  t.same(c.activeTasks[0].candidateGroups, ['unit:xh-shuyang-v01-g1'], 'dispatched to the community grid worker at once')
  t.ok(new Date(c.responseDueAt).getTime() - new Date(c.createdAt).getTime() <= 2 * 3600e3, 'a quick response limit')
  const mine = await call(app, 'grid04', 'GET', '/api/tasks?assigned=candidate')
  t.ok(
    mine.body.items.some((x: any) => x.caseId === c.id),
    'in the grid worker’s list',
  )
  await step(app, c.id, 'ut_signfor', 'grid04', { signOutcome: 'accept', firstReply: '已电话联系，正查看驿站监控' })
  await step(app, c.id, 'ut_handle', 'grid04', { outcome: 'resolved', result: '监控显示快递已被姐姐领取' })
  const ev = await call(app, null, 'POST', `/api/public/track/${p.caseNo}/evaluation`, { code: p.trackingCode, resolved: true, satisfaction: 'satisfied' })
  t.equal(ev.body.status, 'closed')
  const done = await getCase(app, c.id)
  t.ok(new Date(done.respondedAt).getTime() - new Date(done.createdAt).getTime() < 5 * 60e3, 'responded within minutes')
  t.ok(done.closedAt <= done.resolveDueAt, 'closed on time')
  t.equal(done.overdue, false)
})
