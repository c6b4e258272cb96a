/**
 * Browser test: a routing rule on a withdrawn category. The rules page named categories from
 * the public tree, which leaves withdrawn ones out, so such a rule showed the bare code
 * (`environment.garbage`); now it shows the category's name with a "withdrawn" mark.
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call } from '../api.js'

browserTest('a rule on a withdrawn category names it and marks it withdrawn', { name: 'routing-withdrawn' }, async (t, app, s) => {
  const { page, base } = s
  t.equal((await call(app, 'admin', 'PATCH', '/api/categories/environment.garbage', { active: false })).status, 200, 'garbage dumping withdrawn')
  const city = await call(app, 'admin', 'PUT', '/api/routing-rules', { tenant: null, rules: [{ category: 'environment.garbage', owner: '@village' }] })
  t.equal(city.status, 200, JSON.stringify(city.body))
  const county = await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', {
    rules: [
      { category: 'environment.garbage', owner: '@county:urban', level: 'county' },
      { category: 'market.consumer', owner: '@county:market', level: 'county' },
    ],
  })
  t.equal(county.status, 200, JSON.stringify(county.body))
  // The administrators' list (what the page reads) holds it, out of force.
  const listed = (await call(app, 'xianghe-admin', 'GET', '/api/categories')).body.find((c: { code: string }) => c.code === 'environment.garbage')
  t.match(listed, { name: '垃圾堆放', nameEn: 'Garbage dumping', inForce: false })

  await uiLogin(page, base, 'xianghe-admin')
  await page.goto(`${base}/admin/routing-rules`)
  const own = page.locator('[data-testid=rules] tr')
  await own.first().locator('[data-testid=name-category]', { hasText: '垃圾堆放' }).waitFor()
  const ownNames = () => own.locator('[data-testid=name-category]').allTextContents()
  t.same(await ownNames(), ['垃圾堆放 已停用', '消费维权'], 'the county’s rules: names, the withdrawn one marked')
  const cityCell = page.locator('.routing-city tbody tr td:nth-child(2)')
  t.equal((await cityCell.textContent())?.trim(), '垃圾堆放 已停用', 'the city’s rule too, not the code')
  t.equal(await cityCell.getAttribute('title'), 'environment.garbage', 'the code on hover')
  await s.shot('routing-withdrawn-01-zh')

  await page.click('[data-testid=lang-switch]')
  await own.first().locator('[data-testid=name-category]', { hasText: 'Garbage dumping' }).waitFor()
  t.same(await ownNames(), ['Garbage dumping withdrawn', 'Consumer complaints'], 'in English')
  t.equal((await cityCell.textContent())?.trim(), 'Garbage dumping withdrawn')
  await s.shot('routing-withdrawn-02-en')

  // A category typed into a rule is named (and marked) as it is typed.
  const input = own.nth(1).locator('input').first()
  await input.fill('environment.garbage')
  t.equal((await own.nth(1).locator('[data-testid=name-category]').textContent())?.trim(), 'Garbage dumping withdrawn', 'named as typed')
  await input.fill('market.consumer')
  t.equal(await own.nth(1).locator('[data-testid=category-withdrawn]').count(), 0, 'no mark on a category in force')
  t.same(s.errors, [], 'no console errors')
})
