/**
 * The monthly bulletin in Chromium (issue 12 leftovers: /bulletin, /gongshi and
 * /admin/scoring-items had no browser test). March 2024 in 香河县 is the hand-made month of
 * test/bulletin/fixtures.ts (cases A–E, counts worked out there). A county leader opens the
 * month, clicks through to the cases behind a figure and exports the xlsx; the administrator
 * publishes it and the public page shows the snapshot. Screenshots: bulletin-*.png.
 */
import fs from 'node:fs'
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { seedMarch } from '../bulletin/fixtures.js'
import { call } from '../api.js'

browserTest('the monthly bulletin: figures, the cases behind one, export, and the published page', { name: 'bulletin' }, async (t, app, s) => {
  const { page, base } = s
  await seedMarch(app)

  await t.test('a county leader opens March and clicks through to the cases behind a figure', async (t) => {
    await uiLogin(page, base, 'xianghe-leader')
    await page.goto(`${base}/bulletin?month=2024-03&region=xianghe`)
    const row = page.locator('[data-testid=bulletin-townships] tr[data-unit=xh-anping]')
    await row.waitFor()
    t.match(await row.textContent(), /安平镇/, 'the township by name')
    // 安平镇's late or missing responses: B (responded 03-13 after the 03-12 limit) and C (never), −1 each.
    const cell = row.locator('[data-item=responseOverdue]')
    t.match(await cell.textContent(), /^2\s*[-−]2$/, '2 cases, −2 points')
    await cell.locator('button').click()
    const detail = page.locator('[data-testid=bulletin-detail]')
    await detail.locator('tbody tr').first().waitFor()
    t.same(await detail.locator('tbody tr td:first-child').allTextContents(), ['B', 'C'], 'the two cases behind the figure')
    t.match(await detail.locator('h2').textContent(), /安平镇 · 超时响应/)
    await s.shot('bulletin-10-click-through-zh')
    await page.click('[data-testid=lang-switch]')
    await page.locator('[data-testid=bulletin-townships] tr[data-unit=xh-anping]:has-text("Anping Town")').waitFor()
    await s.shot('bulletin-11-en')
    // The item headers carried the metric keys as titles (title="respondedInTime"), read out by
    // screen readers; one English header read "Returned (退单)".
    const heads = page.locator('[data-testid=bulletin-townships] thead th')
    t.same(await heads.evaluateAll((ths) => ths.filter((th) => th.hasAttribute('title')).map((th) => th.getAttribute('title'))), [], 'no titles on the headers')
    t.notMatch((await heads.allTextContents()).join(' | '), /\p{Script=Han}/u, 'no Chinese in the English headers')
    // 淑阳镇 received 2, one excluded: "2（excl. 1）" in full-width brackets, wrapped over three lines.
    const received = page.locator('[data-testid=bulletin-townships] tr[data-unit=xh-shuyang] td').nth(3)
    t.equal(await received.textContent(), '2 (excl. 1)')
    const lines = await received.evaluate((td) => {
      const r = document.createRange()
      r.selectNodeContents(td)
      return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size
    })
    t.equal(lines, 1, 'on one line')
    // What broke: a department's English name wrapped to five lines on a desktop screen, its
    // column squeezed by the item columns. Each name takes at most two lines, in both languages.
    const nameLines = () =>
      page.$$eval('[data-testid=bulletin-departments] tbody tr td:nth-child(2)', (tds) =>
        tds.map((td) => {
          const name = td.querySelector('button')!
          const lines = Math.round(name.getBoundingClientRect().height / parseFloat(getComputedStyle(name).lineHeight))
          return `${td.textContent}: ${lines}`
        }),
      )
    const en = await nameLines()
    t.ok(en.length >= 2, `the departments are listed (${en.join('; ')})`)
    for (const l of en) t.ok(Number(l.split(': ').pop()) <= 2, `at most two lines: ${l}`)
    await page.locator('[data-testid=bulletin-departments]').scrollIntoViewIfNeeded()
    await s.shot('bulletin-12-departments-en')
    await page.click('[data-testid=lang-switch]')
    await page.locator('[data-testid=bulletin-townships] tr[data-unit=xh-anping]:has-text("安平镇")').waitFor()
    for (const l of await nameLines()) t.ok(Number(l.split(': ').pop()) <= 2, `at most two lines: ${l}`)
  })

  await t.test('the leader exports the month as xlsx', async (t) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=bulletin-export]')])
    t.equal(download.suggestedFilename(), '一月一通报-2024-03.xlsx')
    const file = await download.path()
    t.ok(file, 'downloaded')
    // An xlsx is a zip: its first bytes are "PK".
    t.equal(fs.readFileSync(file!).subarray(0, 2).toString('latin1'), 'PK')
  })

  await t.test('after the administrator publishes, the public page shows the snapshot', async (t) => {
    await page.goto(`${base}/gongshi?county=xianghe&month=2024-03`)
    await page.waitForSelector('text=暂无已发布的通报')
    const res = await call(app, 'xianghe-admin', 'POST', '/api/bulletins/2024-03/publish?region=xianghe')
    t.equal(res.status, 201)
    await page.evaluate(() => (localStorage.removeItem('shuoshi.token'), localStorage.removeItem('shuoshi.user')))
    await page.goto(`${base}/gongshi?county=xianghe&month=2024-03`)
    const pub = page.locator('[data-testid=publication]')
    await pub.waitFor()
    t.match(await pub.locator('h2').textContent(), /香河县 2024年3月/)
    // Ranked as the API test worked out: 淑阳镇 +3, 蒋辛屯镇 0, 安平镇 −8.
    const towns = await pub.locator('table').first().locator('tbody tr td:nth-child(2)').allTextContents()
    t.same(towns.slice(0, 3), ['淑阳镇', '蒋辛屯镇', '安平镇'])
    t.notMatch(await pub.textContent(), /停水|水压/, 'no case titles on the public page')
    await s.shot('bulletin-20-gongshi-zh')
  })

  await t.test('the administrator sees the scoring items by name', async (t) => {
    await uiLogin(page, base, 'xianghe-admin')
    await page.goto(`${base}/admin/scoring-items`)
    await page.waitForSelector('[data-testid=items-save]')
    t.ok(await page.locator('input[aria-label^="名称"]').count(), 'each cell is named after its column')
    await s.shot('bulletin-30-scoring-items-zh')
  })

  t.same(s.errors, [], 'no console errors')
})
