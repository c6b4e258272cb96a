/**
 * Browser tests on a phone-sized screen: a grid worker claims and completes a task from the
 * task list; a citizen submits a petition, tracks it and evaluates the result; a leader opens
 * the dashboard (and switches it to English).
 */
import { chooseOption, uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call, caseByNo, petition, step } from '../api.js'

browserTest('staff and citizens on a phone', { name: 'staff-citizen', viewport: { width: 390, height: 844 }, mobile: true }, async (t, app, s) => {
  const { page, base } = s

  await t.test('a grid worker claims and completes a task from the task list', async (t) => {
    const p = await petition(app, {
      description: '邻居装修噪音，协调无果',
      category: 'neighbour',
      regionCode: 'xh-anping-v01-g1',
      petitioner: { type: 'person', name: '李桂兰', phone: '13900000001', anonymous: false },
    })
    const c = await caseByNo(app, p.caseNo)

    await uiLogin(page, base, 'grid01')
    await page.waitForURL(/\/tasks/)
    await page.waitForSelector('[data-testid=count-group]:not(:text("…"))')
    t.equal(await page.textContent('[data-testid=count-me]'), '0', 'nothing assigned yet')
    t.equal(await page.textContent('[data-testid=count-group]'), '1', 'one task offered to my grid')
    await page.click('[data-testid=tab-group]')
    const row = page.locator(`[data-testid=task-row]`).first()
    await row.waitFor()
    t.match(await row.textContent(), /签收/)
    await s.shot('10-grid-task-list')

    await row.locator('[data-testid=claim]').click()
    await page.waitForURL(/\/tasks\/[^/?]+$/)
    await page.waitForSelector('[data-testid=task-form]')
    t.match(await page.textContent('[data-testid=case-summary]'), /邻居装修噪音/, 'the case summary is on the task page')

    // The browser checks the form before anything is sent.
    await page.click('[data-testid=complete]')
    t.match(await page.textContent('[data-field=signOutcome] .fjs-form-field-error'), /必填/, 'required outcome flagged in the browser (form-js)')
    t.equal(await page.locator('[data-field=returnReason]').count(), 0, 'no reason asked before a return is chosen')
    // A return asks for its reason (退单理由 was optional, and the dispatcher read "—").
    await chooseOption(page, 'signOutcome', '退单')
    await page.waitForSelector('[data-field=returnReason]')
    await page.click('[data-testid=complete]')
    t.match(await page.textContent('[data-field=returnReason] .fjs-form-field-error'), /必填/, 'a return without a reason flagged in the browser')
    await s.shot('11a-grid-return-needs-reason')
    await chooseOption(page, 'signOutcome', '签收')
    await page.waitForSelector('[data-field=returnReason]', { state: 'detached' })
    await page.fill('[data-field=firstReply] textarea', '已上门了解情况，明天协调双方')
    await s.shot('11-grid-task-form')
    await page.click('[data-testid=complete]')
    await page.waitForURL(/\/tasks$/)

    const after = (await call(app, 'admin', 'GET', `/api/cases/${c.id}`)).body
    t.equal(after.status, 'in_progress', 'signing for moved the case on')
    const done = (await call(app, 'admin', 'GET', `/api/tasks?caseId=${c.id}&status=completed`)).body.items
    t.ok(
      done.some((x: any) => x.elementId === 'ut_signfor' && x.completedBy === 'grid01'),
      'completed by grid01',
    )
    await page.waitForSelector('[data-testid=count-group]:not(:text("…"))')
    await s.shot('12-grid-task-list-after')
  })

  await t.test('a citizen submits, tracks and evaluates', async (t) => {
    await page.evaluate(() => localStorage.clear())
    await page.goto(`${base}/submit`)
    await page.selectOption('[data-testid=category-top]', 'environment')
    await page.selectOption('[data-testid=category-sub]', 'environment.garbage')
    await page.selectOption('[data-testid=region] select[data-level=county]', 'xianghe')
    await page.selectOption('[data-testid=region] select[data-level=township]', 'xh-anping')
    await page.selectOption('[data-testid=region] select[data-level=village]', 'xh-anping-v01')
    await page.selectOption('[data-testid=region] select[data-level=grid]', 'xh-anping-v01-g1')
    await page.fill('input[name=address]', '安平村东街 12 号')
    await page.fill('[data-testid=description]', '村东头垃圾堆放一周了，没人清理，味道很大')
    await page.check('[data-testid=anonymous]')
    await s.shot('20-citizen-submit-form')
    await page.click('[data-testid=submit]')
    await page.waitForSelector('[data-testid=receipt]')
    const caseNo = (await page.textContent('[data-testid=case-no]'))!.trim()
    const code = (await page.textContent('[data-testid=tracking-code]'))!.trim()
    t.match(caseNo, /^XH\d{8}-\d{4}$/, 'a case number to keep')
    t.match(code, /^[A-Z0-9]{8}$/, 'a tracking code to keep')
    await s.shot('21-citizen-receipt')

    await page.click('[data-testid=track-link]')
    await page.waitForSelector('[data-testid=track-result]')
    t.notOk(page.url().includes(code), 'the tracking code is not in the URL')
    t.equal(await page.getAttribute('[data-testid=track-status]', 'data-status'), 'dispatched')
    t.ok((await page.locator('[data-testid=timeline] li').count()) >= 2, 'a timeline like a parcel')
    t.equal(await page.locator('[data-testid=evaluation-form]').count(), 0, 'no evaluation before a result')
    await s.shot('22-citizen-tracking')

    // The village committee handles it.
    const c = await caseByNo(app, caseNo)
    await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept', firstReply: '已联系保洁' })
    await step(app, c.id, 'ut_handle', 'anping-v01', { outcome: 'resolved', result: '垃圾已清运，已安排每日巡查' })

    // A link from before the header still opens the case, and the code leaves the address bar.
    await page.evaluate(() => sessionStorage.clear())
    await page.goto(`${base}/track/${caseNo}?code=${code}`)
    await page.waitForSelector('[data-testid=evaluation-form]')
    t.notOk(page.url().includes(code), 'an old ?code= link is cleaned from the URL')
    await page.reload()
    await page.waitForSelector('[data-testid=evaluation-form]')
    // An empty submit says what is missing (it used to do nothing a phone showed).
    await page.click('[data-testid=evaluate]')
    await page.waitForSelector('[data-testid=evaluation-form] .fjs-form-field-error')
    t.equal(await page.locator('[data-testid=evaluation-form] .fjs-form-field-error', { hasText: '必填' }).count(), 2, 'both questions marked required')
    await s.shot('22-citizen-evaluation-empty')
    const evalForm = page.locator('[data-testid=evaluation-form]')
    await evalForm.getByLabel('已解决', { exact: true }).check()
    await evalForm.getByLabel('满意', { exact: true }).check()
    await page.fill('[data-testid=evaluation-form] textarea[name=comment]', '处理很及时，谢谢')
    await s.shot('23-citizen-evaluation-form')
    await page.click('[data-testid=evaluate]')
    await page.waitForSelector('[data-testid=evaluation-done]')
    t.equal(await page.getAttribute('[data-testid=track-status]', 'data-status'), 'closed')
    await s.shot('24-citizen-evaluated')
    const closed = (await call(app, 'admin', 'GET', `/api/cases/${c.id}`)).body
    t.equal(closed.status, 'closed')
    t.equal(closed.evaluation?.satisfaction, 'satisfied', JSON.stringify(closed.evaluation))
  })

  await t.test('a leader opens the dashboard, in Chinese and in English', async (t) => {
    await uiLogin(page, base, 'leader')
    await page.waitForURL(/\/dashboard/)
    await page.waitForSelector('[data-testid=kpis]')
    t.match(await page.textContent('[data-testid=kpis]'), /响应率/)
    // The monthly volume chart (ECharts draws on a canvas; this month has the citizen's closed case).
    await page.waitForSelector('[data-testid=chart-volume] canvas')
    await s.shot('30-leader-dashboard')
    await page.click('[data-testid=lang-switch]')
    await page.waitForSelector('[data-testid=kpis]:has-text("Response rate")')
    t.equal(await page.getAttribute('html', 'lang'), 'en')
    await s.shot('31-leader-dashboard-en')
    await page.click('[data-testid=lang-switch]')

    // Logging out used to only forget the token in the browser; a copy of it kept working.
    const token = await page.evaluate(() => localStorage.getItem('shuoshi.token'))
    // On a phone 退出 is in the menu (the header is one row there).
    await page.getByRole('button', { name: '菜单' }).click()
    const [out] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/auth/logout')),
      page.getByRole('button', { name: '退出', exact: true }).click(),
    ])
    t.equal(out.status(), 204, 'the log-out button revokes on the server')
    await page.waitForURL(/\/login/)
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } })
    t.equal(me.statusCode, 401, 'the old token no longer works')
  })

  t.same(s.errors, [], 'no console errors')
})
