/**
 * A demo history case's page (src/demo/history.ts writes closed cases without a process
 * instance). What broke: the page asked for the diagram anyway, got a 404 saying "process
 * instance <the case's id> not found" (a console error, and a red box where the diagram goes);
 * it now says plainly that such a case has no diagram, in both languages and on a phone.
 * Screenshots: test-output/screenshots/no-diagram-*.png.
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { login } from '../helper.js'

browserTest('a history case without a process instance says it has no diagram', { name: 'no-diagram', config: { demoHistory: true } }, async (t, app, s) => {
  t.setTimeout(240_000)
  const { page, base } = s
  const row = await app.db('cases').where({ source: 'demo' }).whereNull('instance_id').orderBy('case_no').first('id', 'case_no')
  t.ok(row, 'the demo history has a case without an instance')

  // The API says which case has no diagram, with a code of its own, rather than naming an instance.
  const res = await app.inject({ method: 'GET', url: `/api/cases/${row.id}/diagram`, headers: await login(app, 'admin') })
  t.equal(res.statusCode, 404)
  t.equal(res.json().key, 'error.case.noInstance')
  t.same(res.json().params, { caseNo: row.case_no })

  await uiLogin(page, base, 'admin')
  await page.goto(`${base}/cases/${row.id}`)
  await page.waitForSelector('[data-testid=no-diagram]')
  t.match(await page.textContent('[data-testid=no-diagram]'), '此案件是没有流程实例的历史案件，没有流程图。')
  t.notOk(await page.isVisible('.error'), 'no error box')
  t.notOk(await page.isVisible('[data-testid=case-diagram]'), 'no empty canvas')
  await s.shot('no-diagram-01-zh')
  await page.click('[data-testid=lang-switch]')
  await page.waitForSelector('[data-testid=no-diagram]:has-text("no diagram")')
  t.match(await page.textContent('[data-testid=no-diagram]'), 'This is a history case without a process instance: it has no diagram.')
  await s.shot('no-diagram-02-en')
  await page.setViewportSize({ width: 390, height: 844 })
  await page.locator('[data-testid=no-diagram]').scrollIntoViewIfNeeded()
  await s.shot('no-diagram-03-phone-en')
  await page.click('[data-testid=lang-switch]')
  await page.waitForSelector('[data-testid=no-diagram]:has-text("没有流程图")')
  await page.locator('[data-testid=no-diagram]').scrollIntoViewIfNeeded()
  await s.shot('no-diagram-04-phone-zh')

  t.same(s.errors, [], 'no console errors')
})
