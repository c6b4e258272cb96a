/**
 * UI benchmark: the task list page in real Chromium over a database holding 10,000 open tasks.
 * Measures navigation start → first task rows painted (the rows are in the DOM and a frame has
 * been rendered), cold (first load, empty cache) and warm (repeat navigations), for the
 * default tab ("mine", sorted by due date) and the group tab.
 *
 *   node --import tsx bench/ui-tasklist.ts [--tasks=10000] [--runs=7]
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { openDb } from '../src/lib/db.js'
import { browserUnavailable, buildUiOnce, chromiumVersion, openBrowser, uiLogin } from '../test/ui/browser.js'

const arg = (name: string, def: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def)
const TASKS = arg('tasks', 10_000)
const RUNS = arg('runs', 7)

async function seedTasks(app: FastifyInstance, n: number) {
  // Half assigned to grid01, half offered to grid01's grid; due dates spread over ±10 days.
  const now = Date.now()
  const rows = []
  const cands = []
  for (let i = 0; i < n; i++) {
    const id = randomUUID()
    const mine = i % 2 === 0
    rows.push({
      id,
      instance_id: randomUUID(),
      case_id: null,
      process_key: 'ordinary',
      tenant: 'xianghe',
      element_id: i % 3 === 0 ? 'ut_handle' : 'ut_signfor',
      execution_id: randomUUID(),
      name: i % 3 === 0 ? '办理 / Handle' : '签收 / Sign for',
      assignee: mine ? 'grid01' : null,
      candidate_users: '[]',
      candidate_groups: JSON.stringify(['unit:xh-anping-v01-g1']),
      due_at: new Date(now + ((i * 7919) % (20 * 86_400_000)) - 10 * 86_400_000).toISOString(),
      priority: 50,
      form_key: 'shuoshi:sign_for',
      status: 'open',
      created_at: new Date(now - i * 60_000).toISOString(),
      claimed_at: mine ? new Date(now).toISOString() : null,
    })
    cands.push({ task_id: id, kind: 'group', value: 'unit:xh-anping-v01-g1' })
  }
  for (let i = 0; i < rows.length; i += 500) {
    await app.db.batchInsert('tasks', rows.slice(i, i + 500), 500)
    await app.db.batchInsert('task_candidates', cands.slice(i, i + 500), 500)
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] }
}

async function main() {
  const why = browserUnavailable()
  if (why) throw new Error(why)
  await buildUiOnce()
  const db = await openDb(':memory:')
  const app = await buildApp({ config: { ...loadConfig({ NODE_ENV: 'test' }), demo: true, logLevel: 'silent', serveUi: true }, db, background: false })
  await app.ready()
  const t0 = Date.now()
  await seedTasks(app, TASKS)
  const open = await app.db('tasks').where({ status: 'open' }).count({ n: '*' }).first()
  console.log(`seeded ${TASKS} tasks in ${Date.now() - t0} ms (open tasks in the database: ${open?.n})`)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const s = await openBrowser(app)
  const { page, base } = s
  try {
    // In the page: the first frame after task rows enter the DOM (rAF, then the task after the
    // frame), in ms since navigation start. Recorded by the page itself, not by polling.
    await page.context().addInitScript(() => {
      const w = window as any
      new MutationObserver((_m, obs) => {
        if (w.__rowsPaintedAt || !document.querySelector('[data-testid=task-row]')) return
        obs.disconnect()
        requestAnimationFrame(() => setTimeout(() => (w.__rowsPaintedAt = performance.now()), 0))
      }).observe(document, { childList: true, subtree: true })
    })
    await uiLogin(page, base, 'grid01')
    const measure = async (url: string) => {
      await page.goto('about:blank')
      const started = Date.now()
      await page.goto(url, { waitUntil: 'commit' })
      await page.waitForFunction(() => (window as any).__rowsPaintedAt)
      const paintedAt = await page.evaluate(() => (window as any).__rowsPaintedAt as number)
      const wall = Date.now() - started
      const rows = await page.locator('[data-testid=task-row]').count()
      // Let the tab counts that follow the rows finish, so runs do not queue behind each other.
      await page.waitForLoadState('networkidle')
      return { nav: paintedAt, wall, rows }
    }
    const results: Record<string, { nav: number[]; wall: number[]; rows: number }> = {}
    for (const [label, url] of [
      ['mine (default, by due date)', `${base}/tasks`],
      ['my groups (to claim)', `${base}/tasks?tab=group`],
    ] as const) {
      const r = { nav: [] as number[], wall: [] as number[], rows: 0 }
      for (let i = 0; i < RUNS; i++) {
        const m = await measure(url)
        r.nav.push(m.nav)
        r.wall.push(m.wall)
        r.rows = m.rows
      }
      results[label] = r
    }
    // API alone, for comparison: the list query and the four tab counts.
    const token = (await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'grid01', password: 'demo' } })).json().token
    const apiTimes: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const a = performance.now()
      await app.inject({ method: 'GET', url: '/api/tasks?assigned=me&sort=due&limit=50', headers: { authorization: `Bearer ${token}` } })
      apiTimes.push(performance.now() - a)
    }
    console.log(`\nTask list page, ${TASKS} open tasks, ${chromiumVersion()}, ${RUNS} runs each (first run is cold):`)
    for (const [label, r] of Object.entries(results)) {
      const nav = stats(r.nav)
      console.log(
        `  ${label}: navigation → first ${r.rows} rows painted: median ${nav.median.toFixed(0)} ms (min ${nav.min.toFixed(0)}, max ${nav.max.toFixed(0)}; cold ${r.nav[0].toFixed(0)} ms); wall clock median ${stats(r.wall).median} ms`,
      )
    }
    console.log(`  GET /api/tasks?assigned=me&sort=due&limit=50 alone (inject): median ${stats(apiTimes).median.toFixed(1)} ms`)
    if (process.argv.includes('--breakdown')) {
      const entries = await page.evaluate(() => [
        ...performance.getEntriesByType('navigation').map((e: any) => ({ name: 'document', start: 0, end: e.responseEnd, dcl: e.domContentLoadedEventEnd })),
        ...performance.getEntriesByType('resource').map((e: any) => ({ name: e.name.replace(location.origin, ''), start: e.startTime, end: e.responseEnd })),
        ...performance.getEntriesByType('paint').map((e: any) => ({ name: e.name, start: e.startTime, end: e.startTime })),
      ])
      for (const e of entries) console.log(`    ${e.name.padEnd(60)} ${e.start.toFixed(0).padStart(5)} → ${e.end.toFixed(0).padStart(5)} ms`)
    }
    if (s.errors.length) console.log('console errors:', s.errors)
  } finally {
    await s.close()
    await app.close()
  }
}

await main()
