/**
 * Delivery across restarts, with real server processes (test/server-process.ts) and a local
 * HTTP server as the gateway. "Exactly once" here means: every notice reaches the gateway, and
 * every request for one notice carries the same Idempotency-Key (the notice id), so the gateway
 * passes it on once; a request is repeated only when a node died after the gateway took it and
 * before the node could record that (kill -9 between send and mark).
 */
import t from 'tap'
import { serverDatabaseEnv } from '../helper.js'
import { api, sleep, startServer, until } from '../server-process.js'
import { streetLightCall } from '../api.js'
import { startGateway } from './gateway.js'

const intake = streetLightCall

t.test('a node restarted (graceful and kill -9) delivers every notice, none twice', async (t) => {
  const gw = await startGateway()
  t.teardown(() => gw.close())
  const env = { ...serverDatabaseEnv(t, 'notify'), NOTIFY_WEBHOOK_URL: gw.url, NOTIFY_POLL_MS: '100', NOTIFY_LEASE_MS: '2000', NOTIFY_BACKOFF_MS: '300' }
  let node = await startServer({ name: 'notify-node', env, timeoutMs: 240_000 })
  t.teardown(() => void node.child.kill('SIGKILL'))
  const token = async () => (await api(node.base, 'POST', '/api/auth/login', undefined, { username: 'dispatcher', password: 'demo' })).json.token
  const admin = async () => (await api(node.base, 'POST', '/api/auth/login', undefined, { username: 'admin', password: 'demo' })).json.token
  const outbox = async (tok: string) => (await api(node.base, 'GET', '/api/notify/outbox?limit=200', tok)).json

  // 1. The gateway is down: three acceptances wait and back off. A graceful restart (SIGTERM)
  //    hands them on; once the gateway is up each is accepted exactly once.
  gw.mode = 'down'
  let tok = await token()
  for (let i = 0; i < 3; i++)
    t.equal((await api(node.base, 'POST', '/api/cases', tok, { ...intake, description: `${intake.description}（第${i + 1}盏）` })).status, 201)
  // Every one of them tried (and refused) at least once before the stop.
  await until(
    async () => gw.perKey().size,
    (n) => n >= 3,
  )
  node.child.kill('SIGTERM')
  t.equal(await new Promise((r) => node.child.once('exit', r)), 0, 'graceful stop')
  gw.mode = 'ok'
  node = await startServer({ name: 'notify-node', env, timeoutMs: 240_000 })
  let adm = await admin()
  let box = await until(
    () => outbox(adm),
    (b) => b.counts.sent === 3,
  )
  t.same(box.counts, { sent: 3 }, 'all three delivered after the restart')
  await sleep(800) // several more polls
  t.same([...new Set(gw.accepted)].length, 3)
  t.equal(gw.accepted.length, 3, 'each accepted by the gateway once')
  t.ok(
    box.items.every((n: any) => n.attempts >= 2),
    'each failed at least once before (logged attempts)',
  )

  // 2. kill -9 after the gateway took a notice but before the node recorded it: after the
  //    lease (2 s) the restarted node sends it again, with the same Idempotency-Key.
  gw.mode = 'hold'
  const before = gw.requests.length
  tok = await token()
  const held = await api(node.base, 'POST', '/api/cases', tok, { ...intake, description: '桥头路灯不亮' })
  t.equal(held.status, 201)
  await until(
    async () => gw.requests.length,
    (n) => n > before,
  )
  node.child.kill('SIGKILL')
  await new Promise((r) => node.child.once('exit', r))
  gw.releaseHeld()
  const heldKey = gw.requests[gw.requests.length - 1].key
  gw.mode = 'ok'
  node = await startServer({ name: 'notify-node', env, timeoutMs: 240_000 })
  adm = await admin()
  box = await until(
    () => outbox(adm),
    (b) => b.counts.sent === 4,
  )
  t.same(box.counts, { sent: 4 }, 'the interrupted notice is delivered after the restart')
  const item = box.items.find((n: any) => n.id === heldKey)
  t.ok(item, 'the Idempotency-Key is the notice id')
  t.equal(gw.perKey().get(heldKey), 2, 'sent twice: once before the crash, once after')
  t.equal(
    new Set(gw.requests.filter((r) => r.key === heldKey).map((r) => JSON.stringify(r.body))).size,
    1,
    'both requests identical, same key: the gateway drops the second',
  )
  const log = (await api(node.base, 'GET', `/api/notify/outbox/${heldKey}`, adm)).json.log
  t.same(
    log.map((l: any) => l.ok),
    [true],
    'the outbox records one delivery (the crashed attempt left no row)',
  )
  t.equal(gw.requests.find((r) => r.key === heldKey)!.body.contact, '13600000000', 'a hotline citizen: the phone goes to the SMS gateway')

  t.equal(new Set(gw.accepted).size, 4, 'four distinct notices in all')
})
