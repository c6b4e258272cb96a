/**
 * What a trial of the running product found on task pages (phone, 390 × 844, both languages).
 * What broke:
 * - English named roles and urgency in lower case ("normal", "leader, Anping Town Governance
 *   Centre");
 * - the return review's form said the reason was in the case summary (案件摘要); the page shows
 *   it first, under 办理依据 / "What this step decides on";
 * - a 4,000-character description was shown whole on a phone, so the dispatch form began some
 *   6,000 px down the page; long text a person wrote now shows its first lines and a toggle;
 * - the plan's approver read 无待决事项 / "Nothing submitted for this step" under 办理依据, the
 *   plan only under the collapsed earlier steps.
 */
import type { Page } from 'playwright-core'
import tap from 'tap'
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call, openTask, petition, step } from '../api.js'

const PHONE = { width: 390, height: 844 }
const anon = { type: 'person', anonymous: true }

async function switchLang(page: Page, waitFor: string) {
  await page.click('[data-testid=lang-switch]')
  await page.waitForSelector(waitFor)
}

tap.setTimeout(300_000)

browserTest('task pages as the trial found them, on a phone', { name: 'task-page-trial', viewport: PHONE, mobile: true }, async (t, app, s) => {
  const { page, base } = s

  await t.test('English names roles and urgency with a capital, as labels', async (t) => {
    const p = await petition(app, { description: '村口排水沟堵塞', category: 'other', regionCode: 'xh-anping-v01-g1', petitioner: anon })
    const caseId: string = (await app.db('cases').where({ case_no: p.caseNo }).first()).id
    const dispatch = await openTask(app, caseId, 'ut_dispatch')
    await uiLogin(page, base, 'dispatcher')
    await page.goto(`${base}/tasks/${dispatch.id}`)
    await page.waitForSelector('[data-testid=case-facts]')
    await switchLang(page, 'text=Case summary')
    const facts = page.locator('[data-testid=case-facts]')
    t.match(await facts.textContent(), /UrgencyNormal/, 'the urgency as a label')
    t.match(await facts.textContent(), /PetitionerAnonymous/)
    const meta = (await page.textContent('[data-testid=task-meta]'))!
    t.match(meta, /candidates: Dispatcher at \S/, 'the role first, with a capital, then where')
    t.notMatch(meta, /\b(dispatcher|leader|handler)\b/, 'no role in lower case')
    await s.shot('task-page-trial-labels-en-phone')
    await switchLang(page, 'text=案件摘要')
    t.match(await facts.textContent(), /紧急程度一般/)
    t.same(s.errors, [], 'no console errors')
  })

  await t.test('the return review points to where the reason is shown', async (t) => {
    const p = await petition(app, { description: '排水沟堵塞', category: 'other', regionCode: 'xh-anping-v01-g1', petitioner: anon })
    const caseId: string = (await app.db('cases').where({ case_no: p.caseNo }).first()).id
    await step(app, caseId, 'ut_dispatch', 'dispatcher', { targetUnit: 'xh-anping-v01-g1' })
    const signFor = await openTask(app, caseId, 'ut_signfor')
    t.equal((await call(app, 'grid01', 'POST', `/api/tasks/${signFor.id}/return`, { reason: '不属于本网格' })).status, 200)
    const review = await openTask(app, caseId, 'ut_dispatch')
    await uiLogin(page, base, 'dispatcher')
    await page.goto(`${base}/tasks/${review.id}`)
    await page.waitForSelector('[data-field=returnDecision]')
    // The heading of the card that holds the reason, as the page says it; the form names it.
    const where = () => page.locator('section:has([data-testid=return-reason]) > h2').textContent()
    const form = page.locator('[data-testid=task-form]')
    t.equal(await page.textContent('[data-testid=return-reason]'), '不属于本网格')
    t.equal(await where(), '办理依据')
    t.match(await form.textContent(), '退单理由见“办理依据”', 'the form points there')
    t.notMatch(await form.textContent(), '案件摘要')
    await s.shot('task-page-trial-review-zh-phone')
    await switchLang(page, '[data-field=returnDecision] >> text=Return review')
    t.equal(await where(), 'What this step decides on')
    t.match(await form.textContent(), 'its reason is under "What this step decides on"', 'in English too')
    t.notMatch(await form.textContent(), 'case summary')
    await s.shot('task-page-trial-review-en-phone')
    await switchLang(page, '[data-field=returnDecision] >> text=退单审核')
    t.same(s.errors, [], 'no console errors')
  })

  await t.test('a long description is collapsed on a phone, whole in the page, and opens', async (t) => {
    // Paragraphs of a real-length complaint: 4,000 characters over 40 lines.
    const para = '楼上住户每天深夜在卫生间和厨房之间来回拖动重物，噪音持续到凌晨两三点，多次上门沟通无果，物业也表示无能为力。'
    let description = ''
    for (let i = 1; description.length < 4000; i++) description += `${i}. ${para}\n`
    description = description.slice(0, 4000)
    const p = await petition(app, { description, category: 'other', regionCode: 'xh-anping-v01-g1', petitioner: anon })
    const caseId: string = (await app.db('cases').where({ case_no: p.caseNo }).first()).id
    const dispatch = await openTask(app, caseId, 'ut_dispatch')
    await uiLogin(page, base, 'dispatcher')
    await page.goto(`${base}/tasks/${dispatch.id}`)
    await page.waitForSelector('[data-testid=task-form] [data-field=targetUnit] input')
    const dd = page.locator('[data-testid=case-facts] dd.user-text')
    const body = dd.locator('.clamp-body')
    t.equal(await body.textContent(), description, 'the whole text is in the page, not cut')
    const collapsed = (await body.boundingBox())!.height
    t.ok(collapsed < 200, `a few lines show (${collapsed} px)`)
    const formY = (await page.locator('[data-testid=task-form] [data-field=targetUnit]').boundingBox())!.y
    t.ok(formY < 2500, `the form starts ${Math.round(formY)} px down, not ~6,000`)
    const toggle = dd.getByRole('button', { name: '展开全文' })
    t.equal(await toggle.getAttribute('aria-expanded'), 'false')
    await s.shot('task-page-trial-long-collapsed-zh-phone')
    await toggle.click()
    const open = dd.getByRole('button', { name: '收起' })
    t.equal(await open.getAttribute('aria-expanded'), 'true', 'says it is open')
    t.ok((await body.boundingBox())!.height > 1500, 'opened, the whole text shows')
    await open.click()
    t.ok((await body.boundingBox())!.height < 200, 'and closes again')
    await switchLang(page, 'text=Case summary')
    t.equal(await dd.getByRole('button').textContent(), 'Show all', 'in English')
    await s.shot('task-page-trial-long-collapsed-en-phone')
    await switchLang(page, 'text=案件摘要')
    t.same(s.errors, [], 'no console errors')
  })

  await t.test('the plan approver reads the plan under 办理依据', async (t) => {
    const p = await petition(app, { description: '反复要求超标准补偿', category: 'land.contract', regionCode: 'xh-anping-v01-g1', petitioner: anon })
    const caseId: string = (await app.db('cases').where({ case_no: p.caseNo }).first()).id
    await step(app, caseId, 'ut_signfor', 'land-officer', { signOutcome: 'accept' })
    await step(app, caseId, 'ut_handle', 'land-officer', { outcome: 'unreasonable', reason: '诉求超出政策标准' })
    await step(app, caseId, 'ut_consult', 'grid01', { consultation: '网格员与村委会会商' })
    await step(app, caseId, 'ut_plan', 'land-officer', { measures: '政策解释、困难帮扶', responsible: '赵敏', milestones: '一周内入户' })
    const approve = await openTask(app, caseId, 'ut_plan_approve')
    await uiLogin(page, base, 'xianghe-leader')
    await page.goto(`${base}/tasks/${approve.id}`)
    const plan = page.locator('[data-testid=task-context] [data-testid=decides-plan]')
    await plan.waitFor()
    t.equal(await page.locator('[data-testid=task-context] >> text=无待决事项').count(), 0, 'not "nothing submitted"')
    t.same(await plan.locator('dt').allTextContents(), ['措施', '责任人', '时间节点'])
    t.same(await plan.locator('dd').allTextContents(), ['政策解释、困难帮扶', '赵敏', '一周内入户'], 'the plan as written')
    t.ok(await plan.isVisible(), 'shown, not folded away')
    await s.shot('task-page-trial-plan-zh-phone')
    await switchLang(page, 'text=What this step decides on')
    t.match(await plan.textContent(), /The plan.*Measures.*Responsible person.*Milestones/)
    await s.shot('task-page-trial-plan-en-phone')
    await switchLang(page, 'text=办理依据')
    t.same(s.errors, [], 'no console errors')
  })
  await t.test('a direction override in a name kept from before intake refused it does not reverse the phone number', async (t) => {
    const p = await petition(app, { description: '路灯不亮', category: 'other', regionCode: 'xh-anping-v01-g1', petitioner: anon })
    // Intake refuses such a name now (test/cases/intake-text.test.ts); a case filed before kept it.
    await app.db('cases').where({ case_no: p.caseNo }).update({ anonymous: false, petitioner_name: '张三\u202Eevil', petitioner_phone: '13800138000' })
    const caseId: string = (await app.db('cases').where({ case_no: p.caseNo }).first()).id
    const dispatch = await openTask(app, caseId, 'ut_dispatch')
    await uiLogin(page, base, 'dispatcher')
    await page.goto(`${base}/tasks/${dispatch.id}`)
    await page.waitForSelector('[data-testid=case-facts]')
    // Where the number's first and last digits are drawn: left to right, as it is dialled.
    // A string: tsx's keepNames would wrap a function's inner helpers in a __name the page lacks.
    const order: { first: number; last: number } | null = await page.evaluate(`(() => {
      const dd = document.querySelector('[data-testid=case-facts]')
      const walker = document.createTreeWalker(dd, NodeFilter.SHOW_TEXT)
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.textContent.indexOf('13800138000')
        if (at < 0) continue
        const left = [0, 10].map((i) => {
          const r = document.createRange()
          r.setStart(node, at + i)
          r.setEnd(node, at + i + 1)
          return r.getBoundingClientRect().left
        })
        return { first: left[0], last: left[1] }
      }
      return null
    })()`)
    t.ok(order, 'the number is on the page')
    t.ok(order && order.first < order.last, `the first digit left of the last (${JSON.stringify(order)})`)
    await s.shot('task-page-trial-bidi-name-zh-phone')
    t.same(s.errors, [], 'no console errors')
  })
})
