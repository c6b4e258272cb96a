/**
 * Browser test: switching the language on the login page cleared what was typed (the page is
 * drawn again in the other language); now the username, the password and the field that had
 * the focus are kept, and the login goes through.
 */
import { browserTest } from './browser-test.js'

browserTest('switching the language keeps what was typed on the login page', { name: 'login-language' }, async (t, _app, s) => {
  const { page, base } = s
  await page.goto(`${base}/login`)
  await page.locator('h1', { hasText: '工作人员登录' }).waitFor()
  await page.fill('input[name=username]', 'xianghe-admin')
  await page.fill('input[name=password]', 'demo')
  const focused = () => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name ?? null)
  t.equal(await focused(), 'password', 'typing in the password')

  await page.click('[data-testid=lang-switch]')
  await page.locator('h1', { hasText: 'Staff login' }).waitFor()
  t.equal(await page.inputValue('input[name=username]'), 'xianghe-admin', 'the username is kept')
  t.equal(await page.inputValue('input[name=password]'), 'demo', 'the password is kept')
  t.equal(await focused(), 'password', 'the password field has the focus again')
  await s.shot('login-language-01-en')

  // Back to Chinese with the focus in the username, then on with the typing.
  await page.click('input[name=username]')
  await page.click('[data-testid=lang-switch]')
  await page.locator('h1', { hasText: '工作人员登录' }).waitFor()
  t.equal(await page.inputValue('input[name=username]'), 'xianghe-admin')
  t.equal(await page.inputValue('input[name=password]'), 'demo')
  t.equal(await focused(), 'username', 'the username field has the focus again')
  await page.keyboard.type('x')
  t.equal(await page.inputValue('input[name=username]'), 'xianghe-adminx', 'typing goes on at the end')
  await page.keyboard.press('Backspace')

  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')])
  t.pass('logged in with what was kept')
  // Logged out (the app's own navigation, no reload), the login page is empty: nothing typed outlives it.
  await page.locator('.user button.link').click()
  await page.locator('h1', { hasText: '工作人员登录' }).waitFor()
  t.equal(await page.inputValue('input[name=username]'), '', 'a new login page starts empty')
  t.equal(await page.inputValue('input[name=password]'), '')
  await page.click('[data-testid=lang-switch]')
  await page.locator('h1', { hasText: 'Staff login' }).waitFor()
  t.equal(await page.inputValue('input[name=password]'), '', 'and a switch keeps it empty')
  t.same(s.errors, [], 'no console errors')
})
