// @sqlite-only: the per-IP limits are counted in memory, before any handler
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from '../helper.js'
import { loadConfig } from '../../src/config.js'

/**
 * The per-IP limits behind a load balancer (an operations trial): without trustProxy every
 * request came from the balancer's address, so the public petition limit (10 a minute) was
 * shared by the whole county.
 */
const petition = {
  description: '路灯不亮',
  category: 'roads.lighting',
  regionCode: 'xh-anping-v01-g1',
  petitioner: { type: 'person', anonymous: true },
}

/** The statuses of 12 petitions sent by `peer`, each claiming another citizen in X-Forwarded-For. */
async function twelveCitizens(app: FastifyInstance, peer: string): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 1; i <= 12; i++) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/public/petitions',
      remoteAddress: peer,
      headers: { 'x-forwarded-for': `198.51.100.${i}` },
      payload: petition,
    })
    statuses.push(res.statusCode)
  }
  return statuses
}

const BALANCER = '10.0.0.7'

t.test('behind a balancer with TRUST_PROXY set, 12 citizens each get their own petition limit', async (t) => {
  const app = await build(t, { config: { trustProxy: loadConfig({ TRUST_PROXY: 'true' }).trustProxy } })
  t.same(await twelveCitizens(app, BALANCER), Array(12).fill(201))
})

t.test('without TRUST_PROXY the balancer is one citizen: the 11th petition is 429', async (t) => {
  const app = await build(t)
  const statuses = await twelveCitizens(app, BALANCER)
  t.same(statuses.slice(0, 10), Array(10).fill(201))
  t.same(statuses.slice(10), [429, 429])
})

t.test("TRUST_PROXY naming the balancer: its X-Forwarded-For counts, a direct client's does not", async (t) => {
  const app = await build(t, { config: { trustProxy: loadConfig({ TRUST_PROXY: `${BALANCER}, 192.0.2.0/24` }).trustProxy } })
  t.same(await twelveCitizens(app, BALANCER), Array(12).fill(201), 'through the balancer: 12 citizens')
  // A client reaching the node directly forges a new X-Forwarded-For each time: still one client.
  const forged = await twelveCitizens(app, '203.0.113.9')
  t.same(forged.slice(0, 10), Array(10).fill(201))
  t.same(forged.slice(10), [429, 429], 'the forged header is not believed')
})
