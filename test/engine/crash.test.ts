import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import t from 'tap'
import knex from 'knex'
import { onPostgres, testDatabaseUrl } from '../helper.js'
import { noProcesses, timed } from '../fixtures/bpmn.js'

const root = path.resolve(import.meta.dirname, '../..')

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

/** Starts the real server (src/server.ts) as a child process and waits until /health is ok. */
async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', TIMER_POLL_MS: '200', LOG_LEVEL: 'warn', SERVE_UI: '0', PROCESSES_DIR: noProcesses, DEMO: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`)
    try {
      const r = await fetch(`${base}/health`)
      if (r.ok) return { child, base }
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  child.kill('SIGKILL')
  throw new Error(`server did not start: ${output}`)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function api(base: string, method: string, url: string, token?: string, body?: unknown) {
  const r = await fetch(base + url, {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: r.status, json: await r.json().catch(() => null) }
}

t.test('kill -9 with a task and a 2 s boundary timer pending: after restart the timer fires exactly once and the task completes', async (t) => {
  const env: Record<string, string> = {}
  let schema: string | undefined
  if (onPostgres) {
    schema = `t_crash_${randomUUID().slice(0, 8)}`
    env.DATABASE_URL = testDatabaseUrl
    env.DATABASE_SCHEMA = schema
    t.teardown(async () => {
      const db = knex({ client: 'pg', connection: testDatabaseUrl })
      await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema])
      await db.destroy()
    })
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-crash-'))
    env.DATABASE_URL = path.join(dir, 'db.sqlite')
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  }

  let { child, base } = await startServer(env)
  t.teardown(() => void child.kill('SIGKILL'))
  const token = (await api(base, 'POST', '/api/auth/login', undefined, { username: 'admin', password: 'demo' })).json.token
  const dep = await api(base, 'POST', '/api/process-definitions', token, { xml: timed('crashy', 'PT2S', false) })
  t.equal(dep.status, 201)
  const inst = (await api(base, 'POST', '/api/process-definitions/key/crashy/start', token, {})).json
  t.equal(inst.activeTasks.length, 1)

  child.kill('SIGKILL')
  await new Promise((r) => child.once('exit', r))
  await sleep(3000) // past the timer's due time while no server runs

  ;({ child, base } = await startServer(env))
  const token2 = (await api(base, 'POST', '/api/auth/login', undefined, { username: 'admin', password: 'demo' })).json.token
  let fired = 0
  for (let i = 0; i < 50 && fired === 0; i++) {
    await sleep(200)
    const hist = (await api(base, 'GET', `/api/process-instances/${inst.id}/history`, token2)).json
    fired = hist.filter((h: any) => h.type === 'timer_fired').length
  }
  t.equal(fired, 1, 'the timer fired after the restart')
  await sleep(1000) // several more poll cycles
  const hist = (await api(base, 'GET', `/api/process-instances/${inst.id}/history`, token2)).json
  t.equal(hist.filter((h: any) => h.type === 'timer_fired').length, 1, 'exactly once')
  const now = (await api(base, 'GET', `/api/process-instances/${inst.id}`, token2)).json
  t.same(now.activeTasks.map((x: any) => x.elementId).sort(), ['supervise', 'work'], 'the supervision task exists once, the work task is still open')
  const work = now.activeTasks.find((x: any) => x.elementId === 'work')
  const grid = (await api(base, 'POST', '/api/auth/login', undefined, { username: 'grid01', password: 'demo' })).json.token
  const done = await api(base, 'POST', `/api/tasks/${work.id}/complete`, grid, { data: { result: '已处理' } })
  t.equal(done.status, 200, 'the task is still completable')

  // Graceful stop: SIGTERM lets in-flight work finish and exits 0.
  child.kill('SIGTERM')
  const code = await new Promise((r) => child.once('exit', r))
  t.equal(code, 0, 'graceful shutdown exits 0')
})
