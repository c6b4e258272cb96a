/**
 * Runs every benchmark module in sequence, each in a child process of its own (a clean heap,
 * --expose-gc), prints their output and a summary table, and writes
 * bench/results/<timestamp>.json.
 *
 *   npm run bench                   (all)
 *   npm run bench -- engine         (only the named ones)
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
/** Bench modules, in the order they run. Each prints its figures and one `BENCH_JSON {…}` line. */
const MODULES = ['engine', 'memory']

function runModule(name: string): Promise<{ result: any; ms: number; code: number | null }> {
  return new Promise((resolve) => {
    const t0 = Date.now()
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(here, `${name}.ts`)], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env })
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
const modules = only.length ? MODULES.filter((m) => only.includes(m)) : MODULES
const started = new Date()
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
    }
  }
  if (m === 'memory') {
    for (const p of r.result.points) rows.push([`RSS at ${p.waiting} waiting`, `${p.rssMb} MB (after GC ${p.rssAfterGcMb ?? '-'} MB, heap ${p.heapUsedAfterGcMb ?? '-'} MB)`])
  }
}

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
