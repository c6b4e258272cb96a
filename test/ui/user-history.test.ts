/**
 * Browser test: the users page shows what administrators did to the user being edited (GET
 * /api/org/users/:username/changes): created, changed (each field from what to what, by name),
 * a password reset (named, never the password), who did it and when, newest first.
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call } from '../api.js'

browserTest('the user editor shows the user’s history of changes', { name: 'user-history' }, async (t, app, s) => {
  const { page, base } = s
  const units = new Map<string, any>(((await call(app, 'admin', 'GET', '/api/org/units')).body as any[]).map((u) => [u.code, u]))
  const created = await call(app, 'xianghe-admin', 'POST', '/api/org/users', {
    username: 'xh-clerk',
    displayName: '新同事 赵六',
    password: 'initial-pass',
    roles: ['handler'],
    unitCode: 'xianghe-water',
  })
  t.equal(created.status, 201)
  const patched = await call(app, 'admin', 'PATCH', '/api/org/users/xh-clerk', {
    roles: ['handler', 'dispatcher'],
    unitCode: 'xianghe-land',
    groups: ['night-shift'],
  })
  t.equal(patched.status, 200)

  await uiLogin(page, base, 'xianghe-admin')
  await page.goto(`${base}/admin/users`)
  const row = page.locator('[data-testid=user-row][data-username="xh-clerk"]')
  await row.locator('[data-testid=user-edit]').click()
  const entries = page.locator('[data-testid=user-history] [data-testid=user-change]')
  await entries.first().waitFor()
  // As shown: the fields on a line of their own under what was done.
  const texts = async () => (await entries.allInnerTexts()).map((x) => x.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d · /, '').replace(/\s*\n\s*/g, ' | '))
  const land = units.get('xianghe-land')
  const water = units.get('xianghe-water')
  t.same(
    await texts(),
    [
      `系统管理员 修改了 | 角色：办理人员 → 办理人员、调度员；单位：${water.name} → ${land.name}；其他组：— → night-shift`,
      `香河县管理员 创建了用户 | 姓名：新同事 赵六；角色：办理人员；单位：${water.name}；地区：香河县；其他组：—；状态：在用`,
    ],
    'newest first: who, and each field by name from what to what',
  )

  // A reset from this page is added at once, naming no password.
  await page.locator('[data-testid=user-new-password]').fill('another-pass-1')
  await page.locator('[data-testid=user-reset-password]').click()
  await page.locator('[data-testid=user-history] [data-testid=user-change]', { hasText: '重设了密码' }).waitFor()
  t.equal((await texts())[0], '香河县管理员 重设了密码')
  t.notMatch(await page.locator('[data-testid=user-history]').textContent(), /another-pass-1/)
  await s.shot('user-history-01-zh')

  await page.click('[data-testid=lang-switch]')
  await page.waitForSelector('text=Users')
  await row.locator('[data-testid=user-edit]').click()
  await page.locator('[data-testid=user-history] [data-testid=user-change]', { hasText: 'reset the password' }).waitFor()
  const en = await texts()
  t.equal(en[1], `系统管理员 changed | roles: Handler → Handler, Dispatcher; unit: ${water.nameEn} → ${land.nameEn}; other groups: — → night-shift`)
  t.notMatch(en.join(' ').replace(/系统管理员|香河县管理员|新同事 赵六/g, ''), /\p{Script=Han}/u, 'English apart from the people’s names')
  await s.shot('user-history-02-en')
  await page.setViewportSize({ width: 390, height: 844 })
  await page.locator('[data-testid=user-history]').scrollIntoViewIfNeeded()
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'the page is no wider than the phone')
  await s.shot('user-history-03-en-phone')
  t.same(s.errors, [], 'no console errors')
})
