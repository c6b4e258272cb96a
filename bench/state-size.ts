/**
 * Bytes of the engine state each step saves (process_instances.state), the four procedures driven
 * from intake to closure as test/engine/procedures.ts drives them, on a SQLite file DB with no
 * parked engines (every step recovers). Side by side in one run: the state as saved
 * (persistence.ts compactState) and its full form (what the engine's getState returned, less the
 * source and the node's settings: what a step saved before compactState), with the time
 * JSON.stringify and JSON.parse take on each.
 *
 *   node --import tsx bench/state-size.ts
 */
import { performance } from 'node:perf_hooks'
import { drive, procedures, recordFullStates } from '../test/engine/procedures.js'
import { buildBenchApp, emit, fmt } from './lib.js'

const fullForm = recordFullStates().states

/** Microseconds per call of fn over `text`, the median of 5 rounds of 200. */
function usPer(fn: () => unknown): number {
  const rounds: number[] = []
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now()
    for (let i = 0; i < 200; i++) fn()
    rounds.push(((performance.now() - t0) * 1000) / 200)
  }
  return rounds.sort((a, b) => a - b)[2]
}

const bench = await buildBenchApp({ processes: true, config: { engineCacheSize: 0 } })
const rows: { procedure: string; step: number; key: string; saved: number; full: number; savedText: string; fullText: string }[] = []
let current = ''
let stepNo = 0
bench.app.engine.onStep((e) => {
  if (!e.instance.state) return
  const full = fullForm.get(e.instance.id)!
  rows.push({
    procedure: current,
    step: stepNo,
    key: e.instance.key,
    saved: Buffer.byteLength(e.instance.state),
    full: Buffer.byteLength(full),
    savedText: e.instance.state,
    fullText: full,
  })
})
for (const [name, proc] of Object.entries(procedures)) {
  current = name
  stepNo = 0
  const acts = proc.acts.map((act) => async (...args: Parameters<typeof act>) => {
    stepNo++
    return act(...args)
  })
  await drive({ ...proc, acts }, async () => bench.app)
}
await bench.close()

console.log('bytes per saved engine state (process_instances.state), full form -> as saved')
console.log('procedure     states  mean full  mean saved    change   max full  max saved')
const summary: Record<string, unknown> = {}
for (const name of Object.keys(procedures)) {
  const rs = rows.filter((r) => r.procedure === name)
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  const mf = mean(rs.map((r) => r.full))
  const ms = mean(rs.map((r) => r.saved))
  const change = ((ms - mf) / mf) * 100
  summary[name] = { states: rs.length, meanFull: Math.round(mf), meanSaved: Math.round(ms), changePct: Math.round(change) }
  console.log(
    `${name.padEnd(13)} ${String(rs.length).padStart(6)} ${fmt(mf).padStart(10)} ${fmt(ms).padStart(11)} ${`${fmt(change)} %`.padStart(9)} ${fmt(Math.max(...rs.map((r) => r.full))).padStart(10)} ${fmt(Math.max(...rs.map((r) => r.saved))).padStart(10)}`,
  )
}
// The ordinary procedure's first states: intake (waiting at sign-for) and after sign-for (handling).
const ordinary = rows.filter((r) => r.procedure === 'ordinary' && r.key === 'ordinary')
for (const [label, r] of [
  ['intake (waiting at ut_signfor)', ordinary[0]],
  ['after sign-for (waiting at ut_handle)', ordinary.find((x) => x.step === 2)],
] as const) {
  if (!r) continue
  const parse = [usPer(() => JSON.parse(r.fullText)), usPer(() => JSON.parse(r.savedText))]
  const obj = [JSON.parse(r.fullText), JSON.parse(r.savedText)]
  const stringify = [usPer(() => JSON.stringify(obj[0])), usPer(() => JSON.stringify(obj[1]))]
  console.log(
    `ordinary, ${label}: ${fmt(r.full)} -> ${fmt(r.saved)} bytes; JSON.parse ${fmt(parse[0], 1)} -> ${fmt(parse[1], 1)} us, JSON.stringify ${fmt(stringify[0], 1)} -> ${fmt(stringify[1], 1)} us`,
  )
  summary[`ordinary ${label}`] = { full: r.full, saved: r.saved, parseUs: parse, stringifyUs: stringify }
}
emit('state-size', summary)
