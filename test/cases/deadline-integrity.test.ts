import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, garbageReport, getCase, openTask, petition, step } from '../api.js'
import { projectRoot } from '../../src/lib/paths.js'

/**
 * What a county administrator (or anyone completing a task) could do to a case's deadlines and
 * to its assessment through the variables the platform's handlers read: each test is named after
 * what broke, and checks the case afterwards against values read before the attempt.
 */

const day = 86400e3
const read = (file: string) => fs.readFileSync(path.join(projectRoot(), 'processes', file), 'utf8')

async function newCase(app: any) {
  const p = await petition(app, { ...garbageReport, channel: 'web' })
  return { ...(await caseByNo(app, p.caseNo)), trackingCode: p.trackingCode, caseNo: p.caseNo }
}

/** A new Xianghe garbage case, signed for by its village: waiting at handling. */
async function atHandle(app: any) {
  const c = await newCase(app)
  await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
  return { c, handle: await openTask(app, c.id, 'ut_handle') }
}

const instanceOf = async (app: any, caseId: string) => (await app.db('cases').where({ id: caseId }).first('instance_id')).instance_id as string

t.test('extensions', async (t) => {
  const app = await build(t)

  t.test('a message set extensionDays and every approval of the extension failed with a raw RangeError', async (t) => {
    const { c, handle } = await atHandle(app)
    const instanceId = await instanceOf(app, c.id)
    for (const variables of [{ extensionDays: 100000000 }, { extensionDecision: 'approve' }]) {
      const r = await call(app, 'xianghe-admin', 'POST', '/api/messages', { name: 'extension_request', caseId: c.id, variables })
      t.equal(r.status, 400, JSON.stringify(r.body))
      t.same(
        r.body.details.map((d: any) => d.field),
        Object.keys(variables).map((k) => `variables.${k}`),
        'the 400 names the platform variable',
      )
    }
    t.notOk(await openTask(app, c.id, 'ut_handle_ext_approve'), 'no approval was raised')
    t.equal((await app.db('subscriptions').where({ instance_id: instanceId, name: 'extension_request' })).length, 1, 'the handler may still ask')

    // The route's request, approved: the deadline moves by what the handler asked, no more.
    const ext = await call(app, 'anping-v01', 'POST', `/api/tasks/${handle.id}/extension`, { days: 5, reason: '需等待清运车' })
    t.equal(ext.status, 202, JSON.stringify(ext.body))
    await step(app, c.id, 'ut_handle_ext_approve', 'xianghe-leader', { extensionDecision: 'approve' })
    const moved = await getCase(app, c.id)
    t.equal(Date.parse(moved.resolveDueAt) - Date.parse(c.resolveDueAt), 5 * day)
    t.equal((await openTask(app, c.id, 'ut_handle')).dueAt, moved.resolveDueAt)
  })

  t.test("a message set returnDecision or escalateLevel (or their reasons), choices only the dispatcher's and the handler's forms ask", async (t) => {
    const { c, handle } = await atHandle(app)
    const instanceId = await instanceOf(app, c.id)
    const before = JSON.parse((await app.db('process_instances').where({ id: instanceId }).first('variables')).variables)
    for (const variables of [
      { returnDecision: 'reject' },
      { escalateLevel: 'city' },
      { returnDecisionReason: '改派' },
      { escalateReason: '越权' },
      { returnDecision: 'reject', escalateLevel: 'city', note: 'x' },
    ]) {
      const r = await call(app, 'xianghe-admin', 'POST', '/api/messages', { name: 'extension_request', caseId: c.id, variables })
      t.equal(r.status, 400, JSON.stringify(r.body))
      t.equal(r.body.key, 'error.engine.platformVariables')
      t.same(
        r.body.details.map((d: any) => d.field),
        Object.keys(variables)
          .filter((k) => k !== 'note')
          .map((k) => `variables.${k}`),
        'the 400 names each choice, not the free variable',
      )
    }
    const after = JSON.parse((await app.db('process_instances').where({ id: instanceId }).first('variables')).variables)
    const choices = (v: Record<string, unknown>) => [v.returnDecision, v.returnDecisionReason, v.escalateLevel, v.escalateReason]
    t.same(choices(after), choices(before), 'none was set')
    t.notOk(await openTask(app, c.id, 'ut_handle_ext_approve'), 'nothing was delivered')
    t.equal((await openTask(app, c.id, 'ut_handle')).id, handle.id)
  })

  t.test('an instance holding an unbounded extensionDays: the approval says why, and a refusal still goes through', async (t) => {
    const { c, handle } = await atHandle(app)
    const ext = await call(app, 'anping-v01', 'POST', `/api/tasks/${handle.id}/extension`, { days: 5, reason: '需等待清运车' })
    t.equal(ext.status, 202)
    // As an instance that took the value through a message before extensionDays was protected.
    const instanceId = await instanceOf(app, c.id)
    await app.db.transaction((trx: any) => app.engine.runtime.setVariables(trx, instanceId, { extensionDays: 100000000 }, 'admin'))
    const approval = await openTask(app, c.id, 'ut_handle_ext_approve')
    const r = await call(app, 'xianghe-leader', 'POST', `/api/tasks/${approval.id}/complete`, { data: { extensionDecision: 'approve' } })
    t.equal(r.status, 422, JSON.stringify(r.body))
    t.equal(r.body.key, 'error.case.extensionDays')
    t.same(r.body.params, { days: '100000000', max: 90 })
    t.notMatch(r.body.message, /Invalid time value/, 'no raw JavaScript error reaches the client')
    t.equal((await getCase(app, c.id)).resolveDueAt, c.resolveDueAt, 'the deadline is unchanged')
    await step(app, c.id, 'ut_handle_ext_approve', 'xianghe-leader', { extensionDecision: 'refuse' })
    t.equal((await getCase(app, c.id)).resolveDueAt, c.resolveDueAt)
    t.equal((await openTask(app, c.id, 'ut_handle')).id, handle.id, 'handling goes on')
  })

  t.test('a county approval form with an extensionDays field let the leader set the deadline to 2126', async (t) => {
    const shipped = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'processes', 'forms', 'extension_approval.form'), 'utf8'))
    const source = JSON.stringify({
      ...shipped,
      components: [...shipped.components, { key: 'extensionDays', type: 'number', label: '延期天数 / Days' }],
    })
    const dep = await call(app, 'xianghe-admin', 'POST', '/api/forms', { source })
    t.equal(dep.status, 400, JSON.stringify(dep.body))
    t.same(
      dep.body.details.map((d: any) => [d.field, d.key]),
      [['extensionDays', 'error.forms.protectedKey']],
    )

    const { c, handle } = await atHandle(app)
    t.equal((await call(app, 'anping-v01', 'POST', `/api/tasks/${handle.id}/extension`, { days: 5, reason: '需等待清运车' })).status, 202)
    const approval = await openTask(app, c.id, 'ut_handle_ext_approve')
    const r = await call(app, 'xianghe-leader', 'POST', `/api/tasks/${approval.id}/complete`, {
      data: { extensionDecision: 'approve', extensionDays: 36500 },
    })
    t.equal(r.status, 400)
    t.same(
      r.body.details.map((d: any) => d.field),
      ['extensionDays'],
    )
    await step(app, c.id, 'ut_handle_ext_approve', 'xianghe-leader', { extensionDecision: 'approve' })
    t.equal(Date.parse((await getCase(app, c.id)).resolveDueAt) - Date.parse(c.resolveDueAt), 5 * day, 'the 5 days asked for')
  })
})

t.test('evaluation', async (t) => {
  const app = await build(t)

  t.test('a county diagram sent the evaluation to the handling unit, which rated itself satisfied', async (t) => {
    const xml = read('ordinary.bpmn').replace(/(<bpmn:userTask id="ut_evaluate"[^>]*camunda:candidateGroups=")=callbackGroup"/, '$1=handlerGroup"')
    t.match(xml, /id="ut_evaluate"[^>]*candidateGroups="=handlerGroup"/, 'the evaluation task goes to the handling unit')
    const dep = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml, tenant: 'xianghe' })
    t.equal(dep.status, 400, 'such a version is refused now (evaluation-receivers.test.ts)')
    // As a version stored before the deploy check existed: the step itself still refuses.
    await app.engine.definitions.store({ xml, key: 'ordinary', name: null, tenant: 'xianghe' })

    const { c } = await atHandle(app)
    await step(app, c.id, 'ut_handle', 'anping-v01', { outcome: 'resolved', result: '已清运' })
    const evaluation = await openTask(app, c.id, 'ut_evaluate')
    t.same(evaluation.candidateGroups, ['unit:xh-anping-v01'], 'offered to the unit that handled the case')
    const own = await call(app, 'anping-v01', 'POST', `/api/tasks/${evaluation.id}/complete`, { data: { resolved: true, satisfaction: 'satisfied' } })
    t.equal(own.status, 403, JSON.stringify(own.body))
    t.equal(own.body.key, 'error.case.evaluationNotCallback')
    const still = await getCase(app, c.id)
    t.equal(still.status, 'awaiting_evaluation')
    t.equal(still.evaluation, null, 'nothing recorded')
    t.equal((await openTask(app, c.id, 'ut_evaluate')).id, evaluation.id, 'the evaluation still waits')

    // The county's callback staff take the citizen's answer down though the task is not offered to them.
    const rec = await call(app, 'xianghe-callback', 'POST', `/api/cases/${c.id}/evaluation`, { resolved: false, satisfaction: 'dissatisfied' })
    t.equal(rec.status, 200, JSON.stringify(rec.body))
    const hist = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body
    t.match(
      hist.find((h: any) => h.type === 'evaluated'),
      { actor: 'xianghe-callback', data: { satisfaction: 'dissatisfied', source: 'callback' } },
    )

    // Dissatisfied: handled again, and the second evaluation must prove its source again.
    t.equal((await getCase(app, c.id)).status, 'in_progress')
    await step(app, c.id, 'ut_handle', 'anping-v01', { outcome: 'resolved', result: '已再次清运' })
    const again = await openTask(app, c.id, 'ut_evaluate')
    const second = await call(app, 'anping-v01', 'POST', `/api/tasks/${again.id}/complete`, { data: { resolved: true, satisfaction: 'satisfied' } })
    t.equal(second.status, 403, 'the source the callback route gave the first round does not carry over')
    const citizen = await call(app, null, 'POST', `/api/public/track/${c.caseNo}/evaluation`, {
      code: c.trackingCode,
      resolved: true,
      satisfaction: 'satisfied',
    })
    t.equal(citizen.status, 200, JSON.stringify(citizen.body))
    const closed = await getCase(app, c.id)
    t.equal(closed.status, 'closed')
    t.equal(closed.evaluation.satisfaction, 'satisfied')
  })
})

t.test('routing limits', async (t) => {
  const app = await build(t)
  const before = (await call(app, 'xianghe-admin', 'GET', '/api/routing-rules')).body.filter((r: any) => r.tenant === 'xianghe')

  t.test('a routing rule with resolveLimit P99999Y left every new case unable to be signed for', async (t) => {
    const put = await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', {
      rules: [
        { category: 'environment.garbage', owner: '@village', level: 'village', resolveLimit: 'P99999Y' },
        { category: 'environment', owner: '@county:environment', level: 'county', responseLimit: 'P3661D' },
      ],
    })
    t.equal(put.status, 422, JSON.stringify(put.body))
    t.same(
      put.body.details.map((d: any) => [d.index, d.field, d.key]),
      [
        [0, 'resolveLimit', 'error.case.durationLong'],
        [1, 'responseLimit', 'error.case.durationLong'],
      ],
      'each rule and field named',
    )
    t.same(
      (await call(app, 'xianghe-admin', 'GET', '/api/routing-rules')).body.filter((r: any) => r.tenant === 'xianghe'),
      before,
      'the rules are unchanged',
    )
    const ten = await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', {
      rules: [{ category: 'environment.garbage', owner: '@village', level: 'village', resolveLimit: 'P10Y' }],
    })
    t.equal(ten.status, 200, 'ten years, the longest a diagram timer may wait, is accepted')
  })

  t.test('a routing table with a literal limit of 99999 years is refused at deploy', async (t) => {
    const current = (await call(app, 'xianghe-admin', 'GET', '/api/decisions/key/routing')).body
    const long = current.xml.replace('"P10Y"', '"P99999Y"')
    t.not(long, current.xml)
    const dep = await call(app, 'xianghe-admin', 'POST', '/api/decisions', { xml: long })
    t.equal(dep.status, 400, JSON.stringify(dep.body))
    t.equal(dep.body.key, 'error.dmn.routingLimitLong')
    t.match(dep.body.details, [{ field: 'resolveLimit' }])
  })

  t.test('a routing table cell written without quotes (P3D) is refused at deploy, not read as a variable', async (t) => {
    // An administrator typed P3D in the decision editor: FEEL read a variable of that name, the
    // cell gave null, the deploy said "已部署", and cases quietly took the category's limit.
    const current = (await call(app, 'xianghe-admin', 'GET', '/api/decisions/key/routing')).body
    const bare = current.xml.replace('"P10Y"', 'P3D')
    t.not(bare, current.xml)
    const dep = await call(app, 'xianghe-admin', 'POST', '/api/decisions', { xml: bare })
    t.equal(dep.status, 400, JSON.stringify(dep.body))
    t.equal(dep.body.key, 'error.dmn.routingBareName')
    t.match(dep.body.details, [{ field: 'resolveLimit', params: { value: 'P3D' } }])
    t.match(dep.body.message, /P3D 没有加引号.*写成 "P3D"/)
    t.equal((await call(app, 'xianghe-admin', 'POST', '/api/decisions', { xml: current.xml.replace('"P10Y"', '"P3D"') })).status, 201, 'quoted, it deploys')
    t.equal(
      (await call(app, 'xianghe-admin', 'POST', '/api/decisions', { xml: current.xml })).status,
      201,
      'and the table as it was, for the test after this one',
    )
  })

  t.test('a routing version stored before the check: new cases take the category limit and can be signed for', async (t) => {
    const head = await app.db('resource_definitions').where({ kind: 'decision', key: 'routing', tenant: 'xianghe' }).orderBy('version', 'desc').first()
    const old = head.source.replace('"P10Y"', '"P99999Y"')
    t.not(old, head.source)
    await app.db('resource_definitions').insert({ ...head, id: `${head.id}-old`, version: head.version + 1, source: old, source_hash: 'old' })
    const c = await newCase(app)
    t.equal(Date.parse(c.resolveDueAt) - Date.parse(c.createdAt), 7 * day, "the category's 7 days for a normal garbage report")
    await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
    t.ok(await openTask(app, c.id, 'ut_handle'), 'signed for: the case is at handling')
    const overdue = (await call(app, 'admin', 'GET', '/api/cases?overdue=true&limit=200')).body.items.map((x: any) => x.id)
    t.notOk(overdue.includes(c.id), 'not listed as overdue')
  })
})
