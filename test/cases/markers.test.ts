import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, getCase, openTask, petition, step, streetLight } from '../api.js'
import { projectRoot } from '../../src/lib/paths.js'

/**
 * The platform finds the elements it relies on by their markers (shuoshi:role, shuoshi:return,
 * shuoshi:deadline, shuoshi:extension), not by id: an administrator may rename them.
 */

const read = (file: string) => fs.readFileSync(path.join(projectRoot(), 'processes', file), 'utf8')

/** Every element id the old code named, renamed; sequence flow ids (f_ut_…) keep theirs. */
const RENAMED: Record<string, string> = {
  ut_signfor: 'accept_case',
  ut_signfor_late: 'accept_case_due',
  ut_signfor_supervise: 'accept_case_chase',
  ut_handle: 'work_case',
  ut_handle_late: 'work_case_due',
  ut_handle_supervise: 'work_case_chase',
  ut_handle_extension: 'work_case_more_time',
  ut_handle_ext_approve: 'more_time_ok',
  ut_handle_ext_apply: 'more_time_apply',
  ut_evaluate: 'citizen_rating',
  ut_dispatch: 'send_out',
}
const renamedOrdinary = () => read('ordinary.bpmn').replace(/(?<![\w-])ut_[a-z_]+(?![\w-])/g, (id) => RENAMED[id] ?? id)

const day = 86400e3

t.test('renamed element ids with the markers kept: return, extension, supervision and evaluation still work', async (t) => {
  const app = await build(t)
  const xml = renamedOrdinary()
  t.notMatch(xml, /"ut_(signfor|handle|evaluate)"/, 'no old id is left in an attribute')
  const dep = await call(app, 'admin', 'POST', '/api/process-definitions', { xml })
  t.equal(dep.status, 201, JSON.stringify(dep.body))

  // Return (退单) from the renamed sign-for task, to the renamed dispatch task.
  const p1 = await petition(app, streetLight)
  const c1 = await caseByNo(app, p1.caseNo)
  t.equal(c1.activeTasks[0].elementId, 'accept_case', 'the case runs on the renamed version')
  const accept = await call(app, 'urban-officer', 'GET', `/api/tasks/${c1.activeTasks[0].id}`)
  t.same(accept.body.actions, ['complete', 'return'], 'sign-for offers return, not extension')
  const ret = await call(app, 'urban-officer', 'POST', `/api/tasks/${c1.activeTasks[0].id}/return`, { reason: '属于供电公司职责' })
  t.equal(ret.status, 200, JSON.stringify(ret.body))
  const back = await getCase(app, c1.id)
  t.same([back.status, back.activeTasks[0].elementId], ['received', 'send_out'])
  const dispatchTask = await call(app, 'anping-dispatcher', 'GET', `/api/tasks/${back.activeTasks[0].id}`)
  t.same(dispatchTask.body.actions, ['complete'], 'the dispatch task offers neither')
  t.equal((await call(app, 'admin', 'POST', `/api/tasks/${back.activeTasks[0].id}/return`, { reason: 'x' })).status, 422)

  // Extension (延期) of the renamed handling task: approval and the moved deadline.
  const p2 = await petition(app, {
    description: '楼道瓷砖脱落',
    category: 'housing.property',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c2 = await caseByNo(app, p2.caseNo)
  await step(app, c2.id, 'accept_case', 'housing-officer', { signOutcome: 'accept' })
  const work = await openTask(app, c2.id, 'work_case')
  t.ok(work, 'the renamed handling task is open')
  t.same((await call(app, 'housing-officer', 'GET', `/api/tasks/${work.id}`)).body.actions, ['complete', 'return', 'extension'])
  const ext = await call(app, 'housing-officer', 'POST', `/api/tasks/${work.id}/extension`, { days: 4, reason: '需等待施工队' })
  t.equal(ext.status, 202, JSON.stringify(ext.body))
  const approval = await openTask(app, c2.id, 'more_time_ok')
  t.equal(ext.body.approvalTaskId, approval.id, 'the renamed approval task is the one reported')
  t.equal((await call(app, 'housing-officer', 'POST', `/api/tasks/${work.id}/extension`, { days: 4, reason: '再次' })).status, 409, 'one pending at a time')
  await step(app, c2.id, 'more_time_ok', 'anping-leader', { extensionDecision: 'approve', extensionComment: '同意' })
  const moved = await openTask(app, c2.id, 'work_case')
  t.equal(new Date(moved.dueAt).getTime() - new Date(work.dueAt).getTime(), 4 * day, 'the task is due four days later')
  t.equal((await getCase(app, c2.id)).resolveDueAt, moved.dueAt)
  const timer = await app.db('timers').where({ instance_id: c2.instanceId, element_id: 'work_case_due', status: 'pending' }).first()
  t.equal(timer?.due_at, moved.dueAt, 'the renamed deadline timer moved with it')

  // Supervision (督办): the renamed deadline timer fires; the task shows overdue on the diagram.
  t.equal(await app.engine.poller.poll(new Date(new Date(moved.dueAt).getTime() + 60e3)), 1, 'the deadline fires once it passes')
  const late = await getCase(app, c2.id)
  t.equal(late.overdue, true)
  t.same(
    (await app.db('case_supervisions').where({ case_id: c2.id })).map((s: any) => s.stage),
    ['resolve'],
  )
  const diagram = (await call(app, 'admin', 'GET', `/api/cases/${c2.id}/diagram`)).body
  t.equal(diagram.activities.find((a: any) => a.id === 'work_case')?.state, 'overdue')

  // Evaluation: the citizen's route completes the renamed evaluation task.
  await step(app, c2.id, 'work_case', 'housing-officer', { outcome: 'resolved', result: '已修复' })
  const tr = await call(app, null, 'GET', `/api/public/track/${p2.caseNo}?code=${p2.trackingCode}`)
  t.equal(tr.body.awaitingEvaluation, true)
  const ev = await call(app, null, 'POST', `/api/public/track/${p2.caseNo}/evaluation`, { code: p2.trackingCode, resolved: true, satisfaction: 'satisfied' })
  t.equal(ev.status, 200, JSON.stringify(ev.body))
  t.equal(ev.body.status, 'closed')
  t.notOk(await openTask(app, c2.id, 'citizen_rating'))
})

t.test('a procedure that lost what the platform needs is refused with a 400 naming it', async (t) => {
  const app = await build(t)
  const ordinary = read('ordinary.bpmn')
  const prop = (name: string, value: string) => `<camunda:property name="${name}" value="${value}" />`
  const cases: [string, string, (d: any[]) => boolean][] = [
    [
      'no evaluation task',
      ordinary.replace(prop('shuoshi:role', 'evaluation'), ''),
      (d) => d.some((p) => p.elementId === null && /evaluation/.test(p.message)),
    ],
    [
      'the extension marker removed while case.extend stays',
      ordinary.replace(prop('shuoshi:extension', 'request'), ''),
      (d) => d.some((p) => p.elementId === 'ut_handle_ext_apply') && d.some((p) => p.elementId === 'ut_handle_ext_approve'),
    ],
    [
      'handling without its deadline',
      ordinary.replace(/(<bpmn:boundaryEvent id="ut_handle_late"[\s\S]*?)<camunda:property name="shuoshi:deadline" value="true" \/>/, '$1'),
      (d) => d.some((p) => p.elementId === 'ut_handle' && /deadline/.test(p.message)),
    ],
    [
      'a deadline marker on a message boundary',
      ordinary.replace(prop('shuoshi:extension', 'request'), prop('shuoshi:extension', 'request') + prop('shuoshi:deadline', 'true')),
      (d) => d.some((p) => p.elementId === 'ut_handle_extension' && /timer/.test(p.message)),
    ],
    [
      'an unknown role',
      ordinary.replace(prop('shuoshi:role', 'signFor'), prop('shuoshi:role', 'signfor')),
      (d) => d.some((p) => p.elementId === 'ut_signfor' && /signfor/.test(p.message)) && d.some((p) => p.elementId === null && /signFor/.test(p.message)),
    ],
    [
      'an extension boundary that interrupts its task',
      ordinary.replace(
        '<bpmn:boundaryEvent id="ut_handle_extension" name="延期申请 / Extension requested" cancelActivity="false"',
        '<bpmn:boundaryEvent id="ut_handle_extension" name="延期申请 / Extension requested" cancelActivity="true"',
      ),
      (d) => d.some((p) => p.elementId === 'ut_handle_extension' && /interrupt/.test(p.message)),
    ],
  ]
  for (const [what, xml, names] of cases) {
    t.not(xml, ordinary, `${what}: the variant differs from the shipped file`)
    for (const user of ['admin', 'xianghe-admin']) {
      const r = await call(app, user, 'POST', '/api/process-definitions', { xml })
      t.equal(r.status, 400, `${what} (${user})`)
      t.equal(r.body.error, 'bad_request')
      t.ok(names(r.body.details ?? []), `${what}: ${JSON.stringify(r.body.details)}`)
    }
  }
  t.same(
    (await app.db('process_definitions').where({ key: 'ordinary' })).map((r: any) => r.version),
    [1],
    'nothing was deployed',
  )

  // A process that is not one of the four procedures needs no markers.
  const plain = ordinary
    .replace('<bpmn:process id="ordinary"', '<bpmn:process id="ordinary_copy"')
    .replace('bpmnElement="ordinary"', 'bpmnElement="ordinary_copy"')
    .replace(/<camunda:property name="shuoshi:role" value="evaluation" \/>/, '')
  const other = await call(app, 'admin', 'POST', '/api/process-definitions', { xml: plain })
  t.equal(other.status, 201, `another key lacking an evaluation task deploys: ${JSON.stringify(other.body)}`)
})

t.test('a version stored before markers existed keeps return, extension and evaluation (database of an earlier release)', async (t) => {
  const app = await build(t)
  const unmarked = read('ordinary.bpmn').replace(
    /\s*<bpmn:extensionElements>\s*<camunda:properties>[\s\S]*?<\/camunda:properties>\s*<\/bpmn:extensionElements>/g,
    '',
  )
  t.notMatch(unmarked, /name="shuoshi:/)
  const refused = await call(app, 'admin', 'POST', '/api/process-definitions', { xml: unmarked })
  t.equal(refused.status, 400, 'a new unmarked version is refused')
  // As an earlier release stored it: written directly, the way its start-up deploy left it.
  const v1 = await app.db('process_definitions').where({ key: 'ordinary', tenant: '' }).first()
  await app.db('process_definitions').insert({ ...v1, id: 'legacy-ordinary', version: 2, xml: unmarked, xml_hash: 'legacy' })

  const p = await petition(app, {
    description: '楼道瓷砖脱落',
    category: 'housing.property',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  t.equal((await app.db('process_instances').where({ id: c.instanceId }).first()).definition_id, 'legacy-ordinary')
  t.same((await call(app, 'housing-officer', 'GET', `/api/tasks/${c.activeTasks[0].id}`)).body.actions, ['complete', 'return'])
  await step(app, c.id, 'ut_signfor', 'housing-officer', { signOutcome: 'accept' })
  const handle = await openTask(app, c.id, 'ut_handle')
  t.equal((await call(app, 'housing-officer', 'POST', `/api/tasks/${handle.id}/extension`, { days: 2, reason: '等材料' })).status, 202)
  await step(app, c.id, 'ut_handle_ext_approve', 'anping-leader', { extensionDecision: 'approve' })
  const moved = await openTask(app, c.id, 'ut_handle')
  t.equal(new Date(moved.dueAt).getTime() - new Date(handle.dueAt).getTime(), 2 * day)
  t.equal((await app.db('timers').where({ instance_id: c.instanceId, element_id: 'ut_handle_late', status: 'pending' }).first())?.due_at, moved.dueAt)
  await step(app, c.id, 'ut_handle', 'housing-officer', { outcome: 'resolved', result: '已修复' })
  const ev = await call(app, null, 'POST', `/api/public/track/${p.caseNo}/evaluation`, { code: p.trackingCode, resolved: true, satisfaction: 'satisfied' })
  t.equal(ev.status, 200, JSON.stringify(ev.body))
})
