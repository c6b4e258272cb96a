import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, garbageReport, getCase, openTask, petition, step } from '../api.js'

/**
 * The engine API's /api/messages and the platform's own message waits (the extension request
 * and 加派 boundaries): a trial of the product sent `extension_request` without naming a case,
 * which raised an approval of nothing on an arbitrary case, and its approval was recorded as a
 * refusal. Each test is named after what broke.
 */

/** A new Xianghe garbage case, signed for by its village: waiting at handling (and for an extension request). */
async function atHandle(app: any) {
  const p = await petition(app, { ...garbageReport, channel: 'web' })
  const c = await caseByNo(app, p.caseNo)
  await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
  return { c, handle: await openTask(app, c.id, 'ut_handle') }
}

const instanceOf = async (app: any, caseId: string) => (await app.db('cases').where({ id: caseId }).first('instance_id')).instance_id as string
const variablesOf = async (app: any, instanceId: string) =>
  JSON.parse((await app.db('process_instances').where({ id: instanceId }).first('variables')).variables)
const historyTypes = async (app: any, caseId: string) => (await call(app, 'admin', 'GET', `/api/cases/${caseId}/history`)).body.map((h: any) => h.type)

t.test('platform messages through the engine API', async (t) => {
  const app = await build(t)
  const a = await atHandle(app)
  const b = await atHandle(app)

  t.test('an uncorrelated extension_request picked an arbitrary waiting case and raised an approval of nothing', async (t) => {
    const before = await variablesOf(app, await instanceOf(app, a.c.id))
    for (const [who, body] of [
      ['xianghe-admin', { name: 'extension_request', variables: { x: 1 } }],
      ['xianghe-admin', { name: 'extension_request', caseId: a.c.id }],
      ['xianghe-admin', { name: 'extension_request', instanceId: await instanceOf(app, a.c.id) }],
      ['admin', { name: 'extension_request', caseId: b.c.id, variables: { x: 1 } }],
    ] as const) {
      const r = await call(app, who, 'POST', '/api/messages', body)
      t.equal(r.status, 422, `${who} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`)
      t.equal(r.body.key, 'error.engine.platformMessage')
      t.same(r.body.params, { name: 'extension_request' })
    }
    for (const { c } of [a, b]) {
      t.notOk(await openTask(app, c.id, 'ut_handle_ext_approve'), 'no approval was raised')
      t.equal(
        (await app.db('subscriptions').where({ instance_id: await instanceOf(app, c.id), name: 'extension_request' })).length,
        1,
        'the unit may still ask',
      )
    }
    t.same(await variablesOf(app, await instanceOf(app, a.c.id)), before, 'no variable was set')

    // The platform's own route still delivers it, with the days it asks.
    const ext = await call(app, 'anping-v01', 'POST', `/api/tasks/${a.handle.id}/extension`, { days: 3, reason: '等待清运车' })
    t.equal(ext.status, 202, JSON.stringify(ext.body))
    t.ok(await openTask(app, a.c.id, 'ut_handle_ext_approve'))
  })

  t.test('an approved extension that named no days was recorded as "extension refused"', async (t) => {
    // As an instance that took the message before /api/messages refused it (the trial's database).
    await app.engine.correlateMessage('extension_request', { caseId: b.c.id, variables: { x: 1 } })
    const approval = await openTask(app, b.c.id, 'ut_handle_ext_approve')
    t.ok(approval, 'an approval of nothing is open')
    const r = await call(app, 'anping-leader', 'POST', `/api/tasks/${approval.id}/complete`, { data: { extensionDecision: 'approve' } })
    t.equal(r.status, 422, JSON.stringify(r.body))
    t.equal(r.body.key, 'error.case.extensionNoDays')
    t.equal(r.body.details[0].field, 'extensionDecision')
    const types = await historyTypes(app, b.c.id)
    t.notOk(types.includes('extension_refused'), 'no refusal was recorded for an approval')
    t.notOk(types.includes('extension_approved'))
    t.equal((await getCase(app, b.c.id)).resolveDueAt, b.c.resolveDueAt, 'the deadline is unchanged')
    t.equal((await openTask(app, b.c.id, 'ut_handle_ext_approve')).id, approval.id, 'the approval is still open')
    // The leader refuses it: that is what is recorded.
    await step(app, b.c.id, 'ut_handle_ext_approve', 'anping-leader', { extensionDecision: 'refuse' })
    t.ok((await historyTypes(app, b.c.id)).includes('extension_refused'))
  })

  t.test('an uncorrelated message that several instances wait for went to the oldest', async (t) => {
    const xml = `<?xml version="1.0"?><definitions id="d" xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t"><message id="M" name="poke"/>
      <process id="waiter" isExecutable="true"><startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="m"/><intermediateCatchEvent id="m"><messageEventDefinition messageRef="M"/></intermediateCatchEvent><sequenceFlow id="b" sourceRef="m" targetRef="e"/><endEvent id="e"/></process></definitions>`
    t.equal((await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml, tenant: 'xianghe' })).status, 201)
    const start = async () => (await call(app, 'xianghe-admin', 'POST', '/api/process-definitions/key/waiter/start', {})).body.id as string
    const first = await start()
    const second = await start()
    const state = async (id: string) => (await call(app, 'xianghe-admin', 'GET', `/api/process-instances/${id}`)).body.state
    const r = await call(app, 'xianghe-admin', 'POST', '/api/messages', { name: 'poke', variables: { reply: '收到' } })
    t.equal(r.status, 422, JSON.stringify(r.body))
    t.equal(r.body.key, 'error.engine.messageAmbiguous')
    t.same([await state(first), await state(second)], ['running', 'running'], 'neither was chosen for the sender')
    const named = await call(app, 'xianghe-admin', 'POST', '/api/messages', { name: 'poke', instanceId: second })
    t.equal(named.status, 200, JSON.stringify(named.body))
    t.same([await state(first), await state(second)], ['running', 'completed'])
    // One left waiting: an unaddressed message is not ambiguous.
    const last = await call(app, 'xianghe-admin', 'POST', '/api/messages', { name: 'poke' })
    t.equal(last.status, 200)
    t.equal(last.body.instanceId, first)
  })
})

t.test("an add_co_units message bypassed the 加派 route's checks", async (t) => {
  const app = await build(t)
  const p = await petition(app, {
    description: '小区排水与道路共同问题',
    category: 'housing.old_estate',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  await step(app, c.id, 'ut_signfor', 'housing-officer', { signOutcome: 'accept' })
  await step(app, c.id, 'ut_handle', 'housing-officer', { outcome: 'joint', reason: '涉及水务' })
  await step(app, c.id, 'ut_coordinate', 'anping-dispatcher', { leadUnit: 'xianghe-housing', coUnits: 'xianghe-water' })
  await step(app, c.id, 'ut_cohandle', 'water-officer', { opinion: '疏通排水管' })
  t.ok(await openTask(app, c.id, 'ut_lead'), 'the lead is at work, its 加派 boundary waiting')
  const r = await call(app, 'admin', 'POST', '/api/messages', { name: 'add_co_units', caseId: c.id })
  t.equal(r.status, 422, JSON.stringify(r.body))
  t.equal(r.body.key, 'error.engine.platformMessage')
  t.notOk(await openTask(app, c.id, 'ut_cohandle_added'), 'no co-organiser task')
  t.equal((await call(app, 'anping-dispatcher', 'POST', `/api/cases/${c.id}/co-units`, { units: ['xianghe-urban'] })).status, 200, 'the route still adds')
})
