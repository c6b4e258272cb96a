/**
 * Times inside sentences (src/messages/formats.ts) in the reader's own zone: a browser in New York
 * reads a supervision order's reply deadline in New York time, in both languages, where the
 * server's stored message says China time and the stored parameter is ISO UTC. The three differ
 * by hours, so the page can only be showing one of them. Screenshots:
 * test-output/screenshots/message-times-*.png.
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call, caseByNo, petition, streetLight } from '../api.js'

// 17:30 UTC on 5 December: 12:30 in New York (EST, UTC−5), 01:30 on the 6th in China.
const REPLY_DUE = '2030-12-05T17:30:00.000Z'
const NEW_YORK = '2030-12-05 12:30'

browserTest(
  "a message's time reads in the browser's zone, not ISO UTC nor China time",
  { name: 'message-times', timezoneId: 'America/New_York' },
  async (t, app, s) => {
    const { page, base } = s
    const c = await caseByNo(app, (await petition(app, streetLight)).caseNo)
    const issued = await call(app, 'xianghe-supervisor', 'POST', `/api/cases/${c.id}/supervision-orders`, {
      message: '请于期限前报告进展',
      replyDue: REPLY_DUE,
    })
    t.equal(issued.status, 201, JSON.stringify(issued.body))

    await uiLogin(page, base, 'xianghe-supervisor')
    await page.goto(`${base}/cases/${c.id}`)
    const order = page.locator('[data-testid=timeline] li', { hasText: '下发督办单' })
    await order.waitFor()
    const zh = (await order.locator('.what').textContent())!
    t.match(zh, `答复期限 ${NEW_YORK}`, 'the deadline in New York time')
    t.notMatch(zh, /T17:30|2030-12-06 01:30/, 'neither the ISO instant nor China time')
    await s.shot('message-times-zh')

    await page.click('[data-testid=lang-switch]')
    const orderEn = page.locator('[data-testid=timeline] li', { hasText: 'Supervision order to' })
    await orderEn.waitFor()
    const en = (await orderEn.locator('.what').textContent())!
    t.match(en, `reply by ${NEW_YORK}`, 'in English the same time')
    t.notMatch(en, /T17:30|2030-12-06 01:30/)
    await s.shot('message-times-en')

    await page.setViewportSize({ width: 390, height: 844 })
    await orderEn.scrollIntoViewIfNeeded()
    await s.shot('message-times-en-phone')
    await page.click('[data-testid=lang-switch]')
    await order.waitFor()
    await s.shot('message-times-zh-phone')
    t.same(s.errors, [], 'no console errors')
  },
)
