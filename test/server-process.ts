/**
 * The real server (src/server.ts) as a child process on a free port of 127.0.0.1, for the
 * tests and benchmarks that need a process to kill, restart or run beside another.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { projectRoot } from '../src/lib/paths.js'

const root = projectRoot()

/**
 * The node arguments that run src/server.ts (or another command of src/): through tsx from the sources, or its transpiled twin
 * when this module itself runs from `npm test`'s .build/ (test/compile.mjs), which saves each
 * server process tsx's loader.
 */
export function serverArgs(script = 'server'): string[] {
  return import.meta.url.endsWith('.js')
    ? [path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', `${script}.js`)]
    : // Absolute, so that a server started in another folder (StartOptions.cwd) finds both.
      ['--import', import.meta.resolve('tsx'), path.join(root, 'src', `${script}.ts`)]
}
/** The same for the operator's command line, src/cli.ts. */
export function cliArgs(): string[] {
  return import.meta.url.endsWith('.js') ? [path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js')] : ['--import', 'tsx', 'src/cli.ts']
}
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Asks `what` again until `ok` holds or `ms` pass, and returns the last answer (the caller asserts
 * it): a server process acts on a signal or a restart in its own time, on a box that may be loaded.
 */
export async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms
  let v = await what()
  while (!ok(v) && Date.now() < deadline) {
    await sleep(100)
    v = await what()
  }
  return v
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

export interface ServerProcess {
  name: string
  child: ChildProcess
  base: string
  port: number
  /** The last few KB the process printed (for failure messages). */
  output(): string
}

export interface StartOptions {
  name: string
  env: Record<string, string>
  /** Extra node arguments (e.g. --cpu-prof). */
  nodeArgs?: string[]
  timeoutMs?: number
  /** The server's working folder (relative paths such as the default database resolve there); the project root unless set. */
  cwd?: string
}

/** Starts a server and resolves once `/health` answers ok; demo mode, quiet, no UI. */
export async function startServer(opts: StartOptions): Promise<ServerProcess> {
  const port = await freePort()
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...serverArgs()], {
    cwd: opts.cwd ?? root,
    env: {
      ...process.env,
      NODE_ID: opts.name,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SERVE_UI: '0',
      DEMO: '1',
      DEMO_HISTORY: '0',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out = (out + d).slice(-4000)))
  child.stderr!.on('data', (d) => (out = (out + d).slice(-4000)))
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000)
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server ${opts.name} exited: ${out}`)
    try {
      const r = await fetch(`${base}/health`)
      if (r.ok) return { name: opts.name, child, base, port, output: () => out }
    } catch {
      /* not listening yet */
    }
    await sleep(200)
  }
  child.kill('SIGKILL')
  throw new Error(`server ${opts.name} did not start: ${out}`)
}

/** One JSON request to a server process. */
export async function api(base: string, method: string, url: string, token?: string, body?: unknown) {
  const r = await fetch(base + url, {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: r.status, json: (await r.json().catch(() => null)) as any }
}

/**
 * Starts a server that must fail to start, and resolves with its exit code and what it printed
 * on stderr, line by line. Variables as startServer sets them (demo, quiet, no UI, 127.0.0.1),
 * on port 0 unless `env` says.
 */
export async function startFails(opts: { env: Record<string, string>; cwd?: string; timeoutMs?: number }) {
  const child = spawn(process.execPath, serverArgs(), {
    cwd: opts.cwd ?? root,
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', SERVE_UI: '0', DEMO: '1', DEMO_HISTORY: '0', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  clearTimeout(timer)
  return { status, stdout, stderr, lines: stderr.trim().split('\n') }
}
