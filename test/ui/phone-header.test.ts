/**
 * The staff header at phone size (390×844): it wrapped to three rows (~240 px, sticky) and the
 * nav items past the right edge (流程管理, 派单规则, 流程事件) were hidden with no hint that the
 * row scrolled. Now one row with a menu button that opens every page, by mouse and keyboard.
 * Screenshots: phone-header-*.png.
 */
import path from 'node:path'
import { SCREENSHOTS, uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'

const PHONE = { width: 390, height: 844 }
/** What the phone's screen shows (a full-page shot draws the sticky header mid-page). */
const screen = (page: import('playwright-core').Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) })

browserTest(
  'the staff header on a phone: one row, every page behind the menu button',
  { name: 'phone-header', viewport: PHONE, mobile: true },
  async (t, app, s) => {
    const { page, base } = s
    await uiLogin(page, base, 'xianghe-admin')
    await page.waitForURL(/\/admin\/processes/)
    await page.locator('[data-testid=process-ordinary]').waitFor()
    const header = page.locator('header.top')
    const menu = page.getByRole('button', { name: '菜单' })

    for (const [lang, names] of [
      ['zh', ['待办任务', '案件', '数据看板', '一月一通报', '流程管理', '派单规则', '事项类别', '流程事件', '用户管理', '区域与单位']],
      ['en', ['Tasks', 'Cases', 'Dashboard', 'Bulletin', 'Processes', 'Routing rules', 'Categories', 'Incidents', 'Users', 'Regions and units']],
    ] as const) {
      await t.test(`${lang}: one row, the pages behind the menu`, async (t) => {
        const button = lang === 'zh' ? menu : page.getByRole('button', { name: 'Menu' })
        await button.waitFor()
        const closed = (await header.boundingBox())!
        t.ok(closed.height <= 64, `the header is one row (${Math.round(closed.height)} px of 844)`)
        t.equal(await button.getAttribute('aria-expanded'), 'false')
        t.equal(await page.locator('#site-nav').isVisible(), false, 'the pages wait behind the button')
        await page.mouse.wheel(0, 800)
        await page.waitForFunction(() => window.scrollY > 0)
        t.ok((await header.boundingBox())!.height <= 64, 'and stays one row while scrolling')
        await screen(page, `phone-header-10-closed-${lang}`)

        await button.click()
        t.equal(await button.getAttribute('aria-expanded'), 'true')
        const links = page.locator('#site-nav a')
        t.same(await links.allTextContents(), [...names], 'every page, in the reader’s language')
        for (const box of await links.evaluateAll((as) => as.map((a) => a.getBoundingClientRect().toJSON())))
          t.ok(box.left >= 0 && box.right <= PHONE.width && box.height > 0, `a link within the screen (${Math.round(box.left)}–${Math.round(box.right)})`)
        t.ok(
          await page
            .locator('#site-nav')
            .getByRole('button', { name: lang === 'zh' ? '退出' : 'Log out' })
            .isVisible(),
          'logging out is in the menu',
        )
        t.equal(await page.locator('#site-nav [aria-current=page]').textContent(), names[4], 'the page one is on is marked')
        await screen(page, `phone-header-20-open-${lang}`)

        // The keyboard: Escape closes and gives focus back; Enter opens with the first page focused.
        await page.keyboard.press('Escape')
        t.equal(await button.getAttribute('aria-expanded'), 'false', 'Escape closes it')
        t.ok(await button.evaluate((b) => b === document.activeElement), 'focus back on the button')
        await page.keyboard.press('Enter')
        t.equal(await button.getAttribute('aria-expanded'), 'true', 'Enter opens it')
        t.equal(await page.evaluate(() => document.activeElement?.textContent), names[0], 'the first page has focus')
        await page.keyboard.press('Escape')
        if (lang === 'zh') await page.click('[data-testid=lang-switch]')
      })
    }

    await t.test('a page past what used to be the edge opens from the menu', async (t) => {
      await page.getByRole('button', { name: 'Menu' }).click()
      await page.getByRole('link', { name: 'Routing rules' }).click()
      await page.waitForURL(/\/admin\/routing-rules/)
      t.equal(await page.getByRole('button', { name: 'Menu' }).getAttribute('aria-expanded'), 'false', 'the new page starts with the menu closed')
      await page.click('[data-testid=lang-switch]')
    })

    t.same(s.errors, [], 'no console errors')
  },
)
