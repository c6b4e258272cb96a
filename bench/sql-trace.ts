/**
 * Prints every SQL statement of one intake and one sign-for completion of the ordinary
 * procedure (the two steps bench/http.ts loads), in order, through app.inject.
 *
 *   node --import tsx bench/sql-trace.ts
 */
import { buildBenchApp, stepClient } from './lib.js'
import { completeBody, intakeBody } from './http.js'

const bench = await buildBenchApp({ processes: true })
const { app } = bench
const { dispatcher, admin, post } = await stepClient(app)
const ids: string[] = []
for (let i = 0; i < Number(process.env.N ?? 40); i++) ids.push((await post('/api/cases', dispatcher, intakeBody)).json().activeTasks[0].id)
let log: string[] = []
const t0 = new Map<string, number>()
const at = new Map<string, number>()
app.db.on('query', (q: any) => {
  at.set(q.__knexQueryUid, log.length)
  log.push(String(q.sql).slice(0, 200))
  t0.set(q.__knexQueryUid, performance.now())
})
app.db.on('query-response', (_r: unknown, q: any) => {
  const i = at.get(q.__knexQueryUid)
  if (i != null) log[i] = `${(performance.now() - t0.get(q.__knexQueryUid)!).toFixed(2).padStart(6)} ms  ${log[i]}`
})
const r1 = await post('/api/cases', dispatcher, intakeBody)
console.log(`--- intake ${r1.statusCode}: ${log.length} statements`)
for (const s of log) console.log('  ' + s)
log = []
const r2 = await post(`/api/tasks/${ids[0]}/complete`, admin, completeBody)
console.log(`--- completion ${r2.statusCode}: ${log.length} statements`)
for (const s of log) console.log('  ' + s)
await bench.close()
