import t from 'tap'
import { build } from '../helper.js'
import { call, openTask, petition, step } from '../api.js'
import { Fixtures, PLACE, runMatrix, task, type Expect, type Row } from './matrix.js'

/**
 * Issue 9's matrix, case routes: staff intake (only inside one's area, README "Scope") and
 * evaluations (callback staff of the case's area; the public route acts as a citizen and
 * completes only that case's evaluation task).
 */

const OTHER = { xh: 'gy', gy: 'xh' } as const

t.test('case routes × roles of two counties and the city', async (t) => {
  const app = await build(t)
  const fx = new Fixtures()
  const rows: Row[] = []

  // ── staff intake: inside the actor's area (README "Scope"), roles that register cases ──
  let n = 0
  const intakeRow = (who: string, regionCode: string, expect: Expect, county: 'xianghe' | 'guangyang'): Row => {
    const word = `authzintake${++n}x`
    const description = `${word} 登记 / intake`
    return {
      who,
      route: 'POST /api/cases',
      what: `intake in ${regionCode}`,
      expect,
      rule: 1,
      req: () => ({
        method: 'POST',
        url: '/api/cases',
        payload: { channel: 'walk_in', description, category: 'other', regionCode, petitioner: { type: 'person', anonymous: true } },
      }),
      effect: async (c, body) => {
        const found = (await call(app, 'admin', 'GET', `/api/cases?q=${word}`)).body.items
        if (expect !== '2xx') return c.equal(found.length, 0, 'no case was registered')
        c.equal(body.regionCode, regionCode, 'registered where asked')
        const own = county === 'xianghe' ? 'xianghe-admin' : 'guangyang-admin'
        const other = county === 'xianghe' ? 'guangyang-admin' : 'xianghe-admin'
        c.equal((await call(app, own, 'GET', `/api/cases/${body.id}`)).status, 200, `${own} sees it`)
        c.equal((await call(app, other, 'GET', `/api/cases/${body.id}`)).status, 404, `${other} does not`)
      },
    }
  }
  rows.push(
    ...(
      [
        ['admin', 'gy-xinyuan-v01-g1', '2xx'],
        ['dispatcher', 'xh-shuyang-v01', '2xx'],
        ['city-land-officer', 'gy-jiefang', '2xx'],
        ['callback', 'xh-anping', '2xx'],
        ['xianghe-dispatcher', 'xh-shuyang-v01', '2xx'],
        ['xianghe-dispatcher', 'gy-xinyuan', 403],
        ['anping-dispatcher', 'xh-anping-v02', '2xx'],
        ['anping-dispatcher', 'xh-shuyang', 403],
        ['xinyuan-dispatcher', 'gy-xinyuan-v01-g1', '2xx'],
        ['xinyuan-dispatcher', 'xh-anping', 403],
        ['grid01', 'xh-anping-v01-g1', '2xx'],
        ['grid01', 'xh-anping-v01-g2', 403],
        ['grid01', 'gy-xinyuan-v01-g1', 403],
        ['grid02', 'gy-xinyuan-v01-g1', '2xx'],
        ['grid02', 'xh-anping-v01-g1', 403],
        ['grid-leader', 'xh-anping-v01-g2', '2xx'],
        ['grid-leader', 'xh-anping-v02', 403],
        ['gy-grid-leader', 'gy-xinyuan-v01', '2xx'],
        ['gy-grid-leader', 'xh-anping-v01', 403],
        ['land-officer', 'xh-anping', '2xx'],
        ['land-officer', 'gy-xinyuan', 403],
        ['gy-land-officer', 'gy-jiefang', '2xx'],
        ['gy-land-officer', 'xh-anping', 403],
        ['anping-safety', 'xh-anping-v01', '2xx'],
        ['anping-safety', 'xh-shuyang', 403],
        ['xianghe-callback', 'xh-jiangxintun', '2xx'],
        ['xianghe-callback', 'gy-jiuzhou', 403],
        ['leader', 'xh-anping', 403],
        ['xianghe-leader', 'xh-anping', 403],
        ['supervisor', 'xh-anping', 403],
        ['xianghe-supervisor', 'xh-anping', 403],
        ['xianghe-admin', 'xh-anping', 403],
        ['guangyang-admin', 'gy-xinyuan', 403],
      ] as [string, string, Expect][]
    ).map(([who, region, expect]) => intakeRow(who, region, expect, region.startsWith('gy-') ? 'guangyang' : 'xianghe')),
  )

  // ── evaluation recorded by callback staff ──
  const bystanders = { xh: fx.need('xh', 'evaluate'), gy: fx.need('gy', 'evaluate') }
  for (const [who, county, expect] of [
    ['xianghe-callback', 'xh', '2xx'],
    ['callback', 'xh', '2xx'],
    ['callback', 'gy', '2xx'],
    ['admin', 'gy', '2xx'],
    ['xianghe-callback', 'gy', 404],
    ['env-officer', 'xh', 403],
    ['xianghe-admin', 'xh', 403],
    ['grid01', 'xh', 403],
    ['xianghe-supervisor', 'xh', 403],
    ['anping-dispatcher', 'xh', 403],
  ] as [string, 'xh' | 'gy', Expect][]) {
    const f = expect === '2xx' ? fx.need(county, 'evaluate') : fx.shared(county, 'evaluate')
    const bystander = bystanders[OTHER[county]]
    rows.push({
      who,
      route: 'POST /api/cases/:id/evaluation',
      what: `${county} case awaiting evaluation`,
      expect,
      rule: 1,
      req: () => ({ method: 'POST', url: `/api/cases/${f().caseId}/evaluation`, payload: { resolved: true, satisfaction: 'satisfied' } }),
      effect: async (c) => {
        const ev = await task(app, f().taskId)
        if (expect === '2xx') c.equal(ev.completedBy, who, `the evaluation task was completed by ${who}`)
        else c.equal(ev.status, 'open', 'the evaluation task is still open')
        c.equal((await task(app, bystander().taskId)).status, 'open', 'the other county’s evaluation is untouched')
      },
    })
  }

  // ── the public evaluation: a citizen with the tracking code, nothing more (rule 7) ──
  const tracked = async (county: 'xh' | 'gy', stage: 'signfor' | 'evaluate') => {
    const place = PLACE[county]
    const p = await petition(app, { description: `authz public ${county}`, ...place.routed, petitioner: { type: 'person', anonymous: true } })
    const id = (await call(app, 'admin', 'GET', `/api/cases?q=${p.caseNo}`)).body.items[0].id
    if (stage === 'evaluate') {
      await step(app, id, 'ut_signfor', place.handler, { signOutcome: 'accept' })
      await step(app, id, 'ut_handle', place.handler, { outcome: 'resolved', result: '已处理 / done' })
    }
    return { ...p, id }
  }
  const pub: Record<string, Awaited<ReturnType<typeof tracked>>> = {}
  const evalBody = { resolved: true, satisfaction: 'satisfied' }
  rows.push(
    {
      who: null,
      route: 'POST /api/public/track/:caseNo/evaluation',
      what: 'own case awaiting evaluation',
      expect: '2xx',
      rule: 7,
      req: () => ({ method: 'POST', url: `/api/public/track/${pub.xh.caseNo}/evaluation`, payload: { code: pub.xh.trackingCode, ...evalBody } }),
      effect: async (c) => {
        c.notOk(await openTask(app, pub.xh.id, 'ut_evaluate'), 'the evaluation task is done')
        c.ok(await openTask(app, pub.gy.id, 'ut_evaluate'), 'another case’s evaluation is untouched')
      },
    },
    {
      who: null,
      route: 'POST /api/public/track/:caseNo/evaluation',
      what: 'another case’s number with this code',
      expect: 404,
      rule: 7,
      req: () => ({ method: 'POST', url: `/api/public/track/${pub.gy.caseNo}/evaluation`, payload: { code: pub.xh.trackingCode, ...evalBody } }),
      effect: async (c) => c.ok(await openTask(app, pub.gy.id, 'ut_evaluate'), 'its evaluation is untouched'),
    },
    {
      who: null,
      route: 'POST /api/public/track/:caseNo/evaluation',
      what: 'own case at sign-for',
      expect: 409,
      rule: 7,
      req: () => ({ method: 'POST', url: `/api/public/track/${pub.early.caseNo}/evaluation`, payload: { code: pub.early.trackingCode, ...evalBody } }),
      effect: async (c) => {
        const s = await openTask(app, pub.early.id, 'ut_signfor')
        c.ok(s && !s.assignee, 'the sign-for task is open and nobody’s')
      },
    },
  )

  t.comment(await fx.make(app))
  pub.xh = await tracked('xh', 'evaluate')
  pub.gy = await tracked('gy', 'evaluate')
  pub.early = await tracked('xh', 'signfor')
  await runMatrix(t, app, 'issue 9 authorisation matrix: case routes', rows)
})
