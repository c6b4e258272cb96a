import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { freePort, startFails } from './server-process.js'
import { onPostgres, testDatabaseUrl } from './helper.js'
import { noProcesses } from './fixtures/bpmn.js'

/**
 * A start that fails says so in one line naming what failed, the cause's code and the variable
 * to check, and exits 1. They printed pg's or Node's multi-line stacks; a PostgreSQL that took
 * connections and never answered held the start for 34 s and said "operation timed out for an
 * unknown reason", without the host.
 */

// A dozen server processes, each loading the whole app before it fails: past tap's 120 s on a busy machine.
t.setTimeout(600_000)

const HINT = ' (LOG_LEVEL=debug prints the full error)'

function oneLine(t: Test, r: Awaited<ReturnType<typeof startFails>>, expected: RegExp) {
  t.equal(r.status, 1, 'exit 1')
  t.equal(r.lines.length, 1, `one line: ${r.stderr}`)
  t.match(r.lines[0], expected)
  t.ok(r.lines[0]!.endsWith(HINT), 'says how to see the full error')
  t.notMatch(r.stderr, /\n\s+at /, 'no stack')
}

// Each start below names its own DATABASE_URL, so it is the same start on either half of CI: run on
// SQLite's (CI time); the one that needs the PostgreSQL under test runs on PostgreSQL's.
const ownDatabase = onPostgres && 'names its own DATABASE_URL: the same on either database, run with SQLite (CI time)'
/** A start that gets quickly to listening: nothing seeded, no diagram to lint and deploy. */
const bare = { DATABASE_URL: ':memory:', DEMO: '0', PROCESSES_DIR: noProcesses }

t.test('PostgreSQL refusing connections: host, port, ECONNREFUSED, DATABASE_URL', { skip: ownDatabase }, async (t) => {
  const port = await freePort()
  const r = await startFails({ env: { DATABASE_URL: `postgres://shuoshi:s3cret-pw@127.0.0.1:${port}/shuoshi` } })
  oneLine(
    t,
    r,
    new RegExp(`^Cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED: .*\\): nothing listens there; is it running\\? Check DATABASE_URL`),
  )
  t.notMatch(r.stderr, /s3cret-pw/, 'never the password')
})

t.test('PostgreSQL that never answers: bounded by DB_CONNECT_TIMEOUT_MS, host and port named', { skip: ownDatabase }, async (t) => {
  // Takes the connection and says nothing, as a server behind a dropping firewall or a hung one.
  const sockets = new Set<net.Socket>()
  const silent = net.createServer((s) => void sockets.add(s))
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    silent.close()
  })
  const port = (silent.address() as net.AddressInfo).port
  const r = await startFails({ env: { DATABASE_URL: `postgres://shuoshi:s3cret-pw@127.0.0.1:${port}/shuoshi`, DB_CONNECT_TIMEOUT_MS: '500' } })
  oneLine(
    t,
    r,
    new RegExp(
      `^PostgreSQL at 127\\.0\\.0\\.1:${port} did not answer within 0\\.5 s \\(ETIMEDOUT, DB_CONNECT_TIMEOUT_MS\\): check the host and port in DATABASE_URL`,
    ),
  )
  t.ok(sockets.size >= 1, 'it did connect: the wait was for an answer')
  t.notMatch(r.stderr, /s3cret-pw/, 'never the password')
})

t.test('PostgreSQL host that does not resolve: ENOTFOUND, DATABASE_URL', { skip: ownDatabase }, async (t) => {
  const r = await startFails({ env: { DATABASE_URL: 'postgres://shuoshi@no-such-host.invalid:5432/shuoshi' } })
  oneLine(t, r, /^Cannot reach PostgreSQL at no-such-host\.invalid:5432 \((ENOTFOUND|EAI_AGAIN): .*\): the host name does not resolve; check DATABASE_URL/)
})

t.test('PostgreSQL without the database or the role: 3D000, 28000', { skip: !onPostgres && 'needs TEST_DATABASE_URL=postgres://…' }, async (t) => {
  const url = new URL(testDatabaseUrl)
  const at = `${url.hostname}:${url.port || 5432}`.replace(/\./g, '\\.')
  const noDb = new URL(url)
  noDb.pathname = '/shuoshi_no_such_database'
  oneLine(
    t,
    await startFails({ env: { DATABASE_URL: noDb.href } }),
    new RegExp(
      `^PostgreSQL at ${at} has no such database \\(3D000: database "shuoshi_no_such_database" does not exist\\): create it \\(createdb\\) or correct the database name in DATABASE_URL`,
    ),
  )
  const noRole = new URL(url)
  noRole.username = 'shuoshi_no_such_role'
  oneLine(
    t,
    await startFails({ env: { DATABASE_URL: noRole.href } }),
    new RegExp(`^PostgreSQL at ${at} refused the login \\(28000: role "shuoshi_no_such_role" does not exist\\): check the user and password in DATABASE_URL`),
  )
})

t.test('a SQLite file that is not a database: its code, DATABASE_URL', { skip: ownDatabase }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-notadb-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'notes.sqlite')
  fs.writeFileSync(file, 'not a database, '.repeat(100))
  const r = await startFails({ env: { DATABASE_URL: file } })
  oneLine(t, r, /^Cannot open the SQLite database .*notes\.sqlite \(SQLITE_NOTADB: file is not a database\): check DATABASE_URL/)
})

t.test('the port in use: EADDRINUSE, PORT', { skip: ownDatabase }, async (t) => {
  const holder = net.createServer()
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
  t.teardown(() => holder.close())
  const port = (holder.address() as net.AddressInfo).port
  // Listening comes after the database, whichever it is: in memory is the quickest to get there.
  const r = await startFails({ env: { ...bare, PORT: String(port) } })
  oneLine(t, r, new RegExp(`^Cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use \\(EADDRINUSE: .*\\); stop what holds it or set PORT`))
})

t.test('a HOST that does not resolve or is not this machine: ENOTFOUND, EADDRNOTAVAIL, HOST', { skip: ownDatabase }, async (t) => {
  const env = bare
  oneLine(
    t,
    await startFails({ env: { ...env, HOST: 'no-such-host.invalid' } }),
    /^Cannot listen on no-such-host\.invalid:0: the host name does not resolve \((ENOTFOUND|EAI_AGAIN): .*\); check HOST/,
  )
  // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never an address of this machine.
  oneLine(
    t,
    await startFails({ env: { ...env, HOST: '192.0.2.1' } }),
    /^Cannot listen on 192\.0\.2\.1:0: not an address of this machine \(EADDRNOTAVAIL: .*\); check HOST/,
  )
})

t.test('LOG_LEVEL=debug prints the full error after the line', { skip: ownDatabase }, async (t) => {
  const port = await freePort()
  const r = await startFails({ env: { DATABASE_URL: `postgres://shuoshi@127.0.0.1:${port}/shuoshi`, LOG_LEVEL: 'debug' } })
  t.equal(r.status, 1)
  t.match(r.lines[0], /^Cannot reach PostgreSQL at .*ECONNREFUSED.*Check DATABASE_URL$/, 'the line first, without the hint')
  t.match(r.stderr, /\n\s+at /, 'then the stack')
})
