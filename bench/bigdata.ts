/**
 * Query latency at size: 1,000,000 cases (bench/generate.ts) in a SQLite file, or a
 * PostgreSQL schema with BENCH_BIG_DB=pg. Task-list and case-search requests as real users
 * make them, and the monthly rates for a month and a county; each through the full HTTP
 * stack in process (app.inject: routing, auth, validation, serialisation), p50/p99 over
 * BENCH_BIG_ITER requests each.
 *
 * The generated SQLite file is kept in the temp dir between runs (os.tmpdir()/shuoshi-bench-1m/,
 * migrated forward on open) because generating it takes minutes; BENCH_BIG_FRESH=1 remakes it.
 *
 *   node --import tsx bench/bigdata.ts       (BENCH_BIG_N=1000000, BENCH_BIG_ITER=100, BENCH_BIG_ONLY=regexp)
 *
 * BENCH_BIG_PLANS=1 (SQLite): also prints which indexes the queries' plans use at this size
 * (EXPLAIN QUERY PLAN of every distinct statement the requests ran), and the schema's indexes
 * none of them uses. Every index is written with each row its table gets, so one that no read
 * plans with at size costs every step a page and answers nothing.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { randomUUID } from 'node:crypto'
import knex from 'knex'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { openDb } from '../src/lib/db.js'
import { generateCases } from './generate.js'
import { pgUrl } from './cluster.js'
import { emit, fmt } from './lib.js'

const N = Number(process.env.BENCH_BIG_N ?? 1_000_000)
const ITER = Number(process.env.BENCH_BIG_ITER ?? 100)
const KIND = process.env.BENCH_BIG_DB === 'pg' ? 'pg' : 'sqlite'

/** Which of the schema's indexes the plans of `reads` use, and which none does (SQLite). */
async function printIndexUse(db: knex.Knex, reads: Map<string, unknown[]>) {
  const used = new Map<string, number>()
  for (const [sql, bindings] of reads) {
    const plan: { detail: string }[] = await db.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings as knex.Knex.RawBinding[])
    for (const { detail } of plan) for (const m of detail.matchAll(/USING (?:COVERING )?INDEX (\w+)/g)) used.set(m[1], (used.get(m[1]) ?? 0) + 1)
  }
  const all: { name: string; tbl_name: string }[] = await db.raw(
    `SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%' ORDER BY tbl_name, name`,
  )
  console.log(`  index use: ${reads.size} distinct reads; indexes their plans use (statements):`)
  for (const [name, n] of [...used].sort()) console.log(`    ${name} (${n})`)
  console.log('  indexes no plan of these requests uses (other code may; the engine reads by instance, the poller by due time):')
  for (const i of all.filter((x) => !used.has(x.name))) console.log(`    ${i.tbl_name}: ${i.name}`)
}

function pct(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

export interface QueryFigure {
  name: string
  user: string
  url: string
  target: number | null
  p50: number
  p99: number
  max: number
  total: number | null
  items: number
}

export async function run() {
  let file: string | null
  let schema: string | null = null
  let url: string
  if (KIND === 'pg') {
    schema = process.env.BENCH_BIG_SCHEMA ?? `bench_big_${randomUUID().slice(0, 8)}`
    url = pgUrl
  } else {
    const dir = path.join(os.tmpdir(), `shuoshi-bench-${N >= 1000 ? N / 1000 + 'k' : N}`)
    fs.mkdirSync(dir, { recursive: true })
    file = path.join(dir, 'bench.sqlite')
    if (process.env.BENCH_BIG_FRESH) for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f))
    url = file
  }
  const db = await openDb(url, { schema: schema ?? undefined })
  const config: Config = {
    ...loadConfig({ NODE_ENV: 'test' }),
    databaseUrl: url,
    databaseSchema: schema ?? undefined,
    demo: true,
    logLevel: 'silent',
    serveUi: false,
  }
  const app = await buildApp({ config, db, background: false })
  await app.ready()
  try {
    const gen = await generateCases(db, N, { log: (s) => console.log(s) })
    // Full statistics, as a long-running database has them (openDb's optimize is sampled).
    if (gen.cases > 0 || process.env.BENCH_BIG_ANALYZE) await db.raw('ANALYZE')
    const count = async (q: any) => Number((await q.count({ n: '*' }).first())?.n ?? 0)
    const sizes = {
      cases: await count(db('cases')),
      openCases: await count(db('cases').whereNot({ status: 'closed' })),
      tasks: await count(db('tasks')),
      openTasks: await count(db('tasks').where({ status: 'open' })),
    }
    const tokens = new Map<string, string>()
    const headersOf = async (u: string) => {
      if (!tokens.has(u)) {
        const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: u, password: 'demo' } })
        tokens.set(u, r.json().token)
      }
      return { authorization: `Bearer ${tokens.get(u)}` }
    }
    const someCaseNo = (await db('cases').where({ source: 'bench' }).orderBy('created_at', 'desc').offset(5000).first('case_no')).case_no
    const queries: { name: string; user: string; url: string; target: number | null }[] = [
      { name: 'task list: my unit (candidate)', user: 'anping-v01', url: '/api/tasks?assigned=candidate&limit=50', target: 20 },
      { name: 'task list: dispatcher, all I receive', user: 'dispatcher', url: '/api/tasks?limit=50', target: 20 },
      { name: 'task list: admin, all open, by due', user: 'admin', url: '/api/tasks?assigned=all&sort=due&limit=50', target: 20 },
      { name: 'task list: my unit, overdue', user: 'anping-v01', url: '/api/tasks?assigned=candidate&overdue=true&limit=50', target: 20 },
      { name: 'case search: newest (admin)', user: 'admin', url: '/api/cases?limit=50', target: 50 },
      { name: 'case search: county + status', user: 'dispatcher', url: '/api/cases?region=xianghe&status=in_progress&limit=50', target: 50 },
      {
        name: 'case search: township + month',
        user: 'dispatcher',
        url: '/api/cases?region=xh-anping&from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&limit=50',
        target: 50,
      },
      { name: 'case search: category subtree', user: 'dispatcher', url: '/api/cases?category=environment&limit=50', target: 50 },
      { name: 'case search: overdue', user: 'dispatcher', url: '/api/cases?overdue=true&limit=50', target: 50 },
      { name: 'case search: case number (q)', user: 'dispatcher', url: `/api/cases?q=${encodeURIComponent(someCaseNo)}&limit=50`, target: 50 },
      { name: 'case search: words, rare (q)', user: 'dispatcher', url: `/api/cases?q=${encodeURIComponent('generated 99999')}&limit=50`, target: 50 },
      { name: 'case search: words, common (q)', user: 'dispatcher', url: `/api/cases?q=${encodeURIComponent('噪音、积水')}&limit=50`, target: 50 },
      { name: 'case search: two characters (q)', user: 'dispatcher', url: `/api/cases?q=${encodeURIComponent('井盖')}&limit=50`, target: 50 },
      { name: 'case search: county user (scoped)', user: 'xianghe-admin', url: '/api/cases?limit=50', target: 50 },
      { name: 'case search: department officer (own)', user: 'env-officer', url: '/api/cases?limit=50', target: 50 },
      { name: 'rates: a month, a county', user: 'admin', url: '/api/metrics/rates?from=2026-03&to=2026-03&region=xianghe', target: 200 },
      {
        name: 'rates: a month, a county, by township',
        user: 'admin',
        url: '/api/metrics/rates?from=2026-03&to=2026-03&region=xianghe&groupBy=region',
        target: 200,
      },
      { name: 'rates: a year by month, city', user: 'admin', url: '/api/metrics/rates?from=2025-12&to=2026-11&groupBy=month', target: null },
      { name: 'dashboard overview: a month', user: 'admin', url: '/api/metrics/overview?month=2026-03', target: null },
      // The monthly bulletin (一月一通报) over the month's cases and its returns and supervisions.
      { name: 'bulletin: a month, a county', user: 'admin', url: '/api/bulletins/2026-03?region=xianghe', target: null },
      { name: 'bulletin: a month, city', user: 'admin', url: '/api/bulletins/2026-03', target: null },
    ]
    // BENCH_BIG_PLANS: every distinct read the requests run, with the bindings it first ran with.
    const reads = new Map<string, unknown[]>()
    if (process.env.BENCH_BIG_PLANS && KIND === 'sqlite')
      db.on('query', (q: { sql?: string; bindings?: unknown[] }) => {
        if (q.sql && /^\s*(select|with)\b/i.test(q.sql) && !reads.has(q.sql)) reads.set(q.sql, q.bindings ?? [])
      })
    const iter = (name: string) => (/year|dashboard|bulletin/.test(name) ? Math.max(5, Math.round(ITER / 10)) : ITER)
    const figures: QueryFigure[] = []
    // BENCH_BIG_ONLY: a regular expression; only the queries whose name matches run.
    const only = process.env.BENCH_BIG_ONLY ? new RegExp(process.env.BENCH_BIG_ONLY) : null
    for (const q of queries.filter((x) => !only || only.test(x.name))) {
      const headers = await headersOf(q.user)
      let last: any = null
      const w0 = performance.now()
      for (let i = 0; i < 3; i++) {
        const r = await app.inject({ method: 'GET', url: q.url, headers })
        if (r.statusCode !== 200) throw new Error(`${q.name}: ${r.statusCode} ${r.body.slice(0, 300)}`)
        last = r.json()
      }
      const times: number[] = []
      // Queries that take seconds (full scans) get 10 runs, so the suite ends in minutes.
      const runs = (performance.now() - w0) / 3 > 500 ? Math.min(10, iter(q.name)) : iter(q.name)
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now()
        await app.inject({ method: 'GET', url: q.url, headers })
        times.push(performance.now() - t0)
      }
      figures.push({
        ...q,
        p50: pct(times, 50),
        p99: pct(times, 99),
        max: Math.max(...times),
        total: typeof last?.total === 'number' ? last.total : (last?.overall?.received ?? null),
        items: Array.isArray(last?.items) ? last.items.length : Array.isArray(last?.groups) ? last.groups.length : 0,
      })
      const f = figures[figures.length - 1]
      console.log(`  ${f.name.padEnd(40)} p50 ${f.p50.toFixed(1).padStart(7)} ms  p99 ${f.p99.toFixed(1).padStart(7)} ms`)
    }
    if (reads.size) await printIndexUse(db, reads)
    return { kind: KIND, n: N, iter: ITER, generated: gen, sizes, figures }
  } finally {
    await app.close()
    await db.destroy().catch(() => undefined)
    if (schema && !process.env.BENCH_BIG_SCHEMA) {
      const admin = knex({ client: 'pg', connection: pgUrl, pool: { min: 0, max: 1 } })
      await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema])
      await admin.destroy()
    }
  }
}

export function print(r: Awaited<ReturnType<typeof run>>) {
  console.log(
    `size benchmark (${r.kind}) — ${fmt(r.sizes.cases)} cases (${fmt(r.sizes.openCases)} open), ${fmt(r.sizes.tasks)} task rows (${fmt(r.sizes.openTasks)} open); generated this run: ${fmt(r.generated.cases)} in ${r.generated.seconds.toFixed(0)} s`,
  )
  console.log('  query                                     p50 ms   p99 ms   max ms   target   total / groups')
  for (const f of r.figures) {
    const miss = f.target != null && f.p99 > f.target ? ' MISS' : ''
    console.log(
      `  ${f.name.padEnd(40)}  ${f.p50.toFixed(1).padStart(6)}  ${f.p99.toFixed(1).padStart(7)}  ${f.max.toFixed(1).padStart(7)}   ${f.target == null ? '   -' : ('<' + f.target).padStart(5)}${miss}   ${f.total ?? '-'} / ${f.items}`,
    )
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run()
  print(r)
  emit('bigdata', r)
}
