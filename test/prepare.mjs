// What `npm test` checks before tap, run side by side: eslint, prettier's check, the server's and
// the UI's type checks are each one thread, and one after another they left a core idle for
// about a minute and a half of every CI run. Each one's output is printed whole when it ends;
// the exit code is the first failure's. Then test/compile.mjs writes the transpiled tree and the
// list of test files tap runs (node_modules/.cache/shuoshi-tests.txt).
import { spawn } from 'node:child_process'
import fs from 'node:fs'

const bin = (name) => `node_modules/.bin/${name}`
const cache = 'node_modules/.cache'
// eslint's allowed count of `any` warnings lives in package.json's lint:eslint (it may only go down).
const checks = [
  ['eslint', ['npm', 'run', '--silent', 'lint:eslint']],
  ['prettier', ['npm', 'run', '--silent', 'lint:format']],
  ['tsc', [bin('tsc'), '-p', 'tsconfig.json', '--noEmit', '--incremental', '--tsBuildInfoFile', `${cache}/shuoshi-tsc.tsbuildinfo`]],
  ['tsc ui', [bin('tsc'), '-p', 'ui/tsconfig.json', '--noEmit', '--incremental', '--tsBuildInfoFile', `${cache}/shuoshi-tsc-ui.tsbuildinfo`]],
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

const codes = await Promise.all(checks.map(([label, argv]) => run(label, argv)))
const failed = codes.find((c) => c !== 0)
if (failed !== undefined) process.exit(failed)
fs.mkdirSync(cache, { recursive: true })
process.exit(await run('transpile', ['sh', '-c', `node test/compile.mjs > ${cache}/shuoshi-tests.txt`]))
