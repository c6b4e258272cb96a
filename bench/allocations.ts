/**
 * Bytes allocated per intake + sign-for completion of the ordinary procedure, by package and by
 * function: V8's sampling heap profiler (node:inspector) with the objects young and old
 * collections already freed counted too, so it shows what a step allocates, not what it keeps.
 * What allocates is what the garbage collector then spends its time on (10–13 % of a step's CPU).
 *
 *   node --import tsx bench/allocations.ts            (BENCH_ALLOC_N=300 pairs after 100 warm-up)
 *   BENCH_ALLOC_FILES=1 node --import tsx bench/allocations.ts   (a package's files apart)
 */
import { Session } from 'node:inspector/promises'
import { buildBenchApp, emit, fmt } from './lib.js'
import { bucket, ordinarySteps } from './profile.js'

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number }
  selfSize: number
  children: SamplingNode[]
}

const N = Number(process.env.BENCH_ALLOC_N ?? 300)
const FILES = process.env.BENCH_ALLOC_FILES === '1'

const bench = await buildBenchApp({ processes: true })
const steps = await ordinarySteps(bench.app)
for (let i = 0; i < 100; i++) await steps.once()
const session = new Session()
session.connect()
await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
for (let i = 0; i < N; i++) await steps.once()
const { profile } = await session.post('HeapProfiler.stopSampling')
session.disconnect()
await bench.close()

const byPlace = new Map<string, number>()
const byFunction = new Map<string, number>()
let total = 0
const walk = (n: SamplingNode) => {
  const f = n.callFrame
  const place = bucket(f.url, f.functionName, FILES)
  byPlace.set(place, (byPlace.get(place) ?? 0) + n.selfSize)
  const fn = `${f.functionName || '(anonymous)'} ${place}:${f.lineNumber + 1}`
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + n.selfSize)
  total += n.selfSize
  for (const c of n.children) walk(c)
}
walk(profile.head as SamplingNode)

const kb = (bytes: number) => `${fmt(bytes / N / 1024, 1).padStart(8)} KB`
console.log(`allocated per intake + completion: ${fmt(total / N / 1024)} KB (sampled, ${N} pairs)`)
for (const [k, v] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${kb(v)}  ${k}`)
console.log('by function:')
for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${kb(v)}  ${k}`)
emit('allocations', {
  n: N,
  kbPerPair: total / N / 1024,
  byPlace: Object.fromEntries([...byPlace].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / N / 1024])),
})
