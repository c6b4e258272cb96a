// @sqlite-only: times are formatted from the ISO text either database returns
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, onPostgres } from '../helper.js'
import { call, caseByNo, petition, streetLight } from '../api.js'

/**
 * Times inside sentences the server writes (src/messages/formats.ts): a supervision order's reply
 * deadline, an overdue stage's deadline, Open311's expected resolution read "答复期限
 * 2026-12-05T02:00:00.000Z" — ISO UTC, eight hours off for every reader in China. The server now
 * writes them in China time (Asia/Shanghai, UTC+8 all year), `YYYY-MM-DD HH:mm` in both languages;
 * the stored parameters stay the ISO instants.
 */
const db = onPostgres ? 'PostgreSQL' : 'SQLite'

/** China time worked out by hand: UTC plus eight hours (China has had no summer time since 1991). */
const chinaTime = (iso: string) => new Date(Date.parse(iso) + 8 * 3600e3).toISOString().slice(0, 16).replace('T', ' ')

async function historyOf(app: FastifyInstance, caseId: string, type: string) {
  return (await call(app, 'admin', 'GET', `/api/cases/${caseId}/history`)).body.filter((h: any) => h.type === type)
}

t.test(`a supervision order's reply deadline reads in China time, not ISO UTC (${db})`, async (t) => {
  const app = await build(t)
  const c = await caseByNo(app, (await petition(app, streetLight)).caseNo)
  // 17:30 UTC on 5 December is 01:30 on the 6th in China: the day changes too.
  const replyDue = '2030-12-05T17:30:00.000Z'
  const issued = await call(app, 'xianghe-supervisor', 'POST', `/api/cases/${c.id}/supervision-orders`, { message: '请于期限前报告进展', replyDue })
  t.equal(issued.status, 201, JSON.stringify(issued.body))
  const [event] = await historyOf(app, c.id, 'supervision_order')
  t.ok(event, 'the order is in the history')
  t.match(
    event.message,
    /^下发督办单至 \S+，答复期限 2030-12-06 01:30 \/ Supervision order to .+, reply by 2030-12-06 01:30：请于期限前报告进展$/,
    event.message,
  )
  t.notMatch(event.message, /2030-12-05|T17:30|Z\b/, 'no UTC instant in the sentence')
  t.equal(event.data.replyDue, replyDue, 'the stored parameter stays the ISO instant (data, not presentation)')
})

t.test(`an overdue stage's supervision states its deadline in China time (${db})`, async (t) => {
  const app = await build(t)
  const put = await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', {
    rules: [{ category: 'market.consumer', owner: '@county:urban', level: 'county', responseLimit: 'PT1M', resolveLimit: 'PT5M' }],
  })
  t.equal(put.status, 200, JSON.stringify(put.body))
  const p = await petition(app, {
    description: '买到过期食品',
    category: 'market.consumer',
    regionCode: 'xh-shuyang-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  t.equal(await app.engine.poller.poll(new Date(Date.now() + 2 * 60e3)), 1, 'the sign-for timer fires')
  const [event] = await historyOf(app, c.id, 'supervision')
  t.ok(event, 'the supervision is in the history')
  const due = chinaTime(c.responseDueAt)
  t.equal(event.message, `签收已超时，已督办（时限 ${due}） / Overdue sign-for: supervised (due ${due})`)
  t.equal(event.data.due, c.responseDueAt, 'the stored parameter stays the ISO instant')
})

t.test(`Open311's service notice gives the expected resolution in China time (${db})`, async (t) => {
  const app = await build(t)
  const res = await app.inject({
    method: 'POST',
    url: '/open311/v2/requests.json',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      api_key: 'demo',
      jurisdiction_id: 'xianghe',
      service_code: 'roads.lighting',
      address_string: '安平镇安平村东口',
      'attribute[region]': 'xh-anping-v01-g1',
    }).toString(),
  })
  t.equal(res.statusCode, 200, res.body)
  const [answer] = res.json()
  const c = await caseByNo(app, answer.service_request_id)
  const due = chinaTime(c.resolveDueAt)
  t.equal(answer.service_notice, `已受理，预计 ${due} 前办结 / received; expected to be resolved by ${due}`)
})
