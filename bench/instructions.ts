/**
 * Instructions per intake and per sign-for completion of the ordinary procedure, counted by
 * valgrind's callgrind, for this tree and a baseline tree side by side.
 *
 *   BENCH_BASE_DIR=/tmp/base node --import tsx bench/instructions.ts
 *   BENCH_INSTR_N=30 BENCH_INSTR_W=150 BENCH_BASE_DIR=… node --import tsx bench/instructions.ts
 *   BENCH_BASE_DIR=. BENCH_BASE_ENV='ENGINE_LAZY_ELEMENTS=0' …   (one tree, a setting on one side)
 *   BENCH_BASE_DIR=. BENCH_NODE_ARGS='--stack-size=2000' …   (Node flags on one side; BENCH_BASE_NODE_ARGS;
 *     not the collector's: --predictable-gc-schedule fixes its sizes, --max-semi-space-size=64 changed nothing)
 *   BENCH_INSTR_KEEP=/tmp/cg …   (keeps each phase's dump: callgrind_annotate --inclusive=yes FILE)
 *
 * Why: CPU time on this shared 2-core VM moves ±30 % between runs minutes apart, so a change of a
 * few per cent needed tens of alternated rounds of bench/http-overhead.ts on a quiet machine. An
 * instruction count is the same whatever else runs. It is not time: a cache miss costs no more
 * instructions than a hit, and native SQLite's share is counted like the rest, so it answers "did
 * this change do less work", and bench/http-overhead.ts stays the measure of CPU time.
 *
 * How: each tree runs bench/instructions-child.ts (in process, through app.inject, no HTTP server)
 * under callgrind with instrumentation off — valgrind then runs it at a few times its normal cost
 * — through start-up and warm-up; the parent turns it on for the measured phases
 * (`callgrind_control -i on`) and dumps the counts after each (`callgrind_control -d`). Node runs
 * with --single-threaded, so V8 compiles and collects garbage on the main thread and no helper
 * thread's timing changes what is counted; --predictable and --predictable-gc-schedule fix V8's
 * seeds and heap sizing. Both trees run at once, one per core. What stays uncertain (case ids are
 * random, so are b-tree splits): the same tree on both sides differs by up to ~1 % (intake).
 * Needs valgrind (Debian's package; on every machine of this kind).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { argsOf, emit, envOf, fmt } from './lib.js'
import { projectRoot } from '../src/lib/paths.js'

const N = Number(process.env.BENCH_INSTR_N ?? 30)
const W = Number(process.env.BENCH_INSTR_W ?? 150)
/** A folder to keep each phase's callgrind dump in (`callgrind_annotate --inclusive=yes <file>`). */
const KEEP = process.env.BENCH_INSTR_KEEP

interface Counts {
  intake: Phase
  complete: Phase
}

interface Phase {
  /** Every instruction of the phase. */
  all: number
  /** Inside V8's garbage collector (Heap::CollectGarbage, inclusive). */
  gc: number
  /**
   * Inside V8's optimizing compiler (Runtime_CompileOptimized*, inclusive): the functions that
   * turned hot during the phase, on the main thread under --single-threaded (on helper threads in
   * a server). Fewer as the warm-up grows, and not the code's own work, so kept apart like GC.
   */
  jit: number
}

/** One callgrind dump file's instructions, and those inside V8's collector and optimizing compiler. */
function phaseOf(file: string): Phase {
  const annotated = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 << 20 })
  let all = 0
  let gc = 0
  let jit = 0
  for (const l of annotated.split('\n')) {
    const n = () => Number(l.trim().split(/\s+/)[0].replace(/,/g, ''))
    if (l.includes('PROGRAM TOTALS')) all = n()
    else if (/v8::internal::Heap::CollectGarbage\(/.test(l)) gc = Math.max(gc, n())
    else if (/v8::internal::Runtime_CompileOptimized(OSR)?\(/.test(l)) jit += n()
  }
  if (!all) throw new Error(`no totals in ${file}`)
  return { all, gc, jit }
}

async function measure(label: string, tree: string, env: Record<string, string>, nodeArgs: string[]): Promise<Counts> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-instr-'))
  const child: ChildProcess = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      `--callgrind-out-file=${path.join(dir, 'cg.out')}`,
      process.execPath,
      '--single-threaded',
      '--predictable',
      '--predictable-gc-schedule',
      '--expose-gc',
      ...nodeArgs,
      '--import',
      'tsx',
      path.join(projectRoot(), 'bench/instructions-child.ts'),
    ],
    {
      cwd: tree,
      env: { ...process.env, LOG_LEVEL: 'warn', BENCH_INSTR_N: String(N), BENCH_INSTR_W: String(W), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const control = (...args: string[]) => execFileSync('callgrind_control', [...args, String(child.pid)], { stdio: 'ignore' })
  // callgrind numbers its dumps cg.out.1, cg.out.2, … in the order they are asked for.
  let dumped = 0
  const counts: Partial<Counts> = {}
  for await (const line of readline.createInterface({ input: child.stdout! })) {
    const said = line.trim()
    if (said === 'ready') control('-i', 'on')
    else if (said === 'settled') control('-z')
    else if (said === 'intake' || said === 'complete') {
      control('-d')
      const file = path.join(dir, `cg.out.${++dumped}`)
      if (KEEP) fs.copyFileSync(file, path.join(KEEP, `${label}-${said}.callgrind`))
      const t = phaseOf(file)
      counts[said] = { all: t.all / N, gc: t.gc / N, jit: t.jit / N }
    } else continue
    child.stdin!.write('go\n')
    if (said === 'complete') break
  }
  const code = await exited
  fs.rmSync(dir, { recursive: true, force: true })
  if (counts.intake === undefined || counts.complete === undefined) throw new Error(`${label}: exited ${code} before it was measured\n${stderr.slice(-2000)}`)
  return counts as Counts
}

async function main() {
  const baseDir = process.env.BENCH_BASE_DIR
  if (!baseDir) throw new Error('BENCH_BASE_DIR: the baseline tree (with its node_modules), or . for this one with BENCH_BASE_ENV / BENCH_ENV')
  const here = projectRoot()
  const t0 = Date.now()
  const [base, mine] = await Promise.all([
    measure('base', path.resolve(baseDir), envOf(process.env.BENCH_BASE_ENV), argsOf(process.env.BENCH_BASE_NODE_ARGS)),
    measure('this', here, envOf(process.env.BENCH_ENV), argsOf(process.env.BENCH_NODE_ARGS)),
  ])
  console.log(
    `instructions per step (callgrind, node --single-threaded --predictable; N=${N} after ${W} warm-up pairs; ${Math.round((Date.now() - t0) / 1000)} s)`,
  )
  const M = (n: number) => fmt(n / 1e6, 2)
  const pct = (a: number, b: number) => `${b >= a ? '+' : ''}${fmt(((b - a) / a) * 100, 1)} %`
  for (const k of ['intake', 'complete'] as const) {
    const [b, m] = [base[k], mine[k]]
    const work = (p: Phase) => p.all - p.gc - p.jit
    console.log(
      `  ${k.padEnd(8)} outside GC and compiler: base ${M(work(b))} M  this ${M(work(m))} M  ${pct(work(b), work(m))}` +
        `   GC ${M(b.gc)} → ${M(m.gc)} M   compiler ${M(b.jit)} → ${M(m.jit)} M   all ${M(b.all)} → ${M(m.all)} M`,
    )
  }
  emit('instructions', { n: N, w: W, base, this: mine })
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
