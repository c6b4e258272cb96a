// What `npm test` checks before tap, run side by side: eslint, prettier's check, the server's and
// the UI's type checks are each one thread, and one after another they left a core idle for
// about a minute and a half of every CI run. Each one's output is printed whole when it ends;
// the exit code is the first failure's. Then test/compile.mjs writes the transpiled tree and the
// list of test files tap runs (node_modules/.cache/shuoshi-tests.txt).
//
//   node test/prepare.mjs                 every check, then the transpile (npm test)
//   node test/prepare.mjs tsc tsc-ui      only the named checks, side by side (npm run typecheck, lint)
import { spawn } from 'node:child_process'
import fs from 'node:fs'

const bin = (name) => `node_modules/.bin/${name}`
const cache = 'node_modules/.cache'
// eslint's allowed count of `any` warnings lives in package.json's lint:eslint (0: none is allowed).
// tsc checks tests and benchmarks too (tsconfig.check.json): tap and tsx only transpile them.
const checks = [
  ['eslint', ['npm', 'run', '--silent', 'lint:eslint']],
  ['prettier', ['npm', 'run', '--silent', 'lint:format']],
  ['tsc', [bin('tsc'), '-p', 'tsconfig.check.json', '--noEmit', '--incremental', '--tsBuildInfoFile', `${cache}/shuoshi-tsc.tsbuildinfo`]],
  ['tsc-ui', [bin('tsc'), '-p', 'ui/tsconfig.json', '--noEmit', '--incremental', '--tsBuildInfoFile', `${cache}/shuoshi-tsc-ui.tsbuildinfo`]],
]

function run(label, [cmd, ...args]) {
  return new Promise((resolve) => {
    const started = Date.now()
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('close', (code) => {
      process.stdout.write(`--- ${label}: ${code === 0 ? 'ok' : `failed (${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n${out}`)
      resolve(code ?? 1)
    })
  })
}

const only = process.argv.slice(2)
for (const name of only) if (!checks.some(([label]) => label === name)) throw new Error(`unknown check ${name}`)
const selected = only.length ? checks.filter(([label]) => only.includes(label)) : checks

// The checks read only the sources, never a database: CI runs `npm test` once per database and
// sets SHUOSHI_STATIC_CHECKS=0 for the second run, whose checks would repeat the first's exactly
// (about 50 s of both cores).
if (process.env.SHUOSHI_STATIC_CHECKS === '0' && !only.length) {
  process.stdout.write('--- eslint, prettier, tsc: not run (SHUOSHI_STATIC_CHECKS=0: they ran on this tree already)\n')
} else {
  const codes = await Promise.all(selected.map(([label, argv]) => run(label, argv)))
  const failed = codes.find((c) => c !== 0)
  if (failed !== undefined) process.exit(failed)
}
if (only.length) process.exit(0)
fs.mkdirSync(cache, { recursive: true })
process.exit(await run('transpile', ['sh', '-c', `node test/compile.mjs > ${cache}/shuoshi-tests.txt`]))
