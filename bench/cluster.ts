/**
 * Real server processes for the HTTP benchmarks: a fresh SQLite file in a temp dir, or a
 * fresh schema in PostgreSQL (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/test),
 * and one or more `src/server.ts` children on free ports of 127.0.0.1 sharing it (as the
 * README's "Several nodes" section runs them). Also a direct knex handle on the same database
 * for setting up and checking (never on the measured path).
 */
import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import knex, { type Knex } from 'knex'
import { startServer } from '../test/server-process.js'

export const pgUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface ServerNode {
  name: string
  base: string
  port: number
  child: ChildProcess
  /** Resident set size of the server process in MB (from /proc), or null. */
  rssMb(): number | null
  /** CPU time the server process has used so far, all its threads (user + system, /proc), in ms; null if unknown. */
  cpuMs(): number | null
  /** The same for its main thread alone (the event loop: what bounds one node's throughput), in ms. */
  mainCpuMs(): number | null
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on Linux builds). */
const TICKS_PER_SECOND = Number(process.env.BENCH_CLK_TCK ?? 100)

/**
 * utime + stime of a process (all threads) from /proc/<pid>/stat, in ms; with `mainThread`, of
 * its main thread alone (/proc/<pid>/task/<pid>/stat: a process's first thread has its pid).
 */
export function procCpuMs(pid: number | undefined, mainThread = false): number | null {
  try {
    const stat = fs.readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND
  } catch {
    return null
  }
}

export interface Cluster {
  kind: 'sqlite' | 'pg'
  nodes: ServerNode[]
  env: Record<string, string>
  /** knex on the same database (setup and checks only). */
  db: Knex
  addNode(extraEnv?: Record<string, string>): Promise<ServerNode>
  close(): Promise<void>
}

export interface ClusterOptions {
  kind: 'sqlite' | 'pg'
  nodes?: number
  /** An existing SQLite file to serve (not removed on close). */
  sqliteFile?: string
  env?: Record<string, string>
  /** Extra node arguments for the servers (e.g. --cpu-prof). */
  nodeArgs?: string[]
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  let dir: string | null = null
  let schema: string | null = null
  const env: Record<string, string> = { TOKEN_SECRET: `bench-${randomUUID()}`, ...opts.env }
  let db: Knex
  if (opts.kind === 'pg') {
    schema = `bench_${randomUUID().slice(0, 8)}`
    env.DATABASE_URL = pgUrl
    env.DATABASE_SCHEMA = schema
    db = knex({ client: 'pg', connection: pgUrl, searchPath: [schema], pool: { min: 0, max: 4 } })
  } else {
    let file = opts.sqliteFile
    if (!file) {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-bench-http-'))
      file = path.join(dir, 'bench.sqlite')
    }
    env.DATABASE_URL = file
    db = knex({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true, pool: { min: 1, max: 1 } })
  }
  const nodes: ServerNode[] = []
  const cluster: Cluster = {
    kind: opts.kind,
    nodes,
    env,
    db,
    async addNode(extraEnv = {}) {
      const n = await startNode(`node-${String.fromCharCode(97 + nodes.length)}`, { ...env, ...extraEnv }, opts.nodeArgs ?? [])
      nodes.push(n)
      return n
    },
    async close() {
      await Promise.all(nodes.map((n) => stopNode(n)))
      await db.destroy().catch(() => undefined)
      if (schema) {
        const admin = knex({ client: 'pg', connection: pgUrl, pool: { min: 0, max: 1 } })
        await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]).catch(() => undefined)
        await admin.destroy()
      }
      if (dir) fs.rmSync(dir, { recursive: true, force: true })
    },
  }
  try {
    // The first node migrates, seeds and deploys; the others start on the prepared database.
    for (let i = 0; i < (opts.nodes ?? 1); i++) await cluster.addNode()
  } catch (err) {
    await cluster.close()
    throw err
  }
  return cluster
}

async function startNode(name: string, env: Record<string, string>, nodeArgs: string[]): Promise<ServerNode> {
  const p = await startServer({ name, env, nodeArgs, timeoutMs: 120_000 })
  p.child.once('exit', (code, signal) => {
    if (!stopping.has(p.child)) console.error(`bench: server ${name} exited unexpectedly (${code ?? signal}): ${p.output().slice(-2000)}`)
  })
  return {
    ...p,
    rssMb() {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p.child.pid}/status`, 'utf8'))
        return m ? Math.round(Number(m[1]) / 1024) : null
      } catch {
        return null
      }
    },
    cpuMs: () => procCpuMs(p.child.pid),
    mainCpuMs: () => procCpuMs(p.child.pid, true),
  }
}

const stopping = new WeakSet<ChildProcess>()

export async function stopNode(n: ServerNode) {
  stopping.add(n.child)
  if (n.child.exitCode !== null || n.child.signalCode) return
  const exited = new Promise((r) => n.child.once('exit', r))
  n.child.kill('SIGTERM')
  const t = setTimeout(() => n.child.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(t)
}

export async function api(base: string, method: string, url: string, token?: string, body?: unknown) {
  const r = await fetch(base + url, {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await r.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = text
  }
  return { status: r.status, json }
}

export async function login(base: string, username: string, password = 'demo'): Promise<string> {
  const r = await api(base, 'POST', '/api/auth/login', undefined, { username, password })
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.json)}`)
  return r.json.token
}
