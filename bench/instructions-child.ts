/**
 * The measured process of bench/instructions.ts, run under callgrind with its instrumentation off
 * until the parent turns it on. It builds the bench app of the tree it runs in (its working
 * directory, so a baseline tree is measured with its own code and node_modules), warms up, then
 * runs its phases, each between a line it prints and one it reads:
 *
 *   ready    → (parent: instrumentation on)   N intakes                  → intake   (parent: dump)
 *   settled  → (parent: zero the counts)     N sign-for completions of them → complete (parent: dump)
 *   → exit
 */
import path from 'node:path'
import readline from 'node:readline'
import { pathToFileURL } from 'node:url'

const W = Number(process.env.BENCH_INSTR_W ?? 150)
const N = Number(process.env.BENCH_INSTR_N ?? 30)
const tree = process.cwd()
const lib = await import(pathToFileURL(path.join(tree, 'bench/lib.ts')).href)
const http = await import(pathToFileURL(path.join(tree, 'bench/http.ts')).href)

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const handshake = async (said: string) => {
  process.stdout.write(said + '\n')
  await lines.next()
}

const bench = await lib.buildBenchApp({ processes: true })
const { dispatcher, admin, post } = await lib.stepClient(bench.app)
const intake = async () => {
  const r = await post('/api/cases', dispatcher, http.intakeBody)
  if (r.statusCode !== 201) throw new Error(`intake: ${r.statusCode} ${r.body}`)
  return r.json().activeTasks[0].id as string
}
const complete = async (taskId: string) => {
  const r = await post(`/api/tasks/${taskId}/complete`, admin, http.completeBody)
  if (r.statusCode !== 200) throw new Error(`complete: ${r.statusCode} ${r.body}`)
}

// Warm-up as the measured phases run: intakes, then completions of cases made earlier (their
// engines no longer parked), so both are compiled by V8 before anything is counted.
const warm: string[] = []
for (let i = 0; i < W; i++) warm.push(await intake())
for (const id of warm) await complete(id)

// Each phase starts from the same state on both sides: an empty WAL (a checkpoint of SQLite's
// 10,000 pages falling inside one phase and not the other's would move its count by 2–4 %) and a
// collected heap.
const settle = async () => {
  await bench.app.db.raw('PRAGMA wal_checkpoint(TRUNCATE)')
  ;(globalThis as { gc?: () => void }).gc?.()
}
await settle()
await handshake('ready')
const tasks: string[] = []
for (let i = 0; i < N; i++) tasks.push(await intake())
await handshake('intake')
await settle()
await handshake('settled')
for (const id of tasks) await complete(id)
await handshake('complete')
await bench.close()
process.exit(0)
