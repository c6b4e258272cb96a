// Administering the category tree and its time limits: GET /api/categories (administrators,
// a county's too), POST /api/categories and PATCH /api/categories/:code (the city's administrator
// only: categories have no tenant). Limits are bounded ISO-8601 durations; a change applies to
// the next case filed and never to one filed before it; a withdrawn category (or one under a
// withdrawn category) leaves public intake, the citizens' tree and Open311's services.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from '../helper.js'
import { call, garbageReport, readsOf } from '../api.js'
import { testClock } from '../clock.js'
import { process } from '../fixtures/bpmn.js'

const patch = (app: FastifyInstance, who: string | null, code: string, payload: unknown) =>
  call(app, who, 'PATCH', `/api/categories/${encodeURIComponent(code)}`, payload)
const add = (app: FastifyInstance, who: string | null, payload: unknown) => call(app, who, 'POST', '/api/categories', payload)
const row = (app: FastifyInstance, code: string) => app.db('categories').where({ code }).first()
/** The row as stored, to prove a refusal left it alone. */
const snapshot = async (app: FastifyInstance, code: string) => {
  const r = await row(app, code)
  return r && { ...r, active: Boolean(r.active), limits: JSON.parse(r.limits) }
}
const HOUR = 3_600_000
const DAY = 24 * HOUR
/** `from + ms` as the API writes instants. */
const plus = (from: string, ms: number) => new Date(Date.parse(from) + ms).toISOString()

/** Every code of the citizens' tree, nested ones included. */
const publicCodes = async (app: FastifyInstance) => {
  const out: string[] = []
  const walk = (nodes: any[]) => nodes.forEach((n) => (out.push(n.code), walk(n.children ?? [])))
  walk((await call(app, null, 'GET', '/api/public/categories')).body)
  return out
}
const serviceCodes = async (app: FastifyInstance) =>
  ((await call(app, null, 'GET', '/open311/v2/services.json')).body as any[]).map((s) => s.service_code as string)

t.test('administrators read the tree; only the city’s administrator changes it', async (t) => {
  const app = await build(t)
  const stored: any[] = await app.db('categories').orderBy('code')

  const list = await call(app, 'admin', 'GET', '/api/categories')
  t.equal(list.status, 200)
  t.same(list.body.map((c: any) => c.code).sort(), stored.map((c) => c.code).sort(), 'every category')
  const garbage = list.body.find((c: any) => c.code === 'environment.garbage')
  // The seed's tree: garbage sets no limits of its own, nor does environment: Beijing's ordinary ones (seed.ts).
  t.match(garbage, {
    parentCode: 'environment',
    name: '垃圾堆放',
    nameEn: 'Garbage dumping',
    duty: 'general',
    defaultLevel: 'village',
    procedure: 'ordinary',
    limits: {
      emergency: { response: 'PT30M', resolve: 'PT2H' },
      urgent: { response: 'PT2H', resolve: 'P1D' },
      normal: { response: 'PT24H', resolve: 'P7D' },
    },
    active: true,
    inForce: true,
    updatedAt: null,
    updatedBy: null,
  })
  const county = await call(app, 'xianghe-admin', 'GET', '/api/categories')
  t.equal(county.status, 200, 'a county administrator reads it')
  t.same(county.body, list.body, 'the same tree')

  const before = await snapshot(app, 'environment.garbage')
  const change = { name: '改名', limits: { normal: { response: 'PT1H', resolve: 'P1D' } } }
  const refused = await patch(app, 'xianghe-admin', 'environment.garbage', change)
  t.equal(refused.status, 403)
  t.equal(refused.body.key, 'error.category.cityOnly')
  const refusedAdd = await add(app, 'xianghe-admin', { code: 'environment.smoke', name: '油烟', nameEn: 'Cooking fumes' })
  t.equal(refusedAdd.status, 403)
  t.equal(refusedAdd.body.key, 'error.category.cityOnly')
  for (const who of ['land-officer', 'dispatcher', 'grid01']) {
    t.equal((await call(app, who, 'GET', '/api/categories')).status, 403, `${who} reads nothing`)
    t.equal((await patch(app, who, 'environment.garbage', change)).status, 403, `${who} changes nothing`)
    t.equal((await add(app, who, { code: 'environment.smoke', name: '油烟', nameEn: 'Cooking fumes' })).status, 403, `${who} adds nothing`)
  }
  t.equal((await call(app, null, 'GET', '/api/categories')).status, 401)
  t.equal((await patch(app, null, 'environment.garbage', change)).status, 401)
  // The role is checked before the body: a county administrator's bad body is a 403, not a 400.
  t.equal((await patch(app, 'xianghe-admin', 'environment.garbage', { limits: 'soon' })).status, 403)
  t.same(await snapshot(app, 'environment.garbage'), before, 'untouched')
  t.notOk(await row(app, 'environment.smoke'), 'nothing added')

  const startedAt = new Date().toISOString()
  const done = await patch(app, 'admin', 'environment.garbage', change)
  t.equal(done.status, 200, JSON.stringify(done.body))
  t.match(done.body, {
    code: 'environment.garbage',
    name: '改名',
    nameEn: 'Garbage dumping',
    limits: { normal: { response: 'PT1H', resolve: 'P1D' }, urgent: { response: 'PT2H', resolve: 'P1D' } },
    updatedBy: 'admin',
    updatedByName: '系统管理员',
  })
  t.ok(done.body.updatedAt >= startedAt, 'when')
  const after = await snapshot(app, 'environment.garbage')
  t.equal(after.name, '改名')
  t.same(after.limits.normal, { response: 'PT1H', resolve: 'P1D' })
  t.same(after.limits.emergency, before.limits.emergency, 'the urgencies not given keep theirs')
  t.equal(after.updated_by, 'admin')
  const listed = (await call(app, 'xianghe-admin', 'GET', '/api/categories')).body.find((c: any) => c.code === 'environment.garbage')
  t.match(listed, { updatedBy: 'admin', updatedByName: '系统管理员', updatedAt: done.body.updatedAt }, 'staff see who changed it and when')
})

t.test('bad limits, codes, names and procedures are 400s naming the field; nothing is written', async (t) => {
  const app = await build(t)
  const before = await snapshot(app, 'environment.garbage')
  const limits = (normal: unknown) => ({ limits: { normal } })
  for (const [body, field, key] of [
    [limits({ response: 'seven days', resolve: 'P7D' }), 'limits/normal/response', 'error.category.badDuration'],
    [limits({ response: 'PT24H', resolve: '7D' }), 'limits/normal/resolve', 'error.category.badDuration'],
    [limits({ response: 'PT', resolve: 'P7D' }), 'limits/normal/response', 'error.category.badDuration'],
    [limits({ response: 'P8D', resolve: 'P7D' }), 'limits/normal/response', 'error.category.responseAfterResolve'],
    // The limit that put deadlines in the year 102025 (migration 032).
    [limits({ response: 'PT24H', resolve: 'P99999Y' }), 'limits/normal/resolve', 'error.category.calendarUnit'],
    [limits({ response: 'PT24H', resolve: 'P1M' }), 'limits/normal/resolve', 'error.category.calendarUnit'],
    [limits({ response: 'PT24H', resolve: 'P366D' }), 'limits/normal/resolve', 'error.category.durationLong'],
    [limits({ response: 'PT24H', resolve: 'P53W' }), 'limits/normal/resolve', 'error.category.durationLong'],
    [limits({ response: 'PT24H', resolve: 'PT99999999999999999999H' }), 'limits/normal/resolve', 'error.category.durationLong'],
    [limits({ response: 'PT9M59S', resolve: 'P7D' }), 'limits/normal/response', 'error.category.durationShort'],
    [limits({ response: 'PT0S', resolve: 'P7D' }), 'limits/normal/response', 'error.category.durationShort'],
    [{ limits: { emergency: { response: 'PT5M', resolve: 'PT2H' } } }, 'limits/emergency/response', 'error.category.durationShort'],
    [{ procedure: 'no_such_flow' }, 'procedure', 'error.category.unknownProcedure'],
    [{ name: ' \u200b ' }, 'name', 'error.category.blankName'],
    [{ nameEn: '   ' }, 'nameEn', 'error.category.blankNameEn'],
  ] as const) {
    const r = await patch(app, 'admin', 'environment.garbage', body)
    t.equal(r.status, 400, JSON.stringify(body))
    t.equal(r.body.key, 'error.category.invalid')
    t.same(
      r.body.details.map((d: any) => [d.field, d.key]),
      [[field, key]],
      `${JSON.stringify(body)}: ${field}`,
    )
    t.match(r.body.message, /\p{Script=Han}.* \/ [a-z]/su, 'a sentence in both languages')
  }
  // One answer names every problem; the pair's order is judged only when both are limits.
  const several = await patch(app, 'admin', 'environment.garbage', {
    limits: { urgent: { response: 'P1Y', resolve: 'PT1M' }, normal: { response: 'P2D', resolve: 'P1D' } },
  })
  t.equal(several.status, 400)
  t.same(
    several.body.details.map((d: any) => [d.field, d.key]),
    [
      ['limits/normal/response', 'error.category.responseAfterResolve'],
      ['limits/urgent/response', 'error.category.calendarUnit'],
      ['limits/urgent/resolve', 'error.category.durationShort'],
    ],
  )
  // The schema's own refusals: a limit that is not a pair, an unknown urgency or field, a bad level, duty or order.
  for (const body of [
    {},
    { limits: {} },
    { limits: { normal: { response: 'PT24H' } } },
    { limits: { normal: 'P7D' } },
    { limits: { someday: { response: 'PT24H', resolve: 'P7D' } } },
    { defaultLevel: 'planet' },
    { duty: 'Land Office' },
    { sort: -1 },
    { sort: 1.5 },
    { name: '' },
    { name: 'x'.repeat(101) },
    { code: 'environment.other' },
    { parentCode: 'roads' },
    { procedure: 'no such flow' },
    { limits: { normal: { response: 'P'.repeat(33), resolve: 'P7D' } } },
  ]) {
    const r = await patch(app, 'admin', 'environment.garbage', body)
    t.equal(r.status, 400, JSON.stringify(body))
  }
  t.same(await snapshot(app, 'environment.garbage'), before, 'untouched by every refusal')

  // Codes: lower-case segments joined by dots, at most four, under a parent that exists.
  const count = async () => Number((await app.db('categories').count({ n: '*' }).first())!.n)
  const rows = await count()
  for (const code of [
    'Environment.smoke',
    'environment..smoke',
    'environment.smoke.',
    '.smoke',
    '1smoke',
    'environment.煙',
    'a.b.c.d.e',
    'x'.repeat(65),
    'environment/smoke',
    '',
  ]) {
    const r = await add(app, 'admin', { code, name: '油烟', nameEn: 'Cooking fumes' })
    t.equal(r.status, 400, code)
    t.ok(
      r.body.details.some((d: any) => d.path === '/code'),
      `${code}: the code`,
    )
  }
  const orphan = await add(app, 'admin', { code: 'nowhere.smoke', name: '油烟', nameEn: 'Cooking fumes' })
  t.equal(orphan.status, 400)
  t.match(orphan.body.details, [{ field: 'code', key: 'error.category.unknownParent', params: { parent: 'nowhere' } }])
  const unnamed = await add(app, 'admin', { code: 'environment.smoke', name: '油烟' })
  t.equal(unnamed.status, 400, 'both names are needed')
  const badLimits = await add(app, 'admin', {
    code: 'environment.smoke',
    name: '油烟',
    nameEn: 'Cooking fumes',
    limits: { normal: { response: 'PT24H', resolve: 'P99999Y' } },
  })
  t.equal(badLimits.status, 400)
  t.match(badLimits.body.details, [{ field: 'limits/normal/resolve' }])
  t.equal(await count(), rows, 'nothing added')

  // Within the bounds, every unit a limit may be written in.
  const edges = await patch(app, 'admin', 'environment.garbage', {
    limits: {
      emergency: { response: 'PT10M', resolve: 'PT600S' },
      urgent: { response: 'PT1H30M', resolve: 'P52W' },
      normal: { response: 'P1DT12H', resolve: 'P365D' },
    },
  })
  t.equal(edges.status, 200, JSON.stringify(edges.body))
})

t.test('an unknown code is a 404, a taken one a 409; a new category takes what it leaves out from its parent', async (t) => {
  const app = await build(t)
  const missing = await patch(app, 'admin', 'environment.nothing', { name: '无' })
  t.equal(missing.status, 404)
  t.equal(missing.body.key, 'error.category.notFound')
  t.equal((await patch(app, 'admin', 'x'.repeat(64), { name: '无' })).status, 404, 'any text in the path')
  for (const code of ['environment.garbage', 'environment']) {
    const taken = await add(app, 'admin', { code, name: '重复', nameEn: 'Again' })
    t.equal(taken.status, 409, code)
    t.equal(taken.body.key, 'error.category.codeTaken')
  }
  t.equal((await row(app, 'environment')).name, '环境卫生', 'the taken one unchanged')

  // Two administrators adding one code at the same moment: one of them gets it.
  const both = await Promise.all([1, 2].map(() => add(app, 'admin', { code: 'roads.potholes', name: '坑洼', nameEn: 'Potholes' })))
  t.same(both.map((r) => r.status).sort(), [201, 409])

  // A child of `land`, which sets the complex limits (seed.ts COMPLEX); the code and names only.
  const land = (await call(app, 'admin', 'GET', '/api/categories')).body.find((c: any) => c.code === 'land')
  const child = await add(app, 'admin', { code: 'land.survey', name: '土地测绘', nameEn: 'Land survey' })
  t.equal(child.status, 201, JSON.stringify(child.body))
  t.match(child.body, {
    code: 'land.survey',
    parentCode: 'land',
    name: '土地测绘',
    nameEn: 'Land survey',
    duty: 'land',
    defaultLevel: 'county',
    procedure: 'ordinary',
    limits: { urgent: { response: 'PT2H', resolve: 'P3D' }, normal: { response: 'PT24H', resolve: 'P15D' } },
    active: true,
    inForce: true,
    updatedBy: 'admin',
  })
  t.same(child.body.limits, land.limits, 'the parent’s limits')
  const maxSort = Math.max(...(await app.db('categories').whereNot({ code: 'land.survey' }).pluck('sort')).map(Number))
  t.equal(child.body.sort, maxSort + 1, 'after every other')
  const tree = (await call(app, null, 'GET', '/api/public/categories')).body
  t.ok(
    tree.find((n: any) => n.code === 'land').children.some((n: any) => n.code === 'land.survey'),
    'the citizens’ tree has it under its parent',
  )
  t.ok((await serviceCodes(app)).includes('land.survey'), 'an Open311 service')

  // A top-level category with its own settings, and a deployed procedure of the city's.
  const xml = process(
    'pilot_flow',
    '<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="u"/><userTask id="u" name="试点 Pilot" camunda:candidateGroups="role:dispatcher"/><sequenceFlow id="f2" sourceRef="u" targetRef="e"/><endEvent id="e"/>',
    '试点流程 / Pilot',
  )
  t.equal((await call(app, 'admin', 'POST', '/api/process-definitions', { xml })).status, 201)
  const countyXml = process('xh_flow', '<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="e"/><endEvent id="e"/>')
  const countyDeploy = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: countyXml })
  t.equal(countyDeploy.status, 201)
  t.equal(countyDeploy.body.tenant, 'xianghe')
  const own = {
    code: 'tourism',
    name: '文化旅游',
    nameEn: 'Culture and tourism',
    duty: 'general',
    defaultLevel: 'county',
    procedure: 'pilot_flow',
    limits: {
      emergency: { response: 'PT15M', resolve: 'PT4H' },
      urgent: { response: 'PT1H', resolve: 'P2D' },
      normal: { response: 'PT12H', resolve: 'P10D' },
    },
    sort: 5,
  }
  const countyOnly = await add(app, 'admin', { ...own, procedure: 'xh_flow' })
  t.equal(countyOnly.status, 400, 'a key only a county deployed serves no other county')
  t.match(countyOnly.body.details, [{ field: 'procedure', key: 'error.category.unknownProcedure' }])
  const top = await add(app, 'admin', own)
  t.equal(top.status, 201, JSON.stringify(top.body))
  t.match(top.body, { ...own, parentCode: null, active: true, inForce: true })
  t.match(await snapshot(app, 'tourism'), { parent_code: null, procedure: 'pilot_flow', sort: 5, limits: own.limits, updated_by: 'admin' })
  for (const p of ['joint', 'escalation', 'one_case_one_plan', 'ordinary']) t.equal((await patch(app, 'admin', 'tourism', { procedure: p })).status, 200, p)
})

t.test('a withdrawn category, with those under it, leaves intake, the citizens’ tree and Open311; its cases stay', async (t) => {
  const app = await build(t)
  const filed = await call(app, 'dispatcher', 'POST', '/api/cases', garbageReport)
  t.equal(filed.status, 201)
  t.ok((await publicCodes(app)).includes('environment.garbage'))
  t.ok((await serviceCodes(app)).includes('environment.garbage'))

  t.equal((await patch(app, 'admin', 'environment.garbage', { active: false })).status, 200)
  t.notOk((await publicCodes(app)).includes('environment.garbage'), 'not in the citizens’ tree')
  t.notOk((await serviceCodes(app)).includes('environment.garbage'), 'not an Open311 service')
  const refused = await call(app, 'dispatcher', 'POST', '/api/cases', garbageReport)
  t.equal(refused.status, 422, 'nor filed by staff')
  t.equal(refused.body.key, 'error.case.unknownCategory')
  const { channel: _channel, ...citizens } = garbageReport
  t.equal((await call(app, null, 'POST', '/api/public/petitions', citizens)).status, 422, 'nor by citizens')
  const kept = await call(app, 'dispatcher', 'GET', `/api/cases/${filed.body.id}`)
  t.equal(kept.status, 200)
  t.match(kept.body, { category: 'environment.garbage', categoryName: /垃圾堆放/ }, 'its case keeps its category, by name')
  const listed = (await call(app, 'admin', 'GET', '/api/categories')).body.find((c: any) => c.code === 'environment.garbage')
  t.match(listed, { active: false, inForce: false }, 'administrators still see it')

  // A parent withdrawn: its sub-categories go with it (they had come back as top-level ones).
  const roadsChildren = ['roads.damage', 'roads.lighting']
  t.equal((await patch(app, 'admin', 'roads', { active: false })).status, 200)
  const codes = await publicCodes(app)
  t.notOk(
    ['roads', ...roadsChildren].some((c) => codes.includes(c)),
    'neither it nor those under it in the citizens’ tree',
  )
  const services = await serviceCodes(app)
  t.notOk(
    ['roads', ...roadsChildren].some((c) => services.includes(c)),
    'nor among the services',
  )
  const damage = await call(app, 'dispatcher', 'POST', '/api/cases', { ...garbageReport, category: 'roads.damage' })
  t.equal(damage.status, 422, 'nor filed')
  t.equal(damage.body.key, 'error.case.unknownCategory')
  const all = (await call(app, 'admin', 'GET', '/api/categories')).body
  t.match(
    all.find((c: any) => c.code === 'roads.damage'),
    { active: true, inForce: false },
    'it keeps its own setting',
  )
  t.ok((await serviceCodes(app)).includes('environment.noise'), 'the rest stay')

  // Back in force: both levels again, as they were.
  t.equal((await patch(app, 'admin', 'roads', { active: true })).status, 200)
  t.equal((await patch(app, 'admin', 'environment.garbage', { active: true })).status, 200)
  const again = await publicCodes(app)
  t.ok(['roads', 'environment.garbage', ...roadsChildren].every((c) => again.includes(c)))
  t.equal((await call(app, 'dispatcher', 'POST', '/api/cases', { ...garbageReport, category: 'roads.damage' })).status, 201)
})

t.test('the next intake after a limit change gets the new deadline; a case filed before keeps its own', async (t) => {
  const clock = testClock(t)
  const app = await build(t)
  const intake = (urgency = 'normal') => call(app, 'dispatcher', 'POST', '/api/cases', { ...garbageReport, urgency })
  const variables = async (caseId: string) =>
    JSON.parse((await app.db('process_instances').where({ case_id: caseId }).first('variables')).variables) as Record<string, unknown>

  const earlier = await intake()
  t.equal(earlier.status, 201)
  // The seed's limits for this category, normal urgency: 24 hours to respond, 7 days to resolve.
  t.equal(earlier.body.responseDueAt, plus(earlier.body.createdAt, 24 * HOUR))
  t.equal(earlier.body.resolveDueAt, plus(earlier.body.createdAt, 7 * DAY))
  // A second after the seed's writes, intake keeps what it read of the category: the next one
  // reads none of it, so only this node's write can tell it of the change.
  clock.advance(1100)
  t.equal((await intake()).status, 201)
  t.equal(await readsOf(app, ['categories'], () => intake()), 0, 'the category comes from intake’s cache')

  const changed = await patch(app, 'admin', 'environment.garbage', {
    limits: { normal: { response: 'PT3H', resolve: 'P2D' }, urgent: { response: 'PT45M', resolve: 'PT12H' } },
  })
  t.equal(changed.status, 200, JSON.stringify(changed.body))

  const next = await intake()
  t.equal(next.status, 201)
  t.equal(next.body.responseDueAt, plus(next.body.createdAt, 3 * HOUR), 'respond within the new 3 hours')
  t.equal(next.body.resolveDueAt, plus(next.body.createdAt, 2 * DAY), 'resolve within the new 2 days')
  const urgent = await intake('urgent')
  t.equal(urgent.status, 201)
  t.equal(urgent.body.responseDueAt, plus(urgent.body.createdAt, 45 * 60_000))
  t.equal(urgent.body.resolveDueAt, plus(urgent.body.createdAt, 12 * HOUR))

  const before = (await call(app, 'admin', 'GET', `/api/cases/${earlier.body.id}`)).body
  t.equal(before.responseDueAt, earlier.body.responseDueAt, 'the earlier case keeps its response deadline')
  t.equal(before.resolveDueAt, earlier.body.resolveDueAt, 'and its resolve deadline')
  // …and the limits a later step recomputes its deadlines from (a re-dispatch, a second round).
  t.match(await variables(earlier.body.id), { responseLimit: 'PT24H', resolveLimit: 'P7D' })
  t.match(await variables(next.body.id), { responseLimit: 'PT3H', resolveLimit: 'P2D' })
})

t.test('a category whose stored limits cannot be read is listed and filed under with the platform’s limits, not a 500', async (t) => {
  const app = await build(t)
  // A database edit gone wrong: intake's JSON.parse threw, and every case of the category was a 500.
  await app.db('categories').where({ code: 'environment.garbage' }).update({ limits: '{"normal": {"response": "PT1H"' })
  const listed = await call(app, 'admin', 'GET', '/api/categories')
  t.equal(listed.status, 200)
  const defaults = { response: 'PT24H', resolve: 'P7D' }
  t.same(listed.body.find((c: any) => c.code === 'environment.garbage').limits, { emergency: defaults, urgent: defaults, normal: defaults })
  const filed = await call(app, 'dispatcher', 'POST', '/api/cases', garbageReport)
  t.equal(filed.status, 201, JSON.stringify(filed.body))
  t.equal(filed.body.resolveDueAt, plus(filed.body.createdAt, 7 * DAY))
  // An administrator's save mends it.
  const mended = await patch(app, 'admin', 'environment.garbage', { limits: { normal: { response: 'PT2H', resolve: 'P3D' } } })
  t.equal(mended.status, 200)
  t.same(JSON.parse((await row(app, 'environment.garbage')).limits), { emergency: defaults, urgent: defaults, normal: { response: 'PT2H', resolve: 'P3D' } })
})
