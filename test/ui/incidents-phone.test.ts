/**
 * Browser test: the incidents page at phone size. As a table of seven columns it was wider
 * than a 390 px phone (the activity, the reason and the actions lay past the edge of its
 * scroll box); now each incident is a block, as the users and categories pages do it.
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { failedFollowUp } from '../fixtures/incidents.js'

const PHONE = { width: 390, height: 844 }

browserTest('the incidents page fits a phone with several incidents', { name: 'incidents-phone', viewport: PHONE }, async (t, app, s) => {
  const { page, base } = s
  for (let n = 0; n < 3; n++) await failedFollowUp(t, app, n > 0)

  await uiLogin(page, base, 'xianghe-admin')
  await page.goto(`${base}/admin/incidents`)
  const rows = page.locator('[data-testid=incident-row]')
  await rows.first().waitFor()
  t.equal(await rows.count(), 3, 'three incidents')
  /** Nothing wider than the screen: neither the page nor the table inside its scroll box. */
  const fits = () =>
    page.evaluate(() => {
      const wrap = document.querySelector('[data-testid=incidents]')!.parentElement!
      return {
        page: document.documentElement.scrollWidth <= window.innerWidth,
        table: wrap.scrollWidth <= wrap.clientWidth,
        // Every incident's retry and cancel buttons lie within the screen.
        buttons: [...document.querySelectorAll('[data-testid=incident-row] button')].every((b) => b.getBoundingClientRect().right <= window.innerWidth),
      }
    })
  t.same(await fits(), { page: true, table: true, buttons: true }, 'zh: the page, the table and the buttons fit the phone')
  t.equal((await rows.first().locator('[data-testid=incident-activity]').textContent())?.trim(), '转其他流程', 'the activity is shown')
  await s.shot('incidents-phone-01-zh')

  await page.click('[data-testid=lang-switch]')
  await page.locator('[data-testid=incident-activity]', { hasText: 'Switch procedure' }).first().waitFor()
  t.same(await fits(), { page: true, table: true, buttons: true }, 'en: the page, the table and the buttons fit the phone')
  await s.shot('incidents-phone-02-en')
  t.same(s.errors, [], 'no console errors')
})
