import t from 'tap'
import { login } from '../helper.js'
import { buildMetricsApp as build, insertCases } from './fixtures.js'

/**
 * GET /api/metrics/ageing: open cases by days past their handling deadline, now. Hand-made
 * cases with deadlines relative to now, so the expected bucket of each is known:
 *   a  xh-anping   open, due in 2 days                      → notDue
 *   b  xh-anping   open, due 12 hours ago                   → 0-1d
 *   c  xh-shuyang  open, due 2 days ago                     → 1-3d
 *   d  xh-shuyang  open, due 5 days ago                     → 3-7d
 *   e  xianghe     open, due 10 days ago                    → 7-30d
 *   f  gy-xinyuan  open, due 40 days ago                    → 30d+   (Guangyang)
 *   g  xh-anping   closed, due 10 days ago                  → not counted (closed)
 *   h  xh-anping   open, due 10 days ago, a duplicate of b  → not counted (counts once, as b)
 *   i  xh-anping   open, no deadline                        → notDue
 * Xianghe: notDue 2 (a, i), 0-1d 1, 1-3d 1, 3-7d 1, 7-30d 1, 30d+ 0 — 6 open. City: plus f.
 */
t.test('ageing buckets, scoped like the rates', async (t) => {
  const app = await build(t)
  const now = Date.now()
  const at = (hours: number) => new Date(now + hours * 3600e3).toISOString()
  const b = 'ageing-b'
  await insertCases(app, [
    { region: 'xh-anping', resolve_due_at: at(48), status: 'in_progress' },
    { id: b, region: 'xh-anping', resolve_due_at: at(-12), status: 'in_progress' },
    { region: 'xh-shuyang', resolve_due_at: at(-48), status: 'dispatched' },
    { region: 'xh-shuyang', resolve_due_at: at(-120), status: 'received' },
    { region: 'xianghe', resolve_due_at: at(-240), status: 'awaiting_evaluation' },
    { region: 'gy-xinyuan', resolve_due_at: at(-960), status: 'in_progress' },
    { region: 'xh-anping', resolve_due_at: at(-240), status: 'closed', closed_at: at(-1) },
    { region: 'xh-anping', resolve_due_at: at(-240), status: 'in_progress', duplicate_of: b },
    { region: 'xh-anping', status: 'received' },
  ])
  const get = async (user: string, query = '') => app.inject({ method: 'GET', url: `/api/metrics/ageing${query}`, headers: await login(app, user) })
  const counts = (body: any) => Object.fromEntries(body.buckets.map((x: any) => [x.key, x.count]))

  const county = await get('xianghe-leader')
  t.equal(county.statusCode, 200, county.body)
  t.same(counts(county.json()), { notDue: 2, '0-1d': 1, '1-3d': 1, '3-7d': 1, '7-30d': 1, '30d+': 0 })
  t.equal(county.json().open, 6)

  const city = await get('leader')
  t.same(counts(city.json()), { notDue: 2, '0-1d': 1, '1-3d': 1, '3-7d': 1, '7-30d': 1, '30d+': 1 })
  t.equal(city.json().open, 7)

  const town = await get('leader', '?region=xh-shuyang')
  t.same(counts(town.json()), { notDue: 0, '0-1d': 0, '1-3d': 1, '3-7d': 1, '7-30d': 0, '30d+': 0 })
  t.equal(town.json().region.name, '淑阳镇')

  t.equal((await get('xianghe-leader', '?region=gy-xinyuan')).statusCode, 403, 'another county')
  t.equal((await get('grid01')).statusCode, 403, 'below county level')
  t.equal((await get('leader', '?region=nowhere')).statusCode, 400)
  t.equal((await get('leader', '?extra=1')).statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: '/api/metrics/ageing' })).statusCode, 401)
})
