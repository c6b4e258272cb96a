// Reads a tap run's output on stdin and writes test/durations.json (or the file named as the
// argument): each test file's wall time in seconds (tap's `ok N - .build/test/x.test.js # time=…ms`
// lines), which test/compile.mjs uses to start the longest files first. Refresh it after a full
// `npm test` when files were added or have grown:  npm test 2>&1 | tee /tmp/t.log; node
// test/durations.mjs < /tmp/t.log; and from a PostgreSQL run (TEST_DATABASE_URL=postgres://…):
// node test/durations.mjs test/durations.postgres.json < /tmp/t-pg.log
import fs from 'node:fs'

let input = ''
for await (const chunk of process.stdin) input += chunk
const out = {}
for (const m of input.matchAll(/^(?:not )?ok \d+ - (?:\.build\/)?(test\/\S+\.test)\.[jt]s # time=([\d.]+)ms/gm)) {
  out[`${m[1]}.ts`] = Math.round(Number(m[2]) / 100) / 10
}
if (!Object.keys(out).length) throw new Error('no "ok N - test/… # time=…ms" lines on stdin')
const sorted = Object.fromEntries(Object.entries(out).sort(([, a], [, b]) => b - a))
const file = process.argv[2] ?? 'test/durations.json'
fs.writeFileSync(file, JSON.stringify(sorted, null, 2) + '\n')
process.stdout.write(`${file}: ${Object.keys(sorted).length} files\n`)
