/**
 * The frame of every browser test (kept apart from browser.ts, which bench/ui-tasklist.ts
 * imports too: importing tap there would start a tap run inside the benchmark).
 */
import type { FastifyInstance } from 'fastify'
import type { Config } from '../../src/config.js'
import t, { type Test } from 'tap'
import { build, onPostgres } from '../helper.js'
import { browserUnavailable, buildUiOnce, openBrowser, type Session } from './browser.js'

/**
 * A tap test in Chromium against an app serving the built UI on a free port: the page waits
 * up to 10 s, a failing test leaves a `FAILED-<name>` screenshot, and where no browser can
 * run the test is skipped with the reason. `config` starts the app otherwise (e.g. with the
 * demo history: `{ demoHistory: true }`); `timezoneId` puts the browser in another zone.
 */
export function browserTest(
  title: string,
  opts: { name: string; viewport?: { width: number; height: number }; mobile?: boolean; timezoneId?: string; config?: Partial<Config> },
  fn: (t: Test, app: FastifyInstance, s: Session) => Promise<void>,
) {
  const why = browserUnavailable()
  // The pages do not depend on the database, and the API they drive is tested on both; running
  // every browser test twice would cost CI two minutes of its twenty. BROWSER_TESTS_ON_POSTGRES=1
  // runs them on PostgreSQL as well.
  const skip = why
    ? `browser tests skipped: ${why}`
    : onPostgres && !process.env.BROWSER_TESTS_ON_POSTGRES
      ? 'browser tests run on SQLite (set BROWSER_TESTS_ON_POSTGRES=1 to run them on PostgreSQL too)'
      : false
  return t.test(title, { skip }, async (t) => {
    await buildUiOnce()
    const app = await build(t, { config: { ...opts.config, serveUi: true } })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const s = await openBrowser(app, opts)
    t.teardown(async () => {
      if (!t.passing()) await s.shot(`FAILED-${opts.name}`, undefined, true).catch(() => {})
      await s.close()
    })
    // 30 s, not 10: with three test files at once, two of them in Chromium, a 2-core CI machine
    // runs at a load of ~10, and a click or a wait that takes a second when quiet can pass 10 s
    // there. A real failure still fails, 20 s later; the file's own time limit is tap's.
    s.page.setDefaultTimeout(30_000)
    await fn(t, app, s)
  })
}
