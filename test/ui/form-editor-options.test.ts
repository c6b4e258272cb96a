/**
 * Browser test: a new option in the Chinese form editor. form-js-editor made every new option
 * "Value" / "value" (a new radio's first, and each "add" in its static options: "Value 2" /
 * "value2"), English in the Chinese editor and unlike the platform's "中文 / English" labels.
 * The label is now "选项 2 / Option 2" and the value an ASCII code "option2".
 */
import { zh } from '../../src/messages/catalogue.js'
import { drag, uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'

browserTest('a new option in the Chinese form editor has a Chinese and English label', { name: 'form-editor-options' }, async (t, _app, s) => {
  const { page, base } = s
  await uiLogin(page, base, 'admin')
  await page.goto(`${base}/admin/forms`)
  await page.click('tr[data-form="shuoshi-handle"][data-tenant=""] [data-testid=edit-form]')
  await page.waitForSelector('.fjs-editor-container .fjs-palette-field[data-field-type="radio"]')
  await page.waitForSelector('.fjs-editor-container .fjs-form-field')

  // A radio group dropped under the last field.
  const before = await page.locator('.fjs-editor-container .fjs-form-field').count()
  const last = (await page.locator('.fjs-editor-container .fjs-drop-container-vertical .fjs-element').last().boundingBox())!
  const from = (await page.locator('.fjs-palette-field[data-field-type="radio"]').boundingBox())!
  await drag(page, { x: from.x + from.width / 2, y: from.y + from.height / 2 }, { x: last.x + last.width / 2, y: last.y + last.height - 4 })
  await page.waitForFunction((n) => document.querySelectorAll('.fjs-editor-container .fjs-form-field').length > n, before)
  const radio = page.locator('.fjs-editor-container .fjs-form-field-radio').last()
  t.equal((await radio.locator('.fjs-form-field-label').nth(1).textContent())?.trim(), '选项 1 / Option 1', 'the new radio’s first option')

  // "Add" in its static options.
  const group = page.locator('.bio-properties-panel-group', {
    has: page.locator('.bio-properties-panel-group-header-title', { hasText: zh['formeditor.group.staticOptions'] }),
  })
  await group.locator('.bio-properties-panel-add-entry').click()
  const items = group.locator('.bio-properties-panel-collapsible-entry-header-title')
  await items.nth(1).waitFor()
  t.same(
    (await items.allTextContents()).map((x) => x.trim()),
    ['选项 1 / Option 1', '选项 2 / Option 2'],
    'the added option, in both languages',
  )
  // A new item opens by itself (the panel's autoFocusEntry).
  const value = group.locator('input[id$="-1-value"]')
  await value.waitFor()
  t.equal(await value.inputValue(), 'option2', 'its value an ASCII code, not "value2"')
  t.match((await radio.textContent())!, /选项 2 \/ Option 2/, 'on the canvas too')
  t.notMatch((await group.textContent())!, /\bValue\b/, 'no "Value" left in the options')
  await s.shot('form-editor-options-zh')
  t.same(s.errors, [], 'no console errors')
})
