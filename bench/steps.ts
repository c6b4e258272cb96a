/**
 * CPU and SQL statements per step of the ordinary procedure, in process, no profiler: the two
 * HTTP steps bench/http.ts loads (intake; completion of a sign-for task 32 intakes older, so
 * its engine is recovered from the database, not found parked), through `app.inject` on a
 * SQLite file. CPU is the whole process's (`process.cpuUsage`: all threads, GC helpers too)
 * around each request; statements are counted from knex's `query` event (BEGIN/COMMIT
 * included) and grouped by verb.
 *
 *   node --import tsx bench/steps.ts          (BENCH_STEPS_N=300 after 100 warm-up)
 */
import os from 'node:os'
import { pathToFileURL } from 'node:url'
import { Broker, Queue } from 'smqp'
import { buildBenchApp, emit, fmt } from './lib.js'
import { ordinarySteps } from './profile.js'

const N = Number(process.env.BENCH_STEPS_N ?? 300)

export async function run() {
  const bench = await buildBenchApp({ processes: true })
  try {
    const steps = await ordinarySteps(bench.app)
    for (let i = 0; i < 100; i++) await steps.once()
    Object.assign(steps.cpu, { intake: 0, complete: 0, intakes: 0, completions: 0 })
    const sql = { intake: new Map<string, number>(), complete: new Map<string, number>() }
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
    // smqp work, counted where bpmn-elements does it: messages queued, queues asserted.
    const counts = { intake: { messages: 0, queues: 0 }, complete: { messages: 0, queues: 0 } }
    let counting: { messages: number; queues: number } | null = null
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
    steps.onStep = (kind) => {
      current = kind ? sql[kind] : null
      counting = kind ? counts[kind] : null
    }
    const t0 = performance.now()
    for (let i = 0; i < N; i++) await steps.once()
    const wallMs = performance.now() - t0
    const perStep = (m: Map<string, number>, n: number) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / n]))
    const c = steps.cpu
    return {
      n: N,
      wallMs,
      cpuMs: { intake: c.intake / c.intakes, complete: c.complete / c.completions },
      sql: { intake: perStep(sql.intake, c.intakes), complete: perStep(sql.complete, c.completions) },
      smqp: {
        intake: { messages: counts.intake.messages / c.intakes, queues: counts.intake.queues / c.intakes },
        complete: { messages: counts.complete.messages / c.completions, queues: counts.complete.queues / c.completions },
      },
    }
    qproto.queueMessage = queueMessage
    bproto.assertQueue = assertQueue
  } finally {
    await bench.close()
  }
}

export function print(r: Awaited<ReturnType<typeof run>>) {
  const total = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0)
  const list = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${fmt(v, 1)} ${k}`)
      .join(', ')
  console.log(`ordinary procedure, ${r.n} intakes + completions in process (SQLite file), ${fmt(r.wallMs)} ms wall`)
  console.log(`  intake:     ${fmt(r.cpuMs.intake, 1)} ms CPU, ${fmt(total(r.sql.intake), 1)} SQL statements (${list(r.sql.intake)})`)
  console.log(`  completion: ${fmt(r.cpuMs.complete, 1)} ms CPU, ${fmt(total(r.sql.complete), 1)} SQL statements (${list(r.sql.complete)})`)
  console.log(
    `  broker (smqp): intake ${fmt(r.smqp.intake.messages)} messages, ${fmt(r.smqp.intake.queues)} queues asserted; completion ${fmt(r.smqp.complete.messages)} messages, ${fmt(r.smqp.complete.queues)} queues`,
  )
  console.log(
    `  load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (1/5/15 min): CPU per step grows with other processes' load, compare runs taken side by side`,
  )
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run()
  print(r)
  emit('steps', r)
}
