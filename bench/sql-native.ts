/**
 * Native SQLite time per statement text: better-sqlite3's all / run / get timed around the
 * native call, so knex's own cost is left out. Runs M intakes (the township filled first with M
 * more, as bench/http.ts fills it) and M sign-for completions of the ordinary procedure through
 * app.inject, and prints the statements by time spent, COMMIT split by the step it ends.
 *
 *   M=200 node --import tsx bench/sql-native.ts
 *   PRAGMA='wal_autocheckpoint=0' node --import tsx bench/sql-native.ts   (pragmas run first)
 *   CLOCK=cpu M=300 node --import tsx bench/sql-native.ts   (CPU time, steadier on a busy machine)
 *
 * Where bench/sql-trace.ts answers "which statements does a step run", this answers "which of
 * them cost": a point read and a 500-row neighbour read both count as one statement there.
 */
import { buildBenchApp, stepClient, timeNativeSql } from './lib.js'
import { completeBody, intakeBody } from './http.js'

interface Timed {
  n: number
  us: number
}

let phase = ''
// CLOCK=cpu: the process's CPU time (getrusage, all threads; the statement runs on the main
// thread and the others are idle meanwhile) instead of the wall clock, which a busy machine
// inflates with the time the process waited for a core.
const CPU = process.env.CLOCK === 'cpu'
const clock = (): number => {
  if (!CPU) return Number(process.hrtime.bigint()) / 1000
  const u = process.cpuUsage()
  return u.user + u.system
}
const spent = new Map<string, Timed>()

// Before the app opens its connection (see timeNativeSql).
timeNativeSql(
  (sql, us) => {
    const key = sql === 'COMMIT;' ? `COMMIT after ${phase}` : sql
    const entry = spent.get(key) ?? { n: 0, us: 0 }
    entry.n++
    entry.us += us
    spent.set(key, entry)
  },
  { clock },
)

const bench = await buildBenchApp({ processes: true })
const { app } = bench
for (const pragma of (process.env.PRAGMA ?? '').split(';').filter(Boolean)) console.log(pragma, await app.db.raw('PRAGMA ' + pragma))
const { dispatcher, admin, post } = await stepClient(app)

const M = Number(process.env.M ?? 200)
const taskIds: string[] = []
for (let i = 0; i < M; i++) taskIds.push((await post('/api/cases', dispatcher, intakeBody)).json().activeTasks[0].id)
spent.clear()
phase = 'intake'
for (let i = 0; i < M; i++) await post('/api/cases', dispatcher, intakeBody)
phase = 'completion'
for (let i = 0; i < M; i++) await post(`/api/tasks/${taskIds[i]}/complete`, admin, completeBody)

const rows = [...spent].sort((a, b) => b[1].us - a[1].us)
const total = rows.reduce((sum, [, e]) => sum + e.us, 0)
console.log(`native SQLite ${CPU ? 'CPU' : 'wall'} time: ${(total / M / 1000).toFixed(2)} ms per intake + completion (M=${M})`)
for (const [sql, e] of rows.slice(0, Number(process.env.TOP ?? 25))) {
  console.log(`${(e.us / M).toFixed(0).padStart(6)} µs/pair ${String(e.n / M).padStart(4)}× ${(e.us / e.n).toFixed(0).padStart(5)} µs  ${sql.slice(0, 150)}`)
}
await bench.close()
