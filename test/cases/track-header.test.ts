import { test } from 'tap'
import { build } from '../helper.js'
import { petition } from '../api.js'

test('the tracking code was only accepted in the URL: it is now read from X-Tracking-Code', async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    description: '路灯不亮已经三天',
    category: 'roads.lighting',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const url = `/api/public/track/${encodeURIComponent(p.caseNo)}`
  const wrong = p.trackingCode.startsWith('A') ? 'B' + p.trackingCode.slice(1) : 'A' + p.trackingCode.slice(1)

  const byHeader = await app.inject({ method: 'GET', url, headers: { 'x-tracking-code': p.trackingCode } })
  t.equal(byHeader.statusCode, 200)
  t.equal(byHeader.json().caseNo, p.caseNo)
  t.equal(byHeader.headers['cache-control'], 'no-store', 'not kept by shared caches')

  const lower = await app.inject({ method: 'GET', url, headers: { 'x-tracking-code': p.trackingCode.toLowerCase() } })
  t.equal(lower.statusCode, 200, 'typed in lower case, as with the query form')

  t.equal((await app.inject({ method: 'GET', url, headers: { 'x-tracking-code': wrong } })).statusCode, 404, 'a wrong code')
  t.equal((await app.inject({ method: 'GET', url })).statusCode, 404, 'no code')
  t.equal((await app.inject({ method: 'GET', url, headers: { 'x-tracking-code': 'X'.repeat(17) } })).statusCode, 400, 'an overlong code')

  const byQuery = await app.inject({ method: 'GET', url: `${url}?code=${p.trackingCode}` })
  t.equal(byQuery.statusCode, 200, 'the older query form is still answered')
  t.same(byQuery.json(), byHeader.json())

  const both = await app.inject({ method: 'GET', url: `${url}?code=${p.trackingCode}`, headers: { 'x-tracking-code': wrong } })
  t.equal(both.statusCode, 404, 'the header is the code when both are given')
})
