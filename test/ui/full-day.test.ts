/**
 * Browser test: a full day (issue 12, "Must show" 1, and items 2-4, 6, 7). A citizen submits a
 * petition with a photo on a phone-size screen; the demo `dispatcher` finds it in the task list
 * by search and dispatches it with the unit picker; the unit's handler sees the deadline in the
 * bell, signs for the case and asks for more time; the leader sees the days and the reason and
 * approves; the handler resolves with an "after" photo shown to the citizen; the citizen reads
 * the result in Chinese on the tracking page, sees both photos, and evaluates; the leader's
 * dashboard counts one more closed case. Screenshots of each page, at phone size where a
 * citizen uses it, in both languages.
 */
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { chooseOption, uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call, openTask, petition } from '../api.js'

const anon = { type: 'person', anonymous: true }
const PHONE = { width: 390, height: 844 }
const DESKTOP = { width: 1280, height: 900 }
const RESULT = '已更换东门整条路灯线路，三盏灯均已恢复照明。'

async function logout(page: Page) {
  await Promise.all([page.waitForURL(/\/login/), page.click('header .user button')])
}

async function switchLang(page: Page, waitFor: string) {
  await page.click('[data-testid=lang-switch]')
  await page.waitForSelector(waitFor)
}

browserTest(
  'a full day: citizen with a photo → dispatch → sign for, extension, approval → result with a photo → citizen evaluates → dashboard',
  { name: 'full-day', viewport: PHONE },
  async (t, app, s) => {
    const { page, base } = s
    // Two other cases no rule routes, so that the dispatcher has to search.
    await petition(app, { description: '咨询医保报销流程', category: 'policy.insurance', regionCode: 'xh-shuyang-v01-g1', petitioner: anon })
    await petition(app, { description: '楼道堆放杂物', category: 'other', regionCode: 'gy-xinyuan-v01-g1', petitioner: anon })
    // A phone photo (dark street at night) and the handler's after photo (lit), made here.
    const night = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#1b2340' } })
      .jpeg()
      .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '39/1 45/1 0/1' } })
      .toBuffer()
    const lit = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#f5d76e' } })
      .png()
      .toBuffer()

    // ── the citizen, on a phone ──────────────────────────────────────────────────
    await page.goto(`${base}/submit`)
    await switchLang(page, 'text=Take a photo')
    await s.shot('70-citizen-submit-phone-en')
    await switchLang(page, 'text=拍照')
    await page.selectOption('[data-testid=category-top]', 'other')
    await page.selectOption('[data-testid=region] select[data-level=county]', 'xianghe')
    await page.selectOption('[data-testid=region] select[data-level=township]', 'xh-anping')
    await page.selectOption('[data-testid=region] select[data-level=village]', 'xh-anping-v01')
    await page.selectOption('[data-testid=region] select[data-level=grid]', 'xh-anping-v01-g1')
    await page.fill('input[name=address]', '安平村东门')
    await page.fill('input[name=title]', '东门路灯不亮')
    await page.fill('[data-testid=description]', '安平村东门路灯连续三晚不亮，行人夜里看不清路')
    await page.check('[data-testid=anonymous]')
    t.equal(await page.getAttribute('[data-testid=photos-camera]', 'capture'), 'environment', 'the camera button opens the camera')
    t.equal(await page.getAttribute('[data-testid=photos-camera]', 'accept'), 'image/*')
    await page.setInputFiles('[data-testid=photos-album]', { name: '路灯.jpg', mimeType: 'image/jpeg', buffer: night })
    await page.waitForFunction(() => !!document.querySelector<HTMLImageElement>('[data-testid=photos-previews] img')?.naturalWidth)
    await s.shot('70-citizen-submit-photo-phone-zh')
    await page.click('[data-testid=submit]')
    await page.waitForSelector('[data-testid=receipt]')
    t.match(await page.textContent('[data-testid=photos-sent]'), /已上传 1 张照片/)
    const caseNo = (await page.textContent('[data-testid=case-no]'))!.trim()
    await s.shot('71-citizen-receipt-phone-zh')
    const row = await app.db('cases').where({ case_no: caseNo }).first()
    const caseId: string = row.id
    const files = (await call(app, 'admin', 'GET', `/api/cases/${caseId}/attachments`)).body.items
    t.match(files, [{ kind: 'petition', mediaType: 'image/jpeg', width: 320, height: 240 }], 'the photo is on the case')

    // ── the dispatcher ──────────────────────────────────────────────────────────
    await page.setViewportSize(DESKTOP)
    await uiLogin(page, base, 'dispatcher')
    await page.goto(`${base}/tasks?tab=group`)
    await page.waitForSelector('[data-testid=task-row]')
    t.equal(await page.locator('[data-testid=task-row]').count(), 3, 'three dispatch tasks for the city desk')
    t.match(await page.textContent('[data-testid=task-list]'), /东门路灯不亮[\s\S]*其他[\s\S]*安平村第一网格/, 'a row shows title, category and place')
    await s.shot('72-tasks-desktop-zh')
    await page.fill('[data-testid=filter-q]', '路灯不亮')
    await Promise.all([page.waitForURL(/q=/), page.press('[data-testid=filter-q]', 'Enter')])
    await page.waitForSelector(`[data-case-no="${caseNo}"]`)
    t.equal(await page.locator('[data-testid=task-row]').count(), 1, 'search finds the one case')

    // The case page shows the citizen's photo.
    await page.goto(`${base}/cases/${caseId}`)
    await page.waitForFunction(() => !!document.querySelector<HTMLImageElement>('[data-testid=case-files] img')?.naturalWidth)
    await s.shot('73-case-page-photo-zh')
    // The timeline showed the petition's actor as the raw code `citizen`: it names them.
    const actors = () => page.locator('[data-testid=timeline] .who').allTextContents()
    await page.waitForSelector('[data-testid=timeline] .who')
    t.ok((await actors()).includes('群众'), 'the citizen is 群众 on the timeline')
    t.notOk((await actors()).includes('citizen'), 'no raw actor code')
    await switchLang(page, 'text=Photos and files')
    await page.waitForFunction(() => !!document.querySelector<HTMLImageElement>('[data-testid=case-files] img')?.naturalWidth)
    t.ok((await actors()).includes('Citizen'), 'and Citizen in English')
    await s.shot('73-case-page-photo-en')
    await switchLang(page, 'text=照片与附件')
    await page.goBack()
    await page.waitForSelector(`[data-case-no="${caseNo}"]`)

    // Dispatch with the picker: part of a Chinese name, arrow and Enter.
    await Promise.all([page.waitForURL(/\/tasks\/[^/?]+$/), page.click(`[data-case-no="${caseNo}"] a.task-name`)])
    const picker = page.getByRole('combobox', { name: '承办单位' })
    await picker.click()
    await picker.pressSequentially('城市管理')
    // The list answers the typed text (香河县城市管理综合行政执法局), not the list shown on focus.
    await page.waitForFunction(
      () => [...document.querySelectorAll('[role=option][data-code]')].map((o) => o.getAttribute('data-code')).join() === 'xianghe-urban',
    )
    t.equal(await page.locator('[role=option][data-code]').count(), 1, 'only units that can take the case, matching the name')
    await picker.press('Enter')
    await page.waitForSelector('.unit-chips .chip[data-code="xianghe-urban"]')
    await page.fill('textarea[name=dispatchNote]', '路灯属城管')
    await s.shot('74-dispatch-picker')
    await Promise.all([page.waitForURL(/\/tasks$/), page.click('[data-testid=complete]')])
    t.equal((await call(app, 'admin', 'GET', `/api/cases/${caseId}`)).body.ownerUnit, 'xianghe-urban')
    // the dispatcher's list at phone size and in English
    await page.goto(`${base}/tasks?tab=all`)
    await page.waitForSelector('[data-testid=task-row]')
    await page.setViewportSize(PHONE)
    await s.shot('75-tasks-phone-zh')
    await switchLang(page, 'text=Claim selected')
    await page.waitForSelector('[data-testid=task-row]')
    await s.shot('76-tasks-phone-en')
    await page.setViewportSize(DESKTOP)
    await s.shot('77-tasks-desktop-en')
    await switchLang(page, 'text=认领所选')
    await logout(page)

    // ── the handler: the sign-for deadline (24 h) is in the bell ────────────────
    await uiLogin(page, base, 'urban-officer')
    await page.waitForSelector('[data-testid=bell-count]:not([hidden])')
    t.equal((await page.textContent('[data-testid=bell-count]'))?.trim(), '1', 'the bell counts the task due within a day')
    await page.click('[data-testid=bell]')
    await page.waitForSelector('[data-testid=bell-deadline]')
    t.match(await page.textContent('[data-testid=bell-deadline]'), caseNo)
    await s.shot('78-bell')
    await Promise.all([page.waitForURL(/\/tasks\/[^/?]+$/), page.click('[data-testid=bell-deadline]')])
    await chooseOption(page, 'signOutcome', '签收')
    await Promise.all([page.waitForURL(/\/tasks$/), page.click('[data-testid=complete]')])
    const handle = await openTask(app, caseId, 'ut_handle')
    await page.goto(`${base}/tasks/${handle.id}`)
    await page.click('[data-action=extension]')
    await page.fill('input[name=days]', '5')
    await page.fill('textarea[name=reason]', '需要更换整条线路，等待供电公司配合')
    await Promise.all([page.waitForURL(/\/tasks$/), page.click('form.card button[type=submit]')])
    await page.goto(`${base}/tasks/${handle.id}`)
    await page.waitForSelector('[data-testid=extension-pending]')
    t.ok(await page.locator('[data-action=extension]').isDisabled(), 'a second request is refused before a form is filled')
    await s.shot('79-extension-pending')
    await logout(page)

    // ── the leader decides seeing the days and the reason ───────────────────────
    await uiLogin(page, base, 'leader')
    await page.goto(`${base}/tasks?tab=group&q=${encodeURIComponent(caseNo)}`)
    await page.waitForSelector(`[data-case-no="${caseNo}"]`)
    await Promise.all([page.waitForURL(/\/tasks\/[^/?]+$/), page.click(`[data-case-no="${caseNo}"] a.task-name`)])
    await page.waitForSelector('[data-testid=decides-extension]')
    t.match(await page.textContent('[data-testid=extension-days]'), /5 天/)
    t.equal(await page.textContent('[data-testid=extension-reason]'), '需要更换整条线路，等待供电公司配合', 'the reason, verbatim')
    await s.shot('80-approval-context')
    await chooseOption(page, 'extensionDecision', '同意延期')
    await Promise.all([page.waitForURL(/\/tasks$/), page.click('[data-testid=complete]')])
    t.ok(JSON.stringify((await call(app, 'admin', 'GET', `/api/cases/${caseId}/history`)).body).includes('extension_approved'), 'approved')
    await logout(page)

    // ── the handler resolves with an after photo shown to the citizen ───────────
    await uiLogin(page, base, 'urban-officer')
    const handle2 = await openTask(app, caseId, 'ut_handle')
    await page.goto(`${base}/tasks/${handle2.id}`)
    await page.waitForSelector('[data-testid=task-files-card]')
    await page.selectOption('[data-testid=attach-kind]', 'after')
    await page.check('[data-testid=attach-publish]')
    await page.setInputFiles('[data-testid=attach-input]', { name: '修好了.png', mimeType: 'image/png', buffer: lit })
    await page.click('[data-testid=attach-upload]')
    await page.waitForFunction(() => !!document.querySelector<HTMLImageElement>('[data-testid=task-files] img')?.naturalWidth)
    t.ok(await page.locator('[data-testid=task-files] [data-testid=publish-toggle]').isChecked(), 'marked for the citizen')
    await switchLang(page, 'text=Handling photos and files')
    await page.waitForFunction(() => !!document.querySelector<HTMLImageElement>('[data-testid=task-files] img')?.naturalWidth)
    await s.shot('81-handle-with-photo-en')
    await switchLang(page, 'text=办理照片与附件')
    await chooseOption(page, 'outcome', '已办结')
    await page.fill('textarea[name=result]', RESULT)
    await s.shot('81-handle-with-photo-zh')
    await Promise.all([page.waitForURL(/\/tasks$/), page.click('[data-testid=complete]')])
    t.equal((await call(app, 'admin', 'GET', `/api/cases/${caseId}`)).body.status, 'awaiting_evaluation')
    await logout(page)

    // What the dashboard counted before the citizen closes the case (worked out by the API).
    const month = new Date().toISOString().slice(0, 7)
    const before = (await call(app, 'leader', 'GET', `/api/metrics/overview?month=${month}`)).body.totals

    // ── the citizen reads the result in Chinese, sees the photos, evaluates ─────
    await page.setViewportSize(PHONE)
    await page.goto(`${base}/track/${caseNo}`) // the code is still in this tab's storage
    await page.waitForSelector('[data-testid=evaluation-form]')
    t.equal(await page.textContent('[data-testid=track-result-text]'), RESULT, 'the result whole, in Chinese')
    await page.waitForFunction(
      () => [...document.querySelectorAll<HTMLImageElement>('[data-testid=track-photos] img')].filter((i) => i.naturalWidth).length === 2,
    )
    t.match(await page.textContent('[data-testid=track-photos]'), /群众上传[\s\S]*处置后/, 'their own photo and the after photo')
    await s.shot('82-citizen-result-phone-zh')
    // One more photo before evaluating (the shared upload button, src: ui/src/lib/attachments.ts
    // uploadButton): nothing chosen says so; a chosen photo is sent and the gallery shows three.
    await page.click('text=补充照片')
    await page.click('[data-testid=more-photos-upload]')
    await page.waitForSelector('text=请先选择文件')
    await page.setInputFiles('[data-testid=more-photos-album]', { name: '白天.png', mimeType: 'image/png', buffer: lit })
    await page.click('[data-testid=more-photos-upload]')
    await page.waitForFunction(
      () => [...document.querySelectorAll<HTMLImageElement>('[data-testid=track-photos] img')].filter((i) => i.naturalWidth).length === 3,
    )
    t.equal(await page.locator('text=请先选择文件').count(), 0, 'the message goes once the upload succeeds')
    t.equal(await page.locator('[data-testid=more-photos-previews] img').count(), 0, 'the picker is emptied')
    await s.shot('82-citizen-more-photos-phone-zh')
    await switchLang(page, 'text=Rate the result')
    await page.waitForFunction(
      () => [...document.querySelectorAll<HTMLImageElement>('[data-testid=track-photos] img')].filter((i) => i.naturalWidth).length === 3,
    )
    t.equal(await page.textContent('[data-testid=track-result-text]'), RESULT, "the person's text is never translated")
    await s.shot('83-citizen-result-phone-en')
    await switchLang(page, 'text=请评价办理结果')
    const evalForm = page.locator('[data-testid=evaluation-form]')
    await evalForm.getByLabel('已解决', { exact: true }).check()
    await evalForm.getByLabel('满意', { exact: true }).check()
    await page.fill('[data-testid=evaluation-form] textarea[name=comment]', '修得很快，谢谢')
    await page.click('[data-testid=evaluate]')
    await page.waitForSelector('[data-testid=evaluation-done]')
    t.equal(await page.getAttribute('[data-testid=track-status]', 'data-status'), 'closed')
    await s.shot('84-citizen-evaluated-phone-zh')

    // ── the dashboard shows it ──────────────────────────────────────────────────
    await page.setViewportSize(DESKTOP)
    await uiLogin(page, base, 'leader')
    await page.goto(`${base}/dashboard`)
    await page.waitForSelector('[data-testid=kpis]')
    const kpis = await page.textContent('[data-testid=kpis]')
    t.match(kpis, `办结 ${Number(before.closed) + 1}`, `closed ${before.closed} → ${Number(before.closed) + 1}`)
    await s.shot('85-dashboard-zh')
    t.same(s.errors, [], 'no console errors')
  },
)
