// SQL statements a step makes (issue 13, "Half the CPU per step"): each cut is checked here by
// counting the statements of the step through the API, with the answer checked as well.
import t from 'tap'
import { build, login } from '../helper.js'
import { noProcesses, process as bpmn } from '../fixtures/bpmn.js'

const version = (name: string) =>
  bpmn(
    'one_read',
    `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="u"/><userTask id="u" name="${name}" camunda:assignee="admin"/><sequenceFlow id="b" sourceRef="u" targetRef="e"/><endEvent id="e"/>`,
  )

t.test('a start finds its definition version in one statement: the county falls back to the city in the same read', async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const admin = await login(app, 'admin')
  const deploy = async (xml: string, tenant?: string) => {
    const r = await app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload: { xml, ...(tenant && { tenant }) } })
    t.equal(r.statusCode, 201, r.body)
  }
  const reads: string[] = []
  let counting = false
  app.db.on('query', (q: { sql?: string }) => {
    const sql = String(q.sql ?? '')
    // Lookups of a version by key (the answer then reads the version it started by id).
    if (counting && /^select/i.test(sql.trim()) && /from ["`]process_definitions["`] where ["`]key["`]/.test(sql)) reads.push(sql)
  })
  /** Starts `one_read` for `tenant` and gives the started task's name and the definition reads. */
  const start = async (tenant?: string) => {
    reads.length = 0
    counting = true
    const r = await app.inject({ method: 'POST', url: '/api/process-definitions/key/one_read/start', headers: admin, payload: { ...(tenant && { tenant }) } })
    counting = false
    t.equal(r.statusCode, 201, r.body)
    return { task: r.json().activeTasks[0].name as string, reads: reads.length }
  }
  await deploy(version('city v1'))
  await deploy(version('city v2'))
  await start('xianghe') // the versions' parsed forms are cached from here on
  await start()
  t.same(await start('xianghe'), { task: 'city v2', reads: 1 }, "a county without its own version: the city's newest, one read")
  t.same(await start(), { task: 'city v2', reads: 1 }, 'the city: one read')
  await deploy(version('xianghe v1'), 'xianghe')
  await start('xianghe')
  t.same(await start('xianghe'), { task: 'xianghe v1', reads: 1 }, "the county's own version wins over the city's newer one, one read")
  t.same(await start('guangyang'), { task: 'city v2', reads: 1 }, "another county still gets the city's")
  t.equal((await app.inject({ method: 'POST', url: '/api/process-definitions/key/nope/start', headers: admin, payload: {} })).statusCode, 404)
})

t.test('an intake reads the case row once after it commits: the receipt and the duplicate suggestions share it', async (t) => {
  const app = await build(t)
  const dispatcher = await login(app, 'dispatcher')
  const intake = (description: string) =>
    app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: dispatcher,
      payload: {
        channel: 'hotline',
        description,
        category: 'environment.pollution',
        regionCode: 'xh-anping-v01-g1',
        petitioner: { type: 'person', anonymous: true },
      },
    })
  const first = await intake('安平镇化工厂夜间排放刺鼻气味，附近居民无法入睡')
  t.equal(first.statusCode, 201, first.body)
  const byId: string[] = []
  app.db.on('query', (q: { sql?: string }) => {
    const sql = String(q.sql ?? '')
    if (/^select/i.test(sql.trim()) && /from ["`]cases["`] where ["`](cases["`]\.["`])?id["`] = (\?|\$\d+)/.test(sql)) byId.push(sql)
  })
  const second = await intake('安平镇化工厂夜间排放刺鼻气味，居民反映无法入睡')
  t.equal(second.statusCode, 201, second.body)
  const body = second.json()
  t.match(body.caseNo, /\S/)
  t.equal(body.description, '安平镇化工厂夜间排放刺鼻气味，居民反映无法入睡', 'the receipt is the new case')
  t.same(
    body.similar.map((s: any) => s.caseNo),
    [first.json().caseNo],
    'the earlier report of the same matter is suggested, from the row the receipt was read with',
  )
  // One read by a handler inside the step, one after the engine ran (the handlers changed the
  // row), one for the answer, which the suggestions reuse (they read it a second time before).
  t.equal(byId.length, 3, byId.join('\n'))
})
