/**
 * The demo's first day as a leader and an administrator see it (issue 12, item 10 and "Also"):
 * the dashboard over a year of generated history draws its ECharts charts (a canvas each, no
 * console error) in both languages and at phone size; the processes page names counties and
 * deployers and shows what a county's version changed. Screenshots:
 * test-output/screenshots/demo-*.png.
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { login } from '../helper.js'

const CHARTS = ['chart-volume', 'chart-rates', 'chart-category', 'chart-region', 'chart-ageing']

/** Every chart has its canvas (the charts chunk and five queries: slow on a loaded machine). */
async function chartsDrawn(s: import('./browser.js').Session) {
  try {
    for (const c of CHARTS) await s.page.waitForSelector(`[data-testid=${c}] canvas`, { timeout: 30_000 })
  } catch (err) {
    throw new Error(
      `charts not drawn: ${(err as Error).message}; console: ${s.errors.join(' | ')}; page: ${(await s.page.textContent('main').catch(() => ''))?.slice(0, 500)}`,
      { cause: err },
    )
  }
}

browserTest(
  'the dashboard over a year of history, and the version history with its diff',
  { name: 'demo', config: { demoHistory: true } },
  async (t, app, s) => {
    // Five charts drawn four times, the processes page and the modeler, in one browser: slow under load.
    t.setTimeout(300_000)
    const { page, base } = s
    t.ok(Number((await app.db('cases').count({ n: '*' }).first())!.n) > 3000, 'the app started with the demo history')

    await t.test("the leader's dashboard: every chart drawn, Chinese then English", async (t) => {
      await uiLogin(page, base, 'leader')
      await page.goto(`${base}/dashboard`)
      await chartsDrawn(s)
      t.pass('five charts with a canvas each')
      t.match(await page.textContent('[data-testid=charts]'), /近 12 个月三率/)
      t.ok(await page.isVisible('[data-testid=rank-townships] tbody tr'), 'townships ranked')
      await s.shot('demo-01-dashboard-zh')
      await page.click('[data-testid=lang-switch]')
      await chartsDrawn(s)
      t.match(await page.textContent('[data-testid=charts]'), /The three rates, last 12 months/)
      await s.shot('demo-02-dashboard-en')
      await page.setViewportSize({ width: 390, height: 844 })
      await page.reload()
      await chartsDrawn(s)
      const width = await page.$eval('[data-testid=chart-volume] canvas', (el) => el.getBoundingClientRect().width)
      t.ok(width <= 390 && width > 300, `the chart fits the phone (${width}px)`)
      await s.shot('demo-03-dashboard-phone-en')
      await page.click('[data-testid=lang-switch]')
      await chartsDrawn(s)
      await s.shot('demo-04-dashboard-phone-zh')
      await page.setViewportSize({ width: 1280, height: 860 })
    })

    await t.test('the processes page: versions per scope by name, and what a county version changed', async (t) => {
      // Xianghe deploys its own version of the ordinary procedure with the sign-for renamed.
      const county = await login(app, 'xianghe-admin')
      const city = (await app.inject({ method: 'GET', url: '/api/process-definitions?key=ordinary', headers: county })).json()[0]
      const xml = (await app.inject({ method: 'GET', url: `/api/process-definitions/${city.id}/xml`, headers: county })).json().xml as string
      // And the evaluation's deadline timer written another way (the same FEEL): the diff named
      // its kind "date" in the Chinese page and put a Chinese colon in the English one.
      const renamed = xml
        .replace(/(<bpmn:userTask id="ut_signfor" name=")[^"]*"/, '$1签收（香河）"')
        .replace('>=evaluationDue</bpmn:timeDate>', '>=(evaluationDue)</bpmn:timeDate>')
      t.not(renamed, xml, 'the sign-for task was renamed')
      const dep = await app.inject({ method: 'POST', url: '/api/process-definitions', headers: county, payload: { xml: renamed } })
      t.equal(dep.statusCode, 201, dep.body)

      await uiLogin(page, base, 'admin')
      await page.goto(`${base}/admin/processes`)
      const section = '[data-testid=process-ordinary]'
      await page.waitForSelector(`${section} [data-testid=scope][data-tenant=xianghe]`)
      const text = (await page.textContent(`${section} [data-testid=scope][data-tenant=xianghe]`)) ?? ''
      t.match(text, /香河县/, 'the county by name')
      t.notMatch(text, /县级版本：xianghe/, 'not its code')
      t.match(text, /香河县管理员/, 'the deployer by name')
      await page.click(`${section} [data-testid=scope][data-tenant=xianghe] [data-testid=show-diff]`)
      await page.waitForSelector(`${section} [data-testid=diff]`)
      const diff = (await page.textContent(`${section} [data-testid=diff]`)) ?? ''
      t.match(diff, /市级默认 v1/, 'compared with the city version')
      t.match(diff, /改名/, 'the rename')
      t.match(diff, /签收（香河）/)
      t.match(diff, /定时：日期 =evaluationDue → 日期 =\(evaluationDue\)/, 'the timer change in words')
      t.notMatch(diff, /\b(date|duration|cycle)\b/, 'no English kind in the Chinese page')
      await s.shot('demo-05-processes-diff-zh')
      await page.click('[data-testid=lang-switch]')
      await page.click(`${section} [data-testid=scope][data-tenant=xianghe] [data-testid=show-diff]`)
      await page.waitForSelector(`${section} [data-testid=diff]:has-text("renamed")`)
      const diffEn = (await page.textContent(`${section} [data-testid=diff]`)) ?? ''
      t.match(diffEn, /timer: date =evaluationDue → date =\(evaluationDue\)/, 'in English, with its own colon')
      t.notMatch(diffEn, /：|日期/, 'no Chinese punctuation or words')
      t.match((await page.textContent(`${section} [data-testid=scope][data-tenant=xianghe]`)) ?? '', /Xianghe/, 'the county in English')
      await s.shot('demo-06-processes-diff-en')
      await page.setViewportSize({ width: 390, height: 844 })
      await s.shot('demo-07-processes-diff-phone-en')
      await page.click('[data-testid=lang-switch]')
      await page.setViewportSize({ width: 1280, height: 860 })
    })

    await t.test("the modeler's unit list narrows to a name typed", async (t) => {
      const admin = await login(app, 'admin')
      const city = (await app.inject({ method: 'GET', url: '/api/process-definitions?key=ordinary&tenant=', headers: admin })).json()[0]
      await page.goto(`${base}/admin/modeler?from=${city.id}`)
      await page.waitForSelector('.djs-element[data-element-id="ut_signfor"]')
      await page.click('.djs-element[data-element-id="ut_signfor"]')
      await page.waitForSelector('[data-testid=group-picker]:not([hidden])')
      const visible = async () =>
        page.$$eval('[data-testid=pick-unit] option', (os) => os.filter((o) => !(o as HTMLOptionElement).hidden && (o as HTMLOptionElement).value).length)
      const all = await visible()
      await page.fill('[data-testid=pick-unit-search]', '香河县自然资源')
      const some = await visible()
      t.ok(all > 50 && some >= 1 && some < 5, `${all} units → ${some} matching`)
      t.equal(await page.$eval('[data-testid=pick-unit]', (el) => (el as HTMLSelectElement).value), 'xianghe-land')
      await s.shot('demo-08-modeler-unit-search-zh')
    })

    t.same(s.errors, [], 'no console errors')
  },
)
