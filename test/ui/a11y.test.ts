/**
 * Accessibility of every page (issue 12, "Must show"): axe-core in Chromium on each route of the
 * UI's route table, in Chinese and in English, and the citizen's pages at phone size too. Fails on
 * any `serious` or `critical` violation and prints the rest; saves a screenshot of every page in
 * both languages (test-output/screenshots/a11y-*.png).
 *
 * The pages are read from the route table, not a hand list: every `route('/pattern', page, …)`
 * call under ui/src (where the router's table is filled) is visited, so a page another branch
 * adds is covered without touching this file, unless it needs an id this file cannot make (the
 * test then fails naming the pattern) or a role it cannot guess (it is visited as `admin`, who
 * passes every role check).
 *
 * One browser, one app, pages in sequence.
 */
import fs from 'node:fs'
import path from 'node:path'
import axe from 'axe-core'
import tap from 'tap'
import type { Page } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import { projectRoot } from '../../src/lib/paths.js'
import { browserTest } from './browser-test.js'
import { call, caseByNo, petition } from '../api.js'

interface RouteEntry {
  pattern: string
  public: boolean
}

/** The route table as ui/src fills it: every `route('…', page[, { public: true }])` call. */
export function routeTable(): RouteEntry[] {
  const dir = path.join(projectRoot(), 'ui', 'src')
  const out: RouteEntry[] = []
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.ts') && !p.endsWith(path.join('lib', 'router.ts'))) {
        const src = fs.readFileSync(p, 'utf8')
        for (const m of src.matchAll(/^\s*route\(\s*'([^']+)'\s*,([^\n]*)\)\s*$/gm)) out.push({ pattern: m[1], public: /public:\s*true/.test(m[2]) })
      }
    }
  }
  walk(dir)
  return out
}

/** Who looks at a page: the role whose work it is (admin, who passes every role check, otherwise). */
function viewerOf(r: RouteEntry, taskUser: string): string | null {
  if (r.public) return null
  if (r.pattern.startsWith('/tasks')) return taskUser
  if (r.pattern.startsWith('/cases') || r.pattern === '/intake') return 'dispatcher'
  if (r.pattern === '/dashboard' || r.pattern === '/bulletin') return 'leader'
  return 'admin'
}

const PHONE = { width: 390, height: 844 }
const DESKTOP = { width: 1280, height: 860 }

const tokens = new Map<string, { token: string; user: unknown }>()
/** Signs in by putting a session where the app keeps it (the login form has its own tests); the app reads it on every render. */
async function signInAs(app: FastifyInstance, page: Page, username: string | null) {
  if (!username) return page.evaluate(() => (localStorage.removeItem('shuoshi.token'), localStorage.removeItem('shuoshi.user')))
  let sess = tokens.get(username)
  if (!sess) {
    sess = (await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: 'demo' } })).json<{ token: string; user: unknown }>()
    tokens.set(username, sess)
  }
  await page.evaluate(([tk, u]) => (localStorage.setItem('shuoshi.token', tk), localStorage.setItem('shuoshi.user', JSON.stringify(u))), [
    sess.token,
    sess.user,
  ] as const)
}

/**
 * Requests in flight, counted from the browser's own events: pages are visited inside the app
 * (history navigation, as its links do) rather than reloaded, so "network idle" of a load does
 * not apply; a full reload per page cost ~4 s of a loaded machine's CPU (bundle, axe, fonts).
 */
function inflight(page: Page) {
  let n = 0
  page.on('request', () => n++)
  page.on('requestfinished', () => n--)
  page.on('requestfailed', () => n--)
  return () => n
}

/** The page is drawn: no request in flight for 300 ms, no "loading" line left. */
async function settled(page: Page, busy: () => number) {
  let quiet = 0
  for (let i = 0; i < 200 && quiet < 6; i++) {
    await page.waitForTimeout(50)
    quiet = busy() > 0 ? 0 : quiet + 1
  }
  await page.waitForFunction(
    () => !document.querySelector('.loading') && !document.body.textContent?.includes('加载中…') && !document.body.textContent?.includes('Loading…'),
  )
}

/** Goes to `url` inside the app, as its own links do (the router listens for popstate). */
async function go(page: Page, url: string) {
  await page.evaluate((u) => (history.pushState(null, '', u), dispatchEvent(new PopStateEvent('popstate'))), url)
}

interface Finding {
  id: string
  impact: string
  help: string
  nodes: string[]
}
async function runAxe(page: Page): Promise<Finding[]> {
  // Evaluated through the DevTools protocol: the app's Content-Security-Policy forbids inline
  // scripts, so addScriptTag({ content }) would be refused.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source)
  const res = await page.evaluate(async () => {
    const r = await (window as any).axe.run(document, { resultTypes: ['violations'] })
    return r.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact ?? 'minor',
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n: any) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1, 3).join(' ')}`),
    }))
  })
  return res
}

// 2 languages × 19 pages + the citizen's 6 at phone size: ~50 visits, past tap's 120 s per
// file on a loaded machine.
tap.setTimeout(600_000)

browserTest('axe-core on every page of the route table, both languages, citizen pages at phone size too', { name: 'a11y' }, async (t, app, s) => {
  const { page, base } = s
  const routes = routeTable()
  t.ok(routes.length >= 15, `the route table was read (${routes.length} routes)`)

  // Ids for the pages that need one, made through the API.
  const p = await petition(app, {
    description: '村口路灯坏了一周，晚上看不清路',
    category: 'roads.lighting',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', name: '李桂兰', phone: '13900000001', anonymous: false },
  })
  const c = await caseByNo(app, p.caseNo)
  const taskList = (await call(app, 'admin', 'GET', `/api/tasks?caseId=${c.id}&assigned=all`)).body.items
  // The task's own unit signs for it (the routing rule chose it): one of its members looks at it.
  const owner = String(taskList[0].candidateGroups[0]).replace(/^unit:/, '')
  const taskUser = (await app.db('users').where({ unit_code: owner, active: true }).first('username'))?.username
  t.ok(taskUser, `someone in ${owner} sees the task`)
  const defs = (await call(app, 'admin', 'GET', '/api/process-definitions')).body
  const def = (defs.items ?? defs)[0]
  const ids: Record<string, Record<string, string>> = {
    '/tasks/:id': { id: taskList[0].id },
    '/cases/:id': { id: c.id },
    '/track/:caseNo': { caseNo: p.caseNo },
    '/admin/definitions/:id': { id: def.id },
  }

  const failures: string[] = []
  const visit = async (r: RouteEntry, lang: 'zh' | 'en', size: 'desktop' | 'phone') => {
    let url = r.pattern
    for (const key of r.pattern.match(/:(\w+)/g) ?? []) {
      const v = ids[r.pattern]?.[key.slice(1)]
      if (!v) return void failures.push(`${r.pattern}: no id for ${key} (add one to this test)`)
      url = url.replace(key, encodeURIComponent(v))
    }
    const started = Date.now()
    await page.setViewportSize(size === 'phone' ? PHONE : DESKTOP)
    await go(page, url)
    await settled(page, busy)
    t.notMatch(await page.textContent('#view'), /页面不存在|Page not found/, `${r.pattern} is a page`)
    const found = await runAxe(page)
    const name = `a11y-${r.pattern.replace(/^\//, '').replace(/[/:]+/g, '-') || 'home'}-${lang}${size === 'phone' ? '-phone' : ''}`
    await s.shot(name)
    t.comment(`${url} [${lang}, ${size}]: ${Date.now() - started} ms`)
    for (const v of found) {
      const line = `${url} [${lang}, ${size}] ${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.join('\n    ')}`
      if (v.impact === 'serious' || v.impact === 'critical') failures.push(line)
      else t.comment(line)
    }
  }

  // Pages of one viewer side by side: fewer sign-ins.
  const order = [...routes].sort((a, b) => String(viewerOf(a, taskUser)).localeCompare(String(viewerOf(b, taskUser))))
  const busy = inflight(page)
  for (const lang of ['zh', 'en'] as const) {
    // The language is read when the app loads: one load per language.
    await page.goto(`${base}/login`)
    await page.evaluate((l) => localStorage.setItem('shuoshi.lang', l), lang)
    await page.evaluate(([k, code]) => sessionStorage.setItem(k, code), [`shuoshi.track.${p.caseNo.toUpperCase()}`, p.trackingCode] as const)
    await page.reload()
    let who: string | null | undefined
    for (const r of order) {
      const u = viewerOf(r, taskUser)
      if (u !== who) await signInAs(app, page, (who = u))
      await visit(r, lang, 'desktop')
      if (r.public) await visit(r, lang, 'phone')
    }
  }
  t.same(failures, [], 'no serious or critical violation')
  t.same(s.errors, [], 'no console errors')
})
