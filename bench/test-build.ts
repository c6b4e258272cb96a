/**
 * Time of one test's `build()` (test/helper.ts): a fresh database that the app migrates and
 * seeds and where it deploys the shipped diagrams (the suite's way before the template), against
 * a copy of the migrated, seeded template (test/template.ts). Prints the load it ran under.
 *   node --import tsx bench/test-build.ts            (SQLite in memory)
 *   TEST_DATABASE_URL=postgres://… node --import tsx bench/test-build.ts
 */
import os from 'node:os'
import type { Test } from 'tap'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { build, openTestDb } from '../test/helper.js'
import { templateSpec } from '../test/template.js'

const N = Number(process.env.BENCH_BUILDS ?? 10)
const config: Config = { ...loadConfig({ NODE_ENV: 'test' }), demo: true, logLevel: 'silent', serveUi: false }

/** Just enough of a tap Test for the helpers: teardowns, run when the build is measured. */
function fakeTest() {
  const teardowns: Array<() => unknown> = []
  const t = { teardown: (fn: () => unknown) => teardowns.push(fn) } as unknown as Test
  return {
    t,
    end: async () => {
      for (const fn of teardowns) await fn()
    },
  }
}

async function time(label: string, once: (t: Test) => Promise<unknown>) {
  const ms: number[] = []
  const cpu: number[] = []
  for (let i = 0; i < N; i++) {
    const { t, end } = fakeTest()
    const started = performance.now()
    const cpu0 = process.cpuUsage()
    await once(t)
    const used = process.cpuUsage(cpu0)
    ms.push(performance.now() - started)
    cpu.push((used.user + used.system) / 1000)
    await end()
  }
  // CPU time (all threads of this process) is the figure a loaded machine distorts least.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1].toFixed(0)
  const mean = (xs: number[]) => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(0)
  console.log(`${label}: n=${N} CPU median ${median(cpu)} ms (mean ${mean(cpu)}); wall median ${median(ms)} ms (mean ${mean(ms)})`)
}

console.log(
  `database: ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite :memory:'}; load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
// The template is made (or read) once, outside the timing: a test run pays that once per run.
await build(fakeTest().t)
await time('fresh database (migrate, seed, deploy)', async (t) => {
  const { db } = await openTestDb(t)
  const app = await buildApp({ config, db, background: false })
  await app.ready()
  t.teardown(() => app.close())
})
await time('copy of the template', (t) => build(t))
console.log(
  `template spec: ${JSON.stringify(templateSpec(config))}; load after ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
process.exit(0)
