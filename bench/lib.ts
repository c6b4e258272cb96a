import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { openDb } from '../src/lib/db.js'

/** The definitions every engine benchmark runs: the same XML on the raw and the durable side. */
const NS = `xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="http://shuoshi.bench"`
export const simpleXml = `<?xml version="1.0" encoding="UTF-8"?>
<definitions id="defs_bench_simple" ${NS}>
<process id="bench_simple" name="bench simple" isExecutable="true">
  <startEvent id="start"/>
  <sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
  <userTask id="task" name="办理 Task" camunda:assignee="admin"/>
  <sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
  <endEvent id="end"/>
</process>
</definitions>`
export const timerXml = `<?xml version="1.0" encoding="UTF-8"?>
<definitions id="defs_bench_timer" ${NS}>
<process id="bench_timer" name="bench timer" isExecutable="true">
  <startEvent id="start"/>
  <sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
  <userTask id="task" name="办理 Task" camunda:assignee="admin"/>
  <boundaryEvent id="late" attachedToRef="task" cancelActivity="true"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>
  <sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
  <sequenceFlow id="f3" sourceRef="late" targetRef="end2"/>
  <endEvent id="end"/><endEvent id="end2"/>
</process>
</definitions>`
export const variants = [
  { name: 'user task', key: 'bench_simple', xml: simpleXml },
  { name: 'user task + boundary timer', key: 'bench_timer', xml: timerXml },
]

export interface BenchApp {
  app: FastifyInstance
  dir: string
  file: string
  close: () => Promise<void>
}

/** An app over a fresh SQLite FILE database in a temp dir (WAL, synchronous=NORMAL as in production). */
export async function buildBenchApp(opts: { processes?: boolean; file?: string; config?: Partial<Config> } = {}): Promise<BenchApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-bench-'))
  const file = opts.file ?? path.join(dir, 'bench.sqlite')
  const db = await openDb(file)
  const config: Config = {
    ...loadConfig({ NODE_ENV: 'test' }),
    databaseUrl: file,
    demo: true,
    logLevel: 'silent',
    serveUi: false,
    // The four procedures of processes/ when asked (the case benchmarks), none otherwise.
    ...(!opts.processes && { processesDir: path.join(dir, 'no-processes') }),
    ...opts.config,
  }
  const app = await buildApp({ config, db, background: false })
  await app.ready()
  return {
    app,
    dir,
    file,
    close: async () => {
      await app.close()
      await db.destroy().catch(() => undefined)
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The demo's dispatcher and admin signed in, and a JSON POST as either: what the step benches send. */
export async function stepClient(app: FastifyInstance) {
  const login = async (username: string) =>
    (await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: 'demo' } })).json().token as string
  const post = async (url: string, token: string, payload: string) =>
    app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload })
  return { dispatcher: await login('dispatcher'), admin: await login('admin'), post }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export interface Figure {
  median: number
  runs: number[]
  /** (max - min) / median, as a fraction: the run-to-run noise. */
  spread: number
}
export function figure(runs: number[]): Figure {
  const med = median(runs)
  return { median: med, runs, spread: med ? (Math.max(...runs) - Math.min(...runs)) / med : 0 }
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
export const pct = (x: number) => `±${(x * 50).toFixed(0)}%`

/** Benchmarks end by printing one machine-readable line that bench/run.ts collects. */
export function emit(name: string, result: unknown) {
  console.log(`BENCH_JSON ${JSON.stringify({ name, result })}`)
}

export const mb = (bytes: number) => Math.round(bytes / 1024 / 1024)

/** `--flag --other` (BENCH_NODE_ARGS and the like) as Node arguments. */
export const argsOf = (spec: string | undefined): string[] => (spec ?? '').split(/\s+/).filter(Boolean)
/** `KEY=value KEY2=value2` (BENCH_ENV and the like) as an environment. */
export const envOf = (spec: string | undefined): Record<string, string> =>
  Object.fromEntries(argsOf(spec).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))

/**
 * Times every native statement call of better-sqlite3 (`all`, `run`, `get`) and hands each to
 * `record` with its SQL text and the microseconds `clock` saw pass, so knex's own cost is left
 * out. Wrapped at the prototype: call it before the app opens its connection, and every
 * statement knex prepares (its prepared-statement cache included) comes through here. `active`
 * false runs the call untimed (a bench that times only some of its runs).
 */
export function timeNativeSql(record: (sql: string, us: number) => void, opts: { clock?: () => number; active?: () => boolean } = {}): void {
  type Run = (...args: unknown[]) => unknown
  const clock = opts.clock ?? (() => performance.now() * 1000)
  const active = opts.active ?? (() => true)
  // better-sqlite3 ships no type declarations; only its prototype's prepare is used here.
  const Database = createRequire(import.meta.url)('better-sqlite3') as { prototype: { prepare(this: unknown, sql: string): Record<string, Run> } }
  const prepare = Database.prototype.prepare
  Database.prototype.prepare = function (sql: string) {
    const statement = prepare.call(this, sql)
    for (const method of ['all', 'run', 'get']) {
      const native = statement[method].bind(statement)
      statement[method] = (...args: unknown[]) => {
        if (!active()) return native(...args)
        const t0 = clock()
        try {
          return native(...args)
        } finally {
          record(sql, clock() - t0)
        }
      }
    }
    return statement
  }
}
