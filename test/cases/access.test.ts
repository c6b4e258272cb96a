import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, getCase, openTask, petition, step } from '../api.js'

const NAME = '匿名张三'
const PHONE = '13812345678'

t.test('scope: each role sees only what it may; outside scope is 404, wrong role is 403', async (t) => {
  const app = await build(t)
  // A case in grid xh-anping-v01-g1 owned by the county environment bureau.
  const p = await petition(app, {
    description: '工厂排污',
    category: 'environment.pollution',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', name: '钱', phone: '13500000000', anonymous: false },
  })
  const c = await caseByNo(app, p.caseNo)
  // A Guangyang case.
  const g = await caseByNo(
    app,
    (
      await petition(app, {
        description: '占道经营',
        category: 'urban.stall',
        regionCode: 'gy-xinyuan-v01-g1',
        petitioner: { type: 'person', anonymous: true },
      })
    ).caseNo,
  )

  t.equal((await call(app, null, 'GET', `/api/cases/${c.id}`)).status, 401, 'no token')
  t.equal((await call(app, null, 'GET', '/api/cases')).status, 401)

  const sees = async (user: string, id: string) => (await call(app, user, 'GET', `/api/cases/${id}`)).status
  for (const u of [
    'admin',
    'dispatcher',
    'leader',
    'supervisor',
    'callback',
    'xianghe-admin',
    'xianghe-dispatcher',
    'anping-dispatcher',
    'grid01',
    'grid-leader',
    'env-officer',
  ]) {
    t.equal(await sees(u, c.id), 200, `${u} sees the Xianghe case`)
  }
  for (const u of [
    'grid03',
    'grid02',
    'grid04',
    'guangyang-admin',
    'guangyang-dispatcher',
    'land-officer',
    'gy-land-officer',
    'city-land-officer',
    'shuyang-dispatcher',
    'anping-safety',
  ]) {
    t.equal(await sees(u, c.id), 404, `${u} does not see the Xianghe case`)
    t.equal((await call(app, u, 'GET', `/api/cases/${c.id}/history`)).status, 404, `${u}: no history`)
    t.equal((await call(app, u, 'GET', `/api/cases/${c.id}/diagram`)).status, 404, `${u}: no diagram`)
    const list = (await call(app, u, 'GET', '/api/cases')).body
    t.notOk(
      list.items.some((i: any) => i.id === c.id),
      `${u}: not in the list`,
    )
  }
  t.equal(await sees('xianghe-dispatcher', g.id), 404, 'a county does not see another county')
  t.equal(await sees('guangyang-admin', g.id), 200)
  t.equal(await sees('grid01', 'no-such-id'), 404)

  // Personal data: dispatchers, callback staff, admins and whoever handles it; not leaders or supervisors.
  t.equal((await getCase(app, c.id, 'dispatcher')).petitioner.phone, '13500000000')
  t.equal((await getCase(app, c.id, 'callback')).petitioner.name, '钱')
  t.equal((await getCase(app, c.id, 'env-officer')).petitioner.phone, '13500000000', 'the handler on the case')
  t.equal((await getCase(app, c.id, 'leader')).petitioner.name, null)
  t.equal((await getCase(app, c.id, 'supervisor')).petitioner.phone, null)
  t.equal((await getCase(app, c.id, 'xianghe-admin')).petitioner.phone, null)
  t.equal((await getCase(app, c.id, 'grid01')).petitioner.phone, null, 'a grid worker not on the case')
  const leaderList = (await call(app, 'leader', 'GET', '/api/cases')).body
  t.ok(leaderList.items.every((i: any) => i.petitioner.name === null && i.petitioner.phone === null))

  // Acting outside one's role or scope.
  const sign = await openTask(app, c.id, 'ut_signfor')
  t.equal((await call(app, 'grid01', 'POST', `/api/tasks/${sign.id}/complete`, { data: { signOutcome: 'accept' } })).status, 404)
  t.equal((await call(app, 'land-officer', 'POST', `/api/tasks/${sign.id}/extension`, { days: 1, reason: 'x' })).status, 404)
  t.equal(
    (await call(app, 'env-officer', 'POST', `/api/cases/${c.id}/evaluation`, { resolved: true, satisfaction: 'satisfied' })).status,
    403,
    'only callback staff record evaluations',
  )
  t.equal(
    (await call(app, 'callback', 'POST', `/api/cases/${c.id}/evaluation`, { resolved: true, satisfaction: 'satisfied' })).status,
    409,
    'not awaiting evaluation',
  )
  t.equal(
    (await call(app, 'xianghe-callback', 'POST', `/api/cases/${g.id}/evaluation`, { resolved: true, satisfaction: 'satisfied' })).status,
    404,
    'another county’s case',
  )
  const intake = { channel: 'walk_in', description: 'x', category: 'other', regionCode: 'gy-xinyuan-v01-g1', petitioner: { type: 'person', anonymous: true } }
  t.equal((await call(app, 'grid01', 'POST', '/api/cases', intake)).status, 403, 'a grid worker files only in their grid')
  t.equal((await call(app, 'leader', 'POST', '/api/cases', intake)).status, 403, 'leaders do not register cases')
  t.equal((await call(app, 'grid02', 'POST', '/api/cases', intake)).status, 201)
  t.equal((await call(app, 'grid02', 'POST', '/api/cases', { ...intake, category: 'nope' })).status, 422)
  t.equal((await call(app, 'grid02', 'POST', '/api/cases', { ...intake, channel: 'pigeon' })).status, 400)
  t.equal((await call(app, 'grid01', 'GET', '/api/routing-rules')).status, 403)
  t.equal(
    (await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', { tenant: 'guangyang', rules: [] })).status,
    403,
    'a county admin edits only their county',
  )
  t.equal((await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', { rules: [{ owner: 'nope' }] })).status, 422)
  t.equal(
    (await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', { rules: [{ owner: '@grid', region: 'gy-xinyuan' }] })).status,
    422,
    'a region outside the county',
  )
  const cityRules = (await call(app, 'xianghe-admin', 'GET', '/api/routing-rules')).body
  t.ok(cityRules.every((r: any) => r.tenant === null || r.tenant === 'xianghe'))

  // Filters and paging.
  const all = (await call(app, 'admin', 'GET', '/api/cases?limit=2')).body
  t.equal(all.total, 3)
  t.equal(all.items.length, 2)
  t.ok(all.next)
  const page2 = (await call(app, 'admin', 'GET', `/api/cases?limit=2&cursor=${all.next}`)).body
  t.equal(page2.items.length, 1)
  t.equal(page2.next, null)
  t.equal((await call(app, 'admin', 'GET', '/api/cases?region=guangyang')).body.total, 2)
  t.equal((await call(app, 'admin', 'GET', '/api/cases?category=environment')).body.total, 1)
  t.equal((await call(app, 'admin', 'GET', '/api/cases?channel=walk_in')).body.total, 1)
  t.equal((await call(app, 'admin', 'GET', '/api/cases?status=closed')).body.total, 0)
  t.equal((await call(app, 'admin', 'GET', `/api/cases?q=${encodeURIComponent('排污')}`)).body.total, 1)
  t.equal((await call(app, 'admin', 'GET', '/api/cases?offset=2&limit=5')).body.items.length, 1)
  t.equal((await call(app, 'admin', 'GET', '/api/cases?cursor=garbage')).status, 400)
  t.equal((await call(app, 'admin', 'GET', `/api/cases?from=${encodeURIComponent(new Date(Date.now() + 3600e3).toISOString())}`)).body.total, 0)
})

t.test('anonymous petitions leak no name or phone anywhere', async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    description: '举报噪声',
    category: 'environment.noise',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', name: NAME, phone: PHONE, anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  await step(app, c.id, 'ut_signfor', 'env-officer', { signOutcome: 'accept' })
  await step(app, c.id, 'ut_handle', 'env-officer', { outcome: 'resolved', result: '已处理' })
  const leak = (what: string, body: unknown) => {
    const s = JSON.stringify(body)
    t.notOk(s.includes(NAME) || s.includes(PHONE), `${what} has no name or phone`)
  }
  for (const u of ['admin', 'dispatcher', 'callback', 'env-officer', 'leader', 'grid01']) {
    const d = await call(app, u, 'GET', `/api/cases/${c.id}`)
    t.equal(d.status, 200)
    t.same(d.body.petitioner, { type: 'person', name: null, phone: null, anonymous: true }, `${u}: detail`)
    leak(`${u} list`, (await call(app, u, 'GET', '/api/cases')).body)
    leak(`${u} history`, (await call(app, u, 'GET', `/api/cases/${c.id}/history`)).body)
  }
  leak('track', (await call(app, null, 'GET', `/api/public/track/${p.caseNo}?code=${p.trackingCode}`)).body)
  leak('tasks', (await call(app, 'admin', 'GET', `/api/tasks?caseId=${c.id}&status=completed`)).body)
  const task = await app.db('tasks').where({ case_id: c.id }).first()
  leak('task view', (await call(app, 'env-officer', 'GET', `/api/tasks/${task.id}`)).body)
  const row = await app.db('cases').where({ id: c.id }).first()
  t.equal(row.petitioner_name, null, 'not even stored')
  t.equal(row.petitioner_phone, null)
  const inst = await app.db('process_instances').where({ case_id: c.id })
  leak('process variables', inst)
  leak('engine history', await app.db('history').where({ case_id: c.id }))
})

t.test('public routes: tracking never reveals, bad input is 400/404/422, size and rate limits', async (t) => {
  const app = await build(t)
  const base = {
    description: '咨询',
    category: 'policy.insurance',
    regionCode: 'xh-anping',
    petitioner: { type: 'legal_person', name: '某公司', anonymous: false },
  }
  const p = await petition(app, base)
  const c = await caseByNo(app, p.caseNo)
  t.same(c.activeTasks[0].candidateGroups, ['dispatcher@xh-anping-centre'], 'no rule covers it: the township centre dispatches')
  t.equal(c.status, 'received')
  t.equal((await call(app, null, 'GET', `/api/public/track/${p.caseNo}`)).status, 404, 'no code')
  t.equal((await call(app, null, 'GET', `/api/public/track/${p.caseNo}?code=AAAAAAAA`)).status, 404, 'wrong code')
  t.equal((await call(app, null, 'GET', `/api/public/track/XH20000101-0001?code=${p.trackingCode}`)).status, 404, 'unknown case')
  // Regression: a case number typed in lower case ("xh20261205-0002", as read off a text message)
  // was "not found" though the code, typed in any case, was right.
  const typed = await app.inject({
    method: 'GET',
    url: `/api/public/track/${encodeURIComponent(` ${p.caseNo.toLowerCase()} `)}`,
    headers: { 'x-tracking-code': p.trackingCode.toLowerCase() },
  })
  t.equal(typed.statusCode, 200, 'the number in lower case, with spaces around it')
  t.equal(typed.json().caseNo, p.caseNo, 'the case, by its number as the platform gave it')
  const files = await app.inject({
    method: 'GET',
    url: `/api/public/track/${p.caseNo.toLowerCase()}/attachments`,
    headers: { 'x-tracking-code': p.trackingCode },
  })
  t.equal(files.statusCode, 200, "the citizen's attachments by the same number")
  const ev = await call(app, null, 'POST', `/api/public/track/${p.caseNo}/evaluation`, { code: p.trackingCode, resolved: true, satisfaction: 'satisfied' })
  t.equal(ev.status, 409, 'not awaiting evaluation')
  t.equal((await call(app, null, 'POST', `/api/public/track/${p.caseNo}/evaluation`, { code: 'WRONG', resolved: true, satisfaction: 'satisfied' })).status, 404)
  t.equal(
    (await call(app, null, 'POST', `/api/public/track/${p.caseNo}/evaluation`, { code: p.trackingCode, resolved: true, satisfaction: 'meh' })).status,
    400,
  )
  t.equal((await call(app, null, 'POST', '/api/public/petitions', { ...base, petitioner: { type: 'alien', anonymous: false } })).status, 400)
  t.equal((await call(app, null, 'POST', '/api/public/petitions', { ...base, regionCode: 'atlantis' })).status, 422)
  t.equal((await call(app, null, 'POST', '/api/public/petitions', { ...base, description: 'x'.repeat(40000) })).status, 413)
  let last = 0
  for (let i = 0; i < 12 && last !== 429; i++) last = (await call(app, null, 'POST', '/api/public/petitions', base)).status
  t.equal(last, 429, 'rate-limited')
})

t.test('case numbers are sequential per county and day', async (t) => {
  const app = await build(t)
  const a = await petition(app, { description: 'a', category: 'other', regionCode: 'xh-anping', petitioner: { type: 'person', anonymous: true } })
  const b = await petition(app, { description: 'b', category: 'other', regionCode: 'xh-shuyang', petitioner: { type: 'person', anonymous: true } })
  const g = await petition(app, { description: 'g', category: 'other', regionCode: 'gy-jiefang', petitioner: { type: 'organisation', anonymous: true } })
  t.equal(Number(b.caseNo.slice(-4)), Number(a.caseNo.slice(-4)) + 1)
  t.equal(g.caseNo.slice(-4), '0001')
  t.not(a.trackingCode, b.trackingCode)
})
