/**
 * Browser test: a dispatcher's and a handler's working day (issue 12, items 2-4 and 7). The
 * demo `dispatcher` finds a case in the task list by search, dispatches it with the unit
 * picker by typing part of a Chinese unit name; the unit's handler sees the deadline in the
 * bell, signs for the case and asks for more time; the leader sees the days and the reason and
 * approves. Screenshots of the task list at desktop and phone size, in both languages.
 */
import type { Page } from 'playwright-core'
import { chooseOption, uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call, openTask, petition } from '../api.js'

const anon = { type: 'person', anonymous: true }

async function logout(page: Page) {
  await Promise.all([page.waitForURL(/\/login/), page.click('header .user button')])
}

browserTest('a dispatcher finds and dispatches a case with the picker; the handler asks for time; the leader approves seeing why', { name: 'worklist-day', viewport: { width: 1280, height: 900 } }, async (t, app, s) => {
  const { page, base } = s
  // Three cases no rule routes: all wait at the dispatch step (the city desk sees them all).
  const mine = await petition(app, { title: '东门路灯不亮', description: '安平村东门路灯连续三晚不亮，行人夜里看不清路', category: 'other', regionCode: 'xh-anping-v01-g1', address: '安平村东门', petitioner: anon })
  await petition(app, { description: '咨询医保报销流程', category: 'policy.insurance', regionCode: 'xh-shuyang-v01-g1', petitioner: anon })
  await petition(app, { description: '楼道堆放杂物', category: 'other', regionCode: 'gy-xinyuan-v01-g1', petitioner: anon })

  await uiLogin(page, base, 'dispatcher')
  await page.goto(`${base}/tasks?tab=group`)
  await page.waitForSelector('[data-testid=task-row]')
  t.equal(await page.locator('[data-testid=task-row]').count(), 3, 'three dispatch tasks for the city desk')
  t.match(await page.textContent('[data-testid=task-list]'), /东门路灯不亮[\s\S]*其他[\s\S]*安平村第一网格/, 'a row shows title, category and place')
  await page.setViewportSize({ width: 1280, height: 900 })
  await s.shot('60-tasks-desktop-zh')

  await page.fill('[data-testid=filter-q]', '路灯不亮')
  await Promise.all([page.waitForURL(/q=/), page.press('[data-testid=filter-q]', 'Enter')])
  await page.waitForSelector(`[data-case-no="${mine.caseNo}"]`)
  t.equal(await page.locator('[data-testid=task-row]').count(), 1, 'search finds the one case')
  t.match(await page.textContent('[data-testid=task-row]'), mine.caseNo, 'by its number')

  // Dispatch with the picker: part of a Chinese name, arrow and Enter.
  await Promise.all([page.waitForURL(/\/tasks\/[^/?]+$/), page.click(`[data-case-no="${mine.caseNo}"] a.task-name`)])
  const picker = page.getByRole('combobox', { name: '承办单位' })
  await picker.click()
  await picker.pressSequentially('城市管理')
  // The list answers the typed text (香河县城市管理综合行政执法局), not the list shown on focus.
  await page.waitForFunction(() => [...document.querySelectorAll('[role=option][data-code]')].map((o) => o.getAttribute('data-code')).join() === 'xianghe-urban')
  t.equal(await page.locator('[role=option][data-code]').count(), 1, 'only units that can take the case, matching the name')
  await picker.press('Enter')
  await page.waitForSelector('.unit-chips .chip[data-code="xianghe-urban"]')
  await page.fill('textarea[name=dispatchNote]', '路灯属城管')
  await s.shot('61-dispatch-picker')
  await Promise.all([page.waitForURL(/\/tasks$/), page.click('[data-testid=complete]')])
  t.equal((await call(app, 'admin', 'GET', `/api/cases/${(await app.db('cases').where({ case_no: mine.caseNo }).first()).id}`)).body.ownerUnit, 'xianghe-urban')
  await logout(page)

  // The handler: the sign-for deadline (24 h) is in the bell.
  await uiLogin(page, base, 'urban-officer')
  await page.waitForSelector('[data-testid=bell-count]:not([hidden])')
  t.equal((await page.textContent('[data-testid=bell-count]'))?.trim(), '1', 'the bell counts the task due within a day')
  await page.click('[data-testid=bell]')
  await page.waitForSelector('[data-testid=bell-deadline]')
  t.match(await page.textContent('[data-testid=bell-deadline]'), mine.caseNo)
  await s.shot('62-bell')
  await Promise.all([page.waitForURL(/\/tasks\/[^/?]+$/), page.click('[data-testid=bell-deadline]')])
  await chooseOption(page, 'signOutcome', '签收')
  await Promise.all([page.waitForURL(/\/tasks$/), page.click('[data-testid=complete]')])
  const caseId = (await app.db('cases').where({ case_no: mine.caseNo }).first()).id
  const handle = await openTask(app, caseId, 'ut_handle')
  await page.goto(`${base}/tasks/${handle.id}`)
  await page.click('[data-action=extension]')
  await page.fill('input[name=days]', '5')
  await page.fill('textarea[name=reason]', '需要更换整条线路，等待供电公司配合')
  await Promise.all([page.waitForURL(/\/tasks$/), page.click('form.card button[type=submit]')])
  await page.goto(`${base}/tasks/${handle.id}`)
  await page.waitForSelector('[data-testid=extension-pending]')
  t.ok(await page.locator('[data-action=extension]').isDisabled(), 'a second request is refused before a form is filled')
  await s.shot('63-extension-pending')
  await logout(page)

  // The leader decides seeing the days and the reason.
  await uiLogin(page, base, 'leader')
  await page.goto(`${base}/tasks?tab=group&q=${encodeURIComponent(mine.caseNo)}`)
  await page.waitForSelector(`[data-case-no="${mine.caseNo}"]`)
  await Promise.all([page.waitForURL(/\/tasks\/[^/?]+$/), page.click(`[data-case-no="${mine.caseNo}"] a.task-name`)])
  await page.waitForSelector('[data-testid=decides-extension]')
  t.match(await page.textContent('[data-testid=extension-days]'), /5 天/)
  t.equal(await page.textContent('[data-testid=extension-reason]'), '需要更换整条线路，等待供电公司配合', 'the reason, verbatim')
  await s.shot('64-approval-context')
  await chooseOption(page, 'extensionDecision', '同意延期')
  await Promise.all([page.waitForURL(/\/tasks$/), page.click('[data-testid=complete]')])
  const events = (await call(app, 'admin', 'GET', `/api/cases/${caseId}/history`)).body
  t.ok(JSON.stringify(events).includes('extension_approved'), 'approved')
  await logout(page)

  // Screenshots: the dispatcher's list at phone size and on the desktop, in both languages.
  await uiLogin(page, base, 'dispatcher')
  await page.goto(`${base}/tasks?tab=all`)
  await page.waitForSelector('[data-testid=task-row]')
  await page.setViewportSize({ width: 390, height: 844 })
  await s.shot('65-tasks-phone-zh')
  await page.click('[data-testid=lang-switch]')
  await page.waitForSelector('text=Claim selected')
  await page.waitForSelector('[data-testid=task-row]')
  await s.shot('66-tasks-phone-en')
  await page.setViewportSize({ width: 1280, height: 900 })
  await s.shot('67-tasks-desktop-en')
  t.same(s.errors, [], 'no console errors')
})
