/**
 * Engine benchmark: raw bpmn-engine in memory vs Shuoshi's durable step on SQLite (a file DB),
 * on the SAME definitions (start → user task → end, and the same with a boundary timer).
 *
 * A "step" is one externally driven engine transition that runs the engine to its next
 * wait state: (1) start an instance and run it to the user task, (2) complete/signal the
 * user task and run to the end. Every instance is exactly 2 steps on every side.
 *
 *   node --import tsx bench/engine.ts            (BENCH_REPS=3, BENCH_SCALE=1 by default)
 */
import { EventEmitter } from 'node:events'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { Engine } from 'bpmn-engine'
import * as Elements from 'bpmn-elements'
import { prepareDefinition } from '../src/engine/model.js'
import type { Actor } from '../src/org/index.js'
import { buildBenchApp, emit, figure, fmt, pct, timeNativeSql, variants, type Figure } from './lib.js'

const REPS = Number(process.env.BENCH_REPS ?? 3)
const SCALE = Number(process.env.BENCH_SCALE ?? 1)
const N_RAW = Math.round(600 * SCALE)
const N_RAW_SAVE = Math.round(300 * SCALE)
const N_DURABLE = Math.round(150 * SCALE)
const N_HTTP = Math.round(120 * SCALE)
const STEPS_PER_INSTANCE = 2

/**
 * Native SQLite time inside the durable steps (timeNativeSql, as bench/sql-native.ts counts
 * it), counted only while `native.on`; installed before the app opens its connection. It is the
 * floor a commit per step sets under the durable side: no code of ours can make a step cheaper
 * than raw + this.
 */
const native = { on: false, us: 0, commitUs: 0 }
timeNativeSql(
  (sql, us) => {
    native.us += us
    if (/^\s*commit\b/i.test(sql)) native.commitUs += us
  },
  { active: () => native.on },
)

const silentLogger = () => {
  const noop = () => {}
  return { debug: noop, error: noop, warn: noop }
}
// As in the durable runtime: timers never run in-process (a due-time table fires them).
const noTimers = () => new Elements.Timers({ setTimeout: (() => 0) as any, clearTimeout: () => undefined })

/** Steps per second of wall time, and per second of process CPU time (all threads: the
 * SQLite thread pool included) — the CPU figure is far less sensitive to other load. */
export interface Rate {
  wall: number
  cpu: number
}
async function measure(steps: number, fn: () => Promise<void>): Promise<Rate> {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await fn()
  const wallS = (performance.now() - t0) / 1000
  const c = process.cpuUsage(c0)
  return { wall: steps / wallS, cpu: steps / ((c.user + c.system) / 1e6) }
}

/** (a1) Raw, in memory: one engine object per instance, execute → wait, signal → end. */
async function rawInMemory(sourceContext: any, n: number): Promise<Rate> {
  return measure(n * STEPS_PER_INSTANCE, async () => {
    for (let i = 0; i < n; i++) {
      const engine = new Engine({ name: 'raw', sourceContext, timers: noTimers(), Logger: silentLogger } as any)
      const listener = new EventEmitter()
      const execution = await engine.execute({ listener }) // step 1: runs to the user task
      if (!execution.getPostponed().some((a: any) => a.id === 'task')) throw new Error('raw: not waiting at task')
      const end = engine.waitFor('end')
      execution.signal({ id: 'task' }) // step 2: runs to the end
      await end
    }
  })
}

/**
 * (a2) Raw save/recover cycle (notes/bpmn-engine.md): execute → getState (source stripped,
 * JSON text) → stop; a NEW engine recovers it → resume → signal → end. No database.
 */
async function rawSaveRecover(sourceContext: any, n: number): Promise<{ rate: Rate; stateBytes: number }> {
  let stateBytes = 0
  const rate = await measure(n * STEPS_PER_INSTANCE, async () => {
    for (let i = 0; i < n; i++) {
      const e1 = new Engine({ name: 'raw', sourceContext, timers: noTimers(), Logger: silentLogger } as any)
      await e1.execute({ listener: new EventEmitter() })
      const raw: any = await e1.getState()
      for (const d of raw.definitions ?? []) delete d.source
      const text = JSON.stringify(raw)
      stateBytes = text.length
      await e1.stop()

      const e2 = new Engine({ name: 'raw', sourceContext, timers: noTimers(), Logger: silentLogger } as any)
      e2.recover(JSON.parse(text))
      const execution = await e2.resume({ listener: new EventEmitter() })
      const end = e2.waitFor('end')
      execution.signal({ id: 'task' })
      await end
    }
  })
  return { rate, stateBytes }
}

interface VariantResult {
  variant: string
  stateBytes: number
  raw: Figure
  rawSaveRecover: Figure
  durableService: Figure
  durableHttp: Figure
  ratio: number
  /** Native SQLite per durable step (ms), its COMMIT part, and the ratio that leaves at most. */
  nativeSql: { msPerStep: number; commitMsPerStep: number; ratioCeiling: number }
  ratioVsSaveRecover: number
  httpRatio: number
  /** The same figures per second of process CPU time (steps / CPU-seconds). */
  cpu: { raw: Figure; rawSaveRecover: Figure; durableService: Figure; durableHttp: Figure; ratio: number }
}

export async function run(): Promise<{ definitionOfStep: string; reps: number; variants: VariantResult[] }> {
  const bench = await buildBenchApp()
  const { app } = bench
  try {
    const actor: Actor = (await app.org.login('admin', 'demo'))!.user
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'demo' } })
    const headers = { authorization: `Bearer ${res.json().token}` }

    /** (b1) Durable through the service layer: each step in its own transaction. */
    async function durableService(key: string, n: number): Promise<Rate> {
      return measure(n * STEPS_PER_INSTANCE, async () => {
        for (let i = 0; i < n; i++) {
          const inst = await app.engine.start(key, { actor: 'admin' }) // step 1 (one transaction)
          const task = await app.db('tasks').where({ instance_id: inst.id, status: 'open' }).first('id')
          await app.tasks.complete(actor, task.id, {}) // step 2 (one transaction)
        }
      })
    }
    /** (b2) Durable through HTTP (app.inject: routing, auth, schema validation, serialisation). */
    async function durableHttp(key: string, n: number): Promise<Rate> {
      return measure(n * STEPS_PER_INSTANCE, async () => {
        for (let i = 0; i < n; i++) {
          const s = await app.inject({ method: 'POST', url: `/api/process-definitions/key/${key}/start`, headers, payload: {} })
          if (s.statusCode !== 201) throw new Error(`start ${s.statusCode} ${s.body}`)
          const taskId = s.json().activeTasks[0].id
          const c = await app.inject({ method: 'POST', url: `/api/tasks/${taskId}/complete`, headers, payload: { data: {} } })
          if (c.statusCode !== 200) throw new Error(`complete ${c.statusCode} ${c.body}`)
        }
      })
    }

    const results: VariantResult[] = []
    for (const v of variants) {
      await app.engine.deploy(v.xml, { actor: 'admin' })
      const { sourceContext } = await prepareDefinition(v.xml)
      // Warm-up (JIT, definition cache, SQLite page cache).
      await rawInMemory(sourceContext, 200)
      await rawSaveRecover(sourceContext, 100)
      await durableService(v.key, 50)
      await durableHttp(v.key, 50)
      const raw: Rate[] = []
      const save: Rate[] = []
      const svc: Rate[] = []
      const http: Rate[] = []
      let stateBytes = 0
      // Interleaved repetitions, so drift from other load on the machine hits every figure alike.
      for (let r = 0; r < REPS; r++) {
        raw.push(await rawInMemory(sourceContext, N_RAW))
        const sr = await rawSaveRecover(sourceContext, N_RAW_SAVE)
        save.push(sr.rate)
        stateBytes = sr.stateBytes
        svc.push(await durableService(v.key, N_DURABLE))
        http.push(await durableHttp(v.key, N_HTTP))
      }
      // One more durable run, apart from the timed ones, with the native calls timed.
      native.us = native.commitUs = 0
      native.on = true
      await durableService(v.key, N_DURABLE)
      native.on = false
      const steps = N_DURABLE * STEPS_PER_INSTANCE
      const nativeMs = native.us / 1000 / steps
      const wall = (xs: Rate[]) => figure(xs.map((x) => x.wall))
      const cpu = (xs: Rate[]) => figure(xs.map((x) => x.cpu))
      const fr = wall(raw)
      const fs = wall(save)
      const fd = wall(svc)
      const fh = wall(http)
      const cr = cpu(raw)
      const cd = cpu(svc)
      results.push({
        variant: v.name,
        stateBytes,
        raw: fr,
        rawSaveRecover: fs,
        durableService: fd,
        durableHttp: fh,
        ratio: fd.median / fr.median,
        nativeSql: {
          msPerStep: nativeMs,
          commitMsPerStep: native.commitUs / 1000 / steps,
          // A durable step costs at least a raw step plus its native SQLite work.
          ratioCeiling: 1000 / fr.median / (1000 / fr.median + nativeMs),
        },
        ratioVsSaveRecover: fd.median / fs.median,
        httpRatio: fh.median / fr.median,
        cpu: { raw: cr, rawSaveRecover: cpu(save), durableService: cd, durableHttp: cpu(http), ratio: cd.median / cr.median },
      })
    }
    return { definitionOfStep, reps: REPS, variants: results }
  } finally {
    await bench.close()
  }
}

const definitionOfStep =
  'step = one externally driven transition run to the next wait: (1) start an instance → parked at the user task, (2) complete the task → end. 2 steps per instance on every side.'

export function print(r: Awaited<ReturnType<typeof run>>) {
  console.log(`engine benchmark — ${r.definitionOfStep}`)
  console.log(
    `median of ${r.reps} interleaved runs; ± is half the (max-min) spread. durable = SQLite file DB (WAL, synchronous=NORMAL), one transaction per step.`,
  )
  for (const v of r.variants) {
    console.log(`\n[${v.variant}]  (engine state ${fmt(v.stateBytes)} B, source stripped)`)
    console.log(`  raw bpmn-engine: ${fmt(v.raw.median)} steps/s  ${pct(v.raw.spread)}  (in memory, one engine per instance, cached sourceContext)`)
    console.log(
      `  raw save/recover: ${fmt(v.rawSaveRecover.median)} steps/s  ${pct(v.rawSaveRecover.spread)}  (getState→JSON→stop, new engine recover→resume→signal; no DB)`,
    )
    console.log(`  durable (SQLite): ${fmt(v.durableService.median)} steps/s  ${pct(v.durableService.spread)}  (app.engine.start + app.tasks.complete)`)
    console.log(`  durable HTTP (SQLite): ${fmt(v.durableHttp.median)} steps/s  ${pct(v.durableHttp.spread)}  (app.inject start + complete)`)
    console.log(`  ratio: ${v.ratio.toFixed(2)}  (durable service / raw in memory; issue 13 target ≥ 0.8)`)
    console.log(`  ratio vs raw save/recover: ${v.ratioVsSaveRecover.toFixed(2)}   HTTP / raw: ${v.httpRatio.toFixed(2)}`)
    const n = v.nativeSql
    console.log(
      `  native SQLite per durable step: ${n.msPerStep.toFixed(3)} ms (COMMIT ${n.commitMsPerStep.toFixed(3)}), a raw step ${(1000 / v.raw.median).toFixed(3)} ms → ceiling ${n.ratioCeiling.toFixed(2)} = raw / (raw + native SQLite): the most a commit per step allows, before any code of ours`,
    )
    const c = v.cpu
    console.log(
      `  per CPU-second (less load-sensitive): raw ${fmt(c.raw.median)}, save/recover ${fmt(c.rawSaveRecover.median)}, durable ${fmt(c.durableService.median)}, HTTP ${fmt(c.durableHttp.median)} steps/s → cpu ratio: ${c.ratio.toFixed(2)}`,
    )
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run()
  print(r)
  emit('engine', r)
}
