/**
 * CPU and SQL statements per step of the ordinary procedure, in process, no profiler: the two
 * HTTP steps bench/http.ts loads (intake; completion of a sign-for task 32 intakes older, so
 * its engine is recovered from the database, not found parked), through `app.inject` on a
 * SQLite file. CPU is the whole process's (`process.cpuUsage`: all threads, GC helpers too)
 * around each request; statements are counted from knex's `query` event (BEGIN/COMMIT
 * included) and grouped by verb.
 *
 * Two apps run side by side in the one process, each on a file of its own: elements built lazily
 * (ENGINE_LAZY_ELEMENTS on, the default) and all at once (off, as bpmn-elements does unpatched),
 * their steps interleaved in blocks of ten so that other load on the machine hits both alike.
 *
 *   node --import tsx bench/steps.ts          (BENCH_STEPS_N=300 of each after 100 warm-up)
 *
 * BENCH_STEPS_BASELINE=<a processes folder> compares diagrams instead: both sides build elements
 * lazily, one with that folder's procedures (e.g. an older commit's `processes/`, written out with
 * `git archive`), the other with this tree's.
 */
import os from 'node:os'
import { pathToFileURL } from 'node:url'
import { Broker, Queue } from 'smqp'
import { buildBenchApp, emit, fmt, type BenchApp } from './lib.js'
import { ordinarySteps } from './profile.js'

const N = Number(process.env.BENCH_STEPS_N ?? 300)
const BLOCK = 10
const BASELINE = process.env.BENCH_STEPS_BASELINE
const VARIANTS: { name: string; lazy: boolean; processesDir?: string }[] = BASELINE
  ? [
      { name: `baseline diagrams (${BASELINE})`, lazy: true, processesDir: BASELINE },
      { name: "this tree's diagrams (processes/)", lazy: true },
    ]
  : [
      { name: 'lazy elements (ENGINE_LAZY_ELEMENTS=1)', lazy: true },
      { name: 'every element (ENGINE_LAZY_ELEMENTS=0)', lazy: false },
    ]

type Kind = 'intake' | 'complete'
type Counts = { messages: number; queues: number }

export async function run() {
  const benches: BenchApp[] = []
  // smqp work, counted where bpmn-elements does it: messages queued, queues asserted.
  let counting: Counts | null = null
  const qproto = Queue.prototype as unknown as Record<string, (...a: unknown[]) => unknown>
  const bproto = Broker.prototype as unknown as Record<string, (...a: unknown[]) => unknown>
  const queueMessage = qproto.queueMessage
  const assertQueue = bproto.assertQueue
  qproto.queueMessage = function (this: unknown, ...a: unknown[]) {
    if (counting) counting.messages++
    return queueMessage.apply(this, a)
  }
  bproto.assertQueue = function (this: unknown, ...a: unknown[]) {
    if (counting) counting.queues++
    return assertQueue.apply(this, a)
  }
  try {
    const sides = []
    for (const v of VARIANTS) {
      const bench = await buildBenchApp({ processes: true, config: { engineLazyElements: v.lazy, ...(v.processesDir && { processesDir: v.processesDir }) } })
      benches.push(bench)
      const steps = await ordinarySteps(bench.app)
      const sql = { intake: new Map<string, number>(), complete: new Map<string, number>() }
      const counts: Record<Kind, Counts> = { intake: { messages: 0, queues: 0 }, complete: { messages: 0, queues: 0 } }
      let current: Map<string, number> | null = null
      bench.app.db.on('query', (q: { sql?: string }) => {
        if (!current) return
        const verb = String(q.sql ?? '')
          .trim()
          .split(/\s+/)[0]
          .replace(/;$/, '')
          .toLowerCase()
        current.set(verb, (current.get(verb) ?? 0) + 1)
      })
      sides.push({ v, bench, steps, sql, counts, setCurrent: (m: Map<string, number> | null) => (current = m) })
    }
    for (const s of sides) for (let i = 0; i < 100; i++) await s.steps.once()
    for (const s of sides) {
      Object.assign(s.steps.cpu, { intake: 0, complete: 0, intakes: 0, completions: 0 })
      s.steps.onStep = (kind) => {
        s.setCurrent(kind ? s.sql[kind] : null)
        counting = kind ? s.counts[kind] : null
      }
    }
    const load = [os.loadavg()]
    const t0 = performance.now()
    for (let i = 0; i < N; i += BLOCK) {
      for (const s of sides) for (let j = 0; j < BLOCK && i + j < N; j++) await s.steps.once()
    }
    const wallMs = performance.now() - t0
    load.push(os.loadavg())
    const perStep = (m: Map<string, number>, n: number) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / n]))
    return {
      n: N,
      wallMs,
      load: load.map((l) => l.map((x) => Number(x.toFixed(1)))),
      variants: sides.map(({ v, steps: { cpu: c }, sql, counts }) => ({
        variant: v.name,
        lazy: v.lazy,
        cpuMs: { intake: c.intake / c.intakes, complete: c.complete / c.completions },
        sql: { intake: perStep(sql.intake, c.intakes), complete: perStep(sql.complete, c.completions) },
        smqp: {
          intake: { messages: counts.intake.messages / c.intakes, queues: counts.intake.queues / c.intakes },
          complete: { messages: counts.complete.messages / c.completions, queues: counts.complete.queues / c.completions },
        },
      })),
    }
  } finally {
    qproto.queueMessage = queueMessage
    bproto.assertQueue = assertQueue
    for (const b of benches) await b.close()
  }
}

export function print(r: Awaited<ReturnType<typeof run>>) {
  const total = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0)
  const list = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${fmt(v, 1)} ${k}`)
      .join(', ')
  console.log(`ordinary procedure, ${r.n} intakes + completions per variant in process (SQLite file), interleaved, ${fmt(r.wallMs)} ms wall`)
  for (const x of r.variants) {
    console.log(`  ${x.variant}`)
    console.log(`    intake:     ${fmt(x.cpuMs.intake, 1)} ms CPU, ${fmt(total(x.sql.intake), 1)} SQL statements (${list(x.sql.intake)})`)
    console.log(`    completion: ${fmt(x.cpuMs.complete, 1)} ms CPU, ${fmt(total(x.sql.complete), 1)} SQL statements (${list(x.sql.complete)})`)
    console.log(
      `    broker (smqp): intake ${fmt(x.smqp.intake.messages)} messages, ${fmt(x.smqp.intake.queues)} queues asserted; completion ${fmt(x.smqp.complete.messages)} messages, ${fmt(x.smqp.complete.queues)} queues`,
    )
  }
  console.log(
    `  load average ${r.load.map((l) => l.join(' ')).join(' → ')} (1/5/15 min, start → end): CPU per step grows with other processes' load, compare the variants of one run`,
  )
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run()
  print(r)
  emit('steps', r)
}
