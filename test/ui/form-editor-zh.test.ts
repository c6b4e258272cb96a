/**
 * Browser test (issue 12): the form editor an administrator designs with reads in the chosen
 * language. form-js-editor ships English only; the palette (group titles, entries, search box),
 * the properties panel (group headings, entry labels, the header's field type) and the editor's
 * validation messages come from the catalogue (`formeditor.*`), and switch with the language.
 * The expected texts are read from the catalogue here, not from the page.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Locator } from 'playwright-core'
import { zh, en } from '../../src/messages/catalogue.js'
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'

/** Latin words of a text, but for the abbreviations the Chinese catalogue keeps (ID, FEEL, URL…). */
const english = (text: string) => (text.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !['ID', 'FEEL', 'URL', 'HTML', 'UTC', 'MIME', 'iFrame'].includes(w))

const texts = async (l: Locator) => (await l.allTextContents()).map((x) => x.trim()).filter(Boolean)

browserTest('the form editor reads in Chinese, and in English after the switch', { name: 'form-editor-zh' }, async (t, _app, s) => {
  const { page, base } = s
  await uiLogin(page, base, 'admin')
  await page.waitForURL(/\/admin\/processes/)
  await page.goto(`${base}/admin/forms`)
  await page.click('tr[data-form="shuoshi-handle"][data-tenant=""] [data-testid=edit-form]')
  const palette = page.locator('.fjs-editor-container .fjs-palette')
  await palette.locator('.fjs-palette-field[data-field-type="textfield"]').waitFor()

  // ── the palette ─────────────────────────────────────────────────────────────────────────
  // The "Action" group holds only the button, which a task form may not have (hidden).
  const groups = await texts(palette.locator('.fjs-palette-group:visible .fjs-palette-group-title'))
  t.same(
    groups,
    [
      zh['formeditor.palette.group.input'],
      zh['formeditor.palette.group.selection'],
      zh['formeditor.palette.group.presentation'],
      zh['formeditor.palette.group.containers'],
    ],
    'the palette groups, in Chinese',
  )
  const entries = await texts(palette.locator('.fjs-palette-field:visible .fjs-palette-field-text'))
  for (const k of [
    'formeditor.type.textfield',
    'formeditor.type.textarea',
    'formeditor.type.number',
    'formeditor.type.select',
    'formeditor.type.checklist',
    'formeditor.type.datetime',
    'formeditor.type.group',
  ] as const)
    t.ok(entries.includes(zh[k]), `palette entry ${zh[k]}`)
  t.same(entries.flatMap(english), [], 'no English entry in the palette')
  t.equal(await palette.locator('.fjs-palette-header').textContent(), zh['formeditor.palette.components'])
  t.equal(await palette.locator('input.fjs-palette-search').getAttribute('placeholder'), zh['formeditor.palette.search'], 'the search box')
  t.equal(
    await palette.locator('.fjs-palette-field[data-field-type="textfield"]').getAttribute('title'),
    zh['formeditor.palette.create'].replace('{{label}}', zh['formeditor.type.textfield']),
    'an entry’s tooltip',
  )
  // Searching works on the translated names.
  await palette.locator('input.fjs-palette-search').fill('多行')
  await page.waitForFunction(() => document.querySelectorAll('.fjs-palette-field').length === 1)
  t.same(await texts(palette.locator('.fjs-palette-field-text')), [zh['formeditor.type.textarea']], 'search finds 多行文本')
  await palette.locator('input.fjs-palette-search').fill('zzz')
  await palette.locator('.fjs-palette-no-entries').waitFor()
  t.equal(await palette.locator('.fjs-palette-no-entries').textContent(), zh['formeditor.palette.none'])
  await palette.locator('input.fjs-palette-search').fill('')

  // ── the properties panel of a text field ────────────────────────────────────────────────
  await page.locator('.fjs-editor-container .fjs-form-field-textfield').first().click()
  const panel = page.locator('.fjs-properties-container')
  await panel.locator('.bio-properties-panel-header-type', { hasText: zh['formeditor.type.textfield'] }).waitFor()
  const headings = await texts(panel.locator('.bio-properties-panel-group-header-title'))
  for (const k of [
    'formeditor.group.general',
    'formeditor.group.condition',
    'formeditor.group.validation',
    'formeditor.group.appearance',
    'formeditor.group.customProperties',
  ] as const)
    t.ok(headings.includes(zh[k]), `panel heading ${zh[k]}`)
  t.same(headings.flatMap(english), [], 'no English heading')
  await panel.locator('.bio-properties-panel-group-header', { hasText: zh['formeditor.group.general'] }).click()
  await panel.locator('.bio-properties-panel-group-header', { hasText: zh['formeditor.group.validation'] }).click()
  await panel.locator('#bio-properties-panel-key').waitFor()
  const labels = await texts(panel.locator('.bio-properties-panel-label'))
  for (const k of [
    'formeditor.entry.fieldLabel',
    'formeditor.entry.description',
    'formeditor.entry.key',
    'formeditor.entry.required',
    'formeditor.entry.minLength',
    'formeditor.entry.maxLength',
  ] as const)
    t.ok(labels.includes(zh[k]), `panel label ${zh[k]}`)
  t.same(labels.flatMap(english), [], 'no English label')
  t.equal(await panel.locator('[data-entry-id=key] .bio-properties-panel-description').textContent(), zh['formeditor.help.bindsTo'], 'a description')
  t.same(
    (await texts(panel.locator('[data-entry-id=validationType] option'))).slice(0, 3),
    [zh['formeditor.entry.custom'], zh['formeditor.entry.email'], zh['formeditor.entry.phone']],
    'a select’s options',
  )
  t.match(
    await panel.locator('.bio-properties-panel-group-header-button').first().getAttribute('title'),
    zh['formeditor.panel.toggleSection'],
    'the panel’s own tooltip',
  )
  // The editor's validation message: an empty key.
  await panel.locator('#bio-properties-panel-key').fill('')
  const error = panel.locator('[data-entry-id=key] .bio-properties-panel-error')
  await error.waitFor()
  t.equal(await error.textContent(), zh['formeditor.invalid.emptyDot'], 'the editor’s validation message')
  await panel.locator('#bio-properties-panel-key').fill('reasonText')
  await error.waitFor({ state: 'detached' })
  await s.shot('form-editor-zh-01-panel')

  // Every group of a text field's and a select's panel open: no English left in the panel's own
  // texts (the form's labels and options are the administrator's, "中文 / English": their words
  // are read from the shipped form and left out; inputs hold values).
  const formsOwn = new Set(english(fs.readFileSync(path.join(process.cwd(), 'processes/forms/handle.form'), 'utf8')))
  for (const type of ['textfield', 'select']) {
    await page.locator(`.fjs-editor-container .fjs-form-field-${type}`).first().click()
    const closed = panel.locator('.bio-properties-panel-group-header:not(.open)')
    for (let i = 0; i < 20 && (await closed.count()) > 0; i++) await closed.first().click()
    const shown = await panel.evaluate((el) => {
      const clone = el.cloneNode(true) as HTMLElement
      clone.querySelectorAll('input, textarea, .bio-properties-panel-header-label, [contenteditable], .cm-editor').forEach((x) => x.remove())
      return [clone.textContent ?? '', ...[...el.querySelectorAll('[title]')].map((x) => x.getAttribute('title') ?? '')].join(' ')
    })
    t.same(
      english(shown).filter((w) => !formsOwn.has(w)),
      [],
      `no English in the ${type}'s properties panel`,
    )
  }
  await s.shot('form-editor-zh-01b-panel-select')

  // ── English ─────────────────────────────────────────────────────────────────────────────
  await page.click('[data-testid=lang-switch]')
  await palette.locator('.fjs-palette-field[data-field-type="textfield"]').waitFor()
  t.same(
    (await texts(palette.locator('.fjs-palette-group-title'))).slice(0, 2),
    [en['formeditor.palette.group.input'], en['formeditor.palette.group.selection']],
    'English palette groups',
  )
  t.ok((await texts(palette.locator('.fjs-palette-field-text'))).includes(en['formeditor.type.textfield']), 'English entries')
  await page.locator('.fjs-editor-container .fjs-form-field-textfield').first().click()
  await panel.locator('.bio-properties-panel-group-header', { hasText: en['formeditor.group.general'] }).click()
  await panel.locator('#bio-properties-panel-key').waitFor()
  t.ok((await texts(panel.locator('.bio-properties-panel-label'))).includes(en['formeditor.entry.key']), 'English labels')
  await s.shot('form-editor-zh-02-panel-en')
  t.same(s.errors, [], 'no console errors')
})
