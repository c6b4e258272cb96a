/**
 * HTTP load on real server processes (autocannon, 127.0.0.1 only):
 *
 *  intake      POST /api/cases as the city dispatcher: a case created, routed, the ordinary
 *              procedure started and its first task (ut_signfor) committed before the 201.
 *  completion  POST /api/tasks/:id/complete {signOutcome: accept} on those cases' sign-for
 *              tasks: one engine step end to end (ut_handle committed before the 200).
 *
 * Each at a few concurrency levels (closed loop: req/s, p50/p99) and at a fixed 100 req/s
 * (open loop: p50/p99). Configurations: SQLite one node; PostgreSQL one node; PostgreSQL two
 * nodes (two autocannon instances in parallel, one per node, half the connections each).
 * At the end every run is checked in the database: every 201 is one case with one instance
 * and one open or completed sign-for task, every 200 one completed task — nothing lost or
 * duplicated.
 *
 *   node --import tsx bench/http.ts                      (all three configurations)
 *   BENCH_HTTP_CONFIGS=sqlite node --import tsx bench/http.ts
 *   BENCH_HTTP_SECONDS=8  BENCH_HTTP_LEVELS=1,4,16  BENCH_HTTP_REPS=1
 */
import os from 'node:os'
import { pathToFileURL } from 'node:url'
import autocannon from 'autocannon'
import { startCluster, login, type Cluster } from './cluster.js'
import { emit, fmt, median } from './lib.js'

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 8)
const LEVELS = (process.env.BENCH_HTTP_LEVELS ?? '1,4,16').split(',').map(Number)
const REPS = Number(process.env.BENCH_HTTP_REPS ?? 1)
const FIXED_RATE = Number(process.env.BENCH_HTTP_RATE ?? 100)
const CONFIGS = (process.env.BENCH_HTTP_CONFIGS ?? 'sqlite,pg1,pg2').split(',')
const WARM = Number(process.env.BENCH_HTTP_WARM ?? 200)

export const intakeBody = JSON.stringify({
  channel: 'hotline',
  title: '小区垃圾无人清理',
  description: '楼下垃圾堆放一周无人清理 (bench)',
  category: 'environment.garbage',
  regionCode: 'xh-anping-v01-g1',
  petitioner: { type: 'person', anonymous: true },
})
export const completeBody = JSON.stringify({ data: { signOutcome: 'accept', firstReply: '已联系 (bench)' } })

export interface LoadFigure {
  label: string
  connections: number
  rate: number | null
  requests: number
  ok: number
  errors: number
  non2xx: number
  reqPerSec: number
  p50: number
  p99: number
  max: number
  /** Server CPU per successful request: all threads of every server process (/proc), in ms. */
  cpuMsPerOk: number | null
  /** The part of it on the servers' main threads (the rest: V8's compiler and collector threads, libuv's pool). */
  mainCpuMsPerOk: number | null
}

function runCannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)))
  })
}

/**
 * One load run over every node of the cluster: one autocannon per node in parallel, the
 * connections (and a fixed rate) split between them. `paths` (when given) are handed out
 * one per request — each task is completed once.
 */
async function load(
  cluster: Cluster,
  label: string,
  o: { connections: number; token: string; method: 'POST'; path?: string; paths?: string[]; body: string; seconds?: number; amount?: number; rate?: number },
): Promise<LoadFigure> {
  const n = cluster.nodes.length
  if (o.paths && o.paths.length < n) throw new Error(`${label}: no tasks left to complete`)
  const sum = (of: (node: Cluster['nodes'][number]) => number | null) => () =>
    cluster.nodes.reduce<number | null>((s, node) => (s == null ? null : ((c) => (c == null ? null : s + c))(of(node))), 0)
  const serverCpu = sum((node) => node.cpuMs())
  const mainCpu = sum((node) => node.mainCpuMs())
  const cpu0 = serverCpu()
  const main0 = mainCpu()
  const shares = cluster.nodes.map((node, i) => {
    const paths = o.paths?.filter((_, k) => k % n === i)
    // autocannon refuses more connections than requests: on a loaded box the intake runs may
    // have left fewer tasks to complete than connections.
    const conns = Math.max(1, Math.min(Math.round(o.connections / n), o.amount ? Math.floor(o.amount / n) : Infinity))
    let next = 0
    return runCannon({
      url: node.base,
      connections: conns,
      pipelining: 1,
      timeout: 60,
      ...(o.seconds && { duration: o.seconds }),
      ...(o.amount && { amount: Math.floor(o.amount / n) }),
      ...(o.rate && { overallRate: o.rate / n }),
      headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
      requests: [
        {
          method: o.method,
          body: o.body,
          setupRequest: (req) => {
            if (paths) req.path = paths[next++ % paths.length]
            else req.path = o.path
            return req
          },
        },
      ],
    })
  })
  const results = await Promise.all(shares)
  const cpu1 = serverCpu()
  const main1 = mainCpu()
  const ok = results.reduce((s, r) => s + r['2xx'], 0)
  const secs = median(results.map((r) => r.duration))
  return {
    label,
    connections: o.connections,
    rate: o.rate ?? null,
    requests: results.reduce((s, r) => s + r.requests.total, 0),
    ok,
    errors: results.reduce((s, r) => s + r.errors + r.timeouts, 0),
    non2xx: results.reduce((s, r) => s + r.non2xx, 0),
    reqPerSec: ok / secs,
    // Over several nodes: the worse node's percentile (conservative; autocannon keeps one histogram each).
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    max: Math.max(...results.map((r) => r.latency.max)),
    cpuMsPerOk: cpu0 == null || cpu1 == null || !ok ? null : (cpu1 - cpu0) / ok,
    mainCpuMsPerOk: main0 == null || main1 == null || !ok ? null : (main1 - main0) / ok,
  }
}

async function openSignFor(cluster: Cluster): Promise<string[]> {
  return cluster.db('tasks').where({ element_id: 'ut_signfor', status: 'open' }).orderBy('created_at').pluck('id')
}

export interface ConfigResult {
  config: string
  nodes: number
  intake: LoadFigure[]
  intakeFixed: LoadFigure
  completion: LoadFigure[]
  completionFixed: LoadFigure
  check: Record<string, number>
  rssMb: (number | null)[]
}

export async function runConfig(config: string): Promise<ConfigResult> {
  const kind = config === 'sqlite' ? 'sqlite' : 'pg'
  const nodes = config === 'pg2' ? 2 : 1
  const cluster = await startCluster({ kind, nodes })
  try {
    const base = cluster.nodes[0].base
    const dispatcher = await login(base, 'dispatcher')
    const admin = await login(base, 'admin')
    // Warm-up: JIT, definition cache, connection pools on every node.
    for (const node of cluster.nodes) {
      await runCannon({
        url: node.base + '/api/cases',
        connections: 4,
        amount: WARM,
        method: 'POST',
        body: intakeBody,
        headers: { authorization: `Bearer ${dispatcher}`, 'content-type': 'application/json' },
      })
    }
    const warm = await openSignFor(cluster)
    await load(cluster, 'warm-up completion', {
      connections: 4,
      token: admin,
      method: 'POST',
      paths: warm.map((id) => `/api/tasks/${id}/complete`),
      body: completeBody,
      amount: warm.length,
    })

    const intake: LoadFigure[] = []
    for (let r = 0; r < REPS; r++)
      for (const c of LEVELS)
        intake.push(
          await load(cluster, `intake c=${c}`, { connections: c, token: dispatcher, method: 'POST', path: '/api/cases', body: intakeBody, seconds: SECONDS }),
        )
    const intakeFixed = await load(cluster, `intake ${FIXED_RATE} req/s`, {
      connections: 16,
      rate: FIXED_RATE,
      token: dispatcher,
      method: 'POST',
      path: '/api/cases',
      body: intakeBody,
      seconds: SECONDS,
    })

    // Completion: each run completes distinct open sign-for tasks (made above), a fixed amount
    // per run sized from the intake rate so a run lasts about SECONDS.
    const ids = await openSignFor(cluster)
    // The tasks the intake runs made, shared equally between the completion runs (so a
    // completion run lasts about as long as an intake run when the rates are alike).
    const perRun = Math.floor(ids.length / (LEVELS.length * REPS + 1))
    let at = 0
    const take = (k: number) => ids.slice(at, (at += k)).map((id) => `/api/tasks/${id}/complete`)
    const completion: LoadFigure[] = []
    for (let r = 0; r < REPS; r++)
      for (const c of LEVELS) {
        const paths = take(perRun)
        completion.push(
          await load(cluster, `complete c=${c}`, { connections: c, token: admin, method: 'POST', paths, body: completeBody, amount: paths.length }),
        )
      }
    const fixedPaths = take(Math.min(FIXED_RATE * SECONDS, ids.length - at, perRun * 2))
    const completionFixed = await load(cluster, `complete ${FIXED_RATE} req/s`, {
      connections: 16,
      rate: FIXED_RATE,
      token: admin,
      method: 'POST',
      paths: fixedPaths,
      body: completeBody,
      amount: fixedPaths.length,
    })

    // Nothing lost or duplicated: every case has one instance; every completed sign-for has one
    // history completion and one ut_handle after it.
    const db = cluster.db
    const count = async (q: any) => Number((await q.count({ n: '*' }).first())?.n ?? 0)
    const check = {
      cases: await count(db('cases')),
      instances: await count(db('process_instances').where({ key: 'ordinary' })),
      casesWithoutOneInstance: await count(db('cases').whereNotExists(db('process_instances').whereRaw('process_instances.case_id = cases.id').select(1))),
      signforTasks: await count(db('tasks').where({ element_id: 'ut_signfor' })),
      signforCompleted: await count(db('tasks').where({ element_id: 'ut_signfor', status: 'completed' })),
      signforCompletions: await count(db('history').where({ type: 'task_complete', element_id: 'ut_signfor' })),
      handleTasks: await count(db('tasks').where({ element_id: 'ut_handle' })),
      intake2xx: intake.reduce((s, f) => s + f.ok, 0) + intakeFixed.ok,
      complete2xx: completion.reduce((s, f) => s + f.ok, 0) + completionFixed.ok,
    }
    return { config, nodes, intake, intakeFixed, completion, completionFixed, check, rssMb: cluster.nodes.map((n) => n.rssMb()) }
  } finally {
    await cluster.close()
  }
}

export async function run() {
  const configs: ConfigResult[] = []
  for (const c of CONFIGS) configs.push(await runConfig(c))
  return { seconds: SECONDS, levels: LEVELS, reps: REPS, fixedRate: FIXED_RATE, loadAvg: os.loadavg(), configs }
}

export function print(r: Awaited<ReturnType<typeof run>>) {
  console.log(`HTTP load (autocannon on 127.0.0.1, ${r.seconds} s per run; for two nodes p50/p99 are the worse node's)`)
  console.log(
    `  load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (1/5/15 min) at the end; server CPU = all threads of the server process(es), /proc`,
  )
  console.log('  config   run                   conns   req/s   p50 ms   p99 ms   max ms   non-2xx  errors  server CPU ms/req  of it main thread')
  for (const c of r.configs) {
    for (const f of [...c.intake, c.intakeFixed, ...c.completion, c.completionFixed]) {
      console.log(
        `  ${c.config.padEnd(7)}  ${f.label.padEnd(20)}  ${String(f.connections).padStart(5)}  ${fmt(f.reqPerSec).padStart(6)}  ${f.p50.toFixed(0).padStart(7)}  ${f.p99.toFixed(0).padStart(7)}  ${f.max.toFixed(0).padStart(7)}  ${String(f.non2xx).padStart(7)}  ${String(f.errors).padStart(6)}  ${f.cpuMsPerOk == null ? '-' : fmt(f.cpuMsPerOk, 1).padStart(8)}  ${f.mainCpuMsPerOk == null ? '-' : fmt(f.mainCpuMsPerOk, 1).padStart(17)}`,
      )
    }
    const k = c.check
    const okCases = k.cases === k.instances && k.casesWithoutOneInstance === 0
    const okTasks = k.signforCompleted === k.signforCompletions && k.handleTasks === k.signforCompleted && k.signforTasks === k.cases
    console.log(`  ${c.config}: check ${okCases && okTasks ? 'OK' : 'MISMATCH'} — ${JSON.stringify(k)}; server RSS ${c.rssMb.join(', ')} MB`)
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run()
  print(r)
  emit('http', r)
}
