import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, garbageReport, openTask, petition, step } from '../api.js'
import { projectRoot } from '../../src/lib/paths.js'

/**
 * 退单 without a reason: the sign-for form's "return" with no reason recorded a return with
 * `reason: null` (the dispatcher read 退单理由：—), while POST /api/tasks/:id/return refuses a
 * body without one (400). Both paths now ask for it, whatever form version the database holds.
 */

async function atSignFor(app: any) {
  const p = await petition(app, { ...garbageReport, channel: 'web' })
  const c = await caseByNo(app, p.caseNo)
  return { c, signFor: await openTask(app, c.id, 'ut_signfor') }
}
const returnsOf = (app: any, caseId: string) => app.db('case_returns').where({ case_id: caseId })

t.test('returns need a reason', async (t) => {
  const app = await build(t)

  t.test('a sign-for return without a reason recorded 退单 with reason null', async (t) => {
    const { c, signFor } = await atSignFor(app)
    const shown = (await call(app, 'anping-v01', 'GET', `/api/tasks/${signFor.id}`)).body
    const field = shown.form.schema.components.find((x: any) => x.key === 'returnReason')
    t.equal(field.validate.required, true, 'the shipped form asks for the reason…')
    t.equal(field.conditional.hide, '=signOutcome != "return"', '…when returning')

    for (const data of [{ signOutcome: 'return' }, { signOutcome: 'return', returnReason: '' }, { signOutcome: 'return', returnReason: '   ' }]) {
      const r = await call(app, 'anping-v01', 'POST', `/api/tasks/${signFor.id}/complete`, { data })
      t.equal(r.status, 400, `${JSON.stringify(data)}: ${JSON.stringify(r.body)}`)
      t.same(
        r.body.details.map((d: any) => d.field),
        ['returnReason'],
        'the 400 names the reason',
      )
    }
    t.same(await returnsOf(app, c.id), [], 'no return was recorded')
    t.equal((await openTask(app, c.id, 'ut_signfor')).id, signFor.id, 'the sign-for task is still open')

    // The route agrees: no reason, no return.
    t.equal((await call(app, 'anping-v01', 'POST', `/api/tasks/${signFor.id}/return`, {})).status, 400)

    await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'return', returnReason: '不属本村职责' })
    const [row] = await returnsOf(app, c.id)
    t.equal(row.reason, '不属本村职责')
  })

  t.test('a sign-for accept needs no reason', async (t) => {
    const { c } = await atSignFor(app)
    await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
    t.ok(await openTask(app, c.id, 'ut_handle'))
  })

  t.test('a handling return with a blank reason recorded 退单 with no reason', async (t) => {
    const { c } = await atSignFor(app)
    await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept' })
    const handle = await openTask(app, c.id, 'ut_handle')
    const r = await call(app, 'anping-v01', 'POST', `/api/tasks/${handle.id}/complete`, { data: { outcome: 'return', reason: '   ' } })
    t.equal(r.status, 400, JSON.stringify(r.body))
    t.same(
      r.body.details.map((d: any) => d.field),
      ['reason'],
    )
    t.same(await returnsOf(app, c.id), [])
  })

  t.test('a database holding the older sign-for form (reason optional) still refuses a return without one', async (t) => {
    const shipped = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'processes', 'forms', 'sign_for.form'), 'utf8'))
    const older = {
      ...shipped,
      components: shipped.components.map((x: any) =>
        x.key === 'returnReason' ? { key: x.key, type: x.type, label: x.label, validate: { required: false, maxLength: 1000 } } : x,
      ),
    }
    const dep = await call(app, 'xianghe-admin', 'POST', '/api/forms', { source: JSON.stringify(older) })
    t.equal(dep.status, 201, JSON.stringify(dep.body))
    const { c, signFor } = await atSignFor(app)
    const shown = (await call(app, 'anping-v01', 'GET', `/api/tasks/${signFor.id}`)).body
    t.equal(shown.form.schema.components.find((x: any) => x.key === 'returnReason').validate.required, false, 'the older form is in force')
    const r = await call(app, 'anping-v01', 'POST', `/api/tasks/${signFor.id}/complete`, { data: { signOutcome: 'return' } })
    t.equal(r.status, 400, JSON.stringify(r.body))
    t.equal(r.body.key, 'error.return.reasonRequired')
    t.same(await returnsOf(app, c.id), [])
  })
})
