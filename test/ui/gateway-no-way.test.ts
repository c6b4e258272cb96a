/**
 * Browser test: the incidents page showed "流程执行失败：gw no conditional flow taken" for a
 * gateway none of whose conditions matched the answer (bpmn-elements' English on a Chinese
 * screen). It reads the catalogue's sentence naming the gateway, in either language.
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call } from '../api.js'
import { noProcesses } from '../fixtures/bpmn.js'
import { noWayChoice } from '../fixtures/gateway.js'

browserTest(
  'a gateway with no way on reads as a sentence naming it on the incidents page',
  { name: 'gateway-no-way', config: { processesDir: noProcesses } },
  async (t, app, s) => {
    const { page, base } = s
    t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: noWayChoice })).status, 201)
    const started = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/no_way/start', {})
    const task = started.body.activeTasks[0]

    // The person answers what no condition expects: told so on the task page, naming the gateway.
    await uiLogin(page, base, 'xianghe-admin')
    await page.goto(`${base}/tasks/${task.id}`)
    const form = page.locator('[data-testid=task-form]')
    await form.locator('input[type=text]').first().fill('maybe')
    s.expectHttpError(422, `/api/tasks/${task.id}/complete`)
    await page.click('[data-testid=complete]')
    const alert = page.locator('.alert.error', { hasText: '没有可走的路径' })
    await alert.waitFor()
    t.match(
      await alert.textContent(),
      /^流程在“按答复分流”没有可走的路径：没有条件与这次的答复相符，也没有默认路径；已记录为流程事件 [0-9a-f-]{36}，请联系管理员/,
    )
    t.notMatch(await alert.textContent(), /conditional flow|Split by answer/)
    await s.shot('gateway-no-way-00-task-zh')
    t.equal((await call(app, 'xianghe-admin', 'GET', `/api/tasks/${task.id}`)).body.status, 'open', 'nothing was saved')

    await page.goto(`${base}/admin/incidents`)
    const row = page.locator('[data-testid=incident-row]')
    await row.waitFor()
    t.equal(await row.count(), 1)
    t.equal(
      (await row.locator('[data-testid=incident-message]').textContent())?.trim(),
      '流程在“按答复分流”没有可走的路径：没有条件成立，也没有默认路径',
      'the sentence in Chinese, the gateway by its Chinese name',
    )
    t.notMatch(await row.textContent(), /conditional flow|Split by answer/, 'no engine text, no English half')
    await s.shot('gateway-no-way-01-zh')

    await page.click('[data-testid=lang-switch]')
    await page.locator('[data-testid=incident-row] [data-testid=incident-message]', { hasText: 'no way on' }).waitFor()
    t.equal(
      (await page.locator('[data-testid=incident-row] [data-testid=incident-message]').textContent())?.trim(),
      'the procedure has no way on at "Split by answer": no condition holds and there is no default flow',
    )
    await s.shot('gateway-no-way-02-en')
    await page.setViewportSize({ width: 390, height: 844 })
    await s.shot('gateway-no-way-03-en-phone')
    await page.click('[data-testid=lang-switch]')
    await page.locator('[data-testid=incident-row] [data-testid=incident-message]', { hasText: '按答复分流' }).waitFor()
    await s.shot('gateway-no-way-04-zh-phone')
    t.same(s.errors, [], 'no console errors')
  },
)
