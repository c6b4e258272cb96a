/**
 * Server memory with many waiting cases: a real server process (SQLite file) with 1,000 →
 * 10,000 → 50,000 → 100,000 cases waiting at their first task, its RSS read from /proc after
 * the same work at each size (task completions on cases picked at random among all waiting,
 * task lists, case lists). RSS must not grow with the number of waiting cases: the server
 * keeps nothing per instance in memory.
 *
 * The first cases come through HTTP intake (real routing, real engine state); the rest are
 * faithful copies of those in the database (case, instance, tasks, candidates, timers: new
 * ids, the old ids and case numbers replaced in the engine state and variables), because
 * intake at the rate this machine manages would take far too long for 100,000.
 *
 *   node --import tsx bench/memory-100k.ts     (BENCH_MEM_SIZES=1000,10000,50000,100000)
 */
import { randomUUID } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { startCluster, login, api } from './cluster.js'
import { intakeBody } from './http.js'
import { emit, fmt } from './lib.js'

const SIZES = (process.env.BENCH_MEM_SIZES ?? '1000,10000,50000,100000').split(',').map(Number)
const SEED = Number(process.env.BENCH_MEM_SEED ?? 100)
const WORK = Number(process.env.BENCH_MEM_WORK ?? 200)

type Row = Record<string, unknown>
/** One intake's rows, copied with new ids: the fields the copy rewrites are named. */
interface Bundle {
  c: Row & { id: string; case_no: string }
  inst: Row & { id: string; state: string | null; variables: string | null; activities: string | null }
  tasks: (Row & { id: string })[]
  cands: (Row & { task_id: string })[]
  timers: Row[]
}

export async function run() {
  const cluster = await startCluster({ kind: 'sqlite' })
  const db = cluster.db
  const node = cluster.nodes[0]
  try {
    const dispatcher = await login(node.base, 'dispatcher')
    const admin = await login(node.base, 'admin')
    for (let i = 0; i < SEED; i++) {
      const r = await api(node.base, 'POST', '/api/cases', dispatcher, JSON.parse(intakeBody))
      if (r.status !== 201) throw new Error(`intake ${r.status}`)
    }
    const seeds = await db('cases').select('*')
    const bundles: Bundle[] = []
    for (const c of seeds) {
      const inst = await db('process_instances').where({ case_id: c.id }).first()
      const tasks = await db('tasks').where({ instance_id: inst.id })
      const cands = await db('task_candidates').whereIn(
        'task_id',
        tasks.map((t: any) => t.id),
      )
      const timers = await db('timers').where({ instance_id: inst.id })
      bundles.push({ c, inst, tasks, cands, timers })
    }
    let serial = 0
    const cloneUpTo = async (target: number) => {
      let have = Number((await db('process_instances').where({ status: 'running' }).count({ n: '*' }).first())?.n ?? 0)
      while (have < target) {
        const n = Math.min(2000, target - have)
        await db.transaction(async (trx) => {
          const rows: Record<string, any[]> = { cases: [], process_instances: [], tasks: [], task_candidates: [], timers: [] }
          for (let i = 0; i < n; i++) {
            const b = bundles[serial % bundles.length]
            serial++
            const caseId = randomUUID()
            const instId = randomUUID()
            const caseNo = `MEM-${String(serial).padStart(7, '0')}`
            const swap = (s: string | null) => (s == null ? s : s.split(b.c.id).join(caseId).split(b.inst.id).join(instId).split(b.c.case_no).join(caseNo))
            rows.cases.push({ ...b.c, id: caseId, case_no: caseNo, instance_id: instId })
            rows.process_instances.push({
              ...b.inst,
              id: instId,
              case_id: caseId,
              state: swap(b.inst.state),
              variables: swap(b.inst.variables),
              activities: swap(b.inst.activities),
            })
            const taskIds = new Map<string, string>()
            for (const t of b.tasks) {
              const id = randomUUID()
              taskIds.set(t.id, id)
              rows.tasks.push({ ...t, id, instance_id: instId, case_id: caseId })
            }
            for (const c of b.cands) rows.task_candidates.push({ ...c, task_id: taskIds.get(c.task_id) })
            for (const t of b.timers) rows.timers.push({ ...t, id: randomUUID(), instance_id: instId })
          }
          for (const [table, list] of Object.entries(rows)) {
            if (list.length) await trx.batchInsert(table, list, Math.max(1, Math.floor(900 / Object.keys(list[0]).length)))
          }
        })
        have += n
      }
    }
    const points: { waiting: number; rssMb: number | null; rssBeforeWorkMb: number | null; completions: number; ms: number }[] = []
    for (const size of SIZES) {
      await cloneUpTo(size)
      const rssBeforeWorkMb = node.rssMb()
      const t0 = Date.now()
      // The same work at every size: complete WORK sign-for tasks picked at random among all.
      const ids: string[] = await db('tasks').where({ element_id: 'ut_signfor', status: 'open' }).orderByRaw('random()').limit(WORK).pluck('id')
      let completions = 0
      for (const id of ids) {
        const r = await api(node.base, 'POST', `/api/tasks/${id}/complete`, admin, { data: { signOutcome: 'accept' } })
        if (r.status === 200) completions++
      }
      for (let i = 0; i < 20; i++) {
        await api(node.base, 'GET', '/api/tasks?limit=50', admin)
        await api(node.base, 'GET', '/api/cases?limit=50', dispatcher)
      }
      const waiting = Number((await db('process_instances').where({ status: 'running' }).count({ n: '*' }).first())?.n ?? 0)
      points.push({ waiting, rssMb: node.rssMb(), rssBeforeWorkMb, completions, ms: Date.now() - t0 })
      const p = points[points.length - 1]
      console.log(`  ${fmt(p.waiting)} waiting: server RSS ${p.rssMb} MB (${completions}/${ids.length} completions, ${(p.ms / 1000).toFixed(1)} s)`)
    }
    return { seed: SEED, work: WORK, points }
  } finally {
    await cluster.close()
  }
}

export function print(r: Awaited<ReturnType<typeof run>>) {
  console.log(
    `server memory with waiting cases — a real server (SQLite file); ${r.seed} cases by HTTP intake, the rest copies; ${r.work} completions + 40 lists at each size`,
  )
  console.log('  waiting cases   RSS before work   RSS after work')
  for (const p of r.points) console.log(`  ${fmt(p.waiting).padStart(13)}   ${String(p.rssBeforeWorkMb).padStart(12)} MB   ${String(p.rssMb).padStart(11)} MB`)
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run()
  print(r)
  emit('memory-100k', r)
}
