/**
 * Browser test: a county's rules page says which routing table is in force. Xianghe's
 * administrator had deployed a table edited in the decision editor, and the rules page showed
 * the county's list as if it decided, with nothing about the table routing actually followed.
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call } from '../api.js'

browserTest('the rules page says when an edited decision table, not the list, routes the county', { name: 'routing-in-force' }, async (t, app, s) => {
  const { page, base } = s
  const put = await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', {
    rules: [{ category: 'market.consumer', owner: '@county:urban', level: 'county', responseLimit: 'PT1H', resolveLimit: 'P1D' }],
  })
  t.equal(put.status, 200)

  await uiLogin(page, base, 'xianghe-admin')
  // Regression: Save showed at once but was wired to the list only once the list had loaded, so a
  // click before that did nothing (this test's own last click, on a loaded CI machine). Held here
  // until the in-force notice has shown, the list's answer leaves Save disabled, not dead.
  let release!: () => void
  const held = new Promise<void>((r) => (release = r))
  await page.route(/\/api\/routing-rules(\?|$)/, async (route) => (await held, route.continue()))
  await page.goto(`${base}/admin/routing-rules`)
  const summary = page.locator('[data-testid=in-force-summary]')
  await summary.waitFor()
  t.ok(await page.locator('[data-testid=save-rules]').isDisabled(), 'Save is disabled while the list loads')
  release()
  await page.locator('[data-testid=save-rules]:enabled').waitFor()
  await page.unroute(/\/api\/routing-rules(\?|$)/)
  t.equal((await summary.textContent())?.trim(), '派单现在依次使用：本县规则（决策表 v1），都不匹配时全市规则（决策表 v1）。', 'the list is in force')
  t.equal(await page.locator('[data-testid=in-force-edited]').count(), 0, 'no warning while the list is the table')

  // The table edited in the decision editor (as /admin/decision deploys it).
  const current = (await call(app, 'xianghe-admin', 'GET', '/api/decisions/key/routing')).body
  const edited = current.xml.replace('"@county:urban"', '"@county:housing"')
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/decisions', { xml: edited })).status, 201)
  await page.reload()
  const warning = page.locator('[data-testid=in-force-edited]')
  await warning.waitFor()
  t.match(
    await warning.textContent(),
    /^派单使用本县派单决策表 v2（.*香河县管理员）.*下面的规则目前不生效/,
    'the warning names the version and who deployed it',
  )
  t.equal((await summary.textContent())?.trim(), '派单现在依次使用：本县决策表 v2（在编辑器中修改），都不匹配时全市规则（决策表 v1）。')
  await s.shot('routing-in-force-01-zh')
  await page.click('[data-testid=lang-switch]')
  await warning.locator("text=/Routing uses the county's routing decision table v2/").waitFor()
  // The limits in words, a singular for one: "1 days" before src/messages/plurals.ts.
  const rulesEn = (await page.textContent('[data-testid=rules]'))!
  t.match(rulesEn, /(?<!\d)1 hour(?!s)/, 'PT1H reads "1 hour"')
  t.match(rulesEn, /(?<!\d)1 day(?!s)/, 'P1D reads "1 day"')
  t.notMatch(rulesEn, /(?<!\d)1 (hours|days)/, 'never "1 hours" or "1 days"')
  // The deployer's display name is a person's name, never translated.
  t.notMatch((await page.textContent('[data-testid=rules-in-force]'))!.replace('香河县管理员', ''), /\p{Script=Han}/u, 'English only')
  await s.shot('routing-in-force-02-en')
  await page.setViewportSize({ width: 390, height: 844 })
  await s.shot('routing-in-force-03-en-phone')
  const box = (await warning.boundingBox())!
  t.ok(box.x >= 0 && box.x + box.width <= 390, 'the warning fits the phone')
  await page.click('[data-testid=lang-switch]')
  await warning.locator('text=/下面的规则目前不生效/').waitFor()
  await s.shot('routing-in-force-04-zh-phone')
  // Regression: a table cell's screen-reader label (.sr-only, absolutely positioned) escaped the
  // table's scroll box and made the page 475 px wide; the tables scroll, the page does not.
  t.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, 'the page is as wide as the phone')
  await page.setViewportSize({ width: 1280, height: 860 })

  // The link opens the table in force.
  await page.click('[data-testid=in-force-open-decision]')
  await page.waitForURL(/\/admin\/decision\?key=routing/)
  await page.waitForSelector('[data-testid=decision-version]')
  t.match(await page.textContent('[data-testid=decision-version]'), /v2（香河县/)

  // Saving the list replaces the table: the warning goes.
  await page.goBack()
  await warning.waitFor()
  await page.click('[data-testid=save-rules]')
  await summary.locator('text=/本县规则（决策表 v3）/').waitFor()
  t.equal(await warning.count(), 0, 'no warning once the list is saved')
  t.same(s.errors, [], 'no console errors')
})
