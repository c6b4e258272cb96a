import t from 'tap'
import { login } from '../helper.js'
import { buildMetricsApp as build, insertCases } from './fixtures.js'

const M = '2024-03-10T02:00:00.000Z'
const due = '2024-03-12T02:00:00.000Z'

/**
 * Five cases in March 2024 (China time), hand-made so that every rate has a known
 * numerator and denominator:
 *   A  xh-anping   responded in time, closed in time at village level, evaluated resolved + satisfied
 *   B  xh-anping   responded late, closed late at county level, evaluated unresolved + basically satisfied
 *   C  xh-shuyang  received, nothing else
 *   D  xianghe     (county itself) responded with no deadline, closed with no deadline at township level,
 *                  evaluated resolved + dissatisfied
 *   E  gy-xinyuan  responded in time, still in progress
 */
async function seed(app: any) {
  await insertCases(app, [
    {
      region: 'xh-anping',
      category: 'utilities.water',
      department: 'xianghe-water',
      channel: 'hotline',
      response_due_at: due,
      responded_at: '2024-03-10T03:00:00.000Z',
      resolve_due_at: '2024-03-20T00:00:00.000Z',
      status: 'closed',
      closed_at: '2024-03-15T00:00:00.000Z',
      resolved_level: 'village',
      eval_resolved: true,
      eval_satisfaction: 'satisfied',
      evaluated_at: '2024-03-16T00:00:00.000Z',
    },
    {
      region: 'xh-anping',
      category: 'utilities.power',
      department: 'xianghe-power',
      channel: 'wechat',
      response_due_at: due,
      responded_at: '2024-03-13T00:00:00.000Z',
      resolve_due_at: '2024-03-20T00:00:00.000Z',
      status: 'closed',
      closed_at: '2024-03-25T00:00:00.000Z',
      resolved_level: 'county',
      eval_resolved: false,
      eval_satisfaction: 'basically_satisfied',
      evaluated_at: '2024-03-26T00:00:00.000Z',
    },
    { region: 'xh-shuyang', category: 'land', department: 'xianghe-land', response_due_at: due },
    {
      region: 'xianghe',
      category: 'land',
      department: 'xianghe-land',
      responded_at: '2024-03-11T00:00:00.000Z',
      status: 'closed',
      closed_at: '2024-03-12T00:00:00.000Z',
      resolved_level: 'township',
      eval_resolved: true,
      eval_satisfaction: 'dissatisfied',
      evaluated_at: '2024-03-13T00:00:00.000Z',
    },
    { region: 'gy-xinyuan', category: 'urban', department: null, response_due_at: due, responded_at: M, status: 'in_progress' },
  ])
}

const get = async (app: any, url: string, user = 'leader') => app.inject({ method: 'GET', url, headers: await login(app, user) })

t.test('every rate: numerator and denominator', async (t) => {
  const app = await build(t)
  await seed(app)
  const res = await get(app, '/api/metrics/rates?from=2024-03&to=2024-03')
  t.equal(res.statusCode, 200, res.body)
  const o = res.json().overall
  // On time: A (closed 03-15, due 03-20); B late (03-25); D has no deadline: counted apart.
  t.match(o, {
    received: 5,
    responded: 3,
    closed: 3,
    evaluated: 3,
    resolved: 2,
    satisfied: 2,
    onTime: 1,
    onTimeBase: 2,
    closedNoDeadline: 1,
    atOrBelowTownship: 2,
  })
  t.equal(o.responseRate, 3 / 5)
  t.equal(o.closureRate, 3 / 5)
  t.equal(o.resolutionRate, 2 / 3)
  t.equal(o.satisfactionRate, 2 / 3)
  t.equal(o.onTimeRate, 1 / 2)
  t.equal(o.atOrBelowTownshipRate, 2 / 3)
  t.same(res.json().groups, [])
  t.equal(res.json().period.from, '2024-02-29T16:00:00.000Z', 'a month starts at midnight China time')
  t.equal(res.json().period.to, '2024-03-31T16:00:00.000Z', '`to` includes the whole month')
})

t.test('null rates on an empty set', async (t) => {
  const app = await build(t)
  await seed(app)
  for (const url of ['/api/metrics/rates?from=2020-01-01&to=2020-01-31', '/api/metrics/rates?from=2020-01-01&to=2020-01-31&groupBy=month']) {
    const res = await get(app, url)
    t.equal(res.statusCode, 200)
    const o = res.json().overall
    t.match(o, { received: 0, responded: 0, closed: 0, evaluated: 0 })
    for (const k of ['responseRate', 'closureRate', 'resolutionRate', 'satisfactionRate', 'onTimeRate', 'atOrBelowTownshipRate']) t.equal(o[k], null, k)
    t.same(res.json().groups, [])
  }
  // evaluated = 0 but received > 0: resolution and satisfaction null, the others numbers
  const res = await get(app, '/api/metrics/rates?region=gy-xinyuan')
  t.match(res.json().overall, { received: 1, responseRate: 1, closureRate: 0, resolutionRate: null, satisfactionRate: null, onTimeRate: null })
})

t.test('groupBy month, with the month boundary in China time', async (t) => {
  const app = await build(t)
  await seed(app)
  await insertCases(app, [
    { created_at: '2024-02-29T15:59:59.000Z' }, // 2024-02-29 23:59:59 CST → February
    { created_at: '2024-02-29T16:00:00.000Z' }, // 2024-03-01 00:00 CST → March
    { created_at: '2024-01-05T00:00:00.000Z', status: 'closed', closed_at: '2024-01-06T00:00:00.000Z' },
  ])
  const res = await get(app, '/api/metrics/rates?groupBy=month')
  t.equal(res.statusCode, 200)
  const g = res.json().groups
  t.same(
    g.map((x: any) => [x.key, x.received]),
    [
      ['2024-01', 1],
      ['2024-02', 1],
      ['2024-03', 6],
    ],
  )
  t.equal(g[0].closureRate, 1)
  t.equal(g[0].label, '2024-01')
  t.equal(res.json().overall.received, 8, 'overall is the sum of the groups')
  const feb = await get(app, '/api/metrics/rates?from=2024-02-01&to=2024-02-29&groupBy=month')
  t.same(
    feb.json().groups.map((x: any) => [x.key, x.received]),
    [['2024-02', 1]],
  )
  const instant = await get(app, '/api/metrics/rates?from=2024-02-29T16:00:00Z&to=2024-02-29T16:00:00Z')
  t.equal(instant.json().overall.received, 1, 'a date-time `to` is inclusive')
})

t.test('groupBy region: counties at city level, children of the chosen region below', async (t) => {
  const app = await build(t)
  await seed(app)
  let res = await get(app, '/api/metrics/rates?groupBy=region&region=langfang')
  t.equal(res.statusCode, 200, res.body)
  t.same(
    res.json().groups.map((g: any) => [g.key, g.received]),
    [
      ['xianghe', 4],
      ['guangyang', 1],
    ],
  )
  t.equal(res.json().groups[0].label, '香河县')
  t.same(res.json().region, { code: 'langfang', name: res.json().region.name, path: '/langfang/' })

  res = await get(app, '/api/metrics/rates?groupBy=region&region=xianghe')
  const groups = res.json().groups
  t.same(
    groups.map((g: any) => [g.key, g.received]),
    [
      ['xh-anping', 2],
      ['xh-shuyang', 1],
      ['xianghe', 1],
    ],
  )
  const self = groups.find((g: any) => g.key === 'xianghe')
  t.match(self.label, /（本级）$/, 'cases at the chosen region itself are their own group')
  t.equal(groups[0].closureRate, 1)
  t.equal(groups[0].atOrBelowTownshipRate, 0.5)

  // no region: a county user's groups are the county's townships
  res = await get(app, '/api/metrics/rates?groupBy=region', 'xianghe-admin')
  t.same(
    res
      .json()
      .groups.map((g: any) => g.key)
      .sort(),
    ['xh-anping', 'xh-shuyang', 'xianghe'].sort(),
  )
})

t.test('groupBy department and category', async (t) => {
  const app = await build(t)
  await seed(app)
  let res = await get(app, '/api/metrics/rates?groupBy=department')
  t.equal(res.statusCode, 200)
  const d = Object.fromEntries(res.json().groups.map((g: any) => [g.key, g]))
  t.equal(d['xianghe-land'].received, 2)
  t.equal(d['xianghe-land'].responseRate, 0.5)
  t.equal(d['xianghe-water'].received, 1)
  t.ok(d['xianghe-land'].label && d['xianghe-land'].label !== 'xianghe-land', 'department label from org_units')
  t.equal(d['null'].label, '未指定部门')
  t.equal(d['null'].labelEn, 'no department')

  res = await get(app, '/api/metrics/rates?groupBy=category')
  const c = Object.fromEntries(res.json().groups.map((g: any) => [g.key, g.received]))
  t.same(c, { utilities: 2, land: 2, urban: 1 }, 'child categories group under their top-level code')
})

t.test('filters: region subtree, department, category, dates', async (t) => {
  const app = await build(t)
  await seed(app)
  await insertCases(app, [
    { region: 'xh-anping-v01-g1', category: 'utilitiesx' },
    { region: 'xh-anping-v01', category: 'utilities' },
  ])
  let res = await get(app, '/api/metrics/rates?region=xh-anping')
  t.equal(res.json().overall.received, 4, 'the township and its villages and grids')
  res = await get(app, '/api/metrics/rates?region=xianghe')
  t.equal(res.json().overall.received, 6)
  res = await get(app, '/api/metrics/rates?category=utilities')
  t.equal(res.json().overall.received, 3, 'a category with its children, not a code that merely starts alike')
  res = await get(app, '/api/metrics/rates?category=utilities.water')
  t.equal(res.json().overall.received, 1)
  res = await get(app, '/api/metrics/rates?department=xianghe-land&region=xianghe')
  t.equal(res.json().overall.received, 2)
  res = await get(app, '/api/metrics/rates?from=2024-03-11&to=2024-03-31')
  t.equal(res.json().overall.received, 0)
  res = await get(app, '/api/metrics/rates?from=2024-03-10&to=2024-03-10')
  t.equal(res.json().overall.received, 7)
})

t.test('bad input is a 400', async (t) => {
  const app = await build(t)
  const headers = await login(app, 'leader')
  for (const q of [
    'from=2024-13-01',
    'from=2024-02-30',
    'from=yesterday',
    'to=2024-03-01T25:00',
    'groupBy=week',
    'from=2024-04-01&to=2024-03-01',
    'region=no-such-region',
    'department=',
  ]) {
    const res = await app.inject({ method: 'GET', url: `/api/metrics/rates?${q}`, headers })
    t.equal(res.statusCode, 400, q)
    t.ok(res.json().error && res.json().message, q)
  }
  const res = await app.inject({ method: 'GET', url: '/api/metrics/overview?month=2024-13', headers })
  t.equal(res.statusCode, 400)
})

t.test('scope: city sees all, a county its county, below county 403', async (t) => {
  const app = await build(t)
  await seed(app)
  t.equal((await app.inject({ method: 'GET', url: '/api/metrics/rates' })).statusCode, 401)
  for (const u of ['admin', 'leader', 'supervisor']) {
    const res = await get(app, '/api/metrics/rates', u)
    t.equal(res.json().overall.received, 5, u)
  }
  let res = await get(app, '/api/metrics/rates', 'xianghe-admin')
  t.equal(res.json().overall.received, 4, 'a county user sees only their county')
  res = await get(app, '/api/metrics/rates?region=xh-anping', 'xianghe-leader')
  t.equal(res.json().overall.received, 2)
  for (const [u, q] of [
    ['xianghe-admin', 'region=guangyang'],
    ['xianghe-leader', 'region=gy-xinyuan'],
    ['xianghe-admin', 'region=langfang'],
    ['guangyang-admin', 'region=xh-anping&groupBy=region'],
  ]) {
    t.equal((await get(app, `/api/metrics/rates?${q}`, u)).statusCode, 403, `${u} ${q}`)
  }
  for (const u of ['grid01', 'anping-leader', 'anping-dispatcher', 'anping-v01']) {
    res = await get(app, '/api/metrics/rates', u)
    t.equal(res.statusCode, 403, u)
    t.equal((await get(app, '/api/metrics/overview', u)).statusCode, 403, u)
  }
})

t.test('definitions are configuration', async (t) => {
  const app = await build(t)
  await seed(app)
  const admin = await login(app, 'admin')
  let res = await app.inject({
    method: 'PUT',
    url: '/api/metrics/definitions',
    headers: admin,
    payload: { satisfiedValues: ['satisfied'], noDeadlineIsOnTime: false },
  })
  t.equal(res.statusCode, 200, res.body)
  res = await get(app, '/api/metrics/rates?from=2024-03&to=2024-03')
  t.match(res.json().overall, { satisfied: 1, responded: 2, onTime: 1 })
  res = await app.inject({ method: 'PUT', url: '/api/metrics/definitions', headers: await login(app, 'leader'), payload: {} })
  t.equal(res.statusCode, 403)
  res = await app.inject({ method: 'GET', url: '/api/metrics/definitions', headers: admin })
  t.same(res.json().satisfiedValues, ['satisfied'])
})

t.test('overview for the dashboard', async (t) => {
  const app = await build(t)
  await seed(app)
  const res = await get(app, '/api/metrics/overview?month=2024-03')
  t.equal(res.statusCode, 200, res.body)
  const o = res.json()
  t.equal(o.month, '2024-03')
  t.equal(o.totals.received, 5)
  t.same(o.totals.byStatus, [
    { key: 'closed', count: 3 },
    { key: 'in_progress', count: 1 },
    { key: 'received', count: 1 },
  ])
  t.same(o.totals.byChannel, [
    { key: 'hotline', count: 4 },
    { key: 'wechat', count: 1 },
  ])
  t.same(
    o.topCategories.map((c: any) => [c.key, c.count]),
    [
      ['land', 2],
      ['utilities', 2],
      ['urban', 1],
    ],
  )
  t.equal(o.trend.length, 12)
  t.equal(o.trend[0].month, '2023-04')
  t.equal(o.trend[11].month, '2024-03')
  t.equal(o.trend[11].received, 5)
  t.equal(o.trend[10].received, 0)
  t.equal(o.trend[10].responseRate, null)
  t.same(o.townships.map((x: any) => x.key).sort(), ['gy-xinyuan', 'xh-anping', 'xh-shuyang'])
  t.same(
    o.townships.map((x: any) => x.rank),
    [1, 2, 3],
  )
  t.ok(o.townships[0].score >= o.townships[1].score)
  t.ok(o.departments.length >= 3)
  const county = await get(app, '/api/metrics/overview?month=2024-03', 'xianghe-admin')
  t.equal(county.json().totals.received, 4)
  t.same(
    county
      .json()
      .townships.map((x: any) => x.key)
      .sort(),
    ['xh-anping', 'xh-shuyang'],
  )
  const docs = await app.inject({ method: 'GET', url: '/docs/json' })
  t.ok(docs.json().paths['/api/metrics/overview'], 'documented in OpenAPI')
  t.ok(docs.json().paths['/api/metrics/rates'])
})

/**
 * Issue 10, "the rates count what the unit did". Six cases closed in May 2024, deadline
 * 05-20T00:00:00Z unless said otherwise:
 *   F  result reported 4 s before the deadline, evaluated (closed) 1 s after it   county
 *   G  result 05-21, closed 05-22: late either way                                 county
 *   H  closed as a duplicate 05-18 without a result                                (no level)
 *   I  closed without any deadline                                                 city
 *   J  result 05-10, closed 05-11, the citizen said NOT resolved                   village
 *   K  result 05-10, closed 05-11, not evaluated                                   township
 */
t.test('on time is judged when the unit finished; closures without a deadline and unresolved ones count apart', async (t) => {
  const app = await build(t)
  const due = '2024-05-20T00:00:00.000Z'
  const created = '2024-05-05T02:00:00.000Z'
  const closed = (over: Record<string, unknown>) => ({ created_at: created, status: 'closed', resolve_due_at: due, ...over })
  await insertCases(app, [
    closed({
      resolved_at: '2024-05-19T23:59:56.000Z',
      closed_at: '2024-05-20T00:00:01.000Z',
      resolved_level: 'county',
      eval_resolved: true,
      eval_satisfaction: 'satisfied',
      evaluated_at: '2024-05-20T00:00:01.000Z',
    }),
    closed({ resolved_at: '2024-05-21T00:00:00.000Z', closed_at: '2024-05-22T00:00:00.000Z', resolved_level: 'county' }),
    closed({ closed_at: '2024-05-18T00:00:00.000Z' }),
    closed({ resolve_due_at: null, resolved_at: '2024-05-30T00:00:00.000Z', closed_at: '2024-05-30T00:00:00.000Z', resolved_level: 'city' }),
    closed({
      resolved_at: '2024-05-10T00:00:00.000Z',
      closed_at: '2024-05-11T00:00:00.000Z',
      resolved_level: 'village',
      eval_resolved: false,
      eval_satisfaction: 'dissatisfied',
      evaluated_at: '2024-05-11T00:00:00.000Z',
    }),
    closed({ resolved_at: '2024-05-10T00:00:00.000Z', closed_at: '2024-05-11T00:00:00.000Z', resolved_level: 'township' }),
  ])
  const overall = async () => (await get(app, '/api/metrics/rates?from=2024-05&to=2024-05')).json().overall
  const put = async (payload: Record<string, unknown>) => {
    const r = await app.inject({ method: 'PUT', url: '/api/metrics/definitions', headers: await login(app, 'admin'), payload })
    t.equal(r.statusCode, 200, r.body)
  }

  let o = await overall()
  // F, H, J, K on time; G late; I apart. At or below township: K only (J's citizen said not resolved).
  t.match(o, { closed: 6, onTime: 4, onTimeBase: 5, closedNoDeadline: 1, atOrBelowTownship: 1 })
  t.equal(o.onTimeRate, 4 / 5)
  t.equal(o.atOrBelowTownshipRate, 1 / 6)

  await put({ onTimeBy: 'closed' })
  o = await overall()
  t.match(o, { onTime: 3, onTimeBase: 5 }, 'judged by closure, F is late by a second')
  t.equal(o.onTimeRate, 3 / 5)

  await put({ onTimeBy: 'finished', closedWithoutDeadline: 'onTime' })
  o = await overall()
  t.match(o, { onTime: 5, onTimeBase: 6, closedNoDeadline: 1 }, 'as the first wave counted: I on time')
  t.equal(o.onTimeRate, 5 / 6)
  const defs = await app.inject({ method: 'GET', url: '/api/metrics/definitions', headers: await login(app, 'admin') })
  t.match(defs.json(), { onTimeBy: 'finished', closedWithoutDeadline: 'onTime' })
})
