/**
 * Views that record who acted by username give the display name beside it (issue 12: the UI
 * showed `grid01` where a handler reads 网格员 王强). Names are read from the users table here;
 * the platform's own actors (`citizen`, `system`) have none.
 */
import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, openTask, petition, step } from '../api.js'

t.test('history, tasks, task context, form and decision versions name people', async (t) => {
  const app = await build(t)
  const name = async (username: string) => ((await app.db('users').where({ username }).first('display_name')) as { display_name: string }).display_name
  const c = await caseByNo(
    app,
    (
      await petition(app, {
        description: '村口路灯不亮',
        category: 'neighbour.building',
        regionCode: 'xh-anping-v01-g1',
        petitioner: { type: 'person', anonymous: true },
      })
    ).caseNo,
  )
  await step(app, c.id, 'ut_signfor', 'grid01', { signOutcome: 'accept' })
  const handle = await openTask(app, c.id, 'ut_handle')
  t.equal((await call(app, 'grid01', 'POST', `/api/tasks/${handle.id}/claim`)).status, 200)

  const history = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body as { actor: string | null; actorName: string | null }[]
  const byGrid = history.filter((h) => h.actor === 'grid01')
  t.ok(byGrid.length > 0, 'grid01 acted')
  t.ok(
    byGrid.every((h) => h.actorName === byGrid[0].actorName),
    'the same name on each of their entries',
  )
  t.equal(byGrid[0].actorName, await name('grid01'), 'the history names the grid worker')
  t.ok(
    history.filter((h) => h.actor === 'citizen').every((h) => h.actorName === null),
    'the citizen, a platform actor, has no display name',
  )

  const detail = (await call(app, 'grid01', 'GET', `/api/tasks/${handle.id}`)).body
  t.match(detail, { assignee: 'grid01', assigneeName: await name('grid01') }, 'a task names its assignee')
  const list = (await call(app, 'admin', 'GET', `/api/tasks?caseId=${c.id}`)).body.items as { id: string; assigneeName: string | null }[]
  t.equal(list.find((x) => x.id === handle.id)?.assigneeName, await name('grid01'), 'and so does the task list')
  const kase = (await call(app, 'admin', 'GET', `/api/cases/${c.id}`)).body
  t.equal(kase.activeTasks.find((x: { id: string }) => x.id === handle.id)?.assigneeName, await name('grid01'), "and the case's active tasks")
  const context = detail.context
  t.equal(context.steps[0].completedByName, await name('grid01'), 'the task context names who completed earlier steps')

  const city = (await call(app, 'admin', 'GET', '/api/decisions/key/routing')).body
  t.equal(city.deployedByName, null, 'the shipped decision was deployed by the system, which has no name')
  const dec = await call(app, 'xianghe-admin', 'POST', '/api/decisions', { xml: city.xml, tenant: 'xianghe' })
  t.equal(dec.status, 201)
  t.equal(dec.body.deployedByName, await name('xianghe-admin'), 'a decision version names its deployer')
  const decisions = (await call(app, 'admin', 'GET', '/api/decisions?key=routing&tenant=xianghe')).body
  t.equal(decisions[0].deployedByName, await name('xianghe-admin'))

  const form = (await call(app, 'admin', 'GET', '/api/forms?key=shuoshi-handle')).body[0]
  const schema = JSON.parse((await call(app, 'admin', 'GET', `/api/forms/${form.id}`)).body.source)
  schema.components[0].text += '\n\n请如实填写。'
  const deployed = await call(app, 'admin', 'POST', '/api/forms', { source: JSON.stringify(schema), tenant: null })
  t.equal(deployed.status, 201)
  t.equal(deployed.body.deployedByName, await name('admin'), 'a form version names its deployer')
  t.equal((await call(app, 'admin', 'GET', '/api/forms?key=shuoshi-handle')).body[0].deployedByName, await name('admin'))
  t.equal((await call(app, 'admin', 'GET', `/api/forms/${deployed.body.id}`)).body.deployedByName, await name('admin'))
})
