/**
 * Browser test: a county administrator reads an incident of a service task that failed in a
 * step a timer started. The page named the timer ("wait_day") and the process key
 * ("follow_up"), with "案件" for the case: now the failed task by its name, the process by its
 * name, the case by its number, and the timer as what started the step; retry and cancel act.
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call } from '../api.js'
import { failedFollowUp } from '../fixtures/incidents.js'

browserTest('an incident names the failed task, its process and its case; retry and cancel act on it', { name: 'incidents' }, async (t, app, s) => {
  const { page, base } = s
  const { caseNo, c, started } = await failedFollowUp(t, app)

  await uiLogin(page, base, 'xianghe-admin')
  await page.goto(`${base}/admin/incidents`)
  const row = page.locator('[data-testid=incident-row]')
  await row.waitFor()
  t.equal(await row.count(), 1)
  t.equal((await row.locator('[data-testid=incident-activity]').textContent())?.trim(), '转其他流程', 'the task that failed, by its Chinese name')
  t.match(await row.locator('[data-testid=incident-element]').textContent(), /svc_switch/, 'its id beside it')
  t.equal((await row.locator('[data-testid=incident-trigger]').textContent())?.trim(), '由定时器“等一天”触发', 'the timer as what started the step')
  const processCell = (await row.locator('[data-testid=incident-process]').textContent())!
  t.match(processCell, /^回访转办 \(香河县\)/, 'the process by its Chinese name, the county by name')
  t.notMatch(processCell, /Follow-up/, 'not the English half')
  t.equal((await row.locator('[data-testid=incident-case] a').textContent())?.trim(), caseNo, 'the case by its number')
  t.equal(await row.locator('[data-testid=incident-case] a').getAttribute('href'), `/cases/${c.id}`)
  t.equal((await row.locator('[data-testid=incident-message]').textContent())?.trim(), '未知的办理程序 no_such_procedure', 'why, in Chinese')
  t.match(await page.textContent('main'), /先排除原因.*再点“重试”/, 'what to do')
  // The number a handler is told (error.engine.stepFailedIncident names the whole id) begins as the row's.
  const listed = (await call(app, 'xianghe-admin', 'GET', '/api/incidents?status=open')).body.items
  t.equal((await row.locator('[data-testid=incident-ref]').textContent())?.trim(), listed[0].id.slice(0, 8), 'the incident’s number')
  await s.shot('incidents-01-zh')

  // Retry: the cause is still there, so it stays open with a second attempt.
  await row.locator('[data-testid=retry]').click()
  await page.locator('[data-testid=incident-row] [data-testid=incident-message]', { hasText: '×2' }).waitFor()
  t.equal((await page.locator('[data-testid=incident-activity]').textContent())?.trim(), '转其他流程', 'after a failed retry still the task')

  await page.click('[data-testid=lang-switch]')
  await page.locator('[data-testid=incident-activity]', { hasText: 'Switch procedure' }).waitFor()
  t.equal((await page.locator('[data-testid=incident-trigger]').textContent())?.trim(), 'started by the timer "Wait a day"')
  const enProcess = (await page.locator('[data-testid=incident-process]').textContent())!
  t.match(enProcess, /^Follow-up switch \(Xianghe County\)/)
  t.match((await page.locator('[data-testid=incident-row] [data-testid=incident-message]').textContent())!, /^unknown procedure no_such_procedure/)
  t.notMatch((await page.locator('[data-testid=incident-row]').textContent())!, /\p{Script=Han}/u, 'no Chinese in the English row')
  await s.shot('incidents-02-en')
  await page.setViewportSize({ width: 390, height: 844 })
  await s.shot('incidents-03-en-phone')
  await page.click('[data-testid=lang-switch]')
  await page.locator('[data-testid=incident-activity]', { hasText: '转其他流程' }).waitFor()
  await s.shot('incidents-04-zh-phone')

  // Cancel: the instance ends with the reason given, and the incident leaves the open list.
  page.once('dialog', (d) => void d.accept('不再回访'))
  await page.locator('[data-testid=cancel-instance]').click()
  await page.waitForSelector('[data-testid=no-incidents]')
  const inst = (await call(app, 'admin', 'GET', `/api/process-instances/${started.body.id}`)).body
  t.match(inst, { status: 'cancelled', error: '不再回访' })
  t.same(s.errors, [], 'no console errors')
})
