/**
 * Browser test: the county administrator of xianghe adds an approval step to the ordinary flow
 * in the modeler, sees the server's validation problem drawn on the new element, fixes it and
 * deploys xianghe's own version; a xianghe case then follows the new flow while a guangyang
 * case keeps the city default.
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call, caseByNo, openTask, petition, step } from '../api.js'

browserTest('xianghe admin adds an approval step to the ordinary flow; only xianghe cases follow it', { name: 'modeler-county-flow' }, async (t, app, s) => {
  const { page, base } = s

  await uiLogin(page, base, 'xianghe-admin')
  await page.waitForURL(/\/admin\/processes/)
  const ordinary = page.locator('[data-testid=process-ordinary]')
  await ordinary.waitFor()
  t.match(await ordinary.textContent(), /市级默认/, 'the city default version is listed')
  await s.shot('01-admin-process-list')

  // Open the city default in the modeler (a county edits a copy; deploying makes its own version).
  await ordinary.locator('[data-testid=version-row][data-tenant=""] [data-testid=edit-version]').first().click()
  await page.waitForSelector('.djs-element[data-element-id="svc_resolve"]')
  t.equal(await page.locator('[data-testid=deploy-tenant]').inputValue(), 'xianghe', 'a county admin deploys only for their county')
  t.equal((await page.locator('[data-testid=deploy-tenant] option:checked').textContent())!.trim(), '本县版本：香河县', 'named, not by its code')

  // Make room between the handling task and "record result" with the space tool…
  const handle = (await page.locator('.djs-shape[data-element-id="ut_handle"]').boundingBox())!
  const resolve = (await page.locator('.djs-shape[data-element-id="svc_resolve"]').boundingBox())!
  const gapX = (handle.x + handle.width + resolve.x) / 2
  const y = resolve.y + resolve.height / 2
  const step100 = resolve.width * 1.6
  await page.click('.djs-palette .entry.bpmn-icon-space-tool')
  await page.mouse.move(gapX, y - 60)
  await page.mouse.down()
  await page.mouse.move(gapX + step100 / 2, y - 60, { steps: 5 })
  await page.mouse.move(gapX + step100, y - 60, { steps: 5 })
  await page.mouse.up()

  // …then drop a new task onto the "resolved" flow: bpmn-js splits the flow around it.
  const flow = (await page.locator('.djs-connection[data-element-id="f_resolved"]').boundingBox())!
  const before = await page.locator('.djs-shape').count()
  await page.click('.djs-palette .entry.bpmn-icon-task')
  await page.mouse.move(flow.x + flow.width / 2 - 20, flow.y + flow.height / 2, { steps: 4 })
  await page.mouse.move(flow.x + flow.width / 2, flow.y + flow.height / 2, { steps: 4 })
  await page.mouse.click(flow.x + flow.width / 2, flow.y + flow.height / 2)
  t.equal(await page.locator('.djs-shape').count(), before + 1, 'a task was added')
  // Direct editing opens on the new task: name it.
  await page.waitForSelector('.djs-direct-editing-parent', { state: 'visible' })
  await page.keyboard.type('领导审核')
  await page.click('.djs-container svg', { position: { x: 10, y: 10 } })
  const task = page.locator('.djs-shape', { hasText: '领导审核' })
  await task.waitFor()
  const newId = (await task.getAttribute('data-element-id'))!
  /** Clicks an element until bpmn-js shows it selected (a click right after an edit can be swallowed). */
  const select = async (id: string) => {
    for (let i = 0; i < 5; i++) {
      await page.locator(`.djs-shape[data-element-id="${id}"]`).click()
      try {
        await page.waitForSelector(`.djs-element.selected[data-element-id="${id}"]`, { timeout: 1000 })
        return
      } catch {
        await page.waitForTimeout(200)
      }
    }
    throw new Error(`could not select ${id}`)
  }

  // Turn it into a user task through the context pad.
  await select(newId)
  await page.click('.djs-context-pad .entry[data-action="replace"]')
  await page.click('.djs-popup [data-id="replace-with-user-task"]')
  const userTask = page.locator('.djs-shape', { hasText: '领导审核' })
  await userTask.waitFor()
  const utId = (await userTask.getAttribute('data-element-id'))!

  // The administrator first offers the step to a unit nobody works in (the county court):
  // the server refuses the deployment and the problem shows on the element itself.
  await page.waitForSelector('[data-testid=group-picker]:not([hidden])')
  // The two lists are named (they had no accessible name), and what "添加为候选组" adds reads as a
  // name (it was an unexplained box holding "—" or the bare token).
  t.equal(await page.getByRole('combobox', { name: '角色', exact: true }).count(), 1, 'the role list has a name')
  t.equal(await page.getByRole('combobox', { name: '单位', exact: true }).count(), 1, 'the unit list has a name')
  t.match(await page.textContent('[data-testid=group-preview]'), /请先选择角色或单位/, 'nothing chosen: the box says so')
  await page.selectOption('[data-testid=pick-unit]', 'xianghe-court')
  const preview = (await page.textContent('[data-testid=group-preview]'))!
  t.match(preview, /^将添加：香河县.*法院$/, `the group by name (${preview})`)
  t.notMatch(
    (await page.textContent('[data-testid=group-picker]'))!,
    /xianghe-court|unit:|dispatcher|handler/,
    'no code on the picker, no English in the Chinese one',
  )
  await page.click('[data-testid=add-group]')
  await page.waitForSelector('[data-testid=group-chips] .chip')
  t.equal(await page.getAttribute('[data-testid=group-chips] .chip', 'data-group'), 'unit:xianghe-court', 'the chip holds the token')
  t.notMatch(await page.textContent('[data-testid=group-chips]'), /xianghe-court/, 'and shows the name')
  s.expectHttpError(400, '/api/process-definitions')
  await page.click('[data-testid=deploy]')
  await page.waitForSelector('[data-testid=deploy-error]')
  const overlay = page.locator(`.problem-overlay[data-element-id="${utId}"]`)
  await overlay.waitFor()
  t.match(await overlay.textContent(), /没有人能收到此任务.*xianghe-court/, 'the problem is drawn on the new user task')
  // In Chinese the sentence is Chinese only: rendered from its key, not the bilingual message.
  const zhList = (await page.locator('[data-testid=problems]').textContent())!
  t.match(zhList, /^领导审核：/, 'the element by its name, not its id')
  t.match(zhList, /没有人能收到此任务（用户 -；组 .*xianghe-court.* 都不存在）/, 'the problem list shows the Chinese sentence')
  t.notMatch(zhList + (await overlay.textContent()), /nobody|receive/, 'and no English beside it')
  t.equal(await page.locator(`.djs-element.has-problem[data-element-id="${utId}"]`).count(), 1, 'the element is marked')
  await s.shot('02-modeler-validation-problem')
  const defsBefore = await call(app, 'admin', 'GET', '/api/process-definitions?key=ordinary')
  t.notOk(
    defsBefore.body.some((d: any) => d.tenant === 'xianghe'),
    'nothing was deployed',
  )

  // Fix it: remove that group and give the step to the leaders instead.
  await select(utId)
  await page.click('[data-testid=group-chips] .chip button')
  await page.waitForSelector('[data-testid=group-chips] .chip', { state: 'detached' })
  await page.selectOption('[data-testid=pick-unit]', '')
  await page.selectOption('[data-testid=pick-role]', 'leader')
  await page.click('[data-testid=add-group]')
  await page.waitForSelector('[data-testid=group-chips] .chip')
  t.equal(await page.getAttribute('[data-testid=group-chips] .chip', 'data-group'), 'role:leader')
  t.match(await page.locator('[data-testid=group-chips]').textContent(), /^领导/, 'the leaders, by name')
  // A shipped task's receivers are an expression (=handlerGroup). The picker split it on commas
  // and joined the chips with commas: adding the leaders deployed `=handlerGroup,role:leader`,
  // not FEEL, and deploy refused it. Now the expression is one chip and stays one expression.
  await select('ut_handle')
  await page.waitForSelector('[data-testid=group-chips] .chip')
  t.same(
    await page.locator('[data-testid=group-chips] .chip').evaluateAll((els) => els.map((e) => e.getAttribute('data-group'))),
    ['=handlerGroup'],
    'the expression is one chip',
  )
  await page.selectOption('[data-testid=pick-unit]', '')
  await page.selectOption('[data-testid=pick-role]', 'leader')
  await page.click('[data-testid=add-group]')
  await page.locator('[data-testid=group-chips] .chip').nth(1).waitFor()
  await page.click('[data-testid=deploy]')
  await page.waitForSelector('[data-testid=deploy-ok]')
  // It read "已部署 ordinary v2（县级版本：xianghe）".
  const deployed = (await page.textContent('[data-testid=deploy-ok]'))!
  t.match(deployed, /^已部署 一般问题接单快速办 v\d+（县级版本：香河县）/, `the county by name (${deployed})`)
  t.notMatch(deployed, /xianghe|Ordinary/, 'no code, no English')
  t.equal(await page.locator('.problem-overlay').count(), 0, 'problems cleared')
  await s.shot('03-modeler-deployed')

  const defs = await call(app, 'admin', 'GET', '/api/process-definitions?key=ordinary')
  const mine = defs.body.find((d: any) => d.tenant === 'xianghe')
  t.ok(mine, 'xianghe has its own ordinary version')
  t.equal(mine.deployedBy, 'xianghe-admin')
  void newId

  // A xianghe case goes through the new approval step…
  const xh = await petition(app, {
    description: '楼下垃圾堆放一周无人清理',
    category: 'environment.garbage',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const gy = await petition(app, {
    description: '小区门口垃圾无人清运',
    category: 'environment.garbage',
    regionCode: 'gy-xinyuan-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const xc = await caseByNo(app, xh.caseNo)
  const gc = await caseByNo(app, gy.caseNo)
  for (const [c, user] of [
    [xc, 'anping-v01'],
    [gc, 'xinyuan-v01'],
  ] as const) {
    await step(app, c.id, 'ut_signfor', user, { signOutcome: 'accept', firstReply: '已联系' })
    const groups: string[] = (await openTask(app, c.id, 'ut_handle')).candidateGroups
    if (c === xc) t.ok(groups.includes('role:leader') && groups.some((g) => g.startsWith('unit:')), `Xianghe's handling: its unit and the leaders (${groups})`)
    else t.notOk(groups.includes('role:leader'), "Guangyang's follows the city's version")
    await step(app, c.id, 'ut_handle', user, { outcome: 'resolved', result: '已清运' })
  }
  const xAfter = (await call(app, 'admin', 'GET', `/api/cases/${xc.id}`)).body
  const gAfter = (await call(app, 'admin', 'GET', `/api/cases/${gc.id}`)).body
  t.same(
    xAfter.activeTasks.map((x: any) => x.elementId),
    [utId],
    'the xianghe case waits for the leader approval',
  )
  t.same(xAfter.activeTasks[0].candidateGroups, ['role:leader'])
  t.equal(gAfter.status, 'awaiting_evaluation', 'the guangyang case follows the city default')
  t.notOk(gAfter.activeTasks.some((x: any) => x.elementId === utId))

  // The case page shows where the xianghe case stands on its own diagram.
  await page.goto(`${base}/cases/${xc.id}`)
  await page.waitForSelector(`.djs-element.state-active[data-element-id="${utId}"]`)
  t.equal(await page.locator('.djs-element.state-done[data-element-id="ut_handle"]').count(), 1, 'handled step marked done')
  await page.waitForSelector('[data-testid=timeline] li')
  await s.shot('04-case-diagram-xianghe')

  await step(app, xc.id, utId, 'xianghe-leader', {})
  t.equal((await call(app, 'admin', 'GET', `/api/cases/${xc.id}`)).body.status, 'awaiting_evaluation', 'after approval the xianghe case goes on')

  // Round trip (issue 14): the county's version downloads as the .bpmn Camunda Modeler opens, and
  // two files deploy at once from the processes page.
  // A county form, so that the "Forms and decision tables" table has a county version: it showed
  // the county's code (县级版本：xianghe); the seed names it 香河县 / Xianghe County.
  const countyForm = JSON.stringify({ id: 'shuoshi-ui-county', type: 'default', components: [{ type: 'textfield', key: 'note', label: '备注 / Note' }] })
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/forms', { source: countyForm })).status, 201)
  await page.goto(`${base}/admin/processes`)
  const formRow = page.locator('[data-testid=resource-row]', { hasText: 'shuoshi-ui-county' })
  t.match(await formRow.textContent(), /县级版本：香河县/, 'the county by name')
  t.notMatch(await formRow.textContent(), /xianghe/, 'not its code')
  const xiangheRow = page.locator('[data-testid=process-ordinary] [data-testid=version-row][data-tenant="xianghe"]').first()
  const [file] = await Promise.all([page.waitForEvent('download'), xiangheRow.locator('[data-testid=download-version]').click()])
  const ours = (await call(app, 'admin', 'GET', '/api/process-definitions?key=ordinary&tenant=xianghe')).body[0]
  t.equal(file.suggestedFilename(), `ordinary-v${ours.version}.bpmn`)
  const saved = await file.path()
  const { readFile } = await import('node:fs/promises')
  t.equal(await readFile(saved!, 'utf8'), (await call(app, 'admin', 'GET', `/api/process-definitions/${ours.id}/xml`)).body.xml, 'the file is the deployed XML')
  const small = (id: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><definitions id="d_${id}" xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="http://x"><process id="${id}" isExecutable="true"><startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="u"/><userTask id="u" camunda:assignee="grid01"/><sequenceFlow id="b" sourceRef="u" targetRef="e"/><endEvent id="e"/></process></definitions>`
  await page.click('[data-testid=bundle] summary')
  await page.setInputFiles('[data-testid=bundle-files]', [
    { name: 'one.bpmn', mimeType: 'application/octet-stream', buffer: Buffer.from(small('ui_bundle_one')) },
    { name: 'two.bpmn', mimeType: 'application/octet-stream', buffer: Buffer.from(small('ui_bundle_two')) },
  ])
  await page.click('[data-testid=bundle-deploy]')
  await page.locator('[data-testid=process-ui_bundle_two]').waitFor()
  t.equal(await page.locator('[data-testid=process-ui_bundle_one] [data-testid=version-row][data-tenant="xianghe"]').count(), 1, 'both landed in xianghe')
  await s.shot('05-bundle-deployed')
  // A bad bundle: the error names the file, and nothing is deployed.
  await page.click('[data-testid=bundle] summary')
  await page.setInputFiles('[data-testid=bundle-files]', [
    { name: 'three.bpmn', mimeType: 'application/octet-stream', buffer: Buffer.from(small('ui_bundle_three')) },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('x') },
  ])
  s.expectHttpError(400, '/engine-rest/deployment/create')
  await page.click('[data-testid=bundle-deploy]')
  await page.locator('[data-testid=bundle-result] [role=alert]').waitFor()
  t.match(await page.locator('[data-testid=bundle-result]').textContent(), /notes\.txt/)
  await s.shot('06-bundle-refused')
  // The same page in English and at phone width (the file picker and the download links must fit).
  await page.click('[data-testid=lang-switch]')
  await page.locator('[data-testid=bundle] summary', { hasText: 'Deploy several files' }).waitFor()
  await page.setViewportSize({ width: 390, height: 844 })
  await page.$eval('[data-testid=bundle]', (el) => ((el as HTMLDetailsElement).open = true))
  await s.shot('07-bundle-en-phone')
  // At 390 px the version table's actions were cut at the right edge, and what a version changed
  // opened inside the table's scrolled area, starting mid-word.
  const wraps = await page.$$eval('[data-testid=process-ordinary] .scope .table-wrap', (els) => els.map((el) => [el.scrollWidth, el.clientWidth]))
  t.ok(wraps.length >= 2, 'the city and the county histories')
  t.same(
    wraps.filter(([scroll, client]) => scroll > client),
    [],
    'every version table fits the phone: nothing to scroll to',
  )
  const cityScope = page.locator('[data-testid=process-ordinary] [data-testid=scope][data-tenant=""]')
  await cityScope.locator('[data-testid=show-diff]').first().click()
  const diffBox = cityScope.locator('[data-testid=diff]')
  await diffBox.waitFor()
  t.equal(await cityScope.locator('.table-wrap [data-testid=diff]').count(), 0, 'the change summary is outside the scrolled table')
  const box = (await diffBox.boundingBox())!
  t.ok(box.x >= 0 && box.x + box.width <= 390, `and within the screen (${Math.round(box.x)}–${Math.round(box.x + box.width)} px)`)
  // Element names were "办理 / Handle" in both languages.
  const diffText = (await diffBox.textContent())!
  t.match(diffText, /"Handle"/, 'the English half of a name')
  t.notMatch(diffText, /\p{Script=Han}/u, 'no Chinese in the English summary')
  await s.shot('07b-processes-diff-en-phone')
  t.match(await formRow.textContent(), /county: Xianghe County/, 'and in English')
  // In English the modeler's problems are English sentences only: a task connected to nothing
  // (bpmnlint no-disconnected, a key of our own) is refused in the chosen language.
  await page.setViewportSize({ width: 1280, height: 860 })
  await page.locator('[data-testid=process-ordinary] [data-testid=version-row][data-tenant="xianghe"] [data-testid=edit-version]').first().click()
  await page.waitForSelector('.djs-element[data-element-id="svc_resolve"]')
  const canvasBox = (await page.locator('.djs-container').boundingBox())!
  const spot = { x: canvasBox.x + canvasBox.width - 140, y: canvasBox.y + canvasBox.height - 90 }
  await page.click('.djs-palette .entry.bpmn-icon-task')
  await page.mouse.move(spot.x - 20, spot.y, { steps: 4 })
  await page.mouse.move(spot.x, spot.y, { steps: 4 })
  await page.mouse.click(spot.x, spot.y)
  await page.keyboard.press('Escape')
  s.expectHttpError(400, '/api/process-definitions')
  await page.click('[data-testid=deploy]')
  await page.waitForSelector('[data-testid=deploy-error]')
  const enList = (await page.locator('[data-testid=problems]').textContent())!
  t.match(enList, /the element is not connected to the flow \(bpmnlint no-disconnected\)/, 'the problem list shows the English sentence')
  t.notMatch(enList, /\p{Script=Han}/u, 'and no Chinese beside it')
  await s.shot('08-modeler-problem-en')
  await page.click('[data-testid=lang-switch]')
  t.equal((await call(app, 'admin', 'GET', '/api/process-definitions?key=ui_bundle_three')).body.length, 0)

  // An incident reads as one sentence in the page's language. Its text was shown as stored,
  // "流程执行失败：remind: 中文 / English / process execution failed: remind: 中文 / English", cut at
  // the first " / " — English inside the Chinese page and Chinese inside the English one.
  const cycling = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="t">
  <process id="ui_cycle" isExecutable="true">
    <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <intermediateCatchEvent id="wait"><timerEventDefinition><timeDuration>PT2S</timeDuration></timerEventDefinition></intermediateCatchEvent>
    <sequenceFlow id="f2" sourceRef="wait" targetRef="work"/>
    <userTask id="work" camunda:candidateGroups="role:county_admin"/>
    <boundaryEvent id="remind" attachedToRef="work" cancelActivity="false"><timerEventDefinition><timeCycle>=cyc</timeCycle></timerEventDefinition></boundaryEvent>
    <sequenceFlow id="f3" sourceRef="remind" targetRef="e2"/><endEvent id="e2"/>
    <sequenceFlow id="f4" sourceRef="work" targetRef="e"/><endEvent id="e"/>
  </process>
</definitions>`
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: cycling })).status, 201)
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/ui_cycle/start', { variables: { cyc: 'R/PT0S' } })).status, 201)
  await app.engine.poller.poll(new Date(Date.now() + 10_000))
  await page.goto(`${base}/admin/incidents`)
  const incident = page.locator('[data-testid=incident-row]', { hasText: 'ui_cycle' })
  await incident.waitFor()
  const zhText = (await incident.locator('[data-testid=incident-message]').textContent())!
  t.match(zhText, /^timeCycle R\/PT0S 不限次数/, 'the Chinese sentence')
  t.notMatch(zhText, /without end|process execution| \/ /, 'and nothing English beside it')
  t.match(await incident.textContent(), /ui_cycle \(香河县\)/, 'the county by name, not its code')
  await s.shot('09-incident-zh')
  await page.click('[data-testid=lang-switch]')
  await incident.locator('[data-testid=incident-message]', { hasText: 'without end' }).waitFor()
  t.notMatch((await incident.locator('[data-testid=incident-message]').textContent())!, /\p{Script=Han}/u, 'in English, no Chinese beside it')
  t.match(await incident.textContent(), /ui_cycle \(Xianghe County\)/)
  await s.shot('10-incident-en')
  await page.click('[data-testid=lang-switch]')

  t.same(s.errors, [], 'no console errors')
})
