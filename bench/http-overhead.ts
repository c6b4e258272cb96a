/**
 * Server CPU per request of bench/http.ts's two steps, one request at a time, for two source
 * trees side by side: this one and a baseline (BENCH_BASE_DIR, e.g. a `git archive` of the
 * commit before a change with node_modules linked in). Both servers run at once, each on its
 * own fresh SQLite file, and the batches alternate (A, B, A, B …) so that load on the shared
 * machine falls on both sides alike; CPU is the server process's from /proc, never wall time.
 *
 *   BENCH_BASE_DIR=/tmp/base node --import tsx bench/http-overhead.ts
 *   BENCH_OVERHEAD_BATCH=40 BENCH_OVERHEAD_ROUNDS=6 BENCH_OVERHEAD_GETS=1000 LOG_LEVEL=info …
 *   BENCH_BASE_DIR=. BENCH_NODE_ARGS='--single-threaded-gc' …   (one tree, Node flags on one side;
 *   BENCH_BASE_NODE_ARGS for the other)
 *   BENCH_BASE_DIR=. BENCH_ENV='ENGINE_CACHE_SIZE=0' …   (one tree, settings on one side; BENCH_BASE_ENV)
 *
 * Each round: BATCH intakes, BATCH sign-for completions, GETS of /health and GETS of /api/me
 * (the cost of a request with nothing behind it) on each side.
 *   BENCH_PROFILE_DIR=/tmp/prof …   (this tree only, under --cpu-prof; prints summarise())
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { freePort, sleep } from '../test/server-process.js'
import { procCpuMs } from './cluster.js'
import { intakeBody, completeBody } from './http.js'
import { summarise } from './profile.js'
import { argsOf, envOf } from './lib.js'
import { projectRoot } from '../src/lib/paths.js'

const BATCH = Number(process.env.BENCH_OVERHEAD_BATCH ?? 40)
const ROUNDS = Number(process.env.BENCH_OVERHEAD_ROUNDS ?? 6)
const GETS = Number(process.env.BENCH_OVERHEAD_GETS ?? 1000)
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR

interface Server {
  label: string
  base: string
  child: ChildProcess
  dir: string
  token: { dispatcher: string; admin: string }
  open: string[]
}

async function start(label: string, tree: string, nodeArgs: string[], env: Record<string, string>): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-overhead-'))
  const port = await freePort()
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/server.ts'], {
    cwd: tree,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      SERVE_UI: '0',
      DEMO: '1',
      DEMO_HISTORY: '0',
      TOKEN_SECRET: `bench-${randomUUID()}`,
      DATABASE_URL: path.join(dir, 'bench.sqlite'),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${label} exited`)
    if (
      await fetch(`${base}/health`)
        .then((r) => r.ok)
        .catch(() => false)
    )
      break
    await sleep(200)
  }
  const login = async (username: string) => {
    const r = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'demo' }),
    })
    return ((await r.json()) as { token: string }).token
  }
  return { label, base, child, dir, token: { dispatcher: await login('dispatcher'), admin: await login('admin') }, open: [] }
}

async function post(base: string, url: string, token: string, body: string, want: number) {
  const r = await fetch(base + url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body })
  const json = (await r.json()) as any
  if (r.status !== want) throw new Error(`${url}: ${r.status} ${JSON.stringify(json)}`)
  return json
}

/** CPU ms per request of `n` intakes, one at a time; remembers each case's sign-for task. */
async function intakes(s: Server, n: number) {
  const c0 = procCpuMs(s.child.pid)!
  for (let i = 0; i < n; i++) {
    const json = await post(s.base, '/api/cases', s.token.dispatcher, intakeBody, 201)
    const task = (json.activeTasks ?? []).find((t: any) => t.elementId === 'ut_signfor')
    if (task) s.open.push(task.id)
  }
  return (procCpuMs(s.child.pid)! - c0) / n
}

/** CPU ms per request of `n` GETs of `url` (the per-request cost with no step behind it). */
async function gets(s: Server, url: string, n: number) {
  const c0 = procCpuMs(s.child.pid)!
  for (let i = 0; i < n; i++) {
    const r = await fetch(s.base + url, { headers: { authorization: `Bearer ${s.token.dispatcher}` } })
    await r.arrayBuffer()
    if (r.status !== 200) throw new Error(`${url}: ${r.status}`)
  }
  return (procCpuMs(s.child.pid)! - c0) / n
}

async function completions(s: Server, n: number) {
  if (s.open.length < n) await fillOpen(s)
  const ids = s.open.splice(0, n)
  const c0 = procCpuMs(s.child.pid)!
  for (const id of ids) await post(s.base, `/api/tasks/${id}/complete`, s.token.admin, completeBody, 200)
  return (procCpuMs(s.child.pid)! - c0) / ids.length
}

/** The open sign-for tasks, through the API, when the intake answer does not name them. */
async function fillOpen(s: Server) {
  const r = await fetch(`${s.base}/api/tasks?limit=200&status=open`, { headers: { authorization: `Bearer ${s.token.admin}` } })
  const json = (await r.json()) as any
  const items: any[] = Array.isArray(json) ? json : (json.items ?? json.tasks ?? [])
  s.open = items.filter((t) => t.elementId === 'ut_signfor').map((t) => t.id)
}

async function stop(s: Server) {
  const exited = new Promise((r) => s.child.once('exit', r))
  s.child.kill('SIGTERM')
  await exited
  fs.rmSync(s.dir, { recursive: true, force: true })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function main() {
  const here = projectRoot()
  if (PROFILE_DIR) {
    const s = await start('this', here, ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`], {})
    await intakes(s, BATCH)
    await completions(s, BATCH)
    const ci = await intakes(s, BATCH * ROUNDS)
    const cc = await completions(s, BATCH * ROUNDS)
    const cm = await gets(s, '/api/me', GETS)
    await stop(s)
    console.log(`profiled: intake ${ci.toFixed(1)} ms, completion ${cc.toFixed(1)} ms, GET /api/me ${cm.toFixed(2)} ms CPU per request`)
    const file = fs
      .readdirSync(PROFILE_DIR)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => path.join(PROFILE_DIR, f))
      // tsx's loader thread writes a profile of its own: the main thread's is the largest.
      .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]
    const sum = summarise(JSON.parse(fs.readFileSync(file, 'utf8')))
    console.log(JSON.stringify(sum, null, 1))
    return
  }
  const baseDir = process.env.BENCH_BASE_DIR
  if (!baseDir) throw new Error('BENCH_BASE_DIR: the baseline tree')
  const sides = [
    await start('base', baseDir, argsOf(process.env.BENCH_BASE_NODE_ARGS), envOf(process.env.BENCH_BASE_ENV)),
    await start('this', here, argsOf(process.env.BENCH_NODE_ARGS), envOf(process.env.BENCH_ENV)),
  ]
  const kinds = ['intake', 'complete', 'health', 'me'] as const
  const fig: Record<string, Record<(typeof kinds)[number], number[]>> = {}
  for (const s of sides) fig[s.label] = { intake: [], complete: [], health: [], me: [] }
  // Warm-up: JIT and caches on both sides.
  for (const s of sides) {
    await intakes(s, BATCH)
    await completions(s, BATCH)
  }
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? [...sides].reverse() : sides
    for (const s of order) fig[s.label].intake.push(await intakes(s, BATCH))
    for (const s of order) fig[s.label].complete.push(await completions(s, BATCH))
    for (const s of order) fig[s.label].health.push(await gets(s, '/health', GETS))
    for (const s of order) fig[s.label].me.push(await gets(s, '/api/me', GETS))
  }
  for (const s of sides) await stop(s)
  console.log(
    `load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ${ROUNDS} rounds × ${BATCH}, LOG_LEVEL=${process.env.LOG_LEVEL ?? 'warn'}`,
  )
  for (const k of kinds)
    console.log(
      `${k.padEnd(8)} base median ${median(fig.base[k]).toFixed(2)} this median ${median(fig.this[k]).toFixed(2)} ms   base [${fig.base[k].map((x) => x.toFixed(2)).join(' ')}]  this [${fig.this[k].map((x) => x.toFixed(2)).join(' ')}]`,
    )
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
