import type { Trx } from '../lib/db.js'

/**
 * Commands that re-date what an instance has already done, for loading data that happened
 * earlier than the step that wrote it (the demo's year of history takes its open cases through
 * the real intake "now" and dates them when they were received). Not a flow operation: nothing
 * moves, no timer changes. Runs in the caller's transaction.
 */

/**
 * Dates the start of `instanceId` at `at`: the instance's `started_at`, the history entries and
 * the open tasks' `created_at` of it and of the instances it called in that first step (its
 * descendants), so its timeline and worklist age agree with the new start. Returns how many
 * instances it re-dated (0: no such instance).
 */
export async function redateStart(trx: Trx, instanceId: string, at: string): Promise<number> {
  const ids: string[] = []
  for (let level = [instanceId]; level.length;) {
    const found: string[] = (await trx('process_instances').whereIn('id', level).select('id')).map((r: { id: string }) => r.id)
    ids.push(...found)
    level = found.length ? (await trx('process_instances').whereIn('parent_id', found).select('id')).map((r: { id: string }) => r.id) : []
  }
  if (!ids.length) return 0
  await trx('process_instances').whereIn('id', ids).update({ started_at: at })
  await trx('history').whereIn('instance_id', ids).update({ at })
  await trx('tasks').whereIn('instance_id', ids).update({ created_at: at })
  return ids.length
}
