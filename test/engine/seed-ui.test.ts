/**
 * Browser test: the processes page shows each key's shipped version and whether it differs from
 * the latest city version; a county administrator deploys it as their county's own version.
 */
import fs from 'node:fs'
import path from 'node:path'
import { projectRoot } from '../../src/lib/paths.js'
import { uiLogin } from '../ui/browser.js'
import { browserTest } from '../ui/browser-test.js'
import { call } from '../api.js'

browserTest('processes page: the shipped version, and deploying it for a county', { name: 'seed-shipped' }, async (t, app, s) => {
  const { page, base } = s
  const edited = fs
    .readFileSync(path.join(projectRoot(), 'processes', 'ordinary.bpmn'), 'utf8')
    .replace('name="办理 / Handle"', 'name="办理 / Handle (city edit)"')
  t.equal((await call(app, 'admin', 'POST', '/api/process-definitions', { xml: edited })).status, 201)

  await uiLogin(page, base, 'xianghe-admin')
  await page.waitForURL(/\/admin\/processes/)
  const ordinary = page.locator('[data-testid=shipped-ordinary]')
  await ordinary.waitFor()
  t.match(await ordinary.textContent(), /ordinary\.bpmn/)
  t.match(await ordinary.locator('.badge').textContent(), /与市级最新版本不同|differs from the latest city version/, 'the city edit differs from the file')
  t.notOk(await page.locator('[data-testid=shipped-joint] .badge').count(), 'joint is as shipped')
  await s.shot('seed-01-shipped')

  await ordinary.locator('[data-testid=deploy-shipped]').click()
  await page.locator('[data-testid=process-ordinary] [data-testid=version-row][data-tenant=xianghe]').waitFor()
  const rows = await app.db('process_definitions').where({ key: 'ordinary' }).orderBy(['tenant', 'version'])
  t.same(
    rows.map((r: any) => [r.tenant, r.version, r.deployed_by]),
    [
      ['', 1, 'system'],
      ['', 2, 'admin'],
      ['xianghe', 1, 'xianghe-admin'],
    ],
    'the county got the shipped file as its own version; the city default is untouched',
  )
  t.equal(rows[2].xml, fs.readFileSync(path.join(projectRoot(), 'processes', 'ordinary.bpmn'), 'utf8'))
  await s.shot('seed-02-deployed')
})
