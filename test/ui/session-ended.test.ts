/**
 * Someone whose sign-in the server stopped taking (deactivated, or their password reset by an
 * administrator) while they had the app open was sent to the login page on their next click with
 * no word of why; a deactivated person's login then said "用户名或密码错误" and they thought they
 * had mistyped. The login page now says that their sign-in has ended, in the reader's language,
 * and login's own answer stays as it was (it never says an account is deactivated).
 * Screenshots: session-ended-*.png.
 */
import path from 'node:path'
import type { Page } from 'playwright-core'
import { SCREENSHOTS, uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call } from '../api.js'

const ZH = '您的登录已结束，请重新登录。如仍无法登录，请联系管理员。'
const EN = 'Your sign-in has ended. Please sign in again; if you still cannot, ask an administrator.'

/** What the screen shows (a full-page shot would draw the sticky header mid-page). */
const screen = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) })

browserTest('a person whose sign-in was ended by an administrator is told so on the login page', { name: 'session-ended' }, async (t, app, s) => {
  const { page, base } = s
  const notice = page.locator('[data-testid=login-ended]')

  await t.test('deactivated while signed in: the next click shows why they are at the login page', async (t) => {
    await uiLogin(page, base, 'land-officer')
    await page.locator('nav a[href="/cases"]').waitFor()
    t.equal((await call(app, 'xianghe-admin', 'PATCH', '/api/org/users/land-officer', { active: false })).status, 200, 'deactivated')

    // Whichever of the page's requests the server refuses first sends them to the login page.
    for (const url of ['/api/cases', '/api/notifications/bell']) s.expectHttpError(401, url)
    await page.click('nav a[href="/cases"]')
    await page.waitForURL((u) => u.pathname === '/login')
    await notice.waitFor()
    t.equal((await notice.textContent())?.trim(), ZH, 'in Chinese')
    t.equal(new URL(page.url()).searchParams.get('next'), '/cases', 'back to where they were after signing in')
    t.equal(await page.evaluate(() => localStorage.getItem('shuoshi.token')), null, 'the refused token is forgotten')
    await screen(page, 'session-ended-01-zh')

    // Login answers a deactivated account as it answers a wrong password; the notice stays beside it.
    s.expectHttpError(401, '/api/auth/login')
    await page.fill('input[name=username]', 'land-officer')
    await page.fill('input[name=password]', 'demo')
    await page.click('button[type=submit]')
    const refusal = page.locator('[data-testid=login-form] .alert.error')
    await refusal.waitFor()
    t.equal((await refusal.textContent())?.trim(), '用户名或密码错误', 'login says nothing of the deactivation')
    t.equal(await notice.isVisible(), true, 'the notice is still there')
    await screen(page, 'session-ended-02-zh-refused')

    await page.click('[data-testid=lang-switch]')
    await notice.filter({ hasText: 'sign-in has ended' }).waitFor()
    t.equal((await notice.textContent())?.trim(), EN, 'in English')
    t.notMatch((await page.locator('[data-testid=login-form]').textContent())!, /\p{Script=Han}/u, 'no Chinese on the English page')
    await screen(page, 'session-ended-03-en')
    await page.setViewportSize({ width: 390, height: 844 })
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no wider than the phone')
    await screen(page, 'session-ended-04-en-phone')
    await page.click('[data-testid=lang-switch]')
    await notice.filter({ hasText: '登录已结束' }).waitFor()
    await screen(page, 'session-ended-05-zh-phone')
    await page.setViewportSize({ width: 1280, height: 860 })
  })

  await t.test('a password reset: the same notice, and signing in with the new password goes back', async (t) => {
    await uiLogin(page, base, 'grid01')
    await page.locator('nav a[href="/cases"]').waitFor()
    t.equal((await call(app, 'xianghe-admin', 'POST', '/api/org/users/grid01/password', { password: 'new-password-1' })).status, 204)
    for (const url of ['/api/cases', '/api/notifications/bell']) s.expectHttpError(401, url)
    await page.click('nav a[href="/cases"]')
    await notice.waitFor()
    t.equal((await notice.textContent())?.trim(), ZH)
    await page.fill('input[name=username]', 'grid01')
    await page.fill('input[name=password]', 'new-password-1')
    await Promise.all([page.waitForURL((u) => u.pathname === '/cases'), page.click('button[type=submit]')])
    t.pass('signed in again, back at the cases')
  })

  await t.test('signing out oneself, or opening the login page, says nothing of an ended sign-in', async (t) => {
    await page.getByRole('button', { name: '退出' }).click()
    await page.waitForURL((u) => u.pathname === '/login')
    await page.locator('[data-testid=login-form]').waitFor()
    t.equal(await notice.count(), 0, 'after a sign-out')
    await page.goto(`${base}/login`)
    await page.locator('[data-testid=login-form]').waitFor()
    t.equal(await notice.count(), 0, 'on the login page as such')
  })

  t.same(s.errors, [], 'no console errors but the declared 401s')
})
