import t from 'tap'
import { build, login } from '../helper.js'

/** Cases created through the public intake (the cases capability) are counted, with labels from the category tree. */
t.test('a petition from the public intake is in the figures', async (t) => {
  const app = await build(t)
  const res = await app.inject({
    method: 'POST',
    url: '/api/public/petitions',
    payload: { description: '自来水停水三天', category: 'utilities.water', regionCode: 'xh-anping-v01-g1', petitioner: { type: 'person', anonymous: true } },
  })
  t.equal(res.statusCode, 201, res.body)
  const headers = await login(app, 'leader')
  const rates = await app.inject({ method: 'GET', url: '/api/metrics/rates?groupBy=category&region=xianghe', headers })
  t.equal(rates.statusCode, 200, rates.body)
  const body = rates.json()
  t.equal(body.overall.received, 1)
  t.equal(body.overall.closed, 0)
  t.equal(body.overall.closureRate, 0)
  t.equal(body.overall.resolutionRate, null)
  t.match(body.groups, [{ key: 'utilities', label: '水电气热', received: 1 }], 'the top-level category, named from the categories table')
  const county = await app.inject({ method: 'GET', url: '/api/metrics/rates', headers: await login(app, 'guangyang-admin') })
  t.equal(county.json().overall.received, 0, 'another county does not see it')
})
