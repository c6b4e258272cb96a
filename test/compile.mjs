// `npm test` runs the suite on JavaScript transpiled ahead of time into .build/ (same layout as
// the sources) instead of through tsx's loader. Each test file is a process of its own, and with
// tsx every module a process loads goes through its off-thread loader hook: importing tap and the
// app cost about 1.4 s more CPU per process that way (README, "Tests"). esbuild is the transform
// tsx itself uses, so the code that runs is the same; the type check stays `tsc` in `npm test`.
// Prints the test files to run (one per line), each a .build/ twin of a test/**/*.test.ts.
// `npx tap test/x/y.test.ts` still runs a source file directly through tsx (the tap config).
import { build } from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'

const OUT = '.build'
// ui/src/lib: the browser's pure helpers that a test imports (candidate-groups.ts), transpiled like the rest.
const ROOTS = ['src', 'migrations', 'test', 'bench', 'ui/src/lib']

function walk(dir) {
  const out = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...walk(full))
    else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(full)
  }
  return out
}

const entryPoints = ROOTS.filter((d) => fs.existsSync(d)).flatMap(walk)
// Built afresh each run (about a second): a removed source leaves no stale module behind.
fs.rmSync(OUT, { recursive: true, force: true })
await build({
  entryPoints,
  outdir: OUT,
  outbase: '.',
  format: 'esm',
  platform: 'node',
  target: `node${process.versions.node}`,
  sourcemap: 'linked',
  logLevel: 'warning',
})
// The longest files first (tap keeps this order with TAP_ORDER=given, a patch): tap runs three
// files at a time, and in name order the browser tests and the Open311 replay started near the end
// while the other jobs had run out of files. test/durations.json holds each file's seconds from a
// run (`node test/durations.mjs < tap-output.log` rewrites it; test/durations.postgres.json the
// same from a PostgreSQL run); a file it does not know yet goes first, as it might be long.
// Per database: on PostgreSQL the order differs (the demo history, the multi-node and restart
// tests are longer there, and some files skip most of their work on one database or the other),
// and by SQLite's figures the PostgreSQL half ended with its two longest files still running.
const onPostgres = /^postgres(ql)?:/.test(process.env.TEST_DATABASE_URL ?? '')
const durations = onPostgres ? 'test/durations.postgres.json' : 'test/durations.json'
const seconds = fs.existsSync(durations) ? JSON.parse(fs.readFileSync(durations, 'utf8')) : {}
const cost = (f) => seconds[f.split(path.sep).join('/')] ?? Infinity
// A file whose assertions cannot depend on the database (a header, a catalogue, a deploy-time
// refusal) says so in a line of its own, `// @sqlite-only: <why>`, and is not run a second time on
// PostgreSQL: CI runs the suite once per database within twenty minutes on two cores, and such a
// file on PostgreSQL only cloned a schema it never read. Its reason is printed with it.
const SQLITE_ONLY = /^\/\/ @sqlite-only: (.+)$/m
// Browser tests skip themselves on PostgreSQL (browser-test.ts) unless asked for there: such a
// file is left out of that half rather than started to skip (some 45 processes, ~1 min of CPU).
const BROWSER = /\bbrowserTest\(/
const browserHere = !onPostgres || !!process.env.BROWSER_TESTS_ON_POSTGRES
const skipped = []
let browserLeft = 0
const tests = entryPoints
  .filter((f) => f.startsWith('test' + path.sep) && f.endsWith('.test.ts'))
  .filter((f) => {
    const text = onPostgres ? fs.readFileSync(f, 'utf8') : ''
    if (!browserHere && BROWSER.test(text)) {
      browserLeft++
      return false
    }
    const why = onPostgres && SQLITE_ONLY.exec(text)?.[1]
    if (why) skipped.push(`  ${f.split(path.sep).join('/')}: ${why}`)
    return !why
  })
  .sort()
  .sort((a, b) => cost(b) - cost(a))
if (skipped.length) process.stderr.write(`on PostgreSQL, ${skipped.length} files not run again (// @sqlite-only):\n${skipped.join('\n')}\n`)
if (browserLeft)
  process.stderr.write(`on PostgreSQL, ${browserLeft} browser test files not run (they run on SQLite; BROWSER_TESTS_ON_POSTGRES=1 runs them here too)\n`)
process.stdout.write(tests.map((f) => path.join(OUT, f.replace(/\.ts$/, '.js'))).join('\n') + '\n')
