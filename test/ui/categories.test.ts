/**
 * Browser test: the city's administrator on /admin/categories — the tree with names, procedure,
 * duty and limits in words, a limit changed with number and unit inputs (a refused one first,
 * in the catalogue's words), a category added under another, and one withdrawn — in Chinese, in
 * English and at phone size. Expected values come from the API and the seed, not the page.
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call } from '../api.js'

browserTest('the city’s administrator edits a category’s limits and adds one under another', { name: 'categories' }, async (t, app, s) => {
  const { page, base } = s
  const all: any[] = (await call(app, 'admin', 'GET', '/api/categories')).body
  const text = async (sel: string, root = page.locator('body')) => (await root.locator(sel).first().textContent())?.trim()

  await uiLogin(page, base, 'admin')
  await page.click('nav a[href="/admin/categories"]')
  const rows = page.locator('[data-testid=category-row]')
  await rows.first().waitFor()
  t.equal(await rows.count(), all.length, 'every category')
  const codes = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-code')))
  const environment = codes.indexOf('environment')
  t.same(
    codes.slice(environment, environment + 4),
    ['environment', ...all.filter((c) => c.parentCode === 'environment').map((c) => c.code)],
    'a category, then those under it',
  )

  const garbage = page.locator('[data-testid=category-row][data-code="environment.garbage"]')
  t.equal(await text('[data-testid=category-name]', garbage), '垃圾堆放')
  t.equal(await text('[data-testid=category-procedure-name]', garbage), '一般问题接单快速办', 'the procedure by name')
  t.equal(await text('[data-testid=category-duty]', garbage), '综合', 'the duty by name')
  t.equal(await text('[data-testid=limits-emergency]', garbage), '30 分钟 / 2 小时')
  t.equal(await text('[data-testid=limits-urgent]', garbage), '2 小时 / 1 天')
  t.equal(await text('[data-testid=limits-normal]', garbage), '24 小时 / 7 天', 'limits in words')
  t.equal(await text('[data-testid=category-status]', garbage), '在用')
  t.notMatch(
    await page.locator('[data-testid=categories]').textContent(),
    /\bP\d|PT\d|ordinary|environment|township|\bgeneral\b/,
    'no durations, codes or keys on screen',
  )
  await s.shot('categories-01-zh')

  // A limit below the bound: refused with the catalogue's sentence beside the form.
  await garbage.locator('[data-testid=category-edit]').click()
  const form = page.locator('[data-testid=category-form]')
  await form.waitFor()
  t.equal(await form.locator('[data-testid=limit-normal-response]').inputValue(), '24')
  t.equal(await form.locator('[data-testid=limit-normal-response-unit]').inputValue(), 'hours')
  t.equal(await form.locator('[data-testid=limit-normal-resolve]').inputValue(), '7')
  t.equal(await form.locator('[data-testid=limit-normal-resolve-unit]').inputValue(), 'days')
  await form.locator('[data-testid=limit-emergency-response]').fill('5')
  s.expectHttpError(400, '/api/categories/environment.garbage')
  await form.locator('[data-testid=category-save]').click()
  await page.locator('[data-testid=category-error] .alert', { hasText: '特急事项的响应时限短于 10 分钟' }).waitFor()
  t.equal(await form.locator('[data-testid=limit-emergency-response]').getAttribute('aria-invalid'), 'true', 'the input is marked')
  await s.shot('categories-02-zh-refused')
  t.same(
    (await call(app, 'admin', 'GET', '/api/categories')).body.find((c: any) => c.code === 'environment.garbage').limits,
    all.find((c) => c.code === 'environment.garbage').limits,
    'nothing changed',
  )

  // 30 minutes back, and the ordinary limits down to 3 hours and 2 days.
  await form.locator('[data-testid=limit-emergency-response]').fill('30')
  await form.locator('[data-testid=limit-normal-response]').fill('3')
  await form.locator('[data-testid=limit-normal-resolve]').fill('2')
  await form.locator('[data-testid=category-save]').click()
  await garbage.locator('[data-testid=limits-normal]', { hasText: '3 小时 / 2 天' }).waitFor()
  t.equal(await page.locator('[data-testid=category-editor]').isHidden(), true, 'the editor closes')
  const changed = (await call(app, 'admin', 'GET', '/api/categories')).body.find((c: any) => c.code === 'environment.garbage')
  t.same(
    changed.limits,
    { ...all.find((c) => c.code === 'environment.garbage').limits, normal: { response: 'PT3H', resolve: 'P2D' } },
    'only the ordinary limits changed',
  )
  t.match(await text('[data-testid=category-changed]', garbage), /系统管理员/, 'who changed it')

  // A category under environment: its settings start as environment's.
  const env = page.locator('[data-testid=category-row][data-code="environment"]')
  await env.locator('[data-testid=category-add-child]').click()
  await form.waitFor()
  t.equal(await form.locator('[data-testid=category-procedure]').inputValue(), 'ordinary')
  await form.locator('[data-testid=category-code]').fill('smoke')
  await form.locator('[data-testid=category-name]').fill('油烟扰民')
  await form.locator('[data-testid=category-name-en]').fill('Cooking fumes')
  await form.locator('[data-testid=limit-urgent-resolve]').fill('12')
  await form.locator('[data-testid=limit-urgent-resolve-unit]').selectOption('hours')
  await s.shot('categories-03-zh-add')
  await form.locator('[data-testid=category-save]').click()
  const smoke = page.locator('[data-testid=category-row][data-code="environment.smoke"]')
  await smoke.waitFor()
  const added = (await call(app, 'admin', 'GET', '/api/categories')).body.find((c: any) => c.code === 'environment.smoke')
  const parent = all.find((c) => c.code === 'environment')
  t.match(added, {
    parentCode: 'environment',
    name: '油烟扰民',
    nameEn: 'Cooking fumes',
    duty: parent.duty,
    defaultLevel: parent.defaultLevel,
    procedure: 'ordinary',
    limits: { ...parent.limits, urgent: { response: parent.limits.urgent.response, resolve: 'PT12H' } },
    active: true,
  })
  const after = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-code')))
  t.equal(after.indexOf('environment.smoke'), after.indexOf('environment.noise') + 1, 'shown under its parent, after the others')
  t.equal(await text('[data-testid=limits-urgent]', smoke), '2 小时 / 12 小时')

  // Withdrawn, after the confirmation: the row says so, and citizens no longer see it.
  page.once('dialog', (d) => void d.accept())
  await smoke.locator('[data-testid=category-toggle-active]').click()
  await smoke.locator('[data-testid=category-status]', { hasText: '已停用' }).waitFor()
  t.equal(await text('[data-testid=category-toggle-active]', smoke), '启用', 'offered to restore')
  const tree = (await call(app, null, 'GET', '/api/public/categories')).body
  t.notOk(
    tree.find((n: any) => n.code === 'environment').children.some((n: any) => n.code === 'environment.smoke'),
    'not in the citizens’ tree',
  )
  await s.shot('categories-04-zh-withdrawn')
  await page.locator('#toast.show').waitFor({ state: 'hidden' })

  await page.click('[data-testid=lang-switch]')
  await garbage.locator('[data-testid=category-status]', { hasText: 'In use' }).waitFor()
  t.equal(await text('[data-testid=category-name]', garbage), 'Garbage dumping')
  t.equal(await text('[data-testid=limits-normal]', garbage), '3 h / 2 days', 'limits in English words')
  t.equal(await text('[data-testid=limits-emergency]', garbage), '30 min / 2 h')
  t.equal(await text('[data-testid=category-procedure-name]', garbage), 'Ordinary handling')
  // (Who last changed a category is named as they are called: 系统管理员 here.)
  const tableWords = await page
    .locator('[data-testid=categories]')
    .evaluate((table) => [...table.querySelectorAll('td:not(.c-changed), th')].map((c) => c.textContent).join(' '))
  t.notMatch(tableWords, /\p{Script=Han}/u, 'no Chinese in the English table')
  t.notMatch(await page.locator('[data-testid=categories-note]').textContent(), /\p{Script=Han}/u, 'nor in the note')
  await s.shot('categories-05-en')
  await garbage.locator('[data-testid=category-edit]').click()
  await form.waitFor()
  await form.locator('[data-testid=limit-normal-response]').fill('9')
  await form.locator('[data-testid=limit-normal-response-unit]').selectOption('days')
  s.expectHttpError(400, '/api/categories/environment.garbage')
  await form.locator('[data-testid=category-save]').click()
  await page.locator('[data-testid=category-error] .alert', { hasText: 'the response limit of normal matters is longer than its resolution limit' }).waitFor()
  await s.shot('categories-06-en-refused')
  await form.locator('[data-testid=category-cancel]').click()

  await page.setViewportSize({ width: 390, height: 844 })
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'the page is no wider than the phone')
  await s.shot('categories-07-en-phone')
  await page.click('[data-testid=lang-switch]')
  await garbage.locator('[data-testid=category-status]', { hasText: '在用' }).waitFor()
  await s.shot('categories-08-zh-phone')
  await garbage.locator('[data-testid=category-edit]').click()
  await form.waitFor()
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'the editor fits too')
  await s.shot('categories-09-zh-phone-edit')

  // A county administrator reads the tree and its limits, with nothing to change (the server would refuse it).
  await page.setViewportSize({ width: 1280, height: 860 })
  await page.evaluate(() => localStorage.clear())
  await uiLogin(page, base, 'xianghe-admin')
  await page.goto(`${base}/admin/categories`)
  await garbage.locator('[data-testid=limits-normal]', { hasText: '3 小时 / 2 天' }).waitFor()
  t.equal(await rows.count(), all.length + 1, 'the whole tree, the withdrawn one too')
  t.equal(
    await page
      .locator('[data-testid=category-edit], [data-testid=category-add-child], [data-testid=category-toggle-active], [data-testid=new-category]')
      .count(),
    0,
    'no changes offered',
  )
  t.match(await page.locator('[data-testid=categories-note]').textContent(), /由系统管理员维护/)
  await s.shot('categories-10-zh-county')
  t.same(s.errors, [], 'no console errors')
})
