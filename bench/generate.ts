/**
 * Fast synthetic data for the size benchmarks: N cases (default 1,000,000) spread over 24
 * months, the demo city's regions (grids, villages, townships) and leaf categories, with a
 * realistic status mix (older cases closed and mostly evaluated, recent ones open), and task
 * rows: one open task per open case (sign-for / handle / evaluate with the candidate group the
 * procedure would give it) plus a completed task for a quarter of the closed cases. The records
 * the monthly bulletin counts beside the cases come too: an automatic overdue supervision for
 * 12 % of cases, a supervisor's order (督办单, half of them replied to) for 3 %, and a return
 * (退单, pending, accepted or rejected) for 5 %, each three days after its case.
 *
 * Batched multi-row INSERTs (hot-sql's `insertRows`) in transactions of a few thousand rows,
 * the same SQL on SQLite and PostgreSQL. Deterministic (seeded PRNG).
 */
import { randomUUID } from 'node:crypto'
import type { Knex } from 'knex'
import { insertRows } from '../src/lib/hot-sql.js'
import { rng } from '../src/lib/rng.js'

const CHANNELS = ['hotline', '12345', 'wechat', 'mini_program', 'app', 'web', 'grid_report', 'walk_in', 'letter']
const WORDS = ['垃圾', '噪音', '路灯', '积水', '占道', '违建', '停车', '供暖', '漏水', '物业', '树木', '井盖', '污水', '扰民', '施工']

/**
 * src/lib/hot-sql.ts's multi-row insert (the columns of every row: a row without one gets NULL,
 * DEFAULT on PostgreSQL), in statements of at most ~30,000 values, under both databases' limits.
 */
function insertAll(trx: Knex.Transaction, table: string, rows: Record<string, Knex.Value>[]) {
  return insertRows(trx, table, rows, Math.max(1, Math.floor(30000 / Object.keys(rows[0] ?? {}).length)))
}

export interface GenerateResult {
  cases: number
  openCases: number
  tasks: number
  openTasks: number
  seconds: number
}

/** Adds cases until the table holds `target` generated cases. */
export async function generateCases(db: Knex, target: number, opts: { batch?: number; log?: (s: string) => void } = {}): Promise<GenerateResult> {
  const t0 = Date.now()
  const batch = opts.batch ?? 5000
  const have = Number((await db('cases').where({ source: 'bench' }).count({ n: '*' }).first())?.n ?? 0)
  const regions: { code: string; path: string; level: string; tenant: string }[] = await db('regions')
    .whereIn('level', ['grid', 'village', 'township'])
    .select('code', 'path', 'level', 'tenant')
  const cats: string[] = await db('categories').whereNotNull('parent_code').pluck('code')
  const units: string[] = await db('org_units').where({ kind: 'department' }).pluck('code')
  const unitSet = new Set<string>(await db('org_units').pluck('code'))
  const rand = rng(42 + have)
  // The bulletin's records draw from a stream of their own, so that the cases are the ones
  // earlier runs generated (and measured) before these records existed.
  const randEvents = rng(1042 + have)
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]
  const end = Date.UTC(2026, 10, 20)
  const span = 730 * 86400_000
  const now = new Date().toISOString()
  let open = 0
  let tasks = 0
  let openTasks = 0
  for (let done = have; done < target;) {
    const n = Math.min(batch, target - done)
    const cases: Record<string, Knex.Value>[] = []
    const taskRows: Record<string, Knex.Value>[] = []
    const candRows: Record<string, Knex.Value>[] = []
    const supervisionRows: Record<string, Knex.Value>[] = []
    const returnRows: Record<string, Knex.Value>[] = []
    for (let i = 0; i < n; i++) {
      const k = done + i
      // created_at increases with k (as live intake does): old cases first.
      const created = new Date(end - span + Math.floor((k / target) * span) + Math.floor(rand() * 60_000))
      const createdIso = created.toISOString()
      const month = new Date(created.getTime() + 8 * 3600_000).toISOString().slice(0, 7)
      const region = pick(regions)
      const village = region.level === 'grid' ? region.path.split('/').filter(Boolean).slice(-2)[0] : region.code
      const ownerUnit = unitSet.has(village) ? village : pick(units)
      const category = pick(cats)
      const age = (end - created.getTime()) / 86400_000
      // Open share: ~60% of the last 2 weeks, ~8% of the last 3 months, 0.5% before.
      const isOpen = rand() < (age < 14 ? 0.6 : age < 90 ? 0.08 : 0.005)
      const responseDue = new Date(created.getTime() + 86400_000).toISOString()
      const resolveDue = new Date(created.getTime() + 7 * 86400_000).toISOString()
      const respondedAt = rand() < 0.93 ? new Date(created.getTime() + rand() * 1.3 * 86400_000).toISOString() : null
      const closedAt = isOpen ? null : new Date(created.getTime() + rand() * 9 * 86400_000).toISOString()
      const evaluated = !isOpen && rand() < 0.85
      const status = isOpen ? pick(['received', 'dispatched', 'in_progress', 'in_progress', 'awaiting_evaluation']) : 'closed'
      const id = randomUUID()
      const instanceId = randomUUID()
      const day = month.replace('-', '') + String(created.getUTCDate()).padStart(2, '0')
      cases.push({
        id,
        case_no: `BN${day}-${String(k).padStart(7, '0')}`,
        tracking_code: 'BENCH' + (k % 1000).toString().padStart(3, '0'),
        channel: pick(CHANNELS),
        petitioner_type: 'person',
        anonymous: true,
        title: `${pick(WORDS)}问题 ${k}`,
        description: `${pick(WORDS)}、${pick(WORDS)}，请尽快处理 (generated ${k})`,
        category,
        region_code: region.code,
        region_path: region.path,
        tenant: region.tenant,
        urgency: rand() < 0.1 ? 'urgent' : 'normal',
        procedure: rand() < 0.9 ? 'ordinary' : pick(['joint', 'escalation', 'one_case_one_plan']),
        status,
        level: region.level === 'grid' ? 'village' : region.level,
        resolved_level: closedAt ? pick(['grid', 'village', 'township', 'county']) : null,
        owner_unit: ownerUnit,
        department: rand() < 0.5 ? pick(units) : null,
        response_due_at: responseDue,
        resolve_due_at: resolveDue,
        responded_at: respondedAt,
        resolved_at: closedAt,
        closed_at: closedAt,
        overdue: !!(closedAt ? closedAt > resolveDue : resolveDue < now),
        created_at: createdIso,
        updated_at: closedAt ?? createdIso,
        month,
        eval_resolved: evaluated ? rand() < 0.9 : null,
        eval_satisfaction: evaluated ? pick(['satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied']) : null,
        evaluated_at: evaluated ? closedAt : null,
        instance_id: instanceId,
        source: 'bench',
        external_id: String(k),
        revision: 1,
      })
      const withTask = isOpen || rand() < 0.25
      if (withTask) {
        const element =
          status === 'awaiting_evaluation' ? 'ut_evaluate' : status === 'in_progress' ? 'ut_handle' : status === 'received' ? 'ut_dispatch' : 'ut_signfor'
        const group =
          element === 'ut_evaluate'
            ? `callback@${region.tenant ? region.tenant + '-centre' : 'langfang-centre'}`
            : element === 'ut_dispatch'
              ? `dispatcher@${region.tenant ? region.tenant + '-centre' : 'langfang-centre'}`
              : `unit:${ownerUnit}`
        const taskId = randomUUID()
        taskRows.push({
          id: taskId,
          instance_id: instanceId,
          case_id: id,
          process_key: 'ordinary',
          tenant: region.tenant,
          element_id: element,
          execution_id: `${element}_${k}`,
          name: element,
          candidate_groups: group,
          due_at: element === 'ut_signfor' ? responseDue : element === 'ut_handle' ? resolveDue : null,
          priority: 50,
          form_key: null,
          status: isOpen ? 'open' : 'completed',
          created_at: createdIso,
          ended_at: isOpen ? null : closedAt,
          completed_by: isOpen ? null : 'bench',
        })
        candRows.push({ task_id: taskId, kind: 'group', value: group, open: isOpen })
        tasks++
        if (isOpen) openTasks++
      }
      if (isOpen) open++
      const eventAt = new Date(created.getTime() + 3 * 86400_000).toISOString()
      const eventMonth = new Date(created.getTime() + 3 * 86400_000 + 8 * 3600_000).toISOString().slice(0, 7)
      if (randEvents() < 0.12)
        supervisionRows.push({ id: randomUUID(), case_id: id, stage: 'handle', unit: ownerUnit, due_at: resolveDue, created_at: eventAt, kind: 'overdue' })
      if (randEvents() < 0.03)
        supervisionRows.push({
          id: randomUUID(),
          case_id: id,
          stage: 'handle',
          unit: ownerUnit,
          due_at: resolveDue,
          created_at: eventAt,
          kind: 'manual',
          issued_by: 'bench',
          message: '请限期办结并书面回复',
          reply_due_at: new Date(created.getTime() + 5 * 86400_000).toISOString(),
          replied_at: randEvents() < 0.5 ? new Date(created.getTime() + 4 * 86400_000).toISOString() : null,
        })
      if (randEvents() < 0.05)
        returnRows.push({
          id: randomUUID(),
          case_id: id,
          tenant: region.tenant,
          unit: ownerUnit,
          month: eventMonth,
          reason: '不属于本单位职责',
          returned_by: 'bench',
          returned_at: eventAt,
          status: ['pending', 'accepted', 'rejected'][Math.floor(randEvents() * 3)],
        })
    }
    await db.transaction(async (trx) => {
      await insertAll(trx, 'cases', cases)
      await insertAll(trx, 'tasks', taskRows)
      await insertAll(trx, 'task_candidates', candRows)
      await insertAll(trx, 'case_supervisions', supervisionRows)
      await insertAll(trx, 'case_returns', returnRows)
    })
    done += n
    if (opts.log && (done % 100_000 < batch || done === target))
      opts.log(`  generated ${done.toLocaleString('en-US')} cases (${((Date.now() - t0) / 1000).toFixed(0)} s)`)
  }
  return { cases: target - have, openCases: open, tasks, openTasks, seconds: (Date.now() - t0) / 1000 }
}
