/**
 * Intake keeps what it reads of the configuration — the category, the units, the follow-up
 * cycle — for a few seconds per node (src/cases/config-reads.ts), and this node's own writes to
 * those tables apply to the very next intake.
 */
import t from 'tap'
import { build } from '../helper.js'
import { call, garbageReport, readsOf } from '../api.js'
import { testClock } from '../clock.js'

t.test("this node's writes to categories, units and settings apply to the next intake, though intake keeps what it read of them", async (t) => {
  const clock = testClock(t)
  const app = await build(t)
  const intake = () => call(app, 'dispatcher', 'POST', '/api/cases', garbageReport)
  const variables = async (caseId: string) =>
    JSON.parse((await app.db('process_instances').where({ case_id: caseId }).first('variables')).variables) as Record<string, unknown>
  const reads = (fn: () => Promise<unknown>) => readsOf(app, ['categories', 'org_units', 'settings'], fn)
  t.equal((await intake()).status, 201)
  // A second after the seed's and the first login's writes, as on a server that has been up a while.
  clock.advance(1100)
  t.equal((await intake()).status, 201, 'an intake reads the configuration')
  let first: Awaited<ReturnType<typeof intake>> | undefined
  t.equal(await reads(async () => (first = await intake())), 0, 'the next intake reads none of it again')
  t.equal(first!.status, 201)
  t.equal((await variables(first!.body.id)).followUpCycle, 'R52/P7D', 'the default follow-up cycle')

  await app.db('categories').where({ code: garbageReport.category }).update({ active: false })
  const refused = await intake()
  t.equal(refused.status, 422, 'a category withdrawn on this node refuses the very next intake')
  t.equal(refused.body.key, 'error.case.unknownCategory')
  await app.db('categories').where({ code: garbageReport.category }).update({ active: true })
  t.equal((await intake()).status, 201, 'and back in use, it takes it again')

  await app.db('settings').insert({ key: 'cases.follow_up_cycle', value: 'R4/P1D' }).onConflict('key').merge()
  const cycled = await intake()
  t.equal(cycled.status, 201)
  t.equal((await variables(cycled.body.id)).followUpCycle, 'R4/P1D', 'a follow-up cycle set on this node applies to the next case')

  // The unit the routing rule names for rubbish in this village, renamed: the next case shows the new name.
  const owner = first!.body.ownerUnit as string
  await app.db('org_units').where({ code: owner }).update({ name: '改名后的单位' })
  const renamed = await intake()
  t.equal(renamed.status, 201)
  t.equal(renamed.body.ownerUnit, owner)
  t.equal(renamed.body.ownerUnitName, '改名后的单位', "the unit's new name, read again after this node's write")
})
