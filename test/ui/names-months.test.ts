/**
 * Browser test (issue 12): people are shown by their names, and months are chosen in the page's
 * language.
 * - The case timeline names the grid worker who signed for the case, the decision page the
 *   administrator who deployed the version in use, the forms list who deployed each form, and
 *   the task page who claimed a task: by display name (read from the users table here), never
 *   the username.
 * - The dashboard's month is a year select and a month select labelled in Chinese (not the
 *   browser's `<input type=month>`); choosing last month shows last month's figures (none of this
 *   test's cases), choosing this month again shows this test's cases.
 */
import type { FastifyInstance } from 'fastify'
import { zh } from '../../src/messages/catalogue.js'
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call, caseByNo, openTask, petition, step } from '../api.js'

const displayName = async (app: FastifyInstance, username: string) =>
  ((await app.db('users').where({ username }).first('display_name')) as { display_name: string }).display_name

/** "YYYY-MM" of a date in China time, as the platform counts months. */
const chinaMonth = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 7)

browserTest('people by display name; the dashboard month chosen from two Chinese selects', { name: 'names-months' }, async (t, app, s) => {
  t.setTimeout(180_000)
  const { page, base } = s
  const grid01 = await displayName(app, 'grid01')
  const admin = await displayName(app, 'admin')
  const xiangheAdmin = await displayName(app, 'xianghe-admin')
  t.not(grid01, 'grid01', 'the seed gives the grid worker a name of their own')

  // Two cases this month; grid01 signs for the first and claims the second's handling.
  const made: { id: string }[] = []
  for (const description of ['村口路灯不亮', '村道积水'])
    made.push(
      await caseByNo(
        app,
        (await petition(app, { description, category: 'neighbour.building', regionCode: 'xh-anping-v01-g1', petitioner: { type: 'person', anonymous: true } }))
          .caseNo,
      ),
    )
  await step(app, made[0].id, 'ut_signfor', 'grid01', { signOutcome: 'accept' })
  const handle = await openTask(app, made[0].id, 'ut_handle')
  t.equal((await call(app, 'grid01', 'POST', `/api/tasks/${handle.id}/claim`)).status, 200)
  // Xianghe's administrator deploys the city's routing decision as Xianghe's own version.
  const city = (await call(app, 'admin', 'GET', '/api/decisions/key/routing')).body
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/decisions', { xml: city.xml, tenant: 'xianghe' })).status, 201)

  await t.test('the timeline, the task and the decision page name people', async (t) => {
    await uiLogin(page, base, 'admin')
    await page.waitForURL(/\/admin\/processes/)
    await page.goto(`${base}/cases/${made[0].id}`)
    const timeline = page.locator('[data-testid=timeline]')
    await timeline.locator('.who', { hasText: grid01 }).first().waitFor()
    t.notMatch(await timeline.textContent(), /grid01/, 'no username in the timeline')
    const active = page.locator('li', { has: page.locator(`a[href="/tasks/${handle.id}"]`) })
    t.match(await active.textContent(), new RegExp(grid01), 'the active task names who claimed it')
    await s.shot('names-01-timeline-zh')

    await page.goto(`${base}/tasks/${handle.id}`)
    await page.waitForSelector('[data-testid=task-form] .fjs-form')
    t.match(await page.textContent('main'), new RegExp(`办理人：${grid01}`), 'the task page names its assignee')
    t.notMatch(await page.textContent('main'), /grid01/, 'and not by username')

    await page.goto(`${base}/admin/decision?key=routing&tenant=xianghe`)
    const version = page.locator('[data-testid=decision-version]')
    await version.waitFor()
    t.match(await version.textContent(), new RegExp(`，${xiangheAdmin}）`), 'the decision page names who deployed the version in use')
    t.notMatch(await version.textContent(), /xianghe-admin/)
    await s.shot('names-02-decision-zh')

    // The forms list names the deployer of each form version (the seed's: the system).
    const first = (await call(app, 'admin', 'GET', '/api/forms?key=shuoshi-handle')).body[0]
    const schema = JSON.parse((await call(app, 'admin', 'GET', `/api/forms/${first.id}`)).body.source)
    schema.components[0].text += '\n\n请如实填写。'
    t.equal(
      (await call(app, 'admin', 'POST', '/api/forms', { source: JSON.stringify(schema), tenant: null })).status,
      201,
      'the administrator deploys a new version',
    )
    await page.goto(`${base}/admin/forms`)
    const row = page.locator('tr[data-form="shuoshi-handle"][data-tenant=""]')
    await row.waitFor()
    t.match(await row.textContent(), new RegExp(admin), 'the forms list names the deployer')
  })

  await t.test('the dashboard month: a year and a month, in Chinese, by clicking', async (t) => {
    await uiLogin(page, base, 'leader')
    await page.goto(`${base}/dashboard`)
    const received = page.locator('[data-testid=kpis] .kpi .v').first()
    await received.waitFor()
    t.equal(await page.locator('input[type=month]').count(), 0, 'no browser month input')
    const year = page.locator('[data-testid=month-year]')
    const month = page.locator('[data-testid=month-month]')
    t.equal(await year.getAttribute('aria-label'), zh['picker.year'])
    t.equal(await month.getAttribute('aria-label'), zh['picker.month'])
    const now = chinaMonth(new Date())
    t.equal(await received.textContent(), '2', "this month: this test's two cases")
    const monthNames = (await month.locator('option').allTextContents()).map((x) => x.trim())
    t.same(monthNames.slice(0, 3), [zh['picker.month.1'], zh['picker.month.2'], zh['picker.month.3']], 'months named in Chinese')
    t.equal((await year.locator('option:checked').textContent())?.trim(), zh['picker.yearName'].replace('{{year}}', now.slice(0, 4)))
    await s.shot('months-01-dashboard-zh')

    // Last month: nothing of this test's.
    const [y, m] = now.split('-').map(Number)
    const prev = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
    if (prev.slice(0, 4) !== now.slice(0, 4)) {
      await year.selectOption(prev.slice(0, 4))
      await page.waitForURL((u) => u.searchParams.get('month') === `${prev.slice(0, 4)}-${now.slice(5)}`)
      await page.locator('[data-testid=kpis]').waitFor()
    }
    await page.locator('[data-testid=month-month]').selectOption(prev.slice(5))
    await page.waitForURL((u) => u.searchParams.get('month') === prev)
    await page.waitForFunction(() => document.querySelector('[data-testid=kpis] .kpi .v')?.textContent === '0')
    t.equal(await page.locator('[data-testid=month-month]').inputValue(), prev.slice(5), 'the choice stays shown')
    t.pass(`${prev}: no cases received`)
    await s.shot('months-02-dashboard-last-month-zh')

    await page.locator('[data-testid=month-year]').selectOption(now.slice(0, 4))
    await page.locator('[data-testid=month-month]').selectOption(now.slice(5))
    await page.waitForURL((u) => u.searchParams.get('month') === now)
    await page.waitForFunction(() => document.querySelector('[data-testid=kpis] .kpi .v')?.textContent === '2')
    t.pass(`${now}: this test's two cases again`)

    // The bulletin and the public page carry the same choice.
    await page.goto(`${base}/bulletin?month=${prev}`)
    await page.locator('[data-testid=bulletin-month-month]').waitFor()
    t.equal(await page.locator('[data-testid=bulletin-month-month]').inputValue(), prev.slice(5))
    await page.goto(`${base}/gongshi`)
    await page.locator('[data-testid=public-month-year]').waitFor()
    t.equal(await page.locator('[data-testid=public-month-year]').inputValue(), '', 'the public page starts at all months')
    await page.locator('[data-testid=public-month-year]').selectOption(now.slice(0, 4))
    await page.locator('[data-testid=public-month-month]').selectOption(now.slice(5))
    await page.waitForURL((u) => u.searchParams.get('month') === now)
    t.pass('the public page follows a month chosen in two steps')
    t.same(s.errors, [], 'no console errors')
  })
})
