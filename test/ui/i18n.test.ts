/**
 * Chinese throughout (issue 12, items 1, 8, 9) in Chromium: `/` is the citizen's page; a citizen
 * submits, a handler resolves with a result containing " / " and words of both languages, and
 * the tracking page shows the whole result in Chinese and the same text in English; a wrong
 * code reads as a sentence; the browser's own validation speaks the chosen language; the routing
 * rules and the modeler show names, not codes. Screenshots: test-output/screenshots/i18n-*.png.
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { caseByNo, step } from '../api.js'

const RESULT = '已更换路灯 / replaced the street lamp；A/B 两区 2 / 3 completed, 其余下周'
const REPLY = '收到 / on my way'

browserTest(
  'Chinese throughout: the citizen page, tracking with a result containing " / ", routing and modeler by name',
  { name: 'i18n' },
  async (t, app, s) => {
    const { page, base } = s
    let caseNo = ''

    await t.test('/ is the citizen page with a way for staff to sign in', async (t) => {
      await page.goto(`${base}/`)
      await page.waitForSelector('[data-testid=public-rates] .stat')
      t.equal(new URL(page.url()).pathname, '/', 'a visitor stays on /, not the staff login')
      t.ok(await page.isVisible('[data-testid=home-submit]'), 'submit')
      t.ok(await page.isVisible('[data-testid=home-track-case-no]'), 'track')
      t.match(await page.textContent('[data-testid=public-rates]'), /满意率/, 'the public rates')
      t.equal(await page.getAttribute('[data-testid=staff-login]', 'href'), '/login')
      // The browser's own bubble, in the chosen language (an English Chromium says "Please fill out this field").
      await page.click('form:has([data-testid=home-track-case-no]) button[type=submit]')
      t.equal(await page.$eval('[data-testid=home-track-case-no]', (el) => (el as HTMLInputElement).validationMessage), '请填写此项。')
      await s.shot('i18n-00-home-zh')
      await page.click('[data-testid=lang-switch]')
      await page.waitForSelector('[data-testid=public-rates]:has-text("Satisfaction rate")')
      await page.click('form:has([data-testid=home-track-case-no]) button[type=submit]')
      t.equal(await page.$eval('[data-testid=home-track-case-no]', (el) => (el as HTMLInputElement).validationMessage), 'Please fill this in.')
      await s.shot('i18n-01-home-en')
      await page.click('[data-testid=lang-switch]')
    })

    await t.test('a citizen submits; the handler resolves; the citizen reads the whole result in both languages', async (t) => {
      await page.click('[data-testid=home-submit]')
      await page.waitForSelector('[data-testid=category-top]')
      await page.selectOption('[data-testid=category-top]', 'roads')
      await page.selectOption('[data-testid=category-sub]', 'roads.lighting')
      await page.selectOption('[data-testid=region] select[data-level=county]', 'xianghe')
      await page.selectOption('[data-testid=region] select[data-level=township]', 'xh-anping')
      await page.selectOption('[data-testid=region] select[data-level=village]', 'xh-anping-v01')
      await page.selectOption('[data-testid=region] select[data-level=grid]', 'xh-anping-v01-g1')
      await page.fill('[data-testid=description]', '村口路灯坏了一周，晚上看不清路')
      await page.check('[data-testid=anonymous]')
      await page.click('[data-testid=submit]')
      await page.waitForSelector('[data-testid=receipt]')
      caseNo = (await page.textContent('[data-testid=case-no]'))!.trim()

      const c = await caseByNo(app, caseNo)
      const signTask = c.activeTasks[0]
      t.ok(signTask, 'a sign-for task')
      // Whoever the rule chose signs for it and resolves (the owner unit's group).
      const owner = signTask.candidateGroups[0].replace(/^unit:/, '')
      const user = (await app.db('users').where({ unit_code: owner, active: true }).first('username'))?.username
      t.ok(user, `someone in ${owner}`)
      await step(app, c.id, 'ut_signfor', user, { signOutcome: 'accept', firstReply: REPLY })
      await step(app, c.id, 'ut_handle', user, { outcome: 'resolved', result: RESULT })

      await page.click('[data-testid=track-link]')
      await page.waitForSelector('[data-testid=track-result-text]')
      t.equal(await page.getAttribute('[data-testid=track-status]', 'data-status'), 'awaiting_evaluation')
      t.equal(await page.textContent('[data-testid=track-result-text]'), RESULT, 'Chinese view: the whole result, not the part before " / "')
      t.equal(await page.textContent('[data-testid=event-result] .verbatim'), RESULT, 'the timeline shows it whole too')
      t.equal(await page.textContent('[data-testid=event-reply] .verbatim'), REPLY, 'and the first reply')
      const zhTimeline = (await page.textContent('[data-testid=timeline]'))!
      t.match(zhTimeline, /已反馈办理结果/, 'the sentence in Chinese')
      t.match(zhTimeline, /已受理（网站）/, 'the channel by name, not `web`')
      t.notMatch(zhTimeline, /Result reported|Received via/, 'no English sentence in the Chinese view')
      t.match(await page.textContent('[data-testid=track-result]'), /路灯照明/, 'the category by name')
      await s.shot('i18n-10-tracking-zh')

      await page.click('[data-testid=lang-switch]')
      await page.waitForSelector('[data-testid=timeline]:has-text("Result reported")')
      t.equal(await page.textContent('[data-testid=track-result-text]'), RESULT, 'English view: the same text, untranslated')
      t.equal(await page.textContent('[data-testid=event-result] .verbatim'), RESULT)
      const enTimeline = (await page.textContent('[data-testid=timeline]'))!
      t.match(enTimeline, /Received via the website/)
      t.notMatch(enTimeline, /已反馈|已受理/, 'no Chinese sentence in the English view')
      t.match(await page.textContent('[data-testid=track-result]'), /Street lighting/)
      await s.shot('i18n-11-tracking-en')
      await page.click('[data-testid=lang-switch]')
    })

    await t.test('a wrong tracking code reads as a sentence', async (t) => {
      await page.evaluate(() => sessionStorage.clear())
      await page.goto(`${base}/track`)
      await page.fill('[data-testid=track-case-no]', caseNo)
      await page.fill('[data-testid=track-code]', 'WRONG123')
      s.expectHttpError(404, `/api/public/track/${caseNo}`)
      await page.click('form button[type=submit]')
      await page.waitForSelector('.alert.error')
      t.match(await page.textContent('.alert.error'), new RegExp(`没有找到案件 ${caseNo}，或查询码不对`), 'a whole sentence, not just the case number')
      await s.shot('i18n-12-tracking-wrong-code-zh')
    })

    await t.test('routing rules show names in both languages', async (t) => {
      await uiLogin(page, base, 'admin')
      await page.goto(`${base}/admin/routing-rules`)
      await page.waitForSelector('[data-testid=rules] tr')
      const rows = (await page.textContent('[data-testid=rules]'))!
      t.match(rows, /邻里纠纷/, 'neighbour by name')
      t.match(rows, /网格/, '@grid by name')
      t.match(rows, /县级·自然资源/, "@county:land by name (the catalogue's level.county)")
      await s.shot('i18n-20-routing-zh')
      await page.click('[data-testid=lang-switch]')
      await page.waitForSelector('[data-testid=rules]:has-text("Neighbour disputes")')
      t.match(await page.textContent('[data-testid=rules]'), /County · natural resources/)
      await s.shot('i18n-21-routing-en')
      await page.click('[data-testid=lang-switch]')
    })

    await t.test("the case diagram names each step in the page's language", async (t) => {
      // bpmn-js drew the administrator's whole "签收 / Sign for" on both pages.
      const c = await caseByNo(app, caseNo)
      await page.goto(`${base}/cases/${c.id}`)
      const signFor = page.locator('.djs-element[data-element-id="ut_signfor"] .djs-label, .djs-element[data-element-id="ut_signfor"] text')
      await signFor.first().waitFor()
      t.equal((await signFor.first().textContent())!.trim(), '签收', 'the Chinese half')
      // The supervision order's deadline, untouched, is not drawn as an error (it was red on arrival:
      // a date-time input has no placeholder for :not(:placeholder-shown) to wait for).
      const border = (sel: string) => page.$eval(sel, (el) => getComputedStyle(el).borderTopColor)
      t.equal(
        await border('input[name=replyDue]'),
        await border('input[type=search], input[type=text], textarea'),
        'an untouched deadline looks like any field',
      )
      await s.shot('i18n-22-case-diagram-zh')
      await page.click('[data-testid=lang-switch]')
      await page.locator('.djs-element[data-element-id="ut_signfor"] text', { hasText: 'Sign for' }).first().waitFor()
      t.notMatch((await signFor.first().textContent())!, /签收/, 'the English half alone')
      await page.click('[data-testid=lang-switch]')
    })

    await t.test('the modeler speaks the chosen language', async (t) => {
      await page.goto(`${base}/admin/modeler`)
      await page.waitForSelector('.djs-palette .entry')
      t.ok(await page.locator('.djs-palette .entry[aria-label="创建任务"]').count(), 'palette in Chinese')
      await page.waitForSelector('.bio-properties-panel')
      t.match(await page.textContent('.bio-properties-panel'), /常规/, 'properties panel in Chinese')
      t.match(await page.textContent('.bio-properties-panel-header'), /流程/, 'its header names the type in Chinese')
      // The process's General group, opened: its key's help read "This maps to the process definition key."
      await page.click('.bio-properties-panel-group-header:has-text("常规")')
      await page.locator('.bio-properties-panel-description', { hasText: '即流程定义的键' }).waitFor()
      t.notMatch(await page.textContent('.bio-properties-panel'), /This maps to/, 'its help in Chinese too')
      // A list group with no items offers "Create": the Camunda provider's list groups had no translate.
      const listeners = page.locator('.bio-properties-panel-group-header:has-text("执行监听器")')
      t.match(await listeners.textContent(), /新建/, 'a list group offers 新建')
      t.notMatch(await listeners.textContent(), /Create/)
      await s.shot('i18n-30-modeler-zh')
      await page.click('[data-testid=lang-switch]')
      await page.waitForSelector('.djs-palette .entry[aria-label="Create task"]')
      t.match(await page.textContent('.bio-properties-panel'), /General/)
      await s.shot('i18n-31-modeler-en')
      await page.click('[data-testid=lang-switch]')
    })

    t.same(s.errors, [], 'no console errors')
  },
)
