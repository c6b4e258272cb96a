import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from '../helper.js'
import { as } from '../api.js'

const staffBody = {
  channel: 'hotline',
  description: '小区东门排水管道堵塞，污水外溢',
  category: 'environment.pollution',
  regionCode: 'xh-anping-v01-g1',
  petitioner: { type: 'person', name: '李女士', phone: '13900000000', anonymous: false },
}
const publicBody = {
  description: '楼下垃圾堆放一周无人清理',
  category: 'environment.garbage',
  regionCode: 'xh-anping-v01-g1',
  petitioner: { type: 'person', name: '张凤霞', phone: '13800000000', anonymous: false },
}

async function post(app: FastifyInstance, user: string | null, url: string, payload: unknown, key?: string) {
  const headers: Record<string, string> = user ? { ...(await as(app, user)) } : {}
  if (key !== undefined) headers['idempotency-key'] = key
  const res = await app.inject({ method: 'POST', url, headers, payload: payload as any })
  return { status: res.statusCode, body: res.json(), replayed: res.headers['idempotent-replayed'] === 'true' }
}

async function caseCount(app: FastifyInstance): Promise<number> {
  const row = await app.db('cases').count({ n: '*' }).first()
  return Number(row!.n)
}

test('a staff intake retried after a lost answer answers the first case instead of filing it twice', async (t) => {
  const app = await build(t)
  const key = 'desk-7-0c3f2b1e-retry-test'
  const first = await post(app, 'dispatcher', '/api/cases', staffBody, key)
  t.equal(first.status, 201)
  t.notOk(first.replayed)
  const again = await post(app, 'dispatcher', '/api/cases', { ...staffBody, petitioner: { ...staffBody.petitioner } }, key)
  t.equal(again.status, 201)
  t.ok(again.replayed, 'marked as a replay')
  t.equal(again.body.id, first.body.id, 'the same case')
  t.equal(again.body.caseNo, first.body.caseNo)
  t.equal(await caseCount(app), 1, 'one case in the database')

  // The key order of the body does not matter; its content does.
  const reordered = await post(app, 'dispatcher', '/api/cases', Object.fromEntries(Object.entries(staffBody).reverse()), key)
  t.equal(reordered.body.id, first.body.id, 'the same body in another key order is the same request')

  const without = await post(app, 'dispatcher', '/api/cases', staffBody)
  t.equal(without.status, 201)
  t.not(without.body.id, first.body.id, 'without a key every post is a new case')
  t.equal(await caseCount(app), 2)
})

test('the same key with a different body is refused with 422 and files nothing', async (t) => {
  const app = await build(t)
  const key = 'b3a1c0de-0000-4000-8000-000000000001'
  t.equal((await post(app, 'dispatcher', '/api/cases', staffBody, key)).status, 201)
  const other = await post(app, 'dispatcher', '/api/cases', { ...staffBody, description: '另一件事：路灯不亮' }, key)
  t.equal(other.status, 422)
  t.equal(other.body.error, 'unprocessable')
  t.match(other.body.message, /Idempotency-Key was used with a different request body/)
  t.equal(await caseCount(app), 1)

  const pub = await post(app, null, '/api/public/petitions', publicBody, key)
  t.equal(pub.status, 201, "the citizens' keys are a scope of their own")
  const pubOther = await post(app, null, '/api/public/petitions', { ...publicBody, petitioner: { ...publicBody.petitioner, phone: '13800000001' } }, key)
  t.equal(pubOther.status, 422, 'a public key guessed with another body')
  t.notMatch(JSON.stringify(pubOther.body), pub.body.trackingCode, 'does not reveal the tracking code')
  t.notMatch(JSON.stringify(pubOther.body), pub.body.caseNo, 'nor the case number')
  t.equal(await caseCount(app), 2)
})

test('a public petition retried with its key answers the same case number and tracking code', async (t) => {
  const app = await build(t)
  const key = 'wx-mini-7f9d2c4a-5b6e-4c1d'
  const first = await post(app, null, '/api/public/petitions', publicBody, key)
  t.equal(first.status, 201)
  const again = await post(app, null, '/api/public/petitions', publicBody, key)
  t.equal(again.status, 201)
  t.ok(again.replayed)
  t.same(again.body, first.body, 'the first answer, tracking code included')
  t.equal(await caseCount(app), 1)
})

test('concurrent requests with one key create one case', async (t) => {
  const app = await build(t)
  const staff = await Promise.all(Array.from({ length: 5 }, () => post(app, 'dispatcher', '/api/cases', staffBody, 'concurrent-staff-key-000001')))
  t.same(
    staff.map((r) => r.status),
    [201, 201, 201, 201, 201],
    JSON.stringify(staff.filter((r) => r.status !== 201).map((r) => r.body)),
  )
  t.equal(new Set(staff.map((r) => r.body.id)).size, 1, 'every answer names the same case')
  t.equal(staff.filter((r) => !r.replayed).length, 1, 'one created it, the others were replays')
  t.equal(await caseCount(app), 1)

  const citizens = await Promise.all(Array.from({ length: 5 }, () => post(app, null, '/api/public/petitions', publicBody, 'concurrent-public-key-00001')))
  t.same(
    citizens.map((r) => r.status),
    [201, 201, 201, 201, 201],
    JSON.stringify(citizens.filter((r) => r.status !== 201).map((r) => r.body)),
  )
  t.equal(new Set(citizens.map((r) => r.body.trackingCode)).size, 1)
  t.equal(await caseCount(app), 2)
})

test("keys are per user: another user's same key files their own case and never answers the first", async (t) => {
  const app = await build(t)
  const key = 'shared-looking-key-1234567890'
  const a = await post(app, 'dispatcher', '/api/cases', staffBody, key)
  const b = await post(app, 'grid01', '/api/cases', staffBody, key)
  t.equal(a.status, 201)
  t.equal(b.status, 201)
  t.notOk(b.replayed)
  t.not(b.body.id, a.body.id, "grid01 did not get the dispatcher's case")
  t.equal(await caseCount(app), 2)
})

test('a failed intake does not use up its key; an expired key is forgotten', async (t) => {
  const app = await build(t)
  const key = 'fails-first-then-works-0001'
  const bad = await post(app, 'dispatcher', '/api/cases', { ...staffBody, category: 'no.such.category' }, key)
  t.equal(bad.status, 422, 'unknown category')
  t.equal(
    await app
      .db('idempotency_keys')
      .where({ key })
      .count({ n: '*' })
      .first()
      .then((r: any) => Number(r.n)),
    0,
    'the key rolled back with the intake',
  )
  const good = await post(app, 'dispatcher', '/api/cases', staffBody, key)
  t.equal(good.status, 201)
  t.notOk(good.replayed, 'the corrected request is the first one for the key')

  // A day later (the key's expiry moved into the past) the key names nothing any more.
  await app
    .db('idempotency_keys')
    .where({ key })
    .update({ expires_at: new Date(Date.now() - 1000).toISOString() })
  const later = await post(app, 'dispatcher', '/api/cases', staffBody, key)
  t.equal(later.status, 201)
  t.notOk(later.replayed)
  t.not(later.body.id, good.body.id, 'a new case after expiry')
  const row = await app.db('idempotency_keys').where({ key }).first()
  const ttl = new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()
  t.equal(ttl, 24 * 3600e3, 'keys are kept for 24 hours')
})

test('a malformed Idempotency-Key is a 400', async (t) => {
  const app = await build(t)
  for (const key of ['short', 'x'.repeat(256), 'has space in the key 123']) {
    const res = await post(app, 'dispatcher', '/api/cases', staffBody, key)
    t.equal(res.status, 400, JSON.stringify(key.slice(0, 30)))
    t.equal(res.body.error, 'validation_failed')
  }
  t.equal(await caseCount(app), 0)
})
