/**
 * What a trial of the running product found on task pages (phone, 390 × 844, both languages).
 * What broke:
 * - English named roles and urgency in lower case ("normal", "leader, Anping Town Governance
 *   Centre");
 */
import type { Page } from 'playwright-core'
import tap from 'tap'
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { openTask, petition } from '../api.js'

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
})
