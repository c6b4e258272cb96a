/**
 * Browser test: a county administrator administers their county's users on /admin/users — the
 * list with unit names and translated roles, its filters, a new user (a refused one first, with
 * the catalogue's sentence), a change, and a deactivation — in Chinese, in English and at phone
 * size. Expected rows come from the API as the city's administrator and the seed, not the page.
 */
import type { Locator } from 'playwright-core'
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call } from '../api.js'

browserTest('a county administrator lists, creates, changes and deactivates their county’s users', { name: 'users' }, async (t, app, s) => {
  const { page, base } = s
  const all: any[] = (await call(app, 'admin', 'GET', '/api/org/users')).body
  const county = all.filter((u) => u.tenant === 'xianghe')
  const units = new Map<string, any>(((await call(app, 'admin', 'GET', '/api/org/units')).body as any[]).map((u) => [u.code, u]))
  const usernames = async (rows: Locator) => (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-username')))).sort()

  await uiLogin(page, base, 'xianghe-admin')
  await page.click('nav a[href="/admin/users"]')
  const rows = page.locator('[data-testid=user-row]')
  await rows.first().waitFor()
  t.same(await usernames(rows), county.map((u) => u.username).sort(), 'exactly the county’s users')
  t.ok(county.length > 5 && all.length > county.length, 'a county’s share of the city')

  const grid = rows.filter({ has: page.locator('code', { hasText: /^grid01$/ }) })
  t.equal((await grid.locator('[data-testid=user-name]').textContent())?.trim(), '网格员 王强', 'display name')
  t.equal((await grid.locator('[data-testid=user-unit-name]').textContent())?.trim(), units.get('xh-anping-v01-g1').name, 'the unit by its name')
  t.equal((await grid.locator('[data-testid=user-roles]').textContent())?.trim(), '网格员', 'the role by its name')
  t.equal((await grid.locator('[data-testid=user-status]').textContent())?.trim(), '在用')
  t.notMatch(await page.locator('[data-testid=users]').textContent(), /grid_worker|county_admin|xh-anping-v01-g1|handler\b/, 'no role or unit codes on screen')

  // Filters: by role, by unit, by text; each list worked out from the API's.
  await page.selectOption('[data-testid=filter-role]', 'handler')
  const handlers = county.filter((u) => u.roles.includes('handler')).map((u) => u.username)
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=user-row]').length === n, handlers.length)
  t.same(await usernames(rows), handlers.sort(), 'handlers only')
  t.match(page.url(), /role=handler/, 'kept in the address')
  await page.selectOption('[data-testid=filter-role]', '')
  await page.selectOption('[data-testid=filter-unit]', 'xianghe-centre')
  const centre = county.filter((u) => u.unitCode === 'xianghe-centre').map((u) => u.username)
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=user-row]').length === n, centre.length)
  t.same(await usernames(rows), centre.sort(), 'the centre’s users')
  await page.selectOption('[data-testid=filter-unit]', '')
  await page.fill('[data-testid=filter-q]', 'GRID0')
  const grids = county.filter((u) => /grid0/i.test(u.username) || /grid0/i.test(u.displayName)).map((u) => u.username)
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=user-row]').length === n, grids.length)
  t.same(await usernames(rows), grids.sort(), 'by part of the username, any case')
  await page.fill('[data-testid=filter-q]', '')
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=user-row]').length === n, county.length)

  // A new user: a taken username first, refused with the catalogue's sentence beside the form.
  await page.click('[data-testid=new-user]')
  const form = page.locator('[data-testid=user-form]')
  await form.waitFor()
  t.equal(await page.locator('[data-testid=user-role-admin]').count(), 0, 'the system administrator’s role is not offered')
  t.equal(await form.locator('[data-testid=user-claims-note]').count(), 0, 'a new user has claimed nothing: no word of claims')
  await form.locator('[data-testid=user-username]').fill('grid01')
  await form.locator('[data-testid=user-display-name]').fill('新同事 赵六')
  await form.locator('[data-testid=user-password]').fill('initial-pass')
  await form.locator('[data-testid=user-unit]').selectOption('xianghe-water')
  await form.locator('[data-testid=user-role-handler]').check()
  s.expectHttpError(409, '/api/org/users')
  await form.locator('[data-testid=user-save]').click()
  await page.locator('[data-testid=user-error] .alert', { hasText: '用户名 grid01 已存在' }).waitFor()
  t.pass('the refusal in the catalogue’s words')
  await form.locator('[data-testid=user-username]').fill('xh-water2')
  await form.locator('[data-testid=user-save]').click()
  const added = page.locator('[data-testid=user-row][data-username="xh-water2"]')
  await added.waitFor()
  t.equal(await page.locator('[data-testid=user-editor]').isHidden(), true, 'the editor closes')
  t.equal((await added.locator('[data-testid=user-unit-name]').textContent())?.trim(), units.get('xianghe-water').name)
  t.equal((await added.locator('[data-testid=user-roles]').textContent())?.trim(), '办理人员')
  const made = (await call(app, 'admin', 'GET', '/api/org/users')).body.find((u: any) => u.username === 'xh-water2')
  t.match(made, { displayName: '新同事 赵六', roles: ['handler'], unitCode: 'xianghe-water', tenant: 'xianghe', active: true, groups: [] })
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'xh-water2', password: 'initial-pass' } })).statusCode,
    200,
    'they can sign in',
  )
  await s.shot('users-01-zh')

  // A change: another role beside the first, and a plain group.
  await added.locator('[data-testid=user-edit]').click()
  await form.waitFor()
  t.equal(await form.locator('[data-testid=user-role-handler]').isChecked(), true, 'the form holds the user’s roles')
  await form.locator('[data-testid=user-role-dispatcher]').check()
  await form.locator('[data-testid=user-groups]').fill('accounting，night-shift')
  t.match(
    await form.locator('[data-testid=user-claims-note]').textContent(),
    /已认领但不再有资格办理的任务将退回所在组/,
    'the form says what a change does to claims',
  )
  await s.shot('users-02-zh-edit')
  await form.locator('[data-testid=user-save]').click()
  await added.locator('[data-testid=user-roles]', { hasText: '调度员' }).waitFor()
  const changed = (await call(app, 'admin', 'GET', '/api/org/users')).body.find((u: any) => u.username === 'xh-water2')
  t.same([...changed.roles].sort(), ['dispatcher', 'handler'])
  t.same(changed.groups, ['accounting', 'night-shift'], 'groups split at the full-width comma')

  // Deactivate, after the confirmation: the row says so, and the user can no longer sign in.
  page.once('dialog', (d) => void d.accept())
  await added.locator('[data-testid=user-toggle-active]').click()
  await added.locator('[data-testid=user-status]', { hasText: '已停用' }).waitFor()
  t.equal((await added.locator('[data-testid=user-toggle-active]').textContent())?.trim(), '启用', 'offered to reactivate')
  t.equal((await call(app, 'admin', 'GET', '/api/org/users')).body.find((u: any) => u.username === 'xh-water2').active, false)
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'xh-water2', password: 'initial-pass' } })).statusCode,
    401,
    'no more sign-ins',
  )
  // One's own row: changed, never deactivated from here.
  const own = page.locator('[data-testid=user-row][data-username="xianghe-admin"]')
  t.equal(await own.locator('[data-testid=user-toggle-active]').count(), 0, 'no deactivation of oneself')
  await s.shot('users-03-zh-deactivated')

  await page.click('[data-testid=lang-switch]')
  await added.locator('[data-testid=user-status]', { hasText: 'Inactive' }).waitFor()
  t.equal((await grid.locator('[data-testid=user-roles]').textContent())?.trim(), 'Grid worker', 'roles in English')
  t.equal((await grid.locator('[data-testid=user-unit-name]').textContent())?.trim(), units.get('xh-anping-v01-g1').nameEn, 'the unit’s English name')
  t.notMatch(await page.locator('thead').textContent(), /\p{Script=Han}/u, 'no Chinese in the English headings')
  await s.shot('users-04-en')
  await page.setViewportSize({ width: 390, height: 844 })
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'the page is no wider than the phone (the table scrolls inside its box)')
  await s.shot('users-05-en-phone')
  await added.locator('[data-testid=user-edit]').click()
  await form.waitFor()
  t.match(await form.locator('[data-testid=user-claims-note]').textContent(), /no longer qualify for go back to their group/, 'in English too')
  await s.shot('users-05b-en-phone-edit')
  await page.click('[data-testid=lang-switch]')
  await added.locator('[data-testid=user-status]', { hasText: '已停用' }).waitFor()
  await s.shot('users-06-zh-phone')
  await added.locator('[data-testid=user-edit]').click()
  await form.waitFor()
  await s.shot('users-07-zh-phone-edit')
  t.same(s.errors, [], 'no console errors')
})
