import { test } from 'tap'
import { build, onPostgres } from '../helper.js'
import { call, caseByNo, getCase, petition, step } from '../api.js'

/**
 * Staff-only notes reached the citizen and the public Open311 feed: a case event's stored
 * `message` ends with what staff wrote (a dispatch note, a switch's reason), marked not public
 * (EVENT_TEXT), and the tracking timeline and Open311's status_notes gave that message as it was.
 * And a case staff entered on the `open311` channel was published as if its citizen had posted it.
 */
const db = onPostgres ? 'PostgreSQL' : 'SQLite'
const NOTE = '内部：此人多次缠访，电话13800001111'

test(`a dispatch note stays with staff: not in the tracking timeline, not in Open311's status_notes (${db})`, async (t) => {
  const app = await build(t)
  const posted = await app.inject({
    method: 'POST',
    url: '/open311/v2/requests.json',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      api_key: 'demo',
      jurisdiction_id: 'xianghe',
      service_code: 'other',
      address_string: '安平镇安平村东口',
      description: '路灯不亮已经三天',
      'attribute[region]': 'xh-anping-v01-g1',
    }).toString(),
  })
  t.equal(posted.statusCode, 200, posted.body)
  const caseNo: string = posted.json()[0].service_request_id
  const c = await caseByNo(app, caseNo)
  await step(app, c.id, 'ut_dispatch', 'admin', { targetUnit: 'xianghe-water', dispatchNote: NOTE })
  t.equal((await getCase(app, c.id)).status, 'dispatched')

  const history = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body
  t.ok(
    history.some((h: any) => JSON.stringify(h).includes(NOTE)),
    'staff still read the note in the case history',
  )

  const code: string = posted.json()[0].tracking_code
  const tracked = await app.inject({ method: 'GET', url: `/api/public/track/${encodeURIComponent(caseNo)}`, headers: { 'x-tracking-code': code } })
  t.equal(tracked.statusCode, 200)
  const dispatched = tracked.json().timeline.find((e: any) => e.type === 'dispatched')
  t.ok(dispatched, 'the dispatch is on the timeline')
  t.notOk(tracked.body.includes('缠访'), 'no part of the note anywhere in the tracking answer')
  t.match(dispatched.message, /^已派单/, 'the sentence is still there')

  const feed = await app.inject({ method: 'GET', url: `/open311/v2/requests/${encodeURIComponent(caseNo)}.json?jurisdiction_id=xianghe` })
  t.equal(feed.statusCode, 200)
  t.notOk(feed.body.includes('缠访'), 'nor in the public Open311 answer')
  t.match(feed.json()[0].status_notes, /^已派单/, 'status_notes is the public sentence')
  t.equal(feed.json()[0].description, '路灯不亮已经三天', "the Open311 citizen's own text is published")
})

test(`a case staff entered on the open311 channel is not published as an Open311 request (${db})`, async (t) => {
  const app = await build(t)
  const entered = await call(app, 'admin', 'POST', '/api/cases', {
    channel: 'open311',
    description: '家庭矛盾：王五 13900000000 住安平村3号',
    category: 'roads.lighting',
    regionCode: 'xh-anping-v01-g1',
    address: '安平村3号',
    petitioner: { type: 'person', anonymous: false, name: '王五', phone: '13900000000' },
  })
  t.equal(entered.status, 201, JSON.stringify(entered.body))
  const feed = await app.inject({ method: 'GET', url: `/open311/v2/requests/${encodeURIComponent(entered.body.caseNo)}.json?jurisdiction_id=xianghe` })
  t.equal(feed.statusCode, 200, 'listed, as every case of a public category is')
  t.notOk(feed.body.includes('王五'), 'without what staff wrote down')
  t.equal(feed.json()[0].description, null)
  t.equal(feed.json()[0].address, null)

  const family = await call(app, 'admin', 'POST', '/api/cases', {
    channel: 'open311',
    description: '家庭矛盾',
    category: 'neighbour.family',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  t.equal(family.status, 201, JSON.stringify(family.body))
  const hidden = await app.inject({ method: 'GET', url: `/open311/v2/requests/${encodeURIComponent(family.body.caseNo)}.json?jurisdiction_id=xianghe` })
  t.equal(hidden.statusCode, 404, 'a private category is not listed at all')
})

test(`events one step writes keep their order: evaluated before closed, resolved before feedback (${db})`, async (t) => {
  // Timelines sort by (at, id); a step writes several events within one millisecond, and with
  // random ids they came out in any order ("closed" before "evaluated" in the staff history
  // and on the citizen's page). Fourteen cases: with random ids, each pair that shares a millisecond is in order half the time.
  const app = await build(t)
  const order = (types: string[], a: string, b: string) => types.indexOf(a) >= 0 && types.indexOf(a) < types.indexOf(b)
  for (let i = 0; i < 6; i++) {
    const p = await petition(app, {
      description: `楼下垃圾堆放 ${i}`,
      category: 'environment.garbage',
      regionCode: 'xh-anping-v01-g1',
      petitioner: { type: 'person', anonymous: true },
    })
    const c = await caseByNo(app, p.caseNo)
    await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
    await step(app, c.id, 'ut_handle', 'anping-v01', { outcome: 'resolved', result: '已清运' })
    const ev = await call(app, null, 'POST', `/api/public/track/${p.caseNo}/evaluation`, { code: p.trackingCode, resolved: true, satisfaction: 'satisfied' })
    t.equal(ev.status, 200)
    const staff: string[] = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body.filter((h: any) => h.source === 'case').map((h: any) => h.type)
    t.ok(order(staff, 'evaluated', 'closed'), `case ${i}, staff history: ${staff.join(' ')}`)
    t.ok(order(staff, 'resolved', 'feedback'), `case ${i}, resolved then feedback`)
    const tracked = await app.inject({
      method: 'GET',
      url: `/api/public/track/${encodeURIComponent(p.caseNo)}`,
      headers: { 'x-tracking-code': p.trackingCode },
    })
    const pub: string[] = tracked.json().timeline.map((e: any) => e.type)
    t.ok(order(pub, 'evaluated', 'closed') || !pub.includes('evaluated'), `case ${i}, citizen's timeline: ${pub.join(' ')}`)
  }
  // Eight more through staff intake (the public form allows ten a minute from one address),
  // evaluated by callback staff.
  for (let i = 0; i < 8; i++) {
    const made = await call(app, 'admin', 'POST', '/api/cases', {
      channel: 'hotline',
      description: `楼下垃圾堆放 热线 ${i}`,
      category: 'environment.garbage',
      regionCode: 'xh-anping-v01-g1',
      petitioner: { type: 'person', anonymous: true },
    })
    t.equal(made.status, 201)
    const id = made.body.id
    await step(app, id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
    await step(app, id, 'ut_handle', 'anping-v01', { outcome: 'resolved', result: '已清运' })
    t.equal((await call(app, 'callback', 'POST', `/api/cases/${id}/evaluation`, { resolved: true, satisfaction: 'satisfied' })).status, 200)
    const staff: string[] = (await call(app, 'admin', 'GET', `/api/cases/${id}/history`)).body.filter((h: any) => h.source === 'case').map((h: any) => h.type)
    t.ok(order(staff, 'evaluated', 'closed'), `hotline case ${i}: ${staff.join(' ')}`)
    t.ok(order(staff, 'resolved', 'feedback'), `hotline case ${i}, resolved then feedback`)
  }
})
