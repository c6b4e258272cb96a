/**
 * Browser test: a dispatcher searches a city's worth of cases. Past 1,000 matches the list says
 * "more than 1,000" instead of counting them all; a case number read out on the phone finds
 * the one case; a phrase from the description finds it through the text index.
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call } from '../api.js'
import { generateCases } from '../../bench/generate.js'

browserTest('a dispatcher searches more than a thousand cases', { name: 'case-search', viewport: { width: 1280, height: 900 } }, async (t, app, s) => {
  const { page, base } = s
  await generateCases(app.db, 1200)
  const filed = await call(app, 'dispatcher', 'POST', '/api/cases', {
    channel: 'hotline',
    description: '小区东门排水管道堵塞，污水外溢',
    category: 'environment.pollution',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  t.equal(filed.status, 201)

  await uiLogin(page, base, 'dispatcher')
  await page.click('a[href="/cases"]')
  await page.waitForURL(/\/cases$/)
  await page.waitForSelector('table.table tbody tr')
  t.match(await page.textContent('main'), /超过 1000 件/, 'a broad list says "more than 1,000" rather than counting them all')
  t.equal(await page.locator('table.table tbody tr').count(), 50, 'one page of rows')
  await s.shot('40-cases-over-cap')

  await page.fill('input[name=q]', filed.body.caseNo.toLowerCase())
  await page.press('input[name=q]', 'Enter')
  await page.waitForURL(/q=/)
  await page.waitForSelector(`text=${filed.body.caseNo}`)
  t.match(await page.textContent('main'), /共 1 件/, 'a case number finds the one case')
  t.equal(await page.locator('table.table tbody tr').count(), 1)

  await page.fill('input[name=q]', '排水管道堵塞')
  await page.press('input[name=q]', 'Enter')
  await page.waitForURL(/q=%E6%8E%92|q=排/)
  await page.waitForSelector(`text=${filed.body.caseNo}`)
  t.match(await page.textContent('main'), /共 1 件/, 'a phrase of the description finds it')
  await s.shot('41-cases-text-search')
  t.same(s.errors, [], 'no console errors')
})
