/**
 * An intake reads its township narrow and takes what the cases say from the node's copy
 * (src/cases/case-facts.ts). A case whose row was written since it was copied must be compared
 * by what the row says now: the copy is only good for the `updated_at` it was read at.
 */
import t from 'tap'
import { build } from '../helper.js'
import { call, garbageReport } from '../api.js'

const lamp = { title: '村口路灯不亮', description: '安平村村口的路灯连续三个晚上都不亮', category: 'roads.lighting' }

t.test('a case rewritten after the node copied its facts is compared by its new words, not the copied ones', async (t) => {
  const app = await build(t)
  const intake = async () => {
    const res = await call(app, 'dispatcher', 'POST', '/api/cases', garbageReport)
    t.equal(res.status, 201, res.status === 201 ? 'registered' : JSON.stringify(res.body))
    return res.body as { id: string; similar: { id: string }[] }
  }
  const a = await intake()
  const b = await intake()
  t.same(
    b.similar.map((s) => s.id),
    [a.id],
    'the second report is offered the first (the node now holds the first case’s facts)',
  )

  // Corrected to another matter by a write that, like every write of a case row, moves updated_at.
  await app
    .db('cases')
    .where({ id: a.id })
    .update({ ...lamp, updated_at: new Date(Date.now() + 1000).toISOString() })

  const c = await intake()
  t.same(
    c.similar.map((s) => s.id),
    [b.id],
    'the third is offered the second only: the first now reports a street lamp and is not similar',
  )
  const fromApi = await call(app, 'dispatcher', 'GET', `/api/cases/${c.id}/similar`)
  t.same(
    fromApi.body.items.map((s: { id: string }) => s.id),
    [b.id],
    'and so says the similar-cases read of its own',
  )
  const rewritten = fromApi.body.items.find((s: { id: string }) => s.id === a.id)
  t.equal(rewritten, undefined, 'the rewritten case is not among them')

  // A grid worker's intake reads the candidates it may see with a query of its own: the same copy, the same rule.
  const byGrid = await call(app, 'grid01', 'POST', '/api/cases', garbageReport)
  t.equal(byGrid.status, 201)
  t.same(
    byGrid.body.similar.map((s: { id: string }) => s.id).sort(),
    [b.id, c.id].sort(),
    'the grid worker’s report is offered the two garbage reports, not the lamp',
  )
})
