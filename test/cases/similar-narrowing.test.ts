/**
 * The neighbour reads leave out in SQL the cases whose place alone rules them out
 * (similar.ts wherePlaceMayMatch). What is suggested must not change: the suggestions through
 * the API are compared with rank() over every case of the township, read without that filter.
 */
import t from 'tap'
import { build } from '../helper.js'
import { call } from '../api.js'
import { rank, type Comparable } from '../../src/cases/similar.js'

const anon = { type: 'person', anonymous: true }
const text = { title: '村口路灯不亮', description: '安平村村口的路灯连续三个晚上都不亮，晚上走路很危险', category: 'roads.lighting', petitioner: anon }
const LAT = 39.76
const LNG = 116.98
/** A point `north` and `east` metres from (LAT, LNG). */
const at = (north: number, east: number) => ({ lat: LAT + north / 111_195, lng: LNG + east / (111_195 * Math.cos((LAT * Math.PI) / 180)) })

t.test('suggestions are the same as rank() over the whole township: same grid, same village, within 500 m, a near address', async (t) => {
  const app = await build(t)
  const earlier: [string, Record<string, unknown>][] = [
    ['same grid, no point', { regionCode: 'xh-anping-v01-g1' }],
    ['same village, other grid', { regionCode: 'xh-anping-v01-g2' }],
    ['township only: place 0.4', { regionCode: 'xh-anping' }],
    ['township, 400 m east', { regionCode: 'xh-anping', ...at(0, 400) }],
    ['township, 520 m north', { regionCode: 'xh-anping', ...at(520, 0) }],
    ['township, 350 m north-east', { regionCode: 'xh-anping', ...at(350, 350) }],
    ['township, 360 m north-east (509 m)', { regionCode: 'xh-anping', ...at(360, 360) }],
    ['township, nearly the same address', { regionCode: 'xh-anping', address: '香河县安平镇安平村村口东侧路灯' }],
    ['township, another address', { regionCode: 'xh-anping', address: '香河县安平镇工业园区北门' }],
    ['another township, same point', { regionCode: 'xh-shuyang-v01-g1', ...at(0, 0) }],
  ]
  const nos = new Map<string, string>()
  for (const [label, place] of earlier) {
    const r = await call(app, 'dispatcher', 'POST', '/api/cases', { channel: 'hotline', ...text, ...place })
    t.equal(r.status, 201, r.status === 201 ? label : JSON.stringify(r.body))
    nos.set(r.body.caseNo, label)
  }
  const r = await call(app, 'dispatcher', 'POST', '/api/cases', {
    channel: 'hotline',
    ...text,
    regionCode: 'xh-anping-v01-g1',
    address: '香河县安平镇安平村村口东侧路灯下',
    ...at(0, 0),
  })
  t.equal(r.status, 201, r.status === 201 ? 'the new report' : JSON.stringify(r.body))

  // Worked out without SQL narrowing: every case of the township, ranked in JS.
  const row = (await app.db('cases').where({ id: r.body.id }).first()) as Comparable
  const all = (await app.db('cases').whereNot({ id: r.body.id }).where('region_path', 'like', '/langfang/xianghe/xh-anping/%')) as (Comparable & {
    case_no: string
  })[]
  const expected = rank(row, all, 5).map((x) => nos.get(x.c.case_no))
  t.ok(expected.length >= 4, `several are suggested: ${expected.join(', ')}`)
  for (const label of [
    'township only: place 0.4',
    'township, 520 m north',
    'township, 360 m north-east (509 m)',
    'township, another address',
    'another township, same point',
  ])
    t.notOk(expected.includes(label), `${label}: not suggested`)

  const got = (r.body.similar as { caseNo: string }[]).map((s) => nos.get(s.caseNo))
  t.same(got, expected, 'the intake suggests what rank() does over the whole township')
  const again = await call(app, 'dispatcher', 'GET', `/api/cases/${r.body.id}/similar`)
  t.same(
    (again.body.items as { caseNo: string }[]).map((s) => nos.get(s.caseNo)),
    expected,
    'and so does GET /api/cases/:id/similar',
  )
})
