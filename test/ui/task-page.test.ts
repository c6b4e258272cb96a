/**
 * The task pages as a tester walked them on a phone (390 × 844), in both languages: the
 * dispatcher dispatches a case no rule routes, the grid worker signs for it and opens the
 * handling task. What broke:
 * - the dispatch form's labels were clipped on a phone (form-js keeps a label on one line);
 * - the one required field, the owning unit, stood at the bottom under the bpmn.io watermark;
 *   submitting it empty still sent the request (422, a console error) and the reason showed
 *   twice; a grid unit's picker line repeated its name;
 * - "签收" named both the sign-for step and claiming a group task;
 * - the earlier steps listed form keys, option values, unit codes and empty fields;
 * - a completed task's page worked its own answers out in the browser, a second copy of the
 *   server's rules for an earlier step's; the server sends them now (`answers`);
 * - a completed task still counted down to its deadline ("24 h left"); it says whether it was
 *   done in time now;
 * - the return awaiting review named who returned it by username (grid01), not by name.
 */
import fs from 'node:fs'
import type { Page } from 'playwright-core'
import tap from 'tap'
import { chooseOption, uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call, openTask, petition, step, streetLight } from '../api.js'

const PHONE = { width: 390, height: 844 }
const anon = { type: 'person', name: '王五', phone: '13900000009', anonymous: true }

/** Types into the unit picker and picks `code` once the list answers what was typed. */
async function pickUnit(page: Page, name: string, typed: string, code: string) {
  const picker = page.getByRole('combobox', { name })
  await picker.click()
  await picker.pressSequentially(typed)
  // The list shown on focus has every unit; wait for the one that answers the typed text.
  await page.waitForFunction(
    (typed) =>
      [...document.querySelectorAll('[role=option][data-code]')].every((o) => o.textContent!.includes(typed)) &&
      !!document.querySelector('[role=option][data-code]'),
    typed,
  )
  const option = page.locator(`[role=option][data-code="${code}"]`)
  const text = (await option.textContent())!
  await option.click()
  return text
}

async function switchLang(page: Page, waitFor: string) {
  await page.click('[data-testid=lang-switch]')
  await page.waitForSelector(waitFor)
}

/** Labels whose text is cut off (wider than their box), by their text. */
const clippedLabels = (page: Page) =>
  page.$$eval('.fjs-form-field-label', (ls) => ls.filter((l) => l.scrollWidth > l.clientWidth + 1).map((l) => l.textContent))

// Six walks through real pages, both languages (84 s at load 14): past tap's 120 s per file on
// a loaded machine (a CI run at load 19 killed it).
tap.setTimeout(360_000)

browserTest('task pages: dispatch, claim and earlier steps on a phone', { name: 'task-page', viewport: PHONE, mobile: true }, async (t, app, s) => {
  const { page, base } = s
  const p = await petition(app, { description: '村口排水沟堵塞，雨天积水', category: 'other', regionCode: 'xh-anping-v01-g1', petitioner: anon })
  const caseId: string = (await app.db('cases').where({ case_no: p.caseNo }).first()).id
  const dispatch = await openTask(app, caseId, 'ut_dispatch')
  const sent: string[] = []
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/api\/tasks\/[^/]+\/complete$/.test(new URL(r.url()).pathname)) sent.push(r.url())
  })

  await t.test('dispatch: the owning unit first, checked in the browser, labels whole', async (t) => {
    await uiLogin(page, base, 'dispatcher')
    await page.goto(`${base}/tasks/${dispatch.id}`)
    await page.waitForSelector('[data-testid=task-form] [data-field=targetUnit] input')
    const order = await page.$$eval('[data-testid=task-form] [data-field]', (fs) => fs.map((f) => f.getAttribute('data-field')))
    t.same(order.slice(0, 2), ['targetUnit', 'dispatchNote'], 'the owning unit is the first field, the note after it')
    // A first dispatch has no return to review: the review's fields were shown on every one.
    for (const key of ['returnDecision', 'returnDecisionReason']) t.notOk(await page.isVisible(`[data-field=${key}]`), `no ${key} on a first dispatch`)
    t.equal(await page.locator('text=退单审核').count(), 0, 'nor the review’s heading')
    // The watermark stays (form-js's licence), under the button rather than between fields.
    const y = async (sel: string) => (await page.locator(sel).boundingBox())!.y
    t.ok((await y('.fjs-powered-by')) > (await y('[data-testid=complete]')), 'the bpmn.io watermark is below the submit button')

    // Empty: form-js says so under the field, once, and nothing is sent.
    await page.click('[data-testid=complete]')
    await page.waitForSelector('[data-field=targetUnit] .fjs-form-field-error')
    t.equal(await page.textContent('[data-field=targetUnit] .fjs-form-field-error'), '必填', 'required, under the field')
    t.equal(sent.length, 0, 'no request for an empty required unit')
    t.equal(await page.locator('text=请填写承办单位').count(), 0, 'not the server’s reason as well')

    // The picker's grey line does not repeat a grid unit's name.
    const option = await pickUnit(page, '承办单位', '第一网格', 'xh-anping-v01-g1')
    t.equal(option.match(/安平村第一网格/g)?.length, 1, 'the grid unit named once in the list')
    await page.waitForSelector('.unit-chips .chip[data-code="xh-anping-v01-g1"]')
    t.equal((await page.textContent('.unit-chips .chip'))!.match(/安平村第一网格/g)?.length, 1, 'and once on its chip')
    t.notOk(await page.isVisible('[data-field=targetUnit] .fjs-form-field-error'), 'picking clears the error')

    // In English on the phone every label is whole, and still no review.
    await switchLang(page, 'text=Owning unit')
    await page.waitForSelector('[data-field=targetUnit] input')
    t.equal(await page.locator('text=Return review').count(), 0, 'no review in English either')
    t.same(await clippedLabels(page), [], 'no label cut off at 390 px')
    await s.shot('task-page-dispatch-en-phone')
    await switchLang(page, 'text=承办单位')
    await page.waitForSelector('[data-field=targetUnit] input')
  })

  let signedFor = ''
  await t.test('dispatch, then the handling task is claimed, not signed for', async (t) => {
    // A fresh page: the form as it opens, for a first dispatch.
    await page.goto(`${base}/tasks/${dispatch.id}`)
    await pickUnit(page, '承办单位', '第一网格', 'xh-anping-v01-g1')
    await page.fill('textarea[name=dispatchNote]', '探针派单备注')
    await s.shot('task-page-dispatch-zh-phone')
    await Promise.all([page.waitForURL(/\/tasks$/), page.click('[data-testid=complete]')])
    t.equal((await call(app, 'admin', 'GET', `/api/cases/${caseId}`)).body.ownerUnit, 'xh-anping-v01-g1')

    signedFor = (await step(app, caseId, 'ut_signfor', 'grid01', { signOutcome: 'accept', firstReply: '' })).id
    await uiLogin(page, base, 'grid01')
    await page.goto(`${base}/tasks?tab=group`)
    const row = page.locator('[data-testid=task-row]').first()
    await row.waitFor()
    t.match(await page.textContent('[data-testid=tab-group]'), /待认领/, 'the tab says claim')
    t.equal(await row.locator('[data-testid=claim]').textContent(), '认领', 'claiming is 认领, not 签收 (the sign-for step)')
    await s.shot('task-page-group-zh-phone')
    await page.goto(`${base}/tasks?tab=me`)
    await switchLang(page, 'text=My groups')
    await page.waitForSelector('text=Nothing assigned to you.')
    t.match(await page.textContent('main'), /Claim work under "My groups"\./, 'one kind of quotes, no stray apostrophe')
    t.notMatch(await page.textContent('main'), /My groups'/)
    await switchLang(page, 'text=组任务')
  })

  await t.test('the earlier steps by their labels, options and unit names, empty ones left out', async (t) => {
    const handle = await openTask(app, caseId, 'ut_handle')
    await page.goto(`${base}/tasks/${handle.id}`)
    await page.waitForSelector('[data-testid=task-context] details.steps')
    await page.click('[data-testid=task-context] details.steps summary')
    const steps = page.locator('[data-testid=task-context] .step-list').first()
    const text = (await steps.textContent())!
    for (const raw of ['signOutcome', 'firstReply', 'returnReason', 'targetUnit', 'returnDecision', 'dispatchNote', 'xh-anping-v01-g1', 'accept'])
      t.notOk(text.includes(raw), `no ${raw} on screen`)
    t.match(text, /签收或退单\s*签收/, 'the sign-for answer by its label and option')
    t.match(text, /承办单位\s*安平村第一网格/, 'the unit by name')
    t.match(text, /派单说明\s*探针派单备注/, 'the note as written')
    t.notMatch(text, /首次答复|退单理由|驳回理由|退单审核/, 'empty answers left out')
    t.notMatch(text, /[A-Za-z]{3,}/, 'no English in the Chinese page')
    await s.shot('task-page-earlier-steps-zh-phone')

    await switchLang(page, 'text=Earlier steps')
    await page.click('[data-testid=task-context] details.steps summary')
    const en = (await steps.textContent())!
    t.match(en, /Accept or return\s*Accept/)
    t.match(en, /Owning unit\s*\S/)
    t.match(en, /Note\s*探针派单备注/, 'what a person wrote stays as written')
    // People's display names are as entered (网格员 王强); the answers' labels and options are English.
    const answersEn = (await steps.locator('.step-data').allTextContents()).join(' ')
    t.notMatch(answersEn.replace('探针派单备注', ''), /[\u4e00-\u9fff]/, 'no Chinese in the English answers but the user’s text')
    await s.shot('task-page-earlier-steps-en-phone')
    await switchLang(page, 'text=此前步骤')
    t.same(s.errors, [], 'no console errors')
  })

  await t.test("a pattern's error is a sentence in each language, never the pattern", async (t) => {
    // form-js's English read "Field must match pattern ^XH-[0-9]{4}$.": a code on screen, and
    // another sentence than the Chinese one.
    const handle = JSON.parse(fs.readFileSync('processes/forms/handle.form', 'utf8'))
    handle.components.push({ key: 'ticket', type: 'textfield', label: '工单号 / Ticket number', validate: { pattern: '^XH-[0-9]{4}$' } })
    const deployed = await call(app, 'xianghe-admin', 'POST', '/api/forms', { source: JSON.stringify(handle) })
    t.equal(deployed.status, 201, JSON.stringify(deployed.body))
    const task = await openTask(app, caseId, 'ut_handle')
    await page.goto(`${base}/tasks/${task.id}`)
    await page.waitForSelector('[data-field=ticket] input')
    await page.fill('[data-field=ticket] input', 'bad')
    await page.click('[data-testid=complete]')
    await page.waitForSelector('[data-field=ticket] .fjs-form-field-error')
    t.equal(await page.textContent('[data-field=ticket] .fjs-form-field-error'), '格式不正确')
    await switchLang(page, 'text=Ticket number')
    await page.fill('[data-field=ticket] input', 'still bad')
    await page.click('[data-testid=complete]')
    await page.waitForSelector('[data-field=ticket] .fjs-form-field-error')
    const en = (await page.textContent('[data-field=ticket] .fjs-form-field-error'))!
    t.equal(en, 'This is not in the right form.', `the English sentence (${en})`)
    await s.shot('task-page-pattern-en-phone')
    await switchLang(page, 'text=工单号')
  })

  await t.test("a completed task's own answers by its form's labels, options and unit names", async (t) => {
    // The browser worked these out from the form itself, a second copy of the server's rules.
    const own = page.locator('[data-testid=own-answers]')
    await page.goto(`${base}/tasks/${signedFor}`)
    await own.waitFor()
    t.same(await own.locator('dt').allTextContents(), ['签收或退单'], 'the empty reply left out')
    t.same(await own.locator('dd').allTextContents(), ['签收'], 'the option by its label')
    // What broke: an ended task still counted down to its deadline ("剩余 24 小时").
    const done = (await call(app, 'grid01', 'GET', `/api/tasks/${signedFor}`)).body
    t.ok(done.dueAt && done.endedAt && done.endedAt <= done.dueAt, 'the sign-for was done before its deadline')
    const meta = page.locator('[data-testid=task-meta]')
    t.match(await meta.textContent(), '（按期完成）')
    t.notMatch(await meta.textContent(), /剩余|已超期/, 'no countdown on a completed task')
    await s.shot('task-page-completed-signfor-zh-phone')
    await switchLang(page, 'text=This task has ended.')
    t.same(await own.locator('dt').allTextContents(), ['Accept or return'])
    t.same(await own.locator('dd').allTextContents(), ['Accept'], 'and in English')
    t.match(await meta.textContent(), '(completed on time)')
    t.notMatch(await meta.textContent(), /left|overdue/)
    await s.shot('task-page-completed-signfor-en-phone')
    await switchLang(page, 'text=任务已结束。')

    // The dispatch the dispatcher completed in this browser (above), on its own page.
    await uiLogin(page, base, 'dispatcher')
    await page.goto(`${base}/tasks/${dispatch.id}`)
    await own.waitFor()
    t.same(await own.locator('dt').allTextContents(), ['承办单位', '派单说明'], 'the labels in the form’s order')
    t.same(await own.locator('dd').allTextContents(), ['安平村第一网格', '探针派单备注'], 'the unit by name, the note as written')
    await s.shot('task-page-completed-dispatch-zh-phone')
    await switchLang(page, 'text=This task has ended.')
    t.same(await own.locator('dt').allTextContents(), ['Owning unit', 'Note'])
    t.same(await own.locator('dd').allTextContents(), ['Anping Village Grid 1', '探针派单备注'], 'the unit’s English name; the note stays as written')
    await s.shot('task-page-completed-dispatch-en-phone')
    await switchLang(page, 'text=任务已结束。')
    t.same(s.errors, [], 'no console errors')
  })

  await t.test('after a return the same dispatch form reviews it', async (t) => {
    const handle = await openTask(app, caseId, 'ut_handle')
    t.equal((await call(app, 'grid01', 'POST', `/api/tasks/${handle.id}/return`, { reason: '排水沟属水务部门管护' })).status, 200)
    const review = await openTask(app, caseId, 'ut_dispatch')
    // Still signed in as the dispatcher (above).
    await page.goto(`${base}/tasks/${review.id}`)
    await page.waitForSelector('[data-field=returnDecision]')
    t.ok(await page.isVisible('text=此案件曾被退单'), 'the review says what it is')
    // What broke: the notice named who returned it by username (grid01).
    const grid01 = (await app.db('users').where({ username: 'grid01' }).first('display_name')).display_name as string
    t.not(grid01, 'grid01')
    const notice = page.locator('[data-testid=pending-return]')
    t.match(await notice.textContent(), grid01, 'the notice names the grid worker')
    t.notMatch(await notice.textContent(), 'grid01', 'not by username')
    t.notOk(await page.isVisible('[data-field=returnDecisionReason]'), 'the rejection reason only once a return is rejected')
    await s.shot('task-page-review-zh-phone')

    // In English on the phone, rejecting: no unit to name, every label whole.
    await switchLang(page, '[data-field=returnDecision] >> text=Return review')
    t.match(await notice.textContent(), `Return awaiting review`)
    t.match(await notice.textContent(), grid01, 'by name in English too')
    await chooseOption(page, 'returnDecision', 'Reject')
    await page.waitForSelector('[data-field=returnDecisionReason]')
    t.notOk(await page.isVisible('[data-field=targetUnit]'), 'no unit to name when rejecting')
    t.same(await clippedLabels(page), [], 'no label cut off at 390 px')
    await s.shot('task-page-review-en-phone')
    await switchLang(page, '[data-field=returnDecision] >> text=退单审核')

    // Rejected as a person does it: the case goes back to the grid.
    await chooseOption(page, 'returnDecision', '驳回')
    await page.fill('textarea[name=returnDecisionReason]', '村内排水沟由网格负责')
    await Promise.all([page.waitForURL(/\/tasks$/), page.click('[data-testid=complete]')])
    const returns = (await call(app, 'admin', 'GET', `/api/cases/${caseId}/returns`)).body
    t.match(returns, [{ unit: 'xh-anping-v01-g1', status: 'rejected', decisionReason: '村内排水沟由网格负责' }])
    t.equal((await call(app, 'admin', 'GET', `/api/cases/${caseId}`)).body.ownerUnit, 'xh-anping-v01-g1')

    // The case page's list of returns names both people, in either language.
    const dispatcher = (await app.db('users').where({ username: 'dispatcher' }).first('display_name')).display_name as string
    await page.goto(`${base}/cases/${caseId}`)
    const disputes = page.locator('[data-testid=case-disputes]')
    await disputes.locator('li').first().waitFor()
    const listed = (await disputes.textContent())!
    t.match(listed, grid01, 'who returned it, by name')
    t.match(listed, `${dispatcher} 审核意见`, 'who reviewed it, by name')
    t.notMatch(listed, /grid01|dispatcher/, 'no usernames')
    await disputes.scrollIntoViewIfNeeded()
    await s.shot('task-page-case-returns-zh-phone')
    await switchLang(page, '[data-testid=case-disputes] >> text=Returns')
    t.match(await disputes.textContent(), `${dispatcher} review`)
    await s.shot('task-page-case-returns-en-phone')
    await switchLang(page, '[data-testid=case-disputes] >> text=退单')
    t.same(s.errors, [], 'no console errors')
  })

  await t.test('a county case is offered only the levels above it to escalate to', async (t) => {
    // What broke: the handling form offered village and township whatever the case's level, and a
    // county case escalated "to the village" went to the city (the server now refuses it, 422).
    const light = await petition(app, { ...streetLight, channel: 'web' })
    const lightId: string = (await app.db('cases').where({ case_no: light.caseNo }).first()).id
    await step(app, lightId, 'ut_signfor', 'urban-officer', { signOutcome: 'accept' })
    const handle = await openTask(app, lightId, 'ut_handle')
    await uiLogin(page, base, 'urban-officer')
    await page.goto(`${base}/tasks/${handle.id}`)
    await page.waitForSelector('[data-field=outcome]')
    await chooseOption(page, 'outcome', '提级')
    await page.waitForSelector('[data-field=escalateLevel]')
    await page.click('[data-field=escalateLevel] .fjs-input-group')
    await page.waitForSelector('.fjs-dropdownlist-item')
    t.same(await page.locator('.fjs-dropdownlist-item').allTextContents(), ['市'], 'only the city is above a county case')
    await s.shot('task-page-escalate-levels-zh-phone')
    await page.keyboard.press('Escape')
    // The page is drawn again in the other language, the form afresh.
    await switchLang(page, '[data-field=outcome] >> text=Outcome')
    await chooseOption(page, 'outcome', 'Escalate')
    await page.waitForSelector('[data-field=escalateLevel]')
    await page.click('[data-field=escalateLevel] .fjs-input-group')
    await page.waitForSelector('.fjs-dropdownlist-item')
    t.same(await page.locator('.fjs-dropdownlist-item').allTextContents(), ['City'])
    await s.shot('task-page-escalate-levels-en-phone')
    await page.keyboard.press('Escape')
    await switchLang(page, '[data-field=outcome] >> text=办理结果')
    t.same(s.errors, [], 'no console errors')
  })
})
