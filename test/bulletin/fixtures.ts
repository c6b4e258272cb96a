import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type ExcelJS from 'exceljs'
import { insertCases } from '../metrics/fixtures.js'

export { buildMetricsApp } from '../metrics/fixtures.js'

/**
 * March 2024 in 香河县, hand-made so that every default scoring item has a known count
 * (the bulletin is the read side: the cases are inserted as the metrics tests insert them).
 * All deadlines lie in 2024, so "now" is past every one of them.
 *
 *   A  安平镇  水务局  responded in time, finished in time (03-15 ≤ 03-20) at village level,
 *                     evaluated resolved + satisfied
 *   B  安平镇  水务局  responded late (03-13 > 03-12), finished late (03-25 > 03-20) at county
 *                     level, re-handled, then evaluated unresolved + dissatisfied
 *   C  安平镇  自然资源局 (category land) never responded, never finished: both overdue
 *   D  淑阳镇  自然资源局 responded late, but excluded from assessment (excluded_at set)
 *   E  淑阳镇  自然资源局 responded in time, finished in time at township level, closed when the
 *                     evaluation period ran out (not evaluated)
 */
export async function seedMarch(app: FastifyInstance): Promise<Record<string, string>> {
  const ids: Record<string, string> = {}
  for (const k of ['A', 'B', 'C', 'D', 'E']) ids[k] = randomUUID()
  const rd = '2024-03-12T02:00:00.000Z'
  const fd = '2024-03-20T00:00:00.000Z'
  await insertCases(app, [
    {
      id: ids.A,
      case_no: 'A',
      region: 'xh-anping',
      department: 'xianghe-water',
      category: 'utilities.water',
      title: '停水 A',
      response_due_at: rd,
      responded_at: '2024-03-10T03:00:00.000Z',
      resolve_due_at: fd,
      resolved_at: '2024-03-15T00:00:00.000Z',
      status: 'closed',
      closed_at: '2024-03-16T00:00:00.000Z',
      resolved_level: 'village',
      eval_resolved: true,
      eval_satisfaction: 'satisfied',
      evaluated_at: '2024-03-16T00:00:00.000Z',
    },
    {
      id: ids.B,
      case_no: 'B',
      region: 'xh-anping',
      department: 'xianghe-water',
      category: 'utilities.water',
      title: '水压 B',
      response_due_at: rd,
      responded_at: '2024-03-13T00:00:00.000Z',
      resolve_due_at: fd,
      resolved_at: '2024-03-25T00:00:00.000Z',
      status: 'closed',
      closed_at: '2024-03-26T00:00:00.000Z',
      resolved_level: 'county',
      eval_resolved: false,
      eval_satisfaction: 'dissatisfied',
      evaluated_at: '2024-03-26T00:00:00.000Z',
    },
    {
      id: ids.C,
      case_no: 'C',
      region: 'xh-anping',
      department: 'xianghe-land',
      category: 'land',
      title: '占地 C',
      response_due_at: rd,
      resolve_due_at: fd,
      status: 'in_progress',
    },
    {
      id: ids.D,
      case_no: 'D',
      region: 'xh-shuyang',
      department: 'xianghe-land',
      category: 'land',
      title: '重复 D',
      response_due_at: rd,
      responded_at: '2024-03-14T00:00:00.000Z',
      status: 'in_progress',
      excluded_at: '2024-03-20T00:00:00.000Z',
    },
    {
      id: ids.E,
      case_no: 'E',
      region: 'xh-shuyang',
      department: 'xianghe-land',
      category: 'land',
      title: '界址 E',
      response_due_at: rd,
      responded_at: '2024-03-11T00:00:00.000Z',
      resolve_due_at: fd,
      resolved_at: '2024-03-18T00:00:00.000Z',
      status: 'closed',
      closed_at: '2024-03-28T00:00:00.000Z',
      resolved_level: 'township',
      evaluation_expired_at: '2024-03-28T00:00:00.000Z',
    },
  ])
  // B was handled again after a dissatisfied evaluation: the platform's `rehandle` event.
  await app.db('case_events').insert({ id: randomUUID(), case_id: ids.B, type: 'rehandle', at: '2024-03-24T00:00:00.000Z', message: 'test' })
  // Returns and supervision orders: inserted directly ONLY to exercise the counting here
  // (the routes that write them are the disputes work; the two-month scenario uses them).
  //   C returned by 县自然资源局, rejected (−1 for the department; the return itself 0)
  //   A returned by 安平村委会 (a village of 安平镇), accepted: counts for 安平镇, 0 points
  await app.db('case_returns').insert([
    {
      id: randomUUID(),
      case_id: ids.C,
      tenant: 'xianghe',
      unit: 'xianghe-land',
      month: '2024-03',
      reason: 'not ours',
      returned_at: '2024-03-11T00:00:00.000Z',
      status: 'rejected',
      decided_at: '2024-03-11T05:00:00.000Z',
    },
    {
      id: randomUUID(),
      case_id: ids.A,
      tenant: 'xianghe',
      unit: 'xh-anping-v01',
      month: '2024-03',
      reason: 'not ours',
      returned_at: '2024-03-10T01:00:00.000Z',
      status: 'accepted',
      decided_at: '2024-03-10T02:00:00.000Z',
    },
  ])
  //   a 督办单 on C to 县自然资源局, replied after its deadline (−1 order, −2 late reply)
  //   a 督办单 on B to 安平镇规划建设办 (a township section), replied in time (−1 order, for the
  //   section as a department and for 安平镇)
  await app.db('case_supervisions').insert([
    {
      id: randomUUID(),
      case_id: ids.C,
      stage: 'handling',
      unit: 'xianghe-land',
      kind: 'manual',
      created_at: '2024-03-21T00:00:00.000Z',
      reply_due_at: '2024-03-23T00:00:00.000Z',
      replied_at: '2024-03-25T00:00:00.000Z',
      message: '请加快办理',
    },
    {
      id: randomUUID(),
      case_id: ids.B,
      stage: 'handling',
      unit: 'xh-anping-planning',
      kind: 'manual',
      created_at: '2024-03-22T00:00:00.000Z',
      reply_due_at: '2024-03-24T00:00:00.000Z',
      replied_at: '2024-03-23T00:00:00.000Z',
      message: '请说明情况',
    },
  ])
  return ids
}

export const itemOf = (unit: { items: { code: string; count: number; points: number }[] }, code: string) => unit.items.find((i) => i.code === code)

/** A sheet as objects keyed by its header row (row 2; row 1 is the title). */
export function sheetRows(ws: ExcelJS.Worksheet): Record<string, any>[] {
  const header = (ws.getRow(2).values as any[]).slice(1).map(String)
  const out: Record<string, any>[] = []
  ws.eachRow((row, n) => {
    if (n <= 2) return
    const v = (row.values as any[]).slice(1)
    out.push(Object.fromEntries(header.map((h, i) => [h, v[i] ?? null])))
  })
  return out
}
