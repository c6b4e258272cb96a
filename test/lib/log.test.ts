// @sqlite-only: what the request log writes
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from '../helper.js'
import { call, petition, streetLight } from '../api.js'
import { redactUrl } from '../../src/lib/log.js'

/** An app that logs every request at info into `lines` (parsed JSON). */
async function logged(t: Test, lines: Record<string, any>[]): Promise<FastifyInstance> {
  return build(t, { config: { logLevel: 'info' }, logStream: { write: (line) => void lines.push(JSON.parse(line)) } })
}

/** The `req` of each "incoming request" line. */
const requests = (lines: Record<string, any>[]) => lines.filter((l) => l.req).map((l) => l.req)

t.test('tracking codes and Open311 keys in query strings were written to the log: now ***', async (t) => {
  const lines: Record<string, any>[] = []
  const app = await logged(t, lines)
  const p = await petition(app, streetLight)
  const issued = await call(app, 'admin', 'POST', '/api/open311/keys', { name: 'log test', jurisdiction: 'xianghe' })
  t.equal(issued.status, 201)
  const apiKey: string = issued.body.apiKey
  lines.length = 0

  const tracked = await app.inject({ method: 'GET', url: `/api/public/track/${p.caseNo}?code=${p.trackingCode}&lang=en` })
  t.equal(tracked.statusCode, 200, 'the deprecated query form is still answered')
  const open311 = await app.inject({ method: 'GET', url: `/open311/v2/requests.json?jurisdiction_id=xianghe&api_key=${apiKey}` })
  t.equal(open311.statusCode, 200)
  await app.inject({ method: 'GET', url: `/api/me?token=tok-SECRET-1&Password=pw-SECRET-2&api%5Fkey=key-SECRET-3` })

  const text = lines.map((l) => JSON.stringify(l)).join('\n')
  for (const secret of [p.trackingCode, apiKey, 'tok-SECRET-1', 'pw-SECRET-2', 'key-SECRET-3']) t.notOk(text.includes(secret), `${secret} not in the log`)
  t.same(
    requests(lines).map((r) => r.url),
    [
      `/api/public/track/${p.caseNo}?code=***&lang=en`,
      '/open311/v2/requests.json?jurisdiction_id=xianghe&api_key=***',
      '/api/me?token=***&Password=***&api%5Fkey=***',
    ],
    'the path and the other parameters are logged as sent',
  )
})

t.test('headers carrying secrets (Authorization, X-Tracking-Code, cookies) are not logged', async (t) => {
  const lines: Record<string, any>[] = []
  const app = await logged(t, lines)
  const p = await petition(app, streetLight)
  const staff = await call(app, null, 'POST', '/api/auth/login', { username: 'dispatcher', password: 'demo' })
  lines.length = 0
  const tracked = await app.inject({
    method: 'GET',
    url: `/api/public/track/${p.caseNo}`,
    headers: { 'x-tracking-code': p.trackingCode, cookie: 'session=cookie-SECRET-4' },
  })
  t.equal(tracked.statusCode, 200)
  const me = await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${staff.body.token}` } })
  t.equal(me.statusCode, 200)
  const text = lines.map((l) => JSON.stringify(l)).join('\n')
  t.ok(requests(lines).length >= 2, 'the requests were logged')
  for (const secret of [p.trackingCode, staff.body.token, 'cookie-SECRET-4']) t.notOk(text.includes(secret), 'a secret header is not in the log')
})

t.test('redactUrl leaves URLs without secrets as they were', async (t) => {
  t.equal(redactUrl('/api/cases?q=%E8%B7%AF%E7%81%AF&limit=5'), '/api/cases?q=%E8%B7%AF%E7%81%AF&limit=5')
  t.equal(redactUrl('/health'), '/health')
  t.equal(redactUrl('/x?code'), '/x?code', 'a name without a value has nothing to hide')
  t.equal(redactUrl('/x?code=a&code=b&codes=c'), '/x?code=***&code=***&codes=c')
  t.equal(redactUrl('/x?%E0=1&code=s'), '/x?%E0=1&code=***', 'an undecodable name is kept as sent')
})
