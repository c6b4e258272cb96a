/**
 * Browser: a dispatcher registering a case sees the case it repeats and links it as a
 * duplicate; a leader's dashboard lists the month's recurring problems.
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call, petition } from '../api.js'

const anon = { type: 'person', anonymous: true }

browserTest('duplicates and recurring problems in the browser', { name: 'duplicates', viewport: { width: 1280, height: 900 } }, async (t, app, s) => {
  const { page, base } = s
  const lamp = await petition(app, {
    title: '村口路灯不亮',
    description: '安平村村口的路灯连续三个晚上都不亮，晚上走路很危险',
    category: 'roads.lighting',
    regionCode: 'xh-anping-v01-g1',
    petitioner: anon,
  })
  const nursery = ['我家苗圃周边长期被人倾倒大量生活垃圾，多次反映没人管，担心起火', '村西苗圃旁边又有人倒生活垃圾，越堆越多，希望尽快清理']
  for (const d of nursery) await petition(app, { description: d, category: 'environment.garbage', regionCode: 'xh-anping-v01-g1', petitioner: anon })

  await t.test('the registrar sees the suggested duplicate and links it', async (t) => {
    await uiLogin(page, base, 'dispatcher')
    await page.goto(`${base}/intake`)
    await page.selectOption('[data-testid=channel]', 'hotline')
    await page.selectOption('[data-testid=intake-category-top]', 'roads')
    await page.selectOption('[data-testid=intake-category-sub]', 'roads.lighting')
    await page.selectOption('[data-testid=intake-region] select[data-level=county]', 'xianghe')
    await page.selectOption('[data-testid=intake-region] select[data-level=township]', 'xh-anping')
    await page.selectOption('[data-testid=intake-region] select[data-level=village]', 'xh-anping-v01')
    await page.selectOption('[data-testid=intake-region] select[data-level=grid]', 'xh-anping-v01-g1')
    await page.fill('textarea', '村口那几盏路灯坏了，好几个晚上不亮，走夜路危险')
    await page.check('input[type=checkbox]')
    await page.click('button[type=submit]')
    const item = page.locator(`[data-similar="${lamp.caseNo}"]`)
    await item.waitFor()
    t.match(await page.textContent('[data-testid=similar]'), lamp.caseNo, 'the earlier report is suggested')
    await s.shot('40-intake-similar')
    await item.locator('[data-testid=link-duplicate]').click()
    await page.waitForURL(/\/cases\/[^/]+$/)
    const id = page.url().split('/').pop()!
    const c = (await call(app, 'admin', 'GET', `/api/cases/${id}`)).body
    const main = (await call(app, 'admin', 'GET', `/api/cases?q=${lamp.caseNo}`)).body.items[0]
    t.equal(c.duplicateOf, main.id, 'linked to the earlier case')
    t.equal(c.status, 'closed')
  })

  await t.test('the dashboard lists the recurring problems', async (t) => {
    await page.evaluate(() => localStorage.clear())
    await uiLogin(page, base, 'leader')
    await page.goto(`${base}/dashboard`)
    const card = page.locator('[data-testid=clusters]')
    await card.waitFor()
    await card.locator('tr[data-cluster]').first().waitFor()
    // Two recurring problems of two reports each: the nursery dumping, and the lamp with the
    // duplicate linked above (a duplicate is one more report of its problem).
    const rows = await card.locator('tr[data-cluster]').allTextContents()
    t.equal(rows.length, 2)
    t.ok(
      rows.some((r) => /苗圃/.test(r)),
      'the nursery dumping is a recurring problem',
    )
    t.ok(
      rows.some((r) => /路灯/.test(r)),
      'and the dark lamp',
    )
    await s.shot('41-dashboard-clusters')
    // The category read "垃圾堆放 / Garbage dumping" in both languages, the area in Chinese in both.
    const nursery = card.locator('tr[data-cluster]', { hasText: '苗圃' })
    t.match(await nursery.textContent(), /垃圾堆放安平镇/, 'in Chinese: the category and the area in Chinese')
    t.notMatch(await card.textContent(), /[A-Za-z]/, 'no English in the Chinese card')
    await page.click('[data-testid=lang-switch]')
    await card.locator('tr[data-cluster]', { hasText: 'Garbage dumping' }).waitFor()
    const en = (await card.locator('tr[data-cluster]', { hasText: '苗圃' }).textContent())!
    t.match(en, /Garbage dumping/, 'in English: the English name')
    t.notMatch(en, /垃圾堆放|安平镇/, "the Chinese names stay in the Chinese UI (the petitioner's own words aside)")
    t.match(en, /Anping Town/)
    await s.shot('42-dashboard-clusters-en')
    await page.click('[data-testid=lang-switch]')
  })

  await t.test("a county administrator's dashboard asks nothing it may not read", async (t) => {
    // It asked for the recurring problems (leaders and supervisors only): a 403 in the console on every visit.
    // (Leave the leader's dashboard first: its charts' queries, still loading, would go out without a token.)
    await page.goto(`${base}/login`)
    await page.evaluate(() => localStorage.clear())
    await uiLogin(page, base, 'xianghe-admin')
    const asked: string[] = []
    page.on('request', (r) => void (r.url().includes('/api/clusters') && asked.push(r.url())))
    await page.goto(`${base}/dashboard`)
    await page.locator('[data-testid=rank-townships]').waitFor()
    await page.locator('[data-testid=charts] canvas, [data-testid=charts] .empty-chart').first().waitFor()
    t.same(asked, [], 'no request for the recurring problems')
    t.equal(await page.locator('[data-testid=clusters]').count(), 0, 'and no card')
    t.same(s.errors, [], 'no console error')
  })
})
