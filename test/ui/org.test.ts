/**
 * Browser test: a county administrator on /admin/org — their county with the way up, down to a
 * village; a grid added under it (a taken code refused first, in the catalogue's words), the
 * grid's own unit added and staffed by nobody yet (the grid's deletion then refused), a unit
 * renamed and given another duty — in
 * Chinese, in English and at phone size; then the city's administrator, who starts at the city.
 * Expected values come from the API and the seed, not the page.
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call } from '../api.js'

browserTest('a county administrator adds a grid and its unit and renames a unit', { name: 'org' }, async (t, app, s) => {
  const { page, base } = s
  const text = async (sel: string, root = page.locator('body')) => (await root.locator(sel).first().textContent())?.trim()
  const county = (await call(app, 'admin', 'GET', '/api/org/tree?region=xianghe')).body

  await uiLogin(page, base, 'xianghe-admin')
  await page.getByRole('link', { name: '区域与单位' }).click()
  await page.waitForURL(/\/admin\/org/)
  const regionName = page.locator('[data-testid=org-region-name]')
  await regionName.filter({ hasText: '香河县' }).waitFor()
  t.equal(await text('[data-testid=org-breadcrumb]'), '廊坊市 › 香河县', 'the way up')
  t.equal(await page.locator('[data-testid=org-breadcrumb] a').count(), 0, 'the city is not theirs to open')
  t.equal(await page.locator('[data-testid=org-region-rename]').count(), 0, 'the county’s own name is the city’s to change')
  const regionRows = page.locator('[data-testid=region-row]')
  t.same(
    await regionRows.evaluateAll((els) => els.map((e) => e.getAttribute('data-code'))),
    county.children.map((r: any) => r.code),
    'its townships',
  )
  const unitRows = page.locator('[data-testid=unit-row]')
  t.equal(await unitRows.count(), county.units.length, 'its units')
  const land = page.locator('[data-testid=unit-row][data-code="xianghe-land"]')
  t.equal(await text('[data-testid=unit-kind]', land), '类型：部门', 'the kind by name')
  t.equal(await text('[data-testid=unit-duty]', land), '职能：自然资源', 'the duty by name')
  const units = await page.locator('[data-testid=units]').evaluate((el) => [...el.querySelectorAll('td:not(.o-code)')].map((c) => c.textContent).join(' '))
  t.notMatch(units, /\b(department|centre|land|general|county|township)\b/, 'no kind, duty or level codes on screen')
  await s.shot('org-01-zh-county')

  // Down to a village by clicking.
  await page.locator('[data-testid=region-row][data-code="xh-anping"] [data-testid=region-open]').click()
  await regionName.filter({ hasText: '安平镇' }).waitFor()
  await page.locator('[data-testid=region-row][data-code="xh-anping-v02"] [data-testid=region-open]').click()
  await regionName.filter({ hasText: /v02|村|社区/ }).waitFor()
  t.match(page.url(), /region=xh-anping-v02/, 'the place is in the address')
  const village = (await call(app, 'admin', 'GET', '/api/org/tree?region=xh-anping-v02')).body
  t.equal(await text('[data-testid=org-breadcrumb]'), `廊坊市 › 香河县 › 安平镇 › ${village.region.name}`)

  // A grid: a code in use first, refused with the catalogue's sentence beside the form.
  await page.click('[data-testid=add-region]')
  const form = page.locator('[data-testid=org-form]')
  await form.waitFor()
  t.equal(await form.locator('[data-testid=org-code]').inputValue(), 'xh-anping-v02-', 'the code starts as the village’s')
  t.match(await text('[data-testid=org-editor] h2'), /添加网格/)
  await form.locator('[data-testid=org-code]').fill('xh-anping-v01-g1')
  await form.locator('[data-testid=org-name]').fill('安平二村第三网格')
  await form.locator('[data-testid=org-name-en]').fill('Anping Village 2 Grid 3')
  s.expectHttpError(409, '/api/org/regions')
  await form.locator('[data-testid=org-save]').click()
  await page.locator('[data-testid=org-error] .alert', { hasText: '区域代码 xh-anping-v01-g1 已被使用' }).waitFor()
  await s.shot('org-02-zh-refused')
  await form.locator('[data-testid=org-code]').fill('xh-anping-v02-g3')
  await form.locator('[data-testid=org-save]').click()
  const newGrid = page.locator('[data-testid=region-row][data-code="xh-anping-v02-g3"]')
  await newGrid.waitFor()
  t.equal(await text('[data-testid=region-name]', newGrid), '安平二村第三网格')
  t.equal(await page.locator('[data-testid=org-editor]').isHidden(), true, 'the editor closes')
  const grid = (await call(app, 'admin', 'GET', '/api/org/tree?region=xh-anping-v02-g3')).body.region
  t.match(grid, {
    level: 'grid',
    parentCode: 'xh-anping-v02',
    tenant: 'xianghe',
    name: '安平二村第三网格',
    nameEn: 'Anping Village 2 Grid 3',
    updatedBy: 'xianghe-admin',
  })
  const citizens = (await call(app, null, 'GET', '/api/public/regions?parent=xh-anping-v02')).body
  t.ok(
    citizens.some((r: any) => r.code === 'xh-anping-v02-g3'),
    'citizens can choose it',
  )

  // Into the grid: its own unit, whose code and kind start as the grid's.
  await newGrid.locator('[data-testid=region-open]').click()
  await regionName.filter({ hasText: '安平二村第三网格' }).waitFor()
  t.equal(await page.locator('[data-testid=add-region]').count(), 0, 'nothing below a grid')
  t.equal(await text('[data-testid=no-units]'), '这里还没有单位。')
  await page.click('[data-testid=add-unit]')
  await form.waitFor()
  t.equal(await form.locator('[data-testid=org-code]').inputValue(), 'xh-anping-v02-g3', 'the grid’s own code')
  t.equal(await form.locator('[data-testid=org-kind]').inputValue(), 'grid')
  t.equal(await form.locator('[data-testid=org-duty]').inputValue(), 'general')
  await form.locator('[data-testid=org-name]').fill('安平二村第三网格')
  await form.locator('[data-testid=org-name-en]').fill('Anping Village 2 Grid 3')
  await s.shot('org-03-zh-add-unit')
  await form.locator('[data-testid=org-save]').click()
  const gridUnit = page.locator('[data-testid=unit-row][data-code="xh-anping-v02-g3"]')
  await gridUnit.waitFor()
  t.equal(await text('[data-testid=unit-kind]', gridUnit), '类型：网格')
  t.equal(await text('[data-testid=unit-members]', gridUnit), '在岗人数：无人在岗', 'nobody staffs it yet')
  t.match((await call(app, 'admin', 'GET', '/api/org/units?region=xh-anping-v02-g3')).body, [
    { code: 'xh-anping-v02-g3', kind: 'grid', level: 'grid', regionCode: 'xh-anping-v02-g3', duty: 'general' },
  ])

  // Back up by the way up; a township section renamed and given another duty.
  await page.locator('[data-testid=org-breadcrumb] a', { hasText: '安平镇' }).click()
  await regionName.filter({ hasText: '安平镇' }).waitFor()
  const agri = page.locator('[data-testid=unit-row][data-code="xh-anping-agri"]')
  t.equal(await text('[data-testid=unit-duty]', agri), '职能：农业农村')
  await agri.locator('[data-testid=unit-edit]').click()
  await form.waitFor()
  t.equal(await form.locator('[data-testid=org-code]').count(), 0, 'a code is not offered for change')
  t.equal(await form.locator('[data-testid=org-kind]').count(), 0, 'nor the kind')
  await form.locator('[data-testid=org-name]').fill('农业农村和水利办')
  await form.locator('[data-testid=org-duty]').selectOption('water')
  await form.locator('[data-testid=org-save]').click()
  await agri.locator('[data-testid=unit-name]', { hasText: '农业农村和水利办' }).waitFor()
  t.equal(await text('[data-testid=unit-duty]', agri), '职能：水务')
  t.match(await text('.o-changed', agri), /香河县管理员/, 'who changed it')
  t.match(
    (await call(app, 'admin', 'GET', '/api/org/units?region=xh-anping')).body.find((u: any) => u.code === 'xh-anping-agri'),
    {
      name: '农业农村和水利办',
      duty: 'water',
      nameEn: 'Agriculture Office',
    },
  )
  await s.shot('org-04-zh-township')
  await page.locator('#toast.show').waitFor({ state: 'hidden' })

  // In English: the same page, no Chinese in the tables but the names people gave.
  await page.click('[data-testid=lang-switch]')
  await agri.locator('[data-testid=unit-kind]', { hasText: 'Section' }).waitFor()
  t.equal(await text('[data-testid=unit-duty]', agri), 'Duty: water')
  t.equal(await text('[data-testid=org-region-name]'), 'Anping Town')
  const words = await page
    .locator('[data-testid=units]')
    .evaluate((el) => [...el.querySelectorAll('td:not(.o-name):not(.o-changed), th')].map((c) => c.textContent).join(' '))
  t.notMatch(words, /\p{Script=Han}/u, 'no Chinese in the English table')
  t.notMatch(await text('[data-testid=org-note]'), /\p{Script=Han}/u, 'nor in the note')
  await s.shot('org-05-en')
  await page.locator('[data-testid=region-row][data-code="xh-anping-v01"] [data-testid=region-rename]').click()
  await form.waitFor()
  await form.locator('[data-testid=org-name-en]').fill('Anping First Village')
  await form.locator('[data-testid=org-save]').click()
  await page.locator('[data-testid=region-row][data-code="xh-anping-v01"] [data-testid=region-name-en]', { hasText: 'Anping First Village' }).waitFor()
  t.equal(
    (await call(app, null, 'GET', '/api/public/regions?parent=xh-anping')).body.find((r: any) => r.code === 'xh-anping-v01').nameEn,
    'Anping First Village',
  )

  // The new grid has its unit now: deleting it is refused with the catalogue's sentence.
  await page.locator('[data-testid=region-row][data-code="xh-anping-v02"] [data-testid=region-open]').click()
  await newGrid.waitFor()
  page.once('dialog', (d) => void d.accept())
  s.expectHttpError(409, '/api/org/regions/xh-anping-v02-g3')
  await newGrid.locator('[data-testid=region-delete]').click()
  await page.locator('#toast.show.error', { hasText: 'cannot be deleted: there are units in it' }).waitFor()
  t.ok((await call(app, 'admin', 'GET', '/api/org/tree?region=xh-anping-v02-g3')).body.region, 'the grid stays')
  await s.shot('org-06-en-delete-refused')
  await page.locator('[data-testid=org-breadcrumb] a', { hasText: 'Anping Town' }).click()
  await agri.waitFor()

  await page.setViewportSize({ width: 390, height: 844 })
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'the page is no wider than the phone')
  await s.shot('org-07-en-phone')
  await page.click('[data-testid=lang-switch]')
  await agri.locator('[data-testid=unit-kind]', { hasText: '股室' }).waitFor()
  await s.shot('org-08-zh-phone')
  await page.click('[data-testid=add-unit]')
  await form.waitFor()
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'the editor fits too')
  await s.shot('org-09-zh-phone-add')
  await page.click('[data-testid=org-cancel]')

  // The city's administrator starts at the city, with its counties and the city's own units.
  await page.setViewportSize({ width: 1280, height: 860 })
  await page.evaluate(() => localStorage.clear())
  await uiLogin(page, base, 'admin')
  await page.goto(`${base}/admin/org`)
  await regionName.filter({ hasText: '廊坊市' }).waitFor()
  const city = (await call(app, 'admin', 'GET', '/api/org/tree?region=langfang')).body
  await regionRows.first().waitFor()
  t.same(
    await regionRows.evaluateAll((els) => els.map((e) => e.getAttribute('data-code'))),
    city.children.map((r: any) => r.code),
    'the counties',
  )
  t.equal(await unitRows.count(), city.units.length, 'the city’s units')
  t.equal(await page.locator('[data-testid=org-region-rename]').count(), 1, 'the city’s administrator may rename the city')
  await s.shot('org-10-zh-city')
  t.same(s.errors, [], 'no console errors')
})
