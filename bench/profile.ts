/**
 * Profiles the durable path: runs start + complete through the service layer on a SQLite
 * file DB under the V8 CPU profiler (node:inspector, in process) and prints where the time
 * goes — self time grouped by package / source file, and the hottest functions.
 * The .cpuprofile is written under bench/results/ (open it in Chrome DevTools or speedscope).
 *
 *   node --import tsx bench/profile.ts        (BENCH_PROFILE_N=400, BENCH_PROFILE_KEY=bench_simple)
 *
 * BENCH_PROFILE_KEY=ordinary profiles what bench/http.ts loads, through the HTTP stack
 * (`app.inject`): intake (POST /api/cases, the ordinary procedure started to ut_signfor) and
 * completing the sign-for task of a case made 32 intakes earlier (POST /api/tasks/:id/complete,
 * so the engine is recovered from the database as in the HTTP bench, not found parked).
 */
import fs from 'node:fs'
import path from 'node:path'
import { Session } from 'node:inspector/promises'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Engine } from 'bpmn-engine'
import type { FastifyInstance } from 'fastify'
import { buildBenchApp, emit, fmt, variants } from './lib.js'
import { completeBody, intakeBody } from './http.js'

const N = Number(process.env.BENCH_PROFILE_N ?? 400)
const KEY = process.env.BENCH_PROFILE_KEY ?? 'bench_simple'
const here = path.dirname(fileURLToPath(import.meta.url))

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

/** Which bucket a frame's self time (or allocation) belongs to; `files`: a package's file, not the package. */
export function bucket(url: string, fn: string, files = false): string {
  if (fn === '(garbage collector)') return 'GC'
  if (fn === '(idle)' || fn === '(program)') return fn
  if (!url) return `native: ${fn || '(anonymous)'}`
  const u = url.replace(/^file:\/\//, '')
  const nm = u.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const rest = u.slice(nm + '/node_modules/'.length).split('/')
    if (files) return rest.join('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  if (u.startsWith('node:')) return 'node internals'
  const src = u.indexOf('/src/')
  if (src >= 0) return u.slice(src + 1)
  const b = u.indexOf('/bench/')
  if (b >= 0) return u.slice(b + 1)
  return u
}

export function summarise(profile: { nodes: Node[]; samples: number[]; timeDeltas: number[] }) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfUs = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0))
  const buckets = new Map<string, number>()
  const fns = new Map<string, number>()
  let total = 0
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!
    const b = bucket(n.callFrame.url, n.callFrame.functionName)
    if (b === '(idle)') continue
    total += us
    buckets.set(b, (buckets.get(b) ?? 0) + us)
    const name = `${n.callFrame.functionName || '(anonymous)'}  ${b}:${n.callFrame.lineNumber + 1}`
    fns.set(name, (fns.get(name) ?? 0) + us)
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }))
  return { totalMs: total / 1000, buckets: top(buckets, 20), functions: top(fns, 25) }
}

/**
 * Wall-time breakdown of the durable step, by wrapping bpmn-engine's Engine methods and
 * timing every SQL statement (knex query → query-response). What is left is the runtime's
 * own work (listeners, variables diff, JSON, building rows), the engine's run after a
 * signal, and the event loop.
 */
function phaseTimer() {
  const totals = new Map<string, { ms: number; calls: number }>()
  const add = (k: string, ms: number) => {
    const t = totals.get(k) ?? { ms: 0, calls: 0 }
    t.ms += ms
    t.calls++
    totals.set(k, t)
  }
  const proto = Engine.prototype as any
  const originals: [string, any][] = []
  for (const m of ['execute', 'recover', 'resume', 'getState', 'stop']) {
    const orig = proto[m]
    originals.push([m, orig])
    proto[m] = function (this: any, ...args: any[]) {
      const t0 = performance.now()
      const r = orig.apply(this, args)
      if (r && typeof r.then === 'function') return r.finally(() => add(`engine.${m}`, performance.now() - t0))
      add(`engine.${m}`, performance.now() - t0)
      return r
    }
  }
  const parse = JSON.parse
  const stringify = JSON.stringify
  JSON.parse = function (text: string, reviver?: any) {
    const t0 = performance.now()
    try {
      return parse(text, reviver)
    } finally {
      add('JSON.parse', performance.now() - t0)
    }
  } as typeof JSON.parse
  JSON.stringify = function (...args: any[]) {
    const t0 = performance.now()
    try {
      return (stringify as any)(...args)
    } finally {
      add('JSON.stringify', performance.now() - t0)
    }
  } as typeof JSON.stringify
  return {
    add,
    totals,
    restore() {
      for (const [m, orig] of originals) proto[m] = orig
      JSON.parse = parse
      JSON.stringify = stringify
    },
  }
}

/** The two HTTP steps of bench/http.ts, in process: one intake, one completion of an older case. */
export async function ordinarySteps(app: FastifyInstance) {
  const login = async (username: string) =>
    (await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: 'demo' } })).json().token as string
  const dispatcher = await login('dispatcher')
  const admin = await login('admin')
  const post = async (url: string, token: string, payload: string, expect: number) => {
    const r = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload })
    if (r.statusCode !== expect) throw new Error(`${url}: ${r.statusCode} ${r.body}`)
    return r.json()
  }
  const waiting: string[] = []
  const cpu = { intake: 0, complete: 0, intakes: 0, completions: 0 }
  const hooks: { onStep: ((kind: 'intake' | 'complete' | null) => void) | null } = { onStep: null }
  const timed = async (kind: 'intake' | 'complete', fn: () => Promise<unknown>) => {
    hooks.onStep?.(kind)
    const c0 = process.cpuUsage()
    await fn()
    const c = process.cpuUsage(c0)
    hooks.onStep?.(null)
    cpu[kind] += (c.user + c.system) / 1000
    if (kind === 'intake') cpu.intakes++
    else cpu.completions++
  }
  return {
    cpu,
    /** Told which step runs (null: none), e.g. to count its SQL statements. */
    set onStep(fn: (kind: 'intake' | 'complete' | null) => void) {
      hooks.onStep = fn
    },
    async once() {
      await timed('intake', async () => {
        const c = await post('/api/cases', dispatcher, intakeBody, 201)
        waiting.push(c.activeTasks.find((t: any) => t.elementId === 'ut_signfor').id)
      })
      if (waiting.length > 32) {
        const id = waiting.shift()!
        await timed('complete', () => post(`/api/tasks/${id}/complete`, admin, completeBody, 200))
      }
    },
  }
}

export async function run() {
  const ordinary = KEY === 'ordinary'
  const bench = await buildBenchApp({ processes: ordinary })
  const { app } = bench
  const session = new Session()
  session.connect()
  try {
    const v = ordinary ? { key: 'ordinary' } : (variants.find((x) => x.key === KEY) ?? variants[0])
    let once: () => Promise<void>
    let cpu: { intake: number; complete: number; intakes: number; completions: number } | null = null
    if (ordinary) {
      const steps = await ordinarySteps(app)
      once = steps.once
      cpu = steps.cpu
    } else {
      const simple = v as (typeof variants)[number]
      await app.engine.deploy(simple.xml, { actor: 'admin' })
      const actor = (await app.org.login('admin', 'demo'))!.user
      once = async () => {
        const inst = await app.engine.start(simple.key, { actor: 'admin' })
        const task = await app.db('tasks').where({ instance_id: inst.id, status: 'open' }).first('id')
        await app.tasks.complete(actor, task.id, {})
      }
    }
    for (let i = 0; i < 100; i++) await once()
    if (cpu) Object.assign(cpu, { intake: 0, complete: 0, intakes: 0, completions: 0 })

    // 1. Phase breakdown (wall time, no profiler attached).
    const phases = phaseTimer()
    const started = new Map<string, number>()
    const onQuery = (q: any) => started.set(q.__knexQueryUid, performance.now())
    const onResponse = (_r: unknown, q: any) => {
      const t0 = started.get(q.__knexQueryUid)
      if (t0 != null) {
        started.delete(q.__knexQueryUid)
        const verb = String(q.sql ?? '')
          .trim()
          .split(/\s+/)[0]
          .toLowerCase()
        phases.add(`sql ${verb}`, performance.now() - t0)
      }
    }
    app.db.on('query', onQuery).on('query-response', onResponse)
    const tp = performance.now()
    for (let i = 0; i < N; i++) await once()
    const phaseWall = performance.now() - tp
    app.db.off('query', onQuery).off('query-response', onResponse)
    phases.restore()
    const steps = 2 * N
    const breakdown = [...phases.totals.entries()]
      .map(([name, t]) => ({ name, msPerStep: t.ms / steps, callsPerStep: t.calls / steps, share: t.ms / phaseWall }))
      .sort((a, b) => b.msPerStep - a.msPerStep)

    // 2. CPU profile.
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 200 })
    await session.post('Profiler.start')
    const t0 = performance.now()
    for (let i = 0; i < N; i++) await once()
    const wallMs = performance.now() - t0
    const { profile } = (await session.post('Profiler.stop')) as any
    const file = path.join(here, 'results', `durable-${v.key}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, JSON.stringify(profile))
    const s = summarise(profile)
    // CPU of the process (all threads: GC helpers too) per intake and per completion, over
    // both runs (the second under the profiler, which adds its own cost).
    const cpuMs = cpu && { intake: cpu.intake / cpu.intakes, complete: cpu.complete / cpu.completions }
    return {
      key: v.key,
      n: N,
      phaseMsPerStep: phaseWall / steps,
      breakdown,
      wallMs,
      stepsPerSec: (2 * N) / (wallMs / 1000),
      cpuBusyShare: s.totalMs / wallMs,
      cpuMs,
      profileFile: path.relative(process.cwd(), file),
      ...s,
    }
  } finally {
    session.disconnect()
    await bench.close()
  }
}

export function print(r: Awaited<ReturnType<typeof run>>) {
  console.log(`durable path profile — ${r.n} instances of ${r.key} (2 steps each)`)
  console.log(
    `  wall-time breakdown: ${fmt(r.phaseMsPerStep, 2)} ms per step (nested phases overlap: engine.resume includes the JSON.parse of nothing, sql includes waiting for the thread pool)`,
  )
  for (const b of r.breakdown)
    console.log(
      `    ${fmt(b.msPerStep, 3).padStart(7)} ms/step  ${(b.share * 100).toFixed(1).padStart(5)}%  ${b.callsPerStep.toFixed(1).padStart(4)} calls/step  ${b.name}`,
    )
  if (r.cpuMs) console.log(`  process CPU per step: intake ${fmt(r.cpuMs.intake, 1)} ms, completion ${fmt(r.cpuMs.complete, 1)} ms (both runs)`)
  console.log(`  CPU profile: ${fmt(r.stepsPerSec)} steps/s under the profiler`)
  console.log(
    `  wall ${fmt(r.wallMs)} ms, main thread busy ${fmt(r.totalMs)} ms (${(r.cpuBusyShare * 100).toFixed(0)}%; the rest is waiting: SQLite thread pool, timers)`,
  )
  console.log('  self time by package / file:')
  for (const b of r.buckets) console.log(`    ${(b.share * 100).toFixed(1).padStart(5)}%  ${fmt(b.ms).padStart(7)} ms  ${b.name}`)
  console.log('  hottest functions (self):')
  for (const f of r.functions) console.log(`    ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}`)
  console.log(`  profile: ${r.profileFile}`)
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run()
  print(r)
  emit('profile', { ...r, functions: r.functions.slice(0, 10) })
}
