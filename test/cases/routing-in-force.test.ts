import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, petition } from '../api.js'

/**
 * GET /api/routing-rules/in-force: which routing decision versions a scope's cases meet, and
 * whether each is that scope's rule list. A county whose administrator deployed a table edited in
 * the decision editor had its rules page say nothing of it, though routing followed the table.
 * Where the answer says a table is in force, a petition is checked to be routed by that table.
 */
t.setTimeout(600_000)

const land = { description: '有人在耕地上建房', category: 'land.use', petitioner: { type: 'person', anonymous: true } }
const xianghe = { ...land, regionCode: 'xh-anping-v01-g1' }

t.test('the versions routing tries for a county, and whether each is its rule list', async (t) => {
  const app = await build(t)
  const inForce = async (user: string, query = '') => {
    const r = await call(app, user, 'GET', `/api/routing-rules/in-force${query}`)
    t.equal(r.status, 200, JSON.stringify(r.body))
    return r.body
  }

  // Fresh: the county has no table of its own; the city's shipped table is the city's seeded rule list.
  const fresh = await inForce('xianghe-admin')
  t.equal(fresh.tenant, 'xianghe')
  t.match(fresh.versions, [{ tenant: null, version: 1, fromRules: true, usable: true }])
  t.equal(fresh.versions.length, 1)

  // Saving the county's rule list deploys it: the county's version first, the city's after it.
  const put = await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', {
    rules: [{ category: 'market.consumer', owner: '@county:urban', level: 'county' }],
  })
  t.equal(put.status, 200)
  const saved = await inForce('xianghe-admin')
  t.match(saved.versions, [
    { tenant: 'xianghe', version: 1, fromRules: true, usable: true, deployedBy: 'xianghe-admin', deployedByName: '香河县管理员' },
    { tenant: null, version: 1, fromRules: true },
  ])

  // An edit in the decision editor: the county's newest table is no longer its list.
  const current = await call(app, 'xianghe-admin', 'GET', '/api/decisions/key/routing')
  const edited = current.body.xml.replace('"@county:urban"', '"@county:housing"')
  t.not(edited, current.body.xml)
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/decisions', { xml: edited })).status, 201)
  const after = await inForce('xianghe-admin')
  t.match(after.versions, [
    { tenant: 'xianghe', version: 2, fromRules: false, usable: true },
    { tenant: null, version: 1, fromRules: true },
  ])
  // And routing follows that table, not the list (which still says @county:urban).
  const consumer = await caseByNo(app, (await petition(app, { ...xianghe, category: 'market.consumer' })).caseNo)
  t.equal(consumer.ownerUnit, 'xianghe-housing', 'the edited table routes the case')
  t.equal((await call(app, 'xianghe-admin', 'GET', '/api/routing-rules')).body.find((r: any) => r.tenant === 'xianghe').owner, '@county:urban')

  // The scope is the caller's: a county administrator cannot read another county's.
  const gy = await inForce('guangyang-admin', '?tenant=xianghe')
  t.equal(gy.tenant, 'guangyang')
  t.match(gy.versions, [{ tenant: null }])
  t.equal(gy.versions.length, 1)
  t.match((await inForce('admin', '?tenant=xianghe')).versions, [{ tenant: 'xianghe', version: 2, fromRules: false }, { tenant: null }])
  t.match((await inForce('admin')).versions, [{ tenant: null, fromRules: true }], 'the city administrator without a county: the city’s')
  t.equal((await call(app, 'dispatcher', 'GET', '/api/routing-rules/in-force')).status, 403)
  t.equal((await call(app, 'admin', 'GET', `/api/routing-rules/in-force?tenant=${'x'.repeat(65)}`)).status, 400)

  // Saving the list again makes it the table in force.
  t.equal((await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', { rules: [{ category: 'market.consumer', owner: '@county:urban' }] })).status, 200)
  t.match((await inForce('xianghe-admin')).versions, [{ tenant: 'xianghe', version: 3, fromRules: true }, { tenant: null }])
})
