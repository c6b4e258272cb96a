/**
 * Replays the Baltimore 311 sample through the HTTP API of a real server (SQLite file, or
 * PostgreSQL with BENCH_REPLAY_DB=pg) and handles every case to closure as the roles would:
 *
 *  - each request is taken in at its CreatedDate order, compressed BENCH_REPLAY_SPEEDUP×
 *    (default 100×) — when that would take longer than the run allows, the compression grows
 *    until the window fits (the achieved factor is reported);
 *  - intake by the city dispatcher (POST /api/cases, channel from MethodReceived, category
 *    from SRType as src/metrics/import-baltimore.ts maps it, region: a demo-city grid chosen
 *    by the request's neighbourhood, since live routing needs the demo city's units);
 *  - then, per case, its open tasks: ut_dispatch (a case no routing rule covers) to the urban
 *    bureau of the case's county, ut_signfor and ut_handle by the owning unit — all by admin, who
 *    receives every task (the city dispatcher is not a candidate for a county centre's dispatch,
 *    and gets 404 for it) — and the evaluation by the callback clerk;
 *  - at the end: every submitted request is exactly one case (its SRRecordID in the title),
 *    every case closed, no open task, no running instance, no pending timer, no failed timer.
 *
 * 10,000 requests at the rate this machine takes them do not fit a benchmark run, so by
 * default the first BENCH_REPLAY_N (400) requests in time order are replayed; BENCH_REPLAY_N=10000
 * runs the whole sample.
 *
 *   node --import tsx bench/replay-baltimore.ts
 */
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { startCluster, login, api } from './cluster.js'
import { CHANNEL_MAP, baltimoreTime, categoryOf, parseCsv } from '../src/metrics/import-baltimore.js'
import { projectRoot } from '../src/lib/paths.js'
import { emit, fmt } from './lib.js'

const N = Number(process.env.BENCH_REPLAY_N ?? 400)
const SPEEDUP = Number(process.env.BENCH_REPLAY_SPEEDUP ?? 100)
const WINDOW_S = Number(process.env.BENCH_REPLAY_WINDOW_S ?? 60)
const WORKERS = Number(process.env.BENCH_REPLAY_WORKERS ?? 4)
const CSV = process.env.BENCH_REPLAY_CSV ?? path.join(projectRoot(), '..', 'shared', 'data', 'baltimore-311', '311_sample.csv')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function run() {
  const rows = parseCsv(fs.readFileSync(CSV, 'utf8'))
  const head = rows[0]
  const col = (name: string) => head.indexOf(name)
  const requests = rows
    .slice(1)
    .filter((r) => r.length >= head.length && r[col('SRRecordID')])
    .map((r) => ({
      id: r[col('SRRecordID')],
      type: r[col('SRType')],
      method: r[col('MethodReceived')],
      at: baltimoreTime(r[col('CreatedDate')]) ?? '',
      neighborhood: r[col('Neighborhood')] || r[col('PoliceDistrict')] || '',
      address: r[col('Address')],
    }))
    .filter((r) => r.at)
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1))
    .slice(0, N)
  const span = Date.parse(requests[requests.length - 1].at) - Date.parse(requests[0].at)
  const speedup = Math.max(SPEEDUP, span / (WINDOW_S * 1000))

  const cluster = await startCluster({ kind: process.env.BENCH_REPLAY_DB === 'pg' ? 'pg' : 'sqlite' })
  const base = cluster.nodes[0].base
  const db = cluster.db
  try {
    const dispatcher = await login(base, 'dispatcher')
    const admin = await login(base, 'admin')
    const callback = await login(base, 'callback')
    const grids: string[] = await db('regions').where({ level: 'grid' }).orderBy('code').pluck('code')
    const categories = new Set<string>(await db('categories').pluck('code'))
    const hash = (s: string) => [...s].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7)

    const stats = {
      submitted: 0,
      intakeFailed: 0,
      completions: 0,
      completionFailed: 0,
      evaluations: 0,
      byElement: {} as Record<string, number>,
      errors: [] as string[],
    }
    const queue: { caseId: string; srId: string }[] = []
    const intakeLatency: number[] = []
    let intakeDone = false

    // Intake on schedule (at most 8 in flight).
    const t0 = Date.now()
    const first = Date.parse(requests[0].at)
    let inflight = 0
    const intake = (async () => {
      const pending: Promise<void>[] = []
      for (const r of requests) {
        const due = t0 + (Date.parse(r.at) - first) / speedup
        if (due > Date.now()) await sleep(due - Date.now())
        while (inflight >= 8) await sleep(2)
        inflight++
        const category = categories.has(categoryOf(r.type)) ? categoryOf(r.type) : 'urban'
        const p = (async () => {
          const s = Date.now()
          const res = await api(base, 'POST', '/api/cases', dispatcher, {
            channel: CHANNEL_MAP[r.method] ?? 'other',
            title: `BAL ${r.id}`,
            description: `${r.type} — ${r.address || r.neighborhood || 'Baltimore'}`.slice(0, 2000),
            category,
            regionCode: grids[hash(r.neighborhood) % grids.length],
            petitioner: { type: 'person', anonymous: true },
          })
          intakeLatency.push(Date.now() - s)
          inflight--
          if (res.status === 201) {
            stats.submitted++
            queue.push({ caseId: res.json.id, srId: r.id })
          } else {
            stats.intakeFailed++
            if (stats.errors.length < 10) stats.errors.push(`intake ${r.id}: ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`)
          }
        })()
        pending.push(p)
      }
      await Promise.all(pending)
      intakeDone = true
    })()
    const intakeEnd = intake.then(() => Date.now())

    // Handlers: take a case, do its open tasks until it is closed.
    const handle = async (caseId: string) => {
      for (let round = 0; round < 20; round++) {
        const c = (await api(base, 'GET', `/api/cases/${caseId}`, admin)).json
        if (c.status === 'closed') return true
        const task = c.activeTasks?.[0]
        if (!task) {
          await sleep(50)
          continue
        }
        let res
        if (task.elementId === 'ut_evaluate') {
          res = await api(base, 'POST', `/api/cases/${caseId}/evaluation`, callback, { resolved: true, satisfaction: 'satisfied', comment: 'replay' })
          if (res.status === 200) stats.evaluations++
        } else {
          // A case nobody's rule covers waits for its nearest centre's dispatcher (the county's
          // or a township's, not always the city's): admin receives every task, and sends it
          // to the urban bureau of the case's own county.
          const data =
            task.elementId === 'ut_dispatch'
              ? { targetUnit: `${c.tenant ?? 'langfang'}-urban`, dispatchNote: 'replay' }
              : task.elementId === 'ut_signfor'
                ? { signOutcome: 'accept', firstReply: 'replay' }
                : task.elementId === 'ut_handle'
                  ? { outcome: 'resolved', result: 'replay: resolved' }
                  : {}
          res = await api(base, 'POST', `/api/tasks/${task.id}/complete`, admin, { data })
        }
        if (res.status === 200) {
          stats.completions++
          stats.byElement[task.elementId] = (stats.byElement[task.elementId] ?? 0) + 1
        } else {
          stats.completionFailed++
          if (stats.errors.length < 10) stats.errors.push(`${task.elementId} on ${caseId}: ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`)
        }
      }
      return false
    }
    let notClosed = 0
    const workers = Array.from({ length: WORKERS }, async () => {
      for (;;) {
        const next = queue.shift()
        if (!next) {
          if (intakeDone) return
          await sleep(20)
          continue
        }
        if (!(await handle(next.caseId))) notClosed++
      }
    })
    await Promise.all([intake, ...workers])
    const t1 = Date.now()

    // The check.
    const count = async (q: any) => Number((await q.count({ n: '*' }).first())?.n ?? 0)
    const titles: string[] = await db('cases').pluck('title')
    const want = new Set(requests.map((r) => `BAL ${r.id}`))
    const seen = new Map<string, number>()
    for (const t of titles) seen.set(t, (seen.get(t) ?? 0) + 1)
    const check = {
      requests: requests.length,
      cases: titles.length,
      missing: [...want].filter((t) => !seen.has(t)).length,
      duplicated: [...seen.values()].filter((n) => n > 1).length,
      notClosed: await count(db('cases').whereNot({ status: 'closed' })),
      openTasks: await count(db('tasks').where({ status: 'open' })),
      runningInstances: await count(db('process_instances').where({ status: 'running' })),
      pendingTimers: await count(db('timers').where({ status: 'pending' })),
      failedTimers: await count(db('timers').where({ status: 'failed' })),
      casesWithOneCompletedSignFor: await count(
        db('cases').whereIn(
          'id',
          db('tasks').where({ element_id: 'ut_signfor', status: 'completed' }).groupBy('case_id').havingRaw('count(*) = 1').select('case_id'),
        ),
      ),
    }
    const ok =
      check.cases === check.requests &&
      !check.missing &&
      !check.duplicated &&
      !check.notClosed &&
      !check.openTasks &&
      !check.runningInstances &&
      !check.pendingTimers &&
      !check.failedTimers
    const s = [...intakeLatency].sort((a, b) => a - b)
    const sourceSpanDays = span / 86400_000
    const intakeSeconds = ((await intakeEnd) - t0) / 1000
    return {
      n: requests.length,
      from: requests[0].at,
      to: requests[requests.length - 1].at,
      sourceSpanDays,
      speedup: Math.round(speedup),
      achievedSpeedup: Math.round(span / 1000 / intakeSeconds),
      intakeSeconds,
      totalSeconds: (t1 - t0) / 1000,
      submitted: stats.submitted,
      closed: check.cases - check.notClosed,
      notClosedByHandlers: notClosed,
      completions: stats.completions,
      byElement: stats.byElement,
      completionFailed: stats.completionFailed,
      intakeFailed: stats.intakeFailed,
      intakeP50: s[Math.floor(s.length / 2)],
      intakeP99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))],
      stepsPerSec: (stats.submitted + stats.completions) / ((t1 - t0) / 1000),
      errors: stats.errors,
      check,
      ok,
    }
  } finally {
    await cluster.close()
  }
}

export function print(r: Awaited<ReturnType<typeof run>>) {
  console.log(
    `Baltimore replay — ${fmt(r.n)} requests (${r.from.slice(0, 10)} … ${r.to.slice(0, 10)}, ${r.sourceSpanDays.toFixed(1)} days) at ${fmt(r.speedup)}× (achieved ${fmt(r.achievedSpeedup)}×): intake ${r.intakeSeconds.toFixed(0)} s, all closed after ${r.totalSeconds.toFixed(0)} s`,
  )
  console.log(
    `  ${r.submitted} taken in (p50 ${r.intakeP50} ms, p99 ${r.intakeP99} ms), ${r.completions} task completions ${JSON.stringify(r.byElement)}, ${fmt(r.stepsPerSec, 1)} requests that change state per s`,
  )
  console.log(`  check ${r.ok ? 'OK' : 'FAILED'}: ${JSON.stringify(r.check)}`)
  if (r.errors.length) console.log(`  errors: ${r.errors.join('\n          ')}`)
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run()
  print(r)
  emit('replay-baltimore', r)
}
