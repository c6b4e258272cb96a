/**
 * Memory benchmark: parks 10,000 instances at a user task through the durable path
 * (app.engine.start, one transaction each, SQLite file DB) and prints RSS / heap at each
 * checkpoint, before and after a full GC. Waiting instances live in the database only:
 * the runtime keeps no per-instance object, its only cache is one parsed definition
 * (sourceContext) per definition version — checked at the end.
 *
 *   node --expose-gc --import tsx bench/memory.ts      (BENCH_MEMORY_N=10000)
 */
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { buildBenchApp, emit, fmt, mb, simpleXml } from './lib.js'

const N = Number(process.env.BENCH_MEMORY_N ?? 10000)
const CHECKPOINTS = [0, 1000, 5000, 10000].filter((c) => c <= N)
if (!CHECKPOINTS.includes(N)) CHECKPOINTS.push(N)

interface Checkpoint {
  waiting: number
  rssMb: number
  heapUsedMb: number
  rssAfterGcMb: number | null
  heapUsedAfterGcMb: number | null
  startsPerSec: number | null
}

const gc = (globalThis as any).gc as (() => void) | undefined

function sample(waiting: number, startsPerSec: number | null): Checkpoint {
  const before = process.memoryUsage()
  let after: NodeJS.MemoryUsage | null = null
  if (gc) {
    gc()
    gc()
    after = process.memoryUsage()
  }
  return {
    waiting,
    rssMb: mb(before.rss),
    heapUsedMb: mb(before.heapUsed),
    rssAfterGcMb: after ? mb(after.rss) : null,
    heapUsedAfterGcMb: after ? mb(after.heapUsed) : null,
    startsPerSec,
  }
}

export async function run() {
  const bench = await buildBenchApp()
  const { app } = bench
  try {
    await app.engine.deploy(simpleXml, { actor: 'admin' })
    // Warm-up: parse and cache the definition, JIT the path; these 200 run to the end (not waiting).
    const actor = (await app.org.login('admin', 'demo'))!.user
    for (let i = 0; i < 200; i++) {
      const inst = await app.engine.start('bench_simple', { actor: 'admin' })
      const task = await app.db('tasks').where({ instance_id: inst.id, status: 'open' }).first('id')
      await app.tasks.complete(actor, task.id, {})
    }
    const points: Checkpoint[] = [sample(0, null)]
    let made = 0
    for (const target of CHECKPOINTS.filter((c) => c > 0)) {
      const t0 = performance.now()
      const from = made
      while (made < target) {
        await app.engine.start('bench_simple', { actor: 'admin' })
        made++
      }
      points.push(sample(made, (made - from) / ((performance.now() - t0) / 1000)))
    }
    const waitingRows = Number((await app.db('process_instances').where({ key: 'bench_simple', status: 'running' }).count({ n: '*' }).first())?.n ?? 0)
    const openTasks = Number((await app.db('tasks').where({ process_key: 'bench_simple', status: 'open' }).count({ n: '*' }).first())?.n ?? 0)
    // The only in-memory cache of the engine: parsed definitions, one per version id.
    const definitionCache = ((app.engine.definitions as any).cache as Map<string, unknown>).size
    const first = points.find((p) => p.waiting > 0)!
    const last = points[points.length - 1]
    const growthPerInstanceBytes =
      last.heapUsedAfterGcMb != null && first.heapUsedAfterGcMb != null && last.waiting > first.waiting
        ? ((last.heapUsedAfterGcMb - first.heapUsedAfterGcMb) * 1024 * 1024) / (last.waiting - first.waiting)
        : null
    return { n: N, gcExposed: !!gc, points, waitingRows, openTasks, definitionCache, growthPerInstanceBytes }
  } finally {
    await bench.close()
  }
}

export function print(r: Awaited<ReturnType<typeof run>>) {
  console.log(`memory benchmark — ${fmt(r.n)} instances parked at a user task through app.engine.start (SQLite file DB)`)
  if (!r.gcExposed) console.log('  (run with node --expose-gc for the after-GC figures)')
  console.log('  waiting   RSS MB   heap MB   RSS after GC   heap after GC   starts/s')
  for (const p of r.points) {
    console.log(
      `  ${String(p.waiting).padStart(7)}   ${String(p.rssMb).padStart(6)}   ${String(p.heapUsedMb).padStart(7)}   ${String(p.rssAfterGcMb ?? '-').padStart(12)}   ${String(p.heapUsedAfterGcMb ?? '-').padStart(13)}   ${p.startsPerSec == null ? '-' : fmt(p.startsPerSec)}`,
    )
  }
  console.log(
    `  in the database: ${fmt(r.waitingRows)} running instances, ${fmt(r.openTasks)} open tasks; in memory: ${r.definitionCache} cached definition(s)`,
  )
  if (r.growthPerInstanceBytes != null)
    console.log(`  heap growth after GC per waiting instance: ${fmt(r.growthPerInstanceBytes)} B (≈0 means nothing is held per instance)`)
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run()
  print(r)
  emit('memory', r)
}
