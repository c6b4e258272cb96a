import t from 'tap'
import ExcelJS from 'exceljs'
import { login } from '../helper.js'
import { insertCases } from '../metrics/fixtures.js'
import { buildMetricsApp as build, seedMarch, sheetRows } from './fixtures.js'

t.test('the xlsx, read back with exceljs, gives the bulletin’s numbers', async (t) => {
  const app = await build(t)
  await seedMarch(app)
  const headers = await login(app, 'xianghe-leader')
  const res = await app.inject({ method: 'GET', url: '/api/bulletins/2024-03.xlsx', headers })
  t.equal(res.statusCode, 200, res.body.slice(0, 200))
  t.equal(res.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  t.match(res.headers['content-disposition'], /attachment; filename="bulletin-2024-03.xlsx"/)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(res.rawPayload as any)
  t.same(
    wb.worksheets.map((w) => w.name),
    ['乡镇排名', '部门排名', '扣分案件'],
  )

  const towns = sheetRows(wb.getWorksheet('乡镇排名')!)
  t.match(String(wb.getWorksheet('乡镇排名')!.getRow(1).getCell(1).value), /香河县 2024年3月 一月一通报/)
  // Same figures as rules.test.ts, by hand: 淑阳镇 3, 蒋辛屯镇 0, 安平镇 −8.
  t.same(
    towns.map((r) => [r['排名'], r['乡镇（街道）'], r['总分']]),
    [
      [1, '淑阳镇', 3],
      [2, '蒋辛屯镇', 0],
      [3, '安平镇', -8],
    ],
  )
  const anping = towns[2]
  t.equal(anping['超期办理（件）'], 2)
  t.equal(anping['超期办理（分）'], -4)
  t.equal(anping['重办后仍不满意（分）'], -3)
  t.equal(anping['受理量'], 3)
  t.equal(anping['响应率'], 1 / 3)
  t.equal(anping['满意率'], 0.5)
  t.equal(towns[1]['满意率'], null, 'a null rate is an empty cell')

  const depts = sheetRows(wb.getWorksheet('部门排名')!)
  t.same(
    depts.map((r) => [r['排名'], r['代码'], r['总分']]),
    [
      [1, 'xh-anping-planning', -1],
      [2, 'xianghe-land', -5],
      [2, 'xianghe-water', -5],
    ],
  )
  t.notOk('乡镇及以下解决（件）' in depts[0], 'a township item is not a department column')
  t.equal(depts[1]['退单被驳回（分）'], -1)

  // Every penalty line, by hand: 安平镇 B (5 items), C (2), B's supervision order; 县自然资源局
  // C (2), its rejected return, its order and late reply; 县水务局 B (5); 规划建设办 the order.
  const pen = sheetRows(wb.getWorksheet('扣分案件')!)
  const sum = (unit: string) => pen.filter((r) => r['单位'] === unit).reduce((a, r) => a + r['扣分'], 0)
  t.equal(sum('安平镇'), -1 - 2 - 1 - 1 - 3 - 1 - 2 - 1) // B: −8, C: −3, order −1 = −12
  t.equal(sum('香河县自然资源和规划局'), -1 - 2 - 1 - 1 - 2) // C −3, rejected −1, order −1, late −2
  t.equal(sum('香河县水务局'), -8)
  t.equal(sum('安平规划建设办'), -1)
  t.ok(pen.every((r) => r['扣分'] < 0))
  t.same(
    pen
      .filter((r) => r['单位'] === '安平镇' && r['案件编号'] === 'C')
      .map((r) => r['计分项'])
      .sort(),
    ['超时响应', '超期办理'].sort(),
  )
})

t.test('publishing freezes a month; the public page serves only published snapshots, without personal data', async (t) => {
  const app = await build(t)
  await seedMarch(app)
  const pub = async (q = '') => app.inject({ method: 'GET', url: `/api/public/bulletins${q}` })
  let res = await pub()
  t.equal(res.statusCode, 200, res.body)
  t.same(res.json().items, [], 'nothing published: nothing public')

  const xa = await login(app, 'xianghe-admin')
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/bulletins/2024-03/publish?region=xianghe', headers: await login(app, 'guangyang-admin') })).statusCode,
    403,
    'another county',
  )
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/bulletins/2024-03/publish?region=xianghe', headers: await login(app, 'xianghe-leader') })).statusCode,
    403,
    'not an administrator',
  )
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/bulletins/2024-03/publish?region=xh-anping', headers: xa })).statusCode,
    400,
    'a township is not published alone',
  )
  const thisMonth = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7)
  t.equal((await app.inject({ method: 'POST', url: `/api/bulletins/${thisMonth}/publish`, headers: xa })).statusCode, 409, 'a month not over')

  res = await app.inject({ method: 'POST', url: '/api/bulletins/2024-03/publish', headers: xa })
  t.equal(res.statusCode, 201, res.body)
  t.match(res.json(), { month: '2024-03', region: 'xianghe' })
  t.equal((await app.inject({ method: 'POST', url: '/api/bulletins/2024-03/publish?region=xianghe', headers: xa })).statusCode, 409, 'published once')

  // A late change to the month: the live bulletin moves, the published one does not.
  await insertCases(app, [
    {
      case_no: 'LATE',
      region: 'xh-jiangxintun',
      department: 'xianghe-land',
      response_due_at: '2024-03-12T02:00:00.000Z',
      responded_at: '2024-03-11T00:00:00.000Z',
    },
  ])
  const live = (await app.inject({ method: 'GET', url: '/api/bulletins/2024-03', headers: await login(app, 'xianghe-leader') })).json()
  t.equal(live.townships.find((u: any) => u.key === 'xh-jiangxintun').points, 1, 'live: the late case responded in time (+1)')

  res = await pub('?county=xianghe&month=2024-03')
  t.equal(res.statusCode, 200)
  const [p] = res.json().items
  t.match(p, { month: '2024-03', region: { code: 'xianghe', name: '香河县' } })
  t.same(
    p.townships.map((u: any) => [u.rank, u.code, u.name, u.points]),
    [
      [1, 'xh-shuyang', '淑阳镇', 3],
      [2, 'xh-jiangxintun', '蒋辛屯镇', 0],
      [3, 'xh-anping', '安平镇', -8],
    ],
  )
  t.equal(p.townships[2].rates.responseRate, 1 / 3)
  t.equal(p.overall.received, 5, 'A–E, frozen before LATE')
  // No cases, no people: neither case numbers, titles, nor who published.
  const body = res.body
  for (const s of ['停水', '水压', '"caseNo"', 'xianghe-admin', '管理员', 'published_by', 'publishedBy']) t.notOk(body.includes(s), `no ${s}`)
  t.same((await pub('?county=guangyang')).json().items, [])
  t.same((await pub('?month=2024-04')).json().items, [])
  t.equal((await pub('?month=2024-3')).statusCode, 400)
})

t.test("a county administrator publishing another county's bulletin (region in the body) published their own instead", async (t) => {
  const app = await build(t)
  await seedMarch(app)
  const xa = await login(app, 'xianghe-admin')
  const publish = (payload?: unknown, q = '') =>
    app.inject({ method: 'POST', url: `/api/bulletins/2024-03/publish${q}`, headers: xa, ...(payload !== undefined && { payload: payload as any }) })
  const published = async () => (await app.db('bulletin_publications').select('region_code')).map((r: any) => r.region_code)

  let res = await publish({ region: 'guangyang' })
  t.equal(res.statusCode, 403, res.body)
  t.equal(res.json().key, 'error.bulletin.publishCountyOnly')
  t.same(await published(), [], 'nothing was published, their own county’s neither')

  res = await publish({ region: 'xianghe' }, '?region=guangyang')
  t.equal(res.statusCode, 400, 'two regions that differ')
  res = await publish({ regionCode: 'guangyang' })
  t.equal(res.statusCode, 400, 'a body field the route does not know is not ignored')
  t.same(await published(), [])

  res = await publish({ region: 'xianghe' })
  t.equal(res.statusCode, 201, res.body)
  t.equal(res.json().region, 'xianghe')
  t.same(await published(), ['xianghe'])
})
