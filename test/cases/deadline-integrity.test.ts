import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, garbageReport, openTask, petition, step } from '../api.js'

/**
 * What a county administrator (or anyone completing a task) could do to a case's deadlines and
 * to its assessment through the variables the platform's handlers read: each test is named after
 * what broke, and checks the case afterwards against values read before the attempt.
 */

const day = 86400e3

async function newCase(app: any) {
  const p = await petition(app, { ...garbageReport, channel: 'web' })
  return { ...(await caseByNo(app, p.caseNo)), trackingCode: p.trackingCode, caseNo: p.caseNo }
}

t.test('routing limits', async (t) => {
  const app = await build(t)
  const before = (await call(app, 'xianghe-admin', 'GET', '/api/routing-rules')).body.filter((r: any) => r.tenant === 'xianghe')

  t.test('a routing rule with resolveLimit P99999Y left every new case unable to be signed for', async (t) => {
    const put = await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', {
      rules: [
        { category: 'environment.garbage', owner: '@village', level: 'village', resolveLimit: 'P99999Y' },
        { category: 'environment', owner: '@county:environment', level: 'county', responseLimit: 'P3661D' },
      ],
    })
    t.equal(put.status, 422, JSON.stringify(put.body))
    t.same(
      put.body.details.map((d: any) => [d.index, d.field, d.key]),
      [
        [0, 'resolveLimit', 'error.case.durationLong'],
        [1, 'responseLimit', 'error.case.durationLong'],
      ],
      'each rule and field named',
    )
    t.same(
      (await call(app, 'xianghe-admin', 'GET', '/api/routing-rules')).body.filter((r: any) => r.tenant === 'xianghe'),
      before,
      'the rules are unchanged',
    )
    const ten = await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', {
      rules: [{ category: 'environment.garbage', owner: '@village', level: 'village', resolveLimit: 'P10Y' }],
    })
    t.equal(ten.status, 200, 'ten years, the longest a diagram timer may wait, is accepted')
  })

  t.test('a routing table with a literal limit of 99999 years is refused at deploy', async (t) => {
    const current = (await call(app, 'xianghe-admin', 'GET', '/api/decisions/key/routing')).body
    const long = current.xml.replace('"P10Y"', '"P99999Y"')
    t.not(long, current.xml)
    const dep = await call(app, 'xianghe-admin', 'POST', '/api/decisions', { xml: long })
    t.equal(dep.status, 400, JSON.stringify(dep.body))
    t.equal(dep.body.key, 'error.dmn.routingLimitLong')
    t.match(dep.body.details, [{ field: 'resolveLimit' }])
  })

  t.test('a routing version stored before the check: new cases take the category limit and can be signed for', async (t) => {
    const head = await app.db('resource_definitions').where({ kind: 'decision', key: 'routing', tenant: 'xianghe' }).orderBy('version', 'desc').first()
    const old = head.source.replace('"P10Y"', '"P99999Y"')
    t.not(old, head.source)
    await app.db('resource_definitions').insert({ ...head, id: `${head.id}-old`, version: head.version + 1, source: old, source_hash: 'old' })
    const c = await newCase(app)
    t.equal(Date.parse(c.resolveDueAt) - Date.parse(c.createdAt), 7 * day, "the category's 7 days for a normal garbage report")
    await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
    t.ok(await openTask(app, c.id, 'ut_handle'), 'signed for: the case is at handling')
    const overdue = (await call(app, 'admin', 'GET', '/api/cases?overdue=true&limit=200')).body.items.map((x: any) => x.id)
    t.notOk(overdue.includes(c.id), 'not listed as overdue')
  })
})
