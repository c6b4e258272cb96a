/**
 * Browser test: withdrawing and restoring a process key from the processes page
 * (src/engine/withdrawals.ts). A county administrator withdraws their county's version of the
 * ordinary procedure (the confirmation says new cases go to the city default) and an experiment
 * with nothing behind it (it says the key can no longer start); each scope then reads 已停用 /
 * Withdrawn, not 生效中 / in force, with who and when, and 恢复 / Restore brings it back. The
 * city's administrator is refused withdrawing the city's ordinary procedure with the catalogue's
 * sentence. Both languages, phone size.
 */
import type { Page } from 'playwright-core'
import path from 'node:path'
import { SCREENSHOTS, uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call } from '../api.js'
import { process as bpmn } from '../fixtures/bpmn.js'

const evilLoop = bpmn(
  'evil_loop',
  `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="u"/><userTask id="u" name="试验" camunda:assignee="xianghe-admin"/><sequenceFlow id="b" sourceRef="u" targetRef="e"/><endEvent id="e"/>`,
  '试验流程',
)

/** Accepts (or dismisses) the next confirmation and gives its sentence. */
function nextDialog(page: Page, accept = true): Promise<string> {
  return new Promise((resolve) =>
    page.once('dialog', (d) => {
      resolve(d.message())
      void (accept ? d.accept() : d.dismiss())
    }),
  )
}

browserTest('withdraw and restore a process key from the processes page', { name: 'process-withdraw' }, async (t, app, s) => {
  const { page, base } = s
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/shipped/ordinary/deploy', {})).status, 201)
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: evilLoop })).status, 201)
  const state = async (key: string) =>
    ((await call(app, 'xianghe-admin', 'GET', `/api/process-definitions?key=${key}&tenant=xianghe`)).body as any[])[0].withdrawn as boolean

  await uiLogin(page, base, 'xianghe-admin')
  await page.goto(`${base}/admin/processes`)
  const ordinary = page.locator('[data-testid=process-ordinary]')
  const county = ordinary.locator('[data-testid=scope][data-tenant=xianghe]')
  const city = ordinary.locator('[data-testid=scope][data-tenant=""]')
  await county.locator('[data-testid=withdraw]').waitFor()
  t.equal(await city.locator('[data-testid=withdraw]').count(), 0, "a county administrator is offered no withdrawal of the city's versions")
  t.match(await county.locator('[data-testid=version-row]').first().textContent(), /生效中/)

  // The county's ordinary procedure: new cases go back to the city default.
  let said = nextDialog(page)
  await county.locator('[data-testid=withdraw]').click()
  t.match(await said, /停用香河县的流程 ordinary.*市级默认版本/, 'the confirmation says new cases use the city default')
  await ordinary.locator('[data-testid=scope][data-tenant=xianghe][data-withdrawn=true]').waitFor()
  t.equal(await state('ordinary'), true, 'withdrawn on the server')
  const firstRow = county.locator('[data-testid=version-row]').first()
  t.match(await firstRow.textContent(), /已停用/, 'the newest county version reads 已停用')
  t.notMatch(await firstRow.textContent(), /生效中/, 'and not 生效中')
  t.match(await county.locator('[data-testid=withdrawn]').textContent(), /香河县管理员 于 \d{4}-\d\d-\d\d \d\d:\d\d 停用。该县的新案件使用市级默认版本/)
  t.match(await city.locator('[data-testid=version-row]').first().textContent(), /生效中/, 'the city default stays in force')

  // An experiment with no city version behind it: it cannot start any more.
  const evil = page.locator('[data-testid=process-evil_loop] [data-testid=scope][data-tenant=xianghe]')
  said = nextDialog(page)
  await evil.locator('[data-testid=withdraw]').click()
  t.match(await said, /没有市级默认版本可用，该县将不能再启动它/, 'the confirmation says it cannot start')
  await page.locator('[data-testid=process-evil_loop] [data-testid=scope][data-withdrawn=true]').waitFor()
  t.match(await evil.locator('[data-testid=withdrawn]').textContent(), /新的实例不能启动/)
  t.equal(await state('evil_loop'), true)
  await s.shot('process-withdraw-01-zh')
  await page.setViewportSize({ width: 390, height: 844 })
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no wider than the phone in Chinese either')
  await evil.screenshot({ path: path.join(SCREENSHOTS, 'process-withdraw-01b-zh-phone-scope.png') })
  await page.setViewportSize({ width: 1280, height: 860 })

  await page.click('[data-testid=lang-switch]')
  await page.waitForSelector('text=Processes')
  await county.locator('[data-testid=restore]').waitFor()
  t.match(await county.locator('[data-testid=version-row]').first().textContent(), /Withdrawn/)
  t.notMatch(await county.locator('[data-testid=version-row]').first().textContent(), /in force/)
  t.match(await county.locator('[data-testid=withdrawn]').textContent(), /Withdrawn by 香河县管理员 on .*\. New cases of this county use the city default\./)
  t.match(await evil.locator('[data-testid=withdrawn]').textContent(), /No new instance can start\./)
  await s.shot('process-withdraw-02-en')
  await page.setViewportSize({ width: 390, height: 844 })
  await county.scrollIntoViewIfNeeded()
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'the page is no wider than the phone')
  await s.shot('process-withdraw-03-en-phone')
  await county.screenshot({ path: path.join(SCREENSHOTS, 'process-withdraw-03b-en-phone-scope.png') })

  // Restore (no confirmation: it puts back what was in force).
  await county.locator('[data-testid=restore]').click()
  await ordinary.locator('[data-testid=scope][data-tenant=xianghe][data-withdrawn=false]').waitFor()
  t.equal(await state('ordinary'), false, 'restored on the server')
  t.match(await county.locator('[data-testid=version-row]').first().textContent(), /in force/)
  // A dismissed confirmation changes nothing.
  said = nextDialog(page, false)
  await county.locator('[data-testid=withdraw]').click()
  t.match(await said, /New cases there will use the city default/)
  t.equal(await state('ordinary'), false, 'dismissed: still in force')
  await s.shot('process-withdraw-04-en-phone-restored')

  // The city's administrator, on the city's ordinary procedure: refused with the sentence.
  await page.setViewportSize({ width: 1280, height: 860 })
  await uiLogin(page, base, 'admin')
  await page.goto(`${base}/admin/processes`)
  s.expectHttpError(409, '/withdraw')
  said = nextDialog(page)
  await city.locator('[data-testid=withdraw]').click()
  t.match(await said, /Withdraw the city default of the process ordinary/)
  const toast = page.locator('.toast', { hasText: 'no case could be filed' })
  await toast.waitFor()
  await s.shot('process-withdraw-05-en-city-refused')
  t.equal((await city.getAttribute('data-withdrawn')) ?? '', 'false', 'the city default stays in force')
  t.same(s.errors, [], 'no console errors')
})
