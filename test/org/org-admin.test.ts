// Administering regions and org units from the web app: GET /api/org/tree, POST/PATCH
// /api/org/regions and /api/org/units. Scoped as users are (the city's administrator everywhere,
// a county administrator in their county, never the city's level nor another county), codes as
// the import takes them and never changed, and what is added usable at once by intake, routing,
// dispatch and the citizens' region list on the node that wrote it.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from '../helper.js'
import { call, caseByNo, petition } from '../api.js'

const tree = (app: FastifyInstance, who: string | null, region?: string) =>
  call(app, who, 'GET', `/api/org/tree${region ? `?region=${encodeURIComponent(region)}` : ''}`)
const addRegion = (app: FastifyInstance, who: string | null, body: unknown) => call(app, who, 'POST', '/api/org/regions', body)
const renameRegion = (app: FastifyInstance, who: string | null, code: string, body: unknown) =>
  call(app, who, 'PATCH', `/api/org/regions/${encodeURIComponent(code)}`, body)
const addUnit = (app: FastifyInstance, who: string | null, body: unknown) => call(app, who, 'POST', '/api/org/units', body)
const changeUnit = (app: FastifyInstance, who: string | null, code: string, body: unknown) =>
  call(app, who, 'PATCH', `/api/org/units/${encodeURIComponent(code)}`, body)
const regionRow = (app: FastifyInstance, code: string) => app.db('regions').where({ code }).first()
const unitRow = (app: FastifyInstance, code: string) => app.db('org_units').where({ code }).first()
const counts = async (app: FastifyInstance) => ({
  regions: Number((await app.db('regions').count({ n: '*' }).first())!.n),
  units: Number((await app.db('org_units').count({ n: '*' }).first())!.n),
})

const grid = (code: string, parentCode: string) => ({ code, name: `${code} 网格`, nameEn: `${code} grid`, parentCode })

t.test('the tree as each administrator sees it', async (t) => {
  const app = await build(t)

  const top = await tree(app, 'admin')
  t.equal(top.status, 200, JSON.stringify(top.body))
  t.equal(top.body.region, null, 'the city’s administrator starts at the top')
  t.same(
    top.body.children.map((r: any) => r.code),
    ['langfang'],
  )
  t.match(top.body.children[0], { level: 'city', hasChildren: true, mayAdminister: true, mayRename: true })

  const county = await tree(app, 'xianghe-admin')
  t.equal(county.status, 200)
  t.match(county.body.region, { code: 'xianghe', level: 'county', tenant: 'xianghe', mayAdminister: true, mayRename: false })
  t.same(
    county.body.ancestors.map((r: any) => r.code),
    ['langfang'],
    'the way back up, for the breadcrumb',
  )
  t.same(county.body.children.map((r: any) => r.code).sort(), ['xh-anping', 'xh-jiangxintun', 'xh-shuyang'])
  const expectedUnits = (await app.db('org_units').where({ region_code: 'xianghe' }).select('code')).map((u) => u.code).sort()
  t.same(county.body.units.map((u: any) => u.code).sort(), expectedUnits, 'the county’s own units')
  const land = county.body.units.find((u: any) => u.code === 'xianghe-land')
  t.match(land, { name: '香河县自然资源和规划局', kind: 'department', duty: 'land', level: 'county', mayChange: true })
  const landMembers = await app.db('users').where({ unit_code: 'xianghe-land', active: true }).count({ n: '*' }).first()
  t.equal(land.members, Number(landMembers!.n), 'its active members counted')

  const village = await tree(app, 'xianghe-admin', 'xh-anping-v01')
  t.equal(village.status, 200)
  t.same(
    village.body.ancestors.map((r: any) => r.code),
    ['langfang', 'xianghe', 'xh-anping'],
  )
  t.same(
    village.body.children.map((r: any) => r.code),
    ['xh-anping-v01-g1', 'xh-anping-v01-g2'],
  )
  t.match(village.body.children[0], { level: 'grid', hasChildren: false, mayAdminister: true, mayRename: true })

  // Outside: the city's level and another county are refused, an unknown region is not there.
  for (const region of ['langfang', 'guangyang', 'gy-xinyuan-v01']) {
    const r = await tree(app, 'xianghe-admin', region)
    t.equal(r.status, 403, region)
    t.equal(r.body.key, 'error.org.regionOutsideScope', region)
  }
  t.equal((await tree(app, 'admin', 'nowhere')).status, 404)
  t.equal((await tree(app, 'land-officer')).status, 403, 'not an administrator')
  t.equal((await tree(app, 'dispatcher')).status, 403, 'the city desk is not an administrator')
  t.equal((await tree(app, null)).status, 401)
})

t.test('who may add and rename regions', async (t) => {
  const app = await build(t)

  // A county administrator: a grid under a village of their county.
  const added = await addRegion(app, 'xianghe-admin', grid('xh-anping-v02-g7', 'xh-anping-v02'))
  t.equal(added.status, 201, JSON.stringify(added.body))
  t.match(added.body, {
    code: 'xh-anping-v02-g7',
    name: 'xh-anping-v02-g7 网格',
    nameEn: 'xh-anping-v02-g7 grid',
    level: 'grid',
    parentCode: 'xh-anping-v02',
    tenant: 'xianghe',
    updatedBy: 'xianghe-admin',
  })
  t.ok(added.body.updatedByName, 'who, by name')
  t.match(await regionRow(app, 'xh-anping-v02-g7'), {
    level: 'grid',
    parent_code: 'xh-anping-v02',
    path: '/langfang/xianghe/xh-anping/xh-anping-v02/xh-anping-v02-g7/',
    tenant: 'xianghe',
    updated_by: 'xianghe-admin',
  })
  // A township under the county itself: its townships are the county's.
  const town = await addRegion(app, 'xianghe-admin', { code: 'xh-wuyao', name: '五百户镇', nameEn: 'Wubaihu Town', parentCode: 'xianghe' })
  t.equal(town.status, 201, JSON.stringify(town.body))
  t.match(town.body, { level: 'township', tenant: 'xianghe', path: '/langfang/xianghe/xh-wuyao/' })

  // Not at the city's level, not in another county; nothing written.
  const before = await counts(app)
  for (const [parentCode, why] of [
    ['langfang', 'a county under the city'],
    ['guangyang', 'another county'],
    ['gy-xinyuan-v01', 'a village of another county'],
  ]) {
    const r = await addRegion(app, 'xianghe-admin', grid(`x-${parentCode}`, parentCode))
    t.equal(r.status, 403, why)
    t.equal(r.body.key, 'error.org.regionOutsideScope', why)
  }
  t.equal((await addRegion(app, 'land-officer', grid('x-staff', 'xh-anping-v02'))).status, 403, 'staff')
  t.equal((await addRegion(app, null, grid('x-anon', 'xh-anping-v02'))).status, 401, 'anonymous')
  t.same(await counts(app), before, 'no region added by a refusal')

  // The city's administrator: a new county, whose tenant is its own code, and a township in it.
  const sanhe = await addRegion(app, 'admin', { code: 'sanhe', name: '三河市', nameEn: 'Sanhe', parentCode: 'langfang' })
  t.equal(sanhe.status, 201)
  t.match(sanhe.body, { level: 'county', tenant: 'sanhe', path: '/langfang/sanhe/' })
  const yanjiao = await addRegion(app, 'admin', { code: 'sh-yanjiao', name: '燕郊镇', nameEn: 'Yanjiao', parentCode: 'sanhe' })
  t.match(yanjiao.body, { level: 'township', tenant: 'sanhe' })

  // Renaming: below the county, yes; the county's own name, the city's, another county's: no.
  const renamed = await renameRegion(app, 'xianghe-admin', 'xh-anping-v02-g7', { name: '七号网格', nameEn: 'Grid 7' })
  t.equal(renamed.status, 200, JSON.stringify(renamed.body))
  t.match(renamed.body, { code: 'xh-anping-v02-g7', name: '七号网格', nameEn: 'Grid 7', level: 'grid' })
  t.match(await regionRow(app, 'xh-anping-v02-g7'), {
    name: '七号网格',
    name_en: 'Grid 7',
    path: '/langfang/xianghe/xh-anping/xh-anping-v02/xh-anping-v02-g7/',
  })
  const own = await renameRegion(app, 'xianghe-admin', 'xianghe', { name: '香河' })
  t.equal(own.status, 403)
  t.equal(own.body.key, 'error.org.countyNameCityOnly')
  for (const code of ['langfang', 'guangyang', 'gy-xinyuan', 'sh-yanjiao']) {
    const r = await renameRegion(app, 'xianghe-admin', code, { name: '改了' })
    t.equal(r.status, 403, code)
    t.equal(r.body.key, 'error.org.regionOutsideScope', code)
    t.not((await regionRow(app, code)).name, '改了', `${code} unchanged`)
  }
  t.equal((await renameRegion(app, 'admin', 'xianghe', { nameEn: 'Xianghe County' })).status, 200, 'the city’s administrator renames a county')
  t.equal((await regionRow(app, 'xianghe')).name_en, 'Xianghe County')
  t.equal((await renameRegion(app, 'land-officer', 'xh-anping', { name: '改了' })).status, 403)
  t.equal((await renameRegion(app, null, 'xh-anping', { name: '改了' })).status, 401)
  t.equal((await renameRegion(app, 'admin', 'nowhere', { name: '改了' })).status, 404)
})

t.test('codes and names are checked as the import checks them; a code is never reused or changed', async (t) => {
  const app = await build(t)
  const before = await counts(app)

  for (const code of ['', 'a/b', 'a b', 'grid@x', 'a,b', 'x:y', '-lead', '网格', 'x'.repeat(65)]) {
    const r = await addRegion(app, 'admin', grid(code, 'xh-anping-v02'))
    t.equal(r.status, 400, `region code ${JSON.stringify(code)}`)
    const u = await addUnit(app, 'admin', { code, name: '单位', nameEn: 'Unit', kind: 'department', regionCode: 'xianghe' })
    t.equal(u.status, 400, `unit code ${JSON.stringify(code)}`)
  }
  const bad: [string, unknown][] = [
    ['no English name', { code: 'g9', name: '网格', parentCode: 'xh-anping-v02' }],
    ['no parent', { code: 'g9', name: '网格', nameEn: 'Grid' }],
    ['a level of its own', { ...grid('g9', 'xh-anping-v02'), level: 'village' }],
    ['a path of its own', { ...grid('g9', 'xh-anping-v02'), path: '/x/' }],
    ['a name too long', { ...grid('g9', 'xh-anping-v02'), name: '长'.repeat(101) }],
  ]
  for (const [why, body] of bad) t.equal((await addRegion(app, 'admin', body)).status, 400, why)
  const blank = await addRegion(app, 'admin', { ...grid('g9', 'xh-anping-v02'), name: ' \u200b ' })
  t.equal(blank.status, 400, 'a name that shows nothing')
  t.equal(blank.body.key, 'error.org.blankName')
  t.match(blank.body.details, [{ field: 'name', key: 'error.org.blankName' }])

  const badUnits: [string, unknown][] = [
    ['an unknown kind', { code: 'u9', name: '单位', nameEn: 'Unit', kind: 'bureau', regionCode: 'xianghe' }],
    ['a duty routing cannot name', { code: 'u9', name: '单位', nameEn: 'Unit', kind: 'department', regionCode: 'xianghe', duty: 'Land Use' }],
    ['no region', { code: 'u9', name: '单位', nameEn: 'Unit', kind: 'department' }],
    ['a level of its own', { code: 'u9', name: '单位', nameEn: 'Unit', kind: 'department', regionCode: 'xianghe', level: 'city' }],
  ]
  for (const [why, body] of badUnits) t.equal((await addUnit(app, 'admin', body)).status, 400, why)

  // A change names what it changes, and never the code, the parent or the region.
  t.equal((await renameRegion(app, 'admin', 'xh-anping', {})).status, 400, 'an empty change')
  t.equal((await renameRegion(app, 'admin', 'xh-anping', { code: 'xh-anping2' })).status, 400, 'a region’s code does not change')
  t.equal((await renameRegion(app, 'admin', 'xh-anping', { parentCode: 'guangyang' })).status, 400, 'a region does not move')
  t.equal((await changeUnit(app, 'admin', 'xianghe-land', { code: 'xianghe-land2' })).status, 400, 'a unit’s code does not change')
  t.equal((await changeUnit(app, 'admin', 'xianghe-land', { regionCode: 'guangyang' })).status, 400, 'a unit does not move')
  t.equal((await changeUnit(app, 'admin', 'xianghe-land', { kind: 'centre' })).status, 400, 'nor change its kind')
  t.equal((await changeUnit(app, 'admin', 'xianghe-land', { name: '   ' })).status, 400, 'a blank name')

  // 422: a parent or region that is not there; nothing below a grid.
  const orphan = await addRegion(app, 'admin', grid('g9', 'nowhere'))
  t.equal(orphan.status, 422)
  t.equal(orphan.body.key, 'error.org.unknownRegion')
  const belowGrid = await addRegion(app, 'admin', grid('g9', 'xh-anping-v01-g1'))
  t.equal(belowGrid.status, 422)
  t.equal(belowGrid.body.key, 'error.org.gridNoChildren')
  t.match(belowGrid.body.message, /网格/)
  t.equal((await addUnit(app, 'admin', { code: 'u9', name: '单位', nameEn: 'Unit', kind: 'department', regionCode: 'nowhere' })).status, 422)

  // 409: a code in use, whoever holds it; a second centre in a region.
  for (const code of ['xh-anping', 'langfang', 'gy-xinyuan-v01-g1']) {
    const r = await addRegion(app, 'admin', grid(code, 'xh-anping-v02'))
    t.equal(r.status, 409, code)
    t.equal(r.body.key, 'error.org.regionCodeTaken', code)
  }
  const taken = await addUnit(app, 'xianghe-admin', { code: 'xianghe-land', name: '单位', nameEn: 'Unit', kind: 'department', regionCode: 'xh-anping' })
  t.equal(taken.status, 409)
  t.equal(taken.body.key, 'error.org.unitCodeTaken')
  const centre = await addUnit(app, 'xianghe-admin', {
    code: 'xh-anping-centre2',
    name: '第二中心',
    nameEn: 'Second centre',
    kind: 'centre',
    regionCode: 'xh-anping',
  })
  t.equal(centre.status, 409)
  t.equal(centre.body.key, 'error.org.centreExists')
  t.match(centre.body.message, /安平镇/, 'names the region')

  t.same(await counts(app), before, 'nothing written by any refusal')
})

t.test('who may add and change units', async (t) => {
  const app = await build(t)

  const created = await addUnit(app, 'xianghe-admin', {
    code: 'xh-anping-market',
    name: '安平镇市场监管所',
    nameEn: 'Anping Market Supervision Office',
    kind: 'station',
    regionCode: 'xh-anping',
    duty: 'market',
  })
  t.equal(created.status, 201, JSON.stringify(created.body))
  t.match(created.body, {
    code: 'xh-anping-market',
    kind: 'station',
    level: 'township',
    regionCode: 'xh-anping',
    duty: 'market',
    members: 0,
    updatedBy: 'xianghe-admin',
  })
  t.match(await unitRow(app, 'xh-anping-market'), { level: 'township', region_code: 'xh-anping', duty: 'market', updated_by: 'xianghe-admin' })
  // The county's own departments are the county's.
  t.equal(
    (
      await addUnit(app, 'xianghe-admin', {
        code: 'xianghe-tax',
        name: '香河县税务局',
        nameEn: 'Xianghe Tax Bureau',
        kind: 'department',
        regionCode: 'xianghe',
      })
    ).status,
    201,
  )

  const before = await counts(app)
  for (const regionCode of ['langfang', 'guangyang', 'gy-xinyuan']) {
    const r = await addUnit(app, 'xianghe-admin', { code: `u-${regionCode}`, name: '单位', nameEn: 'Unit', kind: 'department', regionCode })
    t.equal(r.status, 403, regionCode)
    t.equal(r.body.key, 'error.org.regionOutsideScope')
  }
  t.equal((await addUnit(app, 'land-officer', { code: 'u-staff', name: '单位', nameEn: 'Unit', kind: 'department', regionCode: 'xianghe' })).status, 403)
  t.equal((await addUnit(app, null, { code: 'u-anon', name: '单位', nameEn: 'Unit', kind: 'department', regionCode: 'xianghe' })).status, 401)
  t.same(await counts(app), before)

  const renamed = await changeUnit(app, 'xianghe-admin', 'xianghe-land', { name: '香河县自然资源局', duty: 'land' })
  t.equal(renamed.status, 200, JSON.stringify(renamed.body))
  t.match(renamed.body, { code: 'xianghe-land', name: '香河县自然资源局', duty: 'land', kind: 'department', regionCode: 'xianghe' })
  t.ok(renamed.body.members > 0, 'its members still there')
  const dutyless = await changeUnit(app, 'xianghe-admin', 'xh-anping-market', { duty: null })
  t.equal(dutyless.status, 200)
  t.equal((await unitRow(app, 'xh-anping-market')).duty, null)

  for (const code of ['langfang-land', 'guangyang-land', 'gy-xinyuan-planning']) {
    const was = await unitRow(app, code)
    const r = await changeUnit(app, 'xianghe-admin', code, { name: '改了' })
    t.equal(r.status, 403, code)
    t.same(await unitRow(app, code), was, `${code} unchanged`)
  }
  t.equal(
    (await changeUnit(app, 'admin', 'langfang-land', { nameEn: 'Langfang Natural Resources Bureau' })).status,
    200,
    'the city’s units: the city’s administrator',
  )
  t.equal((await changeUnit(app, 'land-officer', 'xianghe-land', { name: '改了' })).status, 403)
  t.equal((await changeUnit(app, null, 'xianghe-land', { name: '改了' })).status, 401)
  t.equal((await changeUnit(app, 'admin', 'no-such-unit', { name: '改了' })).status, 404)

  // In the tree at once, with who changed it.
  const township = await tree(app, 'xianghe-admin', 'xh-anping')
  t.match(
    township.body.units.find((u: any) => u.code === 'xh-anping-market'),
    { name: '安平镇市场监管所', kind: 'station', duty: null, updatedBy: 'xianghe-admin' },
  )
})

t.test('what is added serves citizens, intake and routing at once', async (t) => {
  const app = await build(t)

  // Asked for before it exists: the node reads (and may keep) its absence.
  const tooEarly = await call(app, null, 'POST', '/api/public/petitions', {
    description: '邻里纠纷',
    category: 'neighbour.family',
    regionCode: 'xh-anping-v02-g5',
    petitioner: { type: 'person', anonymous: true },
  })
  t.equal(tooEarly.status, 422, 'no such grid yet')
  const listedBefore = await call(app, null, 'GET', '/api/public/regions?parent=xh-anping-v02')
  t.notOk(
    listedBefore.body.some((r: any) => r.code === 'xh-anping-v02-g5'),
    'not in the citizens’ list yet',
  )

  t.equal((await addRegion(app, 'xianghe-admin', { code: 'xh-anping-v02-g5', name: '五号网格', nameEn: 'Grid 5', parentCode: 'xh-anping-v02' })).status, 201)
  const listed = await call(app, null, 'GET', '/api/public/regions?parent=xh-anping-v02')
  t.match(
    listed.body.find((r: any) => r.code === 'xh-anping-v02-g5'),
    { name: '五号网格', nameEn: 'Grid 5', level: 'grid', hasChildren: false },
    'in the citizens’ list at once',
  )
  const village = await call(app, null, 'GET', '/api/public/regions?parent=xh-anping')
  t.equal(village.body.find((r: any) => r.code === 'xh-anping-v02').hasChildren, true)

  // A grid with no unit: `@grid` finds nobody, the township's dispatcher decides.
  const unrouted = await petition(app, {
    description: '邻里纠纷',
    category: 'neighbour.family',
    regionCode: 'xh-anping-v02-g5',
    petitioner: { type: 'person', anonymous: true },
  })
  const first = await caseByNo(app, unrouted.caseNo)
  t.equal(first.regionCode, 'xh-anping-v02-g5', 'filed in the new grid at once')
  t.equal(first.ownerUnit ?? null, null, 'no grid unit yet')

  // The grid's unit (the grid's own code, as `@grid` finds it) and a grid worker in it.
  t.equal(
    (
      await addUnit(app, 'xianghe-admin', {
        code: 'xh-anping-v02-g5',
        name: '五号网格',
        nameEn: 'Grid 5',
        kind: 'grid',
        regionCode: 'xh-anping-v02-g5',
        duty: 'general',
      })
    ).status,
    201,
  )
  const worker = await call(app, 'xianghe-admin', 'POST', '/api/org/users', {
    username: 'grid05',
    displayName: '网格员 五号',
    password: 'grid05-pass',
    roles: ['grid_worker'],
    unitCode: 'xh-anping-v02-g5',
  })
  t.equal(worker.status, 201, JSON.stringify(worker.body))
  const routed = await caseByNo(
    app,
    (
      await petition(app, {
        description: '邻里纠纷',
        category: 'neighbour.family',
        regionCode: 'xh-anping-v02-g5',
        petitioner: { type: 'person', anonymous: true },
      })
    ).caseNo,
  )
  t.equal(routed.ownerUnit, 'xh-anping-v02-g5', 'routed to the new grid’s unit at once')

  // By duty: `safety.security` goes to the township's police (`@township:police`). The station's
  // duty moves to a new unit; the next case goes there.
  const security = { description: '夜间有人撬门', category: 'safety.security', regionCode: 'xh-anping-v01-g1', petitioner: { type: 'person', anonymous: true } }
  t.equal((await caseByNo(app, (await petition(app, security)).caseNo)).ownerUnit, 'xh-anping-police', 'the police station, as seeded')
  t.equal((await changeUnit(app, 'xianghe-admin', 'xh-anping-police', { duty: 'justice' })).status, 200)
  t.equal(
    (
      await addUnit(app, 'xianghe-admin', {
        code: 'xh-anping-patrol',
        name: '安平巡警中队',
        nameEn: 'Anping Patrol',
        kind: 'station',
        regionCode: 'xh-anping',
        duty: 'police',
      })
    ).status,
    201,
  )
  t.equal(
    (
      await call(app, 'xianghe-admin', 'POST', '/api/org/users', {
        username: 'patrol01',
        displayName: '巡警 一号',
        password: 'patrol01-pass',
        roles: ['handler'],
        unitCode: 'xh-anping-patrol',
      })
    ).status,
    201,
  )
  const byDuty = await caseByNo(app, (await petition(app, security)).caseNo)
  t.equal(byDuty.ownerUnit, 'xh-anping-patrol', 'routing finds the new unit by its duty at once')

  // Dispatch offers the new staffed unit for a case of the county.
  const targets = await call(app, 'admin', 'GET', `/api/cases/${first.id}/dispatch-targets?q=${encodeURIComponent('巡警')}`)
  t.equal(targets.status, 200, JSON.stringify(targets.body))
  t.ok(
    (Array.isArray(targets.body) ? targets.body : targets.body.items).some((u: any) => u.code === 'xh-anping-patrol'),
    'a dispatch target',
  )

  // A rename is what every list says next.
  t.equal((await renameRegion(app, 'xianghe-admin', 'xh-anping-v02-g5', { name: '五号网格（东）' })).status, 200)
  const renamed = await call(app, null, 'GET', '/api/public/regions?parent=xh-anping-v02')
  t.equal(renamed.body.find((r: any) => r.code === 'xh-anping-v02-g5').name, '五号网格（东）')
  const units = await call(app, 'grid01', 'GET', '/api/org/units?region=xh-anping')
  t.ok(
    units.body.some((u: any) => u.code === 'xh-anping-patrol' && u.duty === 'police'),
    'the unit list others read',
  )
})

t.test('only what nothing names yet is deleted', async (t) => {
  const app = await build(t)
  const del = (who: string | null, what: 'regions' | 'units', code: string) => call(app, who, 'DELETE', `/api/org/${what}/${encodeURIComponent(code)}`)

  // A mistaken grid and unit, named by nothing: gone.
  t.equal((await addRegion(app, 'xianghe-admin', grid('xh-anping-v02-gx', 'xh-anping-v02'))).status, 201)
  t.equal((await addUnit(app, 'xianghe-admin', { code: 'xh-anping-typo', name: '错字', nameEn: 'Typo', kind: 'section', regionCode: 'xh-anping' })).status, 201)
  t.equal((await del('guangyang-admin', 'regions', 'xh-anping-v02-gx')).status, 403, 'not another county’s administrator')
  t.equal((await del('land-officer', 'units', 'xh-anping-typo')).status, 403, 'not staff')
  t.equal((await del(null, 'units', 'xh-anping-typo')).status, 401)
  t.ok(await regionRow(app, 'xh-anping-v02-gx'), 'still there after the refusals')
  t.equal((await del('xianghe-admin', 'regions', 'xh-anping-v02-gx')).status, 204)
  t.equal((await del('xianghe-admin', 'units', 'xh-anping-typo')).status, 204)
  t.notOk(await regionRow(app, 'xh-anping-v02-gx'), 'the grid is gone')
  t.notOk(await unitRow(app, 'xh-anping-typo'), 'the unit is gone')
  t.notOk(
    (await call(app, null, 'GET', '/api/public/regions?parent=xh-anping-v02')).body.some((r: any) => r.code === 'xh-anping-v02-gx'),
    'and from the citizens’ list at once',
  )
  t.equal((await del('xianghe-admin', 'regions', 'xh-anping-v02-gx')).status, 404)

  // Never a county or the city.
  for (const code of ['xianghe', 'langfang']) t.equal((await del('admin', 'regions', code)).status, 403, code)

  // What is named: each refusal says why, in the catalogue's words, and leaves the row.
  const refused = async (what: 'regions' | 'units', code: string, reason: string, key: string) => {
    const r = await del('admin', what, code)
    t.equal(r.status, 409, `${code}: ${reason}`)
    t.equal(r.body.key, key, code)
    t.equal(r.body.params?.what, reason, code)
    t.ok(await (what === 'regions' ? regionRow(app, code) : unitRow(app, code)), `${code} kept`)
    return r
  }
  const village = await refused('regions', 'xh-anping-v01', 'regions', 'error.org.regionInUse')
  t.match(village.body.message, /不能删除安平村：其下还有区域/)
  await refused('regions', 'xh-anping-v01-g1', 'units', 'error.org.regionInUse')
  await refused('units', 'xianghe-land', 'users', 'error.org.unitInUse')

  // A grid with a case filed in it; a unit a case was routed to, after its only member moved on.
  t.equal((await addRegion(app, 'xianghe-admin', grid('xh-anping-v02-gy', 'xh-anping-v02'))).status, 201)
  await petition(app, { description: '路面塌陷', category: 'roads.damage', regionCode: 'xh-anping-v02-gy', petitioner: { type: 'person', anonymous: true } })
  await refused('regions', 'xh-anping-v02-gy', 'cases', 'error.org.regionInUse')
  t.equal((await changeUnit(app, 'admin', 'xh-anping-police', { duty: 'justice' })).status, 200)
  t.equal(
    (await addUnit(app, 'admin', { code: 'xh-anping-patrol', name: '巡警中队', nameEn: 'Patrol', kind: 'station', regionCode: 'xh-anping', duty: 'police' }))
      .status,
    201,
  )
  const member = { username: 'patrol01', displayName: '巡警', password: 'patrol01-pass', roles: ['handler'], unitCode: 'xh-anping-patrol' }
  t.equal((await call(app, 'admin', 'POST', '/api/org/users', member)).status, 201)
  const filed = await petition(app, {
    description: '夜间撬门',
    category: 'safety.security',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  t.equal((await caseByNo(app, filed.caseNo)).ownerUnit, 'xh-anping-patrol')
  t.equal((await call(app, 'admin', 'PATCH', '/api/org/users/patrol01', { unitCode: 'xh-anping-civil' })).status, 200)
  const unit = await refused('units', 'xh-anping-patrol', 'cases', 'error.org.unitInUse')
  t.match(unit.body.message, /cannot be deleted: cases or bulletins concern it/)
})
