/**
 * Runs every benchmark module in sequence, each in a child process of its own (a clean heap,
 * --expose-gc), prints their output and a summary table, and writes
 * bench/results/<timestamp>.json.
 *
 *   npm run bench                   (engine, memory)
 *   npm run bench -- engine         (only the named ones; `profile` runs only when named)
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
/** Bench modules, in the order they run. Each prints its figures and one `BENCH_JSON {…}` line. */
const MODULES = ['engine', 'steps', 'memory', 'memory-100k', 'http', 'bigdata', 'replay-baltimore', 'duplicates']
/** Run only when named on the command line. */
const ON_REQUEST = ['profile', 'state-size', 'allocations', 'instructions']

function runModule(name: string): Promise<{ result: any; ms: number; code: number | null }> {
  return new Promise((resolve) => {
    const t0 = Date.now()
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(here, `${name}.ts`)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    })
    let result: any = null
    let buf = ''
    child.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString()
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        if (line.startsWith('BENCH_JSON ')) result = JSON.parse(line.slice('BENCH_JSON '.length)).result
        else console.log(line)
      }
    })
    child.on('close', (code) => resolve({ result, ms: Date.now() - t0, code }))
  })
}

const only = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const modules = only.length ? [...MODULES, ...ON_REQUEST].filter((m) => only.includes(m)) : MODULES
const started = new Date()
const startLoad = os.loadavg()
const results: Record<string, unknown> = {}
const rows: [string, string][] = []
let failed = false
for (const m of modules) {
  console.log(`\n=== bench/${m}.ts ===`)
  const r = await runModule(m)
  if (r.code !== 0 || !r.result) {
    failed = true
    console.log(`bench/${m}.ts failed (exit ${r.code})`)
    continue
  }
  results[m] = r.result
  rows.push([`${m}: wall time`, `${(r.ms / 1000).toFixed(1)} s`])
  if (m === 'engine') {
    for (const v of r.result.variants) {
      rows.push([`[${v.variant}] raw bpmn-engine`, `${Math.round(v.raw.median)} steps/s`])
      rows.push([`[${v.variant}] raw save/recover`, `${Math.round(v.rawSaveRecover.median)} steps/s`])
      rows.push([`[${v.variant}] durable (SQLite)`, `${Math.round(v.durableService.median)} steps/s`])
      rows.push([`[${v.variant}] durable HTTP`, `${Math.round(v.durableHttp.median)} steps/s`])
      rows.push([`[${v.variant}] ratio durable/raw`, v.ratio.toFixed(2)])
      rows.push([`[${v.variant}] ceiling with native SQLite`, v.nativeSql.ratioCeiling.toFixed(2)])
    }
  }
  if (m === 'steps') {
    const x = r.result
    const total = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0)
    for (const v of x.variants) {
      const side = v.lazy ? 'lazy' : 'eager'
      rows.push([`steps [${side}]: intake, in process`, `${v.cpuMs.intake.toFixed(1)} ms CPU, ${total(v.sql.intake).toFixed(1)} SQL statements`])
      rows.push([`steps [${side}]: completion, in process`, `${v.cpuMs.complete.toFixed(1)} ms CPU, ${total(v.sql.complete).toFixed(1)} SQL statements`])
    }
  }
  if (m === 'profile') {
    rows.push(['profile: durable ms per step (wall)', r.result.phaseMsPerStep.toFixed(2)])
    for (const b of r.result.buckets.slice(0, 5)) rows.push([`profile: self time ${b.name}`, `${(b.share * 100).toFixed(1)}%`])
  }
  if (m === 'http') {
    for (const c of r.result.configs) {
      const best = (fs: any[]) => fs.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a))
      const cpu = (f: any) => (f.cpuMsPerOk == null ? '' : `, server CPU ${f.cpuMsPerOk.toFixed(1)} ms/req`)
      const bi = best(c.intake)
      const bc = best(c.completion)
      rows.push([
        `[${c.config}] intake best`,
        `${Math.round(bi.reqPerSec)} cases/s at c=${bi.connections} (p50 ${Math.round(bi.p50)} ms, p99 ${Math.round(bi.p99)} ms${cpu(bi)})`,
      ])
      rows.push([
        `[${c.config}] intake at ${r.result.fixedRate} req/s`,
        `${Math.round(c.intakeFixed.reqPerSec)} /s served, p50 ${Math.round(c.intakeFixed.p50)} ms, p99 ${Math.round(c.intakeFixed.p99)} ms`,
      ])
      rows.push([
        `[${c.config}] completion best`,
        `${Math.round(bc.reqPerSec)} tasks/s at c=${bc.connections} (p50 ${Math.round(bc.p50)} ms, p99 ${Math.round(bc.p99)} ms${cpu(bc)})`,
      ])
      rows.push([
        `[${c.config}] completion at ${r.result.fixedRate} req/s`,
        `${Math.round(c.completionFixed.reqPerSec)} /s served, p50 ${Math.round(c.completionFixed.p50)} ms, p99 ${Math.round(c.completionFixed.p99)} ms`,
      ])
    }
  }
  if (m === 'bigdata') {
    for (const f of r.result.figures)
      rows.push([
        `[${r.result.sizes.cases} cases] ${f.name}`,
        `p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms${f.target != null ? ` (target < ${f.target})` : ''}`,
      ])
  }
  if (m === 'memory-100k') {
    for (const p of r.result.points) rows.push([`server RSS with ${p.waiting} waiting cases`, `${p.rssMb} MB`])
  }
  if (m === 'replay-baltimore') {
    const x = r.result
    rows.push([
      'Baltimore replay',
      `${x.submitted} submitted at ${x.speedup}× (${x.achievedSpeedup}× achieved), ${x.closed} closed, check ${x.ok ? 'OK' : 'FAILED'}`,
    ])
  }
  if (m === 'duplicates') {
    const x = r.result
    rows.push([
      `duplicates: precision / recall (${x.petitions} petitions)`,
      `${(x.chosen.precision * 100).toFixed(1)}% / ${(x.chosen.recall * 100).toFixed(1)}%`,
    ])
    if (x.timing) rows.push([`duplicates: GET …/similar with ${x.timing.cases} cases`, `p50 ${x.timing.p50.toFixed(1)} ms, p99 ${x.timing.p99.toFixed(1)} ms`])
  }
  if (m === 'memory') {
    for (const p of r.result.points)
      rows.push([`RSS at ${p.waiting} waiting`, `${p.rssMb} MB (after GC ${p.rssAfterGcMb ?? '-'} MB, heap ${p.heapUsedAfterGcMb ?? '-'} MB)`])
  }
}

// CPU per step is the unit (bench/README.md): other sessions' load inflates it too, so say what ran beside.
rows.unshift(['load average (1/5/15 min) at the start', startLoad.map((l) => l.toFixed(1)).join(' ')])
rows.push([
  'load average (1/5/15 min) at the end',
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' '),
])
const width = Math.max(...rows.map((r) => r[0].length), 10)
console.log('\n=== summary ===')
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`)

const out = {
  startedAt: started.toISOString(),
  node: process.version,
  platform: `${os.platform()} ${os.arch()}`,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  loadAvg: os.loadavg(),
  loadAvgAtStart: startLoad,
  commit: await gitHead(),
  results,
}
const dir = path.join(here, 'results')
fs.mkdirSync(dir, { recursive: true })
const file = path.join(dir, `${started.toISOString().replace(/[:.]/g, '-')}.json`)
fs.writeFileSync(file, JSON.stringify(out, null, 2) + '\n')
console.log(`\nwritten ${path.relative(process.cwd(), file)}`)
if (failed) process.exitCode = 1

async function gitHead(): Promise<string | null> {
  return new Promise((resolve) => {
    const c = spawn('git', ['rev-parse', '--short', 'HEAD'], { cwd: here, stdio: ['ignore', 'pipe', 'ignore'] })
    let s = ''
    c.stdout.on('data', (d: Buffer) => (s += d))
    c.on('close', (code) => resolve(code === 0 ? s.trim() : null))
    c.on('error', () => resolve(null))
  })
}
