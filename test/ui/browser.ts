/**
 * Real headless Chromium for the UI tests and the UI benchmark: the app listens on a free
 * port over a fresh database; the page's console errors are collected (tests fail on them);
 * screenshots go to test-output/screenshots/.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import { projectRoot } from '../../src/lib/paths.js'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const SCREENSHOTS = path.join(projectRoot(), 'test-output', 'screenshots')
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
]

/** Why the browser tests cannot run here, or null when they can. */
export function browserUnavailable(): string | null {
  if (!fs.existsSync(CHROMIUM)) return `chromium not found at ${CHROMIUM}: run ui/e2e/setup.sh`
  try {
    import.meta.resolve('playwright-core')
  } catch {
    return 'playwright-core not installed: run ui/e2e/setup.sh'
  }
  return null
}

let built: string | null = null
/** Builds the UI once per test process into a private directory (parallel test files never share one). */
export async function buildUiOnce(): Promise<string> {
  if (built) return built
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-ui-'))
  const { buildUi } = await import(path.join(projectRoot(), 'ui', 'build.mjs'))
  await buildUi({ outdir, dev: false })
  process.env.UI_DIR = outdir
  built = outdir
  return outdir
}

export interface Session {
  browser: Browser
  context: BrowserContext
  page: Page
  base: string
  errors: string[]
  shot(name: string, page?: Page): Promise<string>
  close(): Promise<void>
}

/** Starts Chromium against a listening app. `errors` collects console errors and page crashes. */
export async function openBrowser(app: FastifyInstance, opts: { viewport?: { width: number; height: number }; mobile?: boolean } = {}): Promise<Session> {
  const { chromium } = await import('playwright-core')
  const addr = app.server.address()
  if (!addr || typeof addr === 'string') throw new Error('app is not listening')
  const base = `http://127.0.0.1:${addr.port}`
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-chromium-'))
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, `--user-data-dir=${userDataDir}`], headless: true })
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 860 },
    locale: 'zh-CN',
    ...(opts.mobile && { isMobile: true, hasTouch: true, deviceScaleFactor: 2 }),
  })
  const errors: string[] = []
  const watch = (p: Page) => {
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${p.url()}: ${m.text()}`)
    })
    p.on('pageerror', (e) => errors.push(`${p.url()}: ${e.message}`))
  }
  context.on('page', watch)
  const page = await context.newPage()
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  return {
    browser,
    context,
    page,
    base,
    errors,
    async shot(name, p = page) {
      const file = path.join(SCREENSHOTS, `${name}.png`)
      await p.screenshot({ path: file, fullPage: true })
      return file
    },
    async close() {
      await browser.close().catch(() => {})
      fs.rmSync(userDataDir, { recursive: true, force: true })
    },
  }
}

/** Logs in through the login form as a person would. */
export async function uiLogin(page: Page, base: string, username: string, password = 'demo') {
  await page.goto(`${base}/login`)
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', password)
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')])
}

export function chromiumVersion() {
  try {
    return execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}
