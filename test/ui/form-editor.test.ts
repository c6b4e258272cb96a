/**
 * Browser test (issue 12, "Must show", second test): Xianghe's administrator opens the handle
 * form in the form editor, drags a text field in from the palette, makes it a required "site
 * check" and deploys it for Xianghe; a Xianghe grid worker then opens a handle task, sees the
 * new field, is stopped by form-js's own "required" on an empty submit, and completes with it.
 * Screenshots of the editor and the task form in both languages and at phone size.
 */
import type { Page } from 'playwright-core'
import { drag, uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call, caseByNo, getCase, openTask, petition, step } from '../api.js'

const center = async (page: Page, selector: string) => {
  const b = (await page.locator(selector).first().boundingBox())!
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 }
}

browserTest('an administrator adds a required field in the form editor; a Xianghe handler must fill it', { name: 'form-editor' }, async (t, app, s) => {
  const { page, base } = s

  // ── the county administrator designs the field ───────────────────────────────────────────
  await uiLogin(page, base, 'xianghe-admin')
  await page.waitForURL(/\/admin\/processes/)
  await page.click('[data-testid=forms-link]')
  await page.waitForSelector('[data-testid=form-list]')
  await page.click('tr[data-form="shuoshi-handle"][data-tenant=""] [data-testid=edit-form]')
  await page.waitForSelector('.fjs-editor-container .fjs-palette-field[data-field-type="textfield"]').catch((e) => {
    throw new Error(`${e.message}\n${s.errors.join('\n')}`)
  })
  await page.waitForSelector('.fjs-editor-container .fjs-form-field')
  await s.shot('form-editor-01-open-zh')

  const before = await page.locator('.fjs-editor-container .fjs-form-field').count()
  // Drop the new text field under the last field of the form.
  const last = (await page.locator('.fjs-editor-container .fjs-drop-container-vertical .fjs-element').last().boundingBox())!
  await drag(page, await center(page, '.fjs-palette-field[data-field-type="textfield"]'), { x: last.x + last.width / 2, y: last.y + last.height - 4 })
  await page.waitForFunction((n) => document.querySelectorAll('.fjs-editor-container .fjs-form-field').length > n, before)
  // The dropped field is selected: its properties are on the right, in collapsed groups.
  await page.locator('.bio-properties-panel-group-header', { hasText: '常规' }).click()
  const label = page.locator('#bio-properties-panel-label')
  await label.waitFor()
  await label.fill('现场核查情况 / Site check')
  const key = page.locator('#bio-properties-panel-key')
  await key.fill('siteCheck')
  // "Validation" is a collapsed group of the panel; open it and tick "Required".
  const validation = page.locator('.bio-properties-panel-group-header', { hasText: '校验' })
  await validation.click()
  await page.locator('#bio-properties-panel-required').check()
  await page.waitForTimeout(400) // the panel debounces its text inputs (300 ms) before it writes the schema
  t.equal(await page.locator('[data-testid=form-deploy-tenant]').inputValue(), 'xianghe', 'a county administrator deploys for their county')
  await s.shot('form-editor-02-field-added-zh')
  await page.click('[data-testid=form-deploy]')
  await page.waitForURL((u) => u.pathname === '/admin/forms/edit' && !u.search.includes('undefined'))
  await page.waitForFunction(() => /v1/.test(document.querySelector('[data-testid=form-editor-status]')?.textContent ?? ''))

  const versions = (await call(app, 'admin', 'GET', '/api/forms?key=shuoshi-handle')).body
  const xianghe = versions.find((v: any) => v.tenant === 'xianghe')
  t.ok(xianghe, 'Xianghe has its own handle form now')
  const deployed = JSON.parse((await call(app, 'admin', 'GET', `/api/forms/${xianghe.id}`)).body.source)
  const field = deployed.components.find((c: any) => c.key === 'siteCheck')
  t.match(field, { type: 'textfield', label: '现场核查情况 / Site check', validate: { required: true } }, 'the field as designed')

  // English chrome of the editor.
  await page.click('[data-testid=lang-switch]')
  await page.waitForSelector('.fjs-editor-container .fjs-form-field')
  await s.shot('form-editor-03-en')
  await page.click('[data-testid=lang-switch]')

  // ── a Xianghe handler meets it ───────────────────────────────────────────────────────────
  const p = await petition(app, {
    description: '村道被占用',
    category: 'neighbour.building',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  await step(app, c.id, 'ut_signfor', 'grid01', { signOutcome: 'accept' })
  const task = await openTask(app, c.id, 'ut_handle')

  await page.evaluate(() => localStorage.clear())
  await uiLogin(page, base, 'grid01')
  await page.goto(`${base}/tasks/${task.id}`)
  const form = page.locator('[data-testid=task-form]')
  await form.locator('.fjs-form').waitFor()
  t.match(await form.textContent(), /现场核查情况/, 'the new field, in Chinese')
  t.notMatch(await form.textContent(), /Site check/, 'and only in Chinese')
  t.equal(await form.locator('label', { hasText: '理由' }).count(), 0, 'the reason is hidden until an outcome needs it')

  // Choose "resolved" in form-js's select, write a result, leave the site check empty.
  await form.locator('.fjs-form-field-select .fjs-input-group').click()
  await page.locator('.fjs-dropdownlist-item', { hasText: '已办结' }).click()
  await form.locator('textarea').first().fill('已疏通村道')
  await page.click('[data-testid=complete]')
  const err = form.locator('.fjs-form-field-error')
  await err.first().waitFor()
  t.match(await err.allTextContents(), [/必填/], 'form-js says the site check is required, in Chinese')
  t.equal((await getCase(app, c.id)).status, 'in_progress', 'nothing was sent')
  await s.shot('form-editor-04-task-required-zh')

  // Escalating shows the reason (a conditional field) as required.
  await form.locator('.fjs-form-field-select .fjs-input-group').first().click()
  await page.locator('.fjs-dropdownlist-item', { hasText: '提级' }).click()
  await form.locator('label', { hasText: '理由' }).waitFor()
  await form.locator('label', { hasText: '提级至' }).waitFor()
  await form.locator('.fjs-form-field-select .fjs-input-group').first().click()
  await page.locator('.fjs-dropdownlist-item', { hasText: '已办结' }).click()

  // English, then phone size.
  await page.click('[data-testid=lang-switch]')
  await form.locator('.fjs-form').waitFor()
  await page.waitForFunction(() => /Site check/.test(document.querySelector('[data-testid=task-form]')?.textContent ?? ''))
  await s.shot('form-editor-05-task-en')
  await page.click('[data-testid=lang-switch]')
  await form.locator('.fjs-form').waitFor()
  await page.waitForFunction(() => /现场核查情况/.test(document.querySelector('[data-testid=task-form]')?.textContent ?? ''))
  await page.setViewportSize({ width: 390, height: 844 })
  await s.shot('form-editor-06-task-phone-zh')

  // Fill everything and complete.
  await form.locator('.fjs-form-field-select .fjs-input-group').first().click()
  await page.locator('.fjs-dropdownlist-item', { hasText: '已办结' }).click()
  await form.locator('textarea').first().fill('已疏通村道')
  await form.locator('input[type=text]').last().fill('已到现场核实')
  await page.click('[data-testid=complete]')
  await page.waitForURL(/\/tasks$/)
  const after = await getCase(app, c.id)
  t.equal(after.status, 'awaiting_evaluation', 'completed with the new field')
  const done = (await call(app, 'admin', 'GET', `/api/tasks/${task.id}`)).body
  t.match(done.data, { outcome: 'resolved', result: '已疏通村道', siteCheck: '已到现场核实' })
  t.same(s.errors, [], 'no console errors')
})
