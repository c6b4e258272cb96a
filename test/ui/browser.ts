/**
 * Real headless Chromium for the UI tests and the UI benchmark: the app listens on a free
 * port over a fresh database; the page's console errors are collected (tests fail on them);
 * screenshots go to test-output/screenshots/.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import type { BrowserContext, Page } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import { projectRoot } from '../../src/lib/paths.js'
import { templateKey } from '../template.js'

/** The browser: `CHROME_PATH` (or `CHROMIUM_PATH`) for a contributor without Debian's package. */
export const CHROMIUM = process.env.CHROME_PATH || process.env.CHROMIUM_PATH || '/usr/bin/chromium'
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
/**
 * The built UI for the browser tests, built once per content and shared by every test file and
 * process: a production build costs several seconds of CPU, and each browser test file used to
 * pay it. Keyed like the database template (test/template.ts) by a hash of what the bundle is
 * made of; built into a private folder and renamed into place, so parallel files never see half
 * a build (the loser of a race discards its own copy).
 */
export async function buildUiOnce(): Promise<string> {
  if (built) return built
  const root = projectRoot()
  const key = templateKey(
    { demo: false, processesDir: path.join(root, 'ui', 'public') },
    {
      codeDirs: [path.join(root, 'ui', 'src'), path.join(root, 'src', 'messages')],
      files: [path.join(root, 'ui', 'build.mjs'), path.join(root, 'package-lock.json')],
      day: 'ui',
    },
  )
  const outdir = path.join(os.tmpdir(), `shuoshi-ui-${key}`)
  if (!fs.existsSync(path.join(outdir, 'index.html'))) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-ui-build-'))
    const { buildUi } = await import(path.join(root, 'ui', 'build.mjs'))
    await buildUi({ outdir: tmp, dev: false })
    try {
      fs.renameSync(tmp, outdir)
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  }
  process.env.UI_DIR = outdir
  built = outdir
  return outdir
}

export interface Session {
  context: BrowserContext
  page: Page
  base: string
  errors: string[]
  /** Declares one 4xx response the test provokes on purpose (the browser logs it as a console error). */
  expectHttpError(status: number, url: string): void
  /**
   * A full-page screenshot for people to look at (test-output/screenshots). Not taken when
   * SHUOSHI_SCREENSHOTS=0 (CI: nobody looks there, and the 190 shots cost the browser ~1 min of
   * CPU on two cores) unless `always` (a failed test's last page).
   */
  shot(name: string, page?: Page, always?: boolean): Promise<string>
  close(): Promise<void>
}

/** Starts Chromium against a listening app. `errors` collects console errors and page crashes. */
export async function openBrowser(
  app: FastifyInstance,
  opts: { viewport?: { width: number; height: number }; mobile?: boolean; timezoneId?: string } = {},
): Promise<Session> {
  const { chromium } = await import('playwright-core')
  const addr = app.server.address()
  if (!addr || typeof addr === 'string') throw new Error('app is not listening')
  const base = `http://127.0.0.1:${addr.port}`
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-chromium-'))
  // A fresh profile per run (launchPersistentContext is how playwright takes a user-data-dir).
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: opts.viewport ?? { width: 1280, height: 860 },
    locale: 'zh-CN',
    // The machine's zone unless a test reads times as someone elsewhere would (an IANA name).
    ...(opts.timezoneId && { timezoneId: opts.timezoneId }),
    ...(opts.mobile && { isMobile: true, hasTouch: true, deviceScaleFactor: 2 }),
  })
  const errors: string[] = []
  const expected: { status: number; url: string }[] = []
  const watch = (p: Page) => {
    p.on('console', (m) => {
      if (m.type() !== 'error') return
      // The browser logs every 4xx response; those a test provokes on purpose were declared.
      const http = /Failed to load resource: the server responded with a status of (\d+)/.exec(m.text())
      if (http) {
        const i = expected.findIndex((e) => e.status === Number(http[1]) && m.location().url.includes(e.url))
        if (i >= 0) return void expected.splice(i, 1)
      }
      errors.push(`${p.url()}: ${m.text()} ${m.location().url}`)
    })
    p.on('pageerror', (e) => errors.push(`${p.url()}: ${e.message}`))
  }
  context.on('page', watch)
  for (const p of context.pages()) watch(p)
  const page = context.pages()[0] ?? (await context.newPage())
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  return {
    context,
    page,
    base,
    errors,
    expectHttpError(status, url) {
      expected.push({ status, url })
    },
    async shot(name, p = page, always = false) {
      const file = path.join(SCREENSHOTS, `${name}.png`)
      if (process.env.SHUOSHI_SCREENSHOTS === '0' && !always) return file
      await p.screenshot({ path: file, fullPage: true })
      return file
    },
    async close() {
      await context.close().catch(() => {})
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

/** Drags with the mouse in small steps, as dragula (form-js-editor's drag and drop) needs. */
export async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y)
  await page.mouse.down()
  await page.mouse.move(from.x + 5, from.y + 5, { steps: 3 })
  await page.mouse.move(to.x, to.y, { steps: 12 })
  await page.mouse.move(to.x, to.y + 2, { steps: 2 })
  await page.mouse.up()
}

/**
 * Chooses an option of a form-js select (a drop-down list of its own, not a native <select>)
 * in the field whose key is `key`, by the option's text, as a person clicks it.
 */
export async function chooseOption(page: Page, key: string, text: string) {
  await page.click(`[data-field=${key}] .fjs-input-group`)
  await page.locator('.fjs-dropdownlist-item', { hasText: text }).first().click()
}
