/**
 * The SQLite checkpoint policy (src/lib/db.ts, SQLITE_WAL_AUTOCHECKPOINT): a longer interval
 * between checkpoints made each step's commits cheaper (issue 13), so these check what it must
 * not cost: the WAL file stays bounded however many steps run, a step answered before a
 * kill -9 (its frames still only in the WAL, not yet checkpointed) is there after the restart,
 * and the server's own checkpoint loop (SQLITE_CHECKPOINT_MS, src/plugins/db.ts) brings steps
 * into the database file without waiting for the WAL to fill.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import t from 'tap'
import { garbageReport } from '../api.js'
import { onPostgres, serverDatabaseEnv } from '../helper.js'
import { api, sleep, startServer } from '../server-process.js'

// better-sqlite3 ships no type declarations; only a read-only open and one query are used here.
type ReadOnly = { prepare(sql: string): { all(...args: unknown[]): { id: string }[] }; close(): void }
const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string, opts: { readonly: boolean }) => ReadOnly

const intake = garbageReport

// A small interval so a few dozen steps cross it several times: an intake of the ordinary
// procedure writes ~80 WAL pages, so 30 intakes write ~2,400, where SQLite's default interval
// (1,000 pages) would let the file grow to ~4 MB.
const WAL_PAGES = 200
const PAGE = 4096 + 24

t.test(
  'the WAL stays within twice the checkpoint interval, and steps answered before a kill -9 survive it',
  { skip: onPostgres && 'SQLite only: PostgreSQL has no WAL file of ours' },
  async (t) => {
    const env = { ...serverDatabaseEnv(t, 'wal'), SQLITE_WAL_AUTOCHECKPOINT: String(WAL_PAGES) }
    const wal = `${env.DATABASE_URL}-wal`
    let node = await startServer({ name: 'wal', env })
    t.teardown(() => void node.child.kill('SIGKILL'))
    const login = async (username: string) => (await api(node.base, 'POST', '/api/auth/login', undefined, { username, password: 'demo' })).json.token as string
    let dispatcher = await login('dispatcher')

    const cases: { id: string; task: string }[] = []
    let largest = 0
    for (let i = 0; i < 30; i++) {
      const res = await api(node.base, 'POST', '/api/cases', dispatcher, { ...intake, title: `${intake.title} ${i}` })
      t.equal(res.status, 201, `intake ${i}`)
      cases.push({ id: res.json.id, task: res.json.activeTasks[0].id })
      largest = Math.max(largest, fs.statSync(wal).size)
    }
    t.ok(largest > 0, `the server writes through a WAL (largest ${largest} bytes)`)
    t.ok(largest <= 2 * WAL_PAGES * PAGE + 32, `the WAL stayed within twice the interval: largest ${largest} bytes, bound ${2 * WAL_PAGES * PAGE + 32}`)

    // Steps the WAL holds uncheckpointed when the process dies: a sign-for completed last.
    const admin = await login('admin')
    const done = await api(node.base, 'POST', `/api/tasks/${cases[0].task}/complete`, admin, { data: { signOutcome: 'accept', firstReply: '已联系' } })
    t.equal(done.status, 200, 'the sign-for completes')
    t.ok(fs.statSync(wal).size > 32, 'the WAL holds frames when the process is killed')

    node.child.kill('SIGKILL')
    await new Promise((r) => node.child.once('exit', r))
    node = await startServer({ name: 'wal-restarted', env })
    dispatcher = await login('dispatcher')
    for (const c of cases) {
      const got = await api(node.base, 'GET', `/api/cases/${c.id}`, dispatcher)
      if (got.status !== 200) t.fail(`case ${c.id} is gone after the restart: ${got.status}`)
    }
    t.pass(`all ${cases.length} cases answered before the kill are there after the restart`)
    const first = (await api(node.base, 'GET', `/api/cases/${cases[0].id}`, dispatcher)).json
    t.notOk(
      first.activeTasks.some((x: { id: string }) => x.id === cases[0].task),
      'the sign-for completed before the kill stays completed',
    )
    t.ok(first.activeTasks.length > 0, 'and its case waits at the next task')
    const last = (await api(node.base, 'GET', `/api/cases/${cases.at(-1)!.id}`, dispatcher)).json
    t.same(
      last.activeTasks.map((x: { id: string }) => x.id),
      [cases.at(-1)!.task],
      'the last intake before the kill still waits at its sign-for',
    )
  },
)

t.test(
  'the checkpoint loop copies answered steps into the database file without waiting for the WAL to fill',
  { skip: onPostgres && 'SQLite only: PostgreSQL has no WAL file of ours' },
  async (t) => {
    // An interval no test reaches: only the loop checkpoints.
    const env = { ...serverDatabaseEnv(t, 'wal-loop'), SQLITE_WAL_AUTOCHECKPOINT: '1000000', SQLITE_CHECKPOINT_MS: '200' }
    const node = await startServer({ name: 'wal-loop', env })
    t.teardown(() => void node.child.kill('SIGKILL'))
    const dispatcher = (await api(node.base, 'POST', '/api/auth/login', undefined, { username: 'dispatcher', password: 'demo' })).json.token
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const res = await api(node.base, 'POST', '/api/cases', dispatcher, { ...intake, title: `${intake.title} ${i}` })
      t.equal(res.status, 201, `intake ${i}`)
      ids.push(res.json.id)
    }
    // The database file alone, without its WAL, holds what has been checkpointed: a copy of it
    // opened on its own shows which of the cases made it. (A copy taken mid-checkpoint may be torn;
    // it is taken again.)
    const copy = `${env.DATABASE_URL}.copy`
    let found: string[] = []
    for (let i = 0; i < 100 && found.length < ids.length; i++) {
      await sleep(200)
      try {
        fs.copyFileSync(env.DATABASE_URL, copy)
        const db = new Database(copy, { readonly: true })
        try {
          found = db
            .prepare(`SELECT id FROM cases WHERE id IN (${ids.map(() => '?').join(',')})`)
            .all(...ids)
            .map((r) => r.id)
        } finally {
          db.close()
        }
      } catch {
        /* torn copy: the next round copies again */
      }
    }
    t.same(found.sort(), [...ids].sort(), 'the three cases are in the database file itself')
  },
)
