/**
 * Browser test: form-js's empty select says "Select" in English. It was hidden visually and
 * 请选择 drawn over it by CSS, so a screen reader on a Chinese screen still read "Select"
 * (beside 请选择); now the words themselves are in the reader's language.
 */
import { chooseOption, uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { openTask, petition, step } from '../api.js'

browserTest('an empty form select is named in the reader’s language', { name: 'form-select-zh' }, async (t, app, s) => {
  const { page, base } = s
  const p = await petition(app, {
    description: '村口排水沟堵塞',
    category: 'other',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const caseId: string = (await app.db('cases').where({ case_no: p.caseNo }).first()).id
  await step(app, caseId, 'ut_dispatch', 'dispatcher', { targetUnit: 'xh-anping-v01-g1' })
  const signFor = await openTask(app, caseId, 'ut_signfor')
  await uiLogin(page, base, 'grid01')
  await page.goto(`${base}/tasks/${signFor.id}`)
  const field = page.locator('[data-field=signOutcome]')
  await field.locator('.fjs-select-display').waitFor()
  /** What a screen reader reads of the select's box: its label and its text. */
  const read = async () => (await field.ariaSnapshot()).replace(/\s+/g, ' ')
  const empty = async (word: string, label: string, when: string) => {
    const snapshot = await read()
    t.match(snapshot, `text: ${label} ${word}`, `${when}: the empty select reads “${word}”`)
    t.notMatch(snapshot, /Select(?!…)/, `${when}: no English “Select”`)
    t.equal(await field.locator('input.fjs-select-hidden-input').getAttribute('placeholder'), word, `${when}: the field it focuses says it too`)
  }
  await empty('请选择', '签收或退单', 'zh')
  await s.shot('form-select-zh-01-empty')

  // Picked, then cleared: form-js writes "Select" again, and it is replaced again.
  await chooseOption(page, 'signOutcome', '签收')
  await field.locator('.fjs-select-display', { hasText: '签收' }).waitFor()
  t.notMatch(await read(), /请选择/, 'a picked value reads as itself')
  await field.locator('.fjs-select-cross').click()
  await field.locator('.fjs-select-placeholder').waitFor()
  await empty('请选择', '签收或退单', 'zh, cleared')

  await page.click('[data-testid=lang-switch]')
  await field.locator('.fjs-select-display', { hasText: 'Select…' }).waitFor()
  await empty('Select…', 'Accept or return', 'en')
  await s.shot('form-select-zh-02-en')
  t.same(s.errors, [], 'no console errors')
})
