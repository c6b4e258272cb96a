/**
 * Migration 032 repairs the deadlines written before they were bounded to 2000–2199: cases stuck
 * with "+102025-…" (a routing rule's P99999Y) could never be signed for, and every listing called
 * them overdue. The rows are corrupted at the previous migration, as such a database holds them,
 * then migrated; expected deadlines come from the category's limits and the case's received time.
 */
import t from 'tap'
import { build } from '../helper.js'
import { call, garbageReport, getCase, openTask, petition, caseByNo, step } from '../api.js'
import { migrationSource } from '../../migrations/index.js'

const BAD = '+102025-06-01T08:00:00.000Z'
const MS: Record<string, number> = { D: 86400e3, H: 3600e3, M: 60e3 }

/** `from + limit` for the plain limits the seeded categories use (PnD, PTnH, PTnM). */
function plus(from: string, limit: string): string {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(limit)
  if (!m) throw new Error(`a limit this test does not compute: ${limit}`)
  return new Date(Date.parse(from) + Number(m[1] ?? 0) * MS.D + Number(m[2] ?? 0) * MS.H + Number(m[3] ?? 0) * MS.M).toISOString()
}

t.test('cases stuck with a deadline outside 2000–2199 could not be signed for and were listed as overdue', async (t) => {
  const app = await build(t)
  const db = app.db
  const fresh = async () => {
    const p = await petition(app, { ...garbageReport, channel: 'web' })
    return caseByNo(app, p.caseNo)
  }
  const stuck = await fresh() // resolve deadline "+102025-…" (a P99999Y rule), in the case and the instance
  const early = await fresh() // response deadline too, on its sign-for task and that task's deadline timer
  const garbled = await fresh() // a resolve deadline that is no date at all
  const sound = await fresh()
  const category = await db('categories').where({ code: garbageReport.category }).first('limits')
  const limits = JSON.parse(category.limits)[stuck.urgency ?? 'normal'] ?? JSON.parse(category.limits).normal
  const instanceOf = async (id: string) => (await db('cases').where({ id }).first('instance_id')).instance_id as string

  const [, downed] = await db.migrate.down({ migrationSource, name: '032_deadline_repair' })
  t.same(downed, ['032_deadline_repair'], 'at the previous migration')
  await db('cases').where({ id: stuck.id }).update({ resolve_due_at: BAD })
  const stuckInstance = await instanceOf(stuck.id)
  await db.transaction((trx: any) => app.engine.runtime.setVariables(trx, stuckInstance, { resolveDue: BAD }, 'admin'))
  await db('cases').where({ id: early.id }).update({ response_due_at: BAD })
  const earlyInstance = await instanceOf(early.id)
  await db.transaction((trx: any) => app.engine.runtime.setVariables(trx, earlyInstance, { responseDue: BAD }, 'admin'))
  const signTask = await openTask(app, early.id, 'ut_signfor')
  await db('tasks').where({ id: signTask.id }).update({ due_at: BAD })
  const earlyTimer = await db('timers').where({ instance_id: earlyInstance, status: 'pending', element_id: 'ut_signfor_late' }).first('id')
  t.ok(earlyTimer, 'the sign-for deadline timer is pending')
  await db('timers').where({ id: earlyTimer.id }).update({ due_at: BAD })
  await db('cases').where({ id: garbled.id }).update({ resolve_due_at: 'next week' })
  const soundBefore = await db('cases').where({ id: sound.id }).first('response_due_at', 'resolve_due_at')

  // As such a database behaves: the sign-for fails, and the listing calls the case overdue.
  const refused = await call(app, 'anping-v01', 'POST', `/api/tasks/${(await openTask(app, stuck.id, 'ut_signfor')).id}/complete`, {
    data: { signOutcome: 'accept' },
  })
  t.ok(refused.status >= 400, `the sign-for fails before the repair (${refused.status})`)
  const overdueIds = async () => (await call(app, 'admin', 'GET', '/api/cases?overdue=true&limit=200')).body.items.map((c: any) => c.id)
  t.ok((await overdueIds()).includes(stuck.id), 'listed as overdue before the repair')

  await db.migrate.latest({ migrationSource })

  const rows = new Map((await db('cases').whereIn('id', [stuck.id, early.id, garbled.id, sound.id])).map((r: any) => [r.id, r]))
  const expectResolve = plus(stuck.createdAt, limits.resolve)
  t.equal(rows.get(stuck.id).resolve_due_at, expectResolve, "recomputed from the category's resolve limit")
  t.equal(rows.get(stuck.id).response_due_at, stuck.responseDueAt, 'the usable deadline is left as it was')
  const expectResponse = plus(early.createdAt, limits.response)
  t.equal(rows.get(early.id).response_due_at, expectResponse, "recomputed from the category's response limit")
  t.equal((await db('tasks').where({ id: signTask.id }).first('due_at')).due_at, expectResponse, 'its task is due then')
  t.equal((await db('timers').where({ id: earlyTimer.id }).first('due_at')).due_at, expectResponse, 'and its deadline timer fires then')
  t.equal(rows.get(garbled.id).resolve_due_at, plus(garbled.createdAt, limits.resolve), 'an unreadable deadline too')
  t.same({ response_due_at: rows.get(sound.id).response_due_at, resolve_due_at: rows.get(sound.id).resolve_due_at }, soundBefore, 'a sound case is untouched')
  const instance = await db('process_instances').where({ id: stuckInstance }).first('variables', 'state')
  t.equal(JSON.parse(instance.variables).resolveDue, expectResolve, "the instance's variable")
  t.notOk(instance.state?.includes(BAD), 'no trace of the old value in the saved engine state')

  // The repair shows in each case's history, with what was there before.
  for (const [c, was, now] of [
    [stuck, { responseDue: stuck.responseDueAt, resolveDue: BAD }, { responseDue: stuck.responseDueAt, resolveDue: expectResolve }],
    [early, { responseDue: BAD, resolveDue: early.resolveDueAt }, { responseDue: expectResponse, resolveDue: early.resolveDueAt }],
  ] as const) {
    const hist = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body
    const repaired = hist.filter((h: any) => h.type === 'deadline_repaired')
    t.equal(repaired.length, 1, `${c.caseNo}: one repair event`)
    t.match(repaired[0].data, { ...now, was })
    t.match(repaired[0].message, /已修复.*\/ Deadlines outside 2000–2199/)
  }
  t.notOk(
    (await call(app, 'admin', 'GET', `/api/cases/${sound.id}/history`)).body.some((h: any) => h.type === 'deadline_repaired'),
    'no event on a sound case',
  )

  // The case goes on: signed for, its handling task due at the repaired deadline; no longer overdue.
  t.notOk((await overdueIds()).includes(stuck.id), 'not overdue')
  await step(app, stuck.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
  t.equal((await openTask(app, stuck.id, 'ut_handle')).dueAt, expectResolve)
  t.equal((await getCase(app, stuck.id)).resolveDueAt, expectResolve)
  await step(app, early.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
  t.ok(await openTask(app, early.id, 'ut_handle'), 'the other case is signed for too')
})
