// SQL statements a step makes (issue 13, "Half the CPU per step"): each cut is checked here by
// counting the statements of the step through the API, with the answer checked as well.
import t from 'tap'
import { garbageReport } from '../api.js'
import { build, login, onPostgres } from '../helper.js'
import { testClock } from '../clock.js'
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

t.test('an intake does not read its case row again after it commits: the answer and the suggestions use the row it wrote', async (t) => {
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
  t.ok(body.clusterId, 'placed with the earlier report, as the answer says')
  t.same(
    body.similar.map((s: any) => s.caseNo),
    [first.json().caseNo],
    'the earlier report of the same matter is suggested',
  )
  // None: the step's last update returns the row (RETURNING), placing adds what it wrote, and
  // the dispatcher sees the whole county by region. (One before: the answer's scoped read,
  // which the suggestions reused; two before that.) The handler of the intake's step is given
  // the row intake inserted (CaseService.takeFresh).
  t.same(byId, [], byId.join('\n'))
  const { similar, ...receipt } = body
  t.ok(similar)
  t.same(receipt, (await app.inject({ method: 'GET', url: `/api/cases/${body.id}`, headers: dispatcher })).json(), 'the answer is the case as read afterwards')
})

const externalWithTimer = bpmn(
  'ext_timer',
  `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="fork"/><parallelGateway id="fork"/>
  <sequenceFlow id="b" sourceRef="fork" targetRef="ext"/><sequenceFlow id="c" sourceRef="fork" targetRef="u"/>
  <serviceTask id="ext" name="Registry" camunda:type="external" camunda:topic="nobody.handles"/>
  <boundaryEvent id="late" attachedToRef="ext" cancelActivity="true"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>
  <sequenceFlow id="d" sourceRef="ext" targetRef="e1"/><endEvent id="e1"/>
  <sequenceFlow id="f" sourceRef="late" targetRef="chase"/><userTask id="chase" camunda:assignee="admin"/>
  <sequenceFlow id="g" sourceRef="chase" targetRef="e2"/><endEvent id="e2"/>
  <userTask id="u" camunda:assignee="admin"/><sequenceFlow id="h" sourceRef="u" targetRef="e3"/><endEvent id="e3"/>`,
)

t.test('external_tasks is written only in steps where an external task left: none for a user task, the cancel when a timer interrupts one', async (t) => {
  // With parked engines and without (every step recovers, and announces its external waits again).
  for (const engineCacheSize of [16, 0]) {
    const app = await build(t, { config: { processesDir: noProcesses, engineCacheSize } })
    const admin = await login(app, 'admin')
    t.equal((await app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload: { xml: externalWithTimer } })).statusCode, 201)
    const statements: string[] = []
    app.db.on('query', (q: { sql?: string }) => statements.push(String(q.sql ?? '')))
    // Updates only: a recovered engine announces its waiting external task again, and the step
    // then reads whether its row exists (that read is not what this checks).
    const touches = () => statements.filter((s) => /^update ["`]external_tasks["`]/i.test(s.trim())).length
    const started = await app.inject({ method: 'POST', url: '/api/process-definitions/key/ext_timer/start', headers: admin, payload: {} })
    t.equal(started.statusCode, 201, started.body)
    const inst = started.json()
    const row = () => app.db('external_tasks').where({ instance_id: inst.id }).first()
    t.equal((await row()).status, 'open', 'the external task waits')

    statements.length = 0
    const u = inst.activeTasks.find((x: any) => x.elementId === 'u')
    t.equal((await app.inject({ method: 'POST', url: `/api/tasks/${u.id}/complete`, headers: admin, payload: { data: {} } })).statusCode, 200)
    t.equal(touches(), 0, `cache ${engineCacheSize}: completing a user task does not update external_tasks`)
    t.equal((await row()).status, 'open', 'the external task still waits')

    t.equal(await app.engine.poller.poll(new Date(Date.now() + 2 * 3600e3)), 1, 'the boundary timer fires')
    t.equal((await row()).status, 'cancelled', `cache ${engineCacheSize}: the interrupted external task is cancelled`)
    const chase = (await app.db('tasks').where({ instance_id: inst.id, element_id: 'chase' }).first()) as { status: string }
    t.equal(chase.status, 'open')
  }
})

t.test('statements per intake and per sign-for completion of the ordinary procedure (bench/sql-trace.ts), each outcome checked', async (t) => {
  // engineCacheSize 0: the completion recovers its engine from the database, as bench/http.ts's
  // completions of older cases do.
  const clock = testClock(t)
  const app = await build(t, { config: { engineCacheSize: 0 } })
  const dispatcher = await login(app, 'dispatcher')
  const admin = await login(app, 'admin')
  // The writes of the seed and the first login (the token secret, in settings) are a second
  // behind, as on a server that has been up a while: what a node reads of a table within
  // QUIET_MS of a write to it is not kept (src/lib/write-invalidated.ts).
  clock.advance(1100)
  const body = garbageReport
  const intake = () => app.inject({ method: 'POST', url: '/api/cases', headers: dispatcher, payload: body })
  // Two earlier reports of the same matter: the measured one is suggested both and joins their cluster.
  const first = await intake()
  t.equal(first.statusCode, 201, first.body)
  const second = await intake()
  t.equal(second.statusCode, 201)
  t.equal((await app.inject({ method: 'GET', url: '/api/me', headers: admin })).statusCode, 200, "the admin's token is known (cached) as the dispatcher's is")
  // Reads of users and regions are left out of the count: a node keeps them ORG_CACHE_MS (5 s)
  // and refreshes them after that, which a loaded machine may reach between the warm-up and the
  // measured request (test/org/actor-cache.test.ts counts those reads).
  const statements: string[] = []
  app.db.on('query', (q: { sql?: string }) => {
    const sql = String(q.sql ?? '')
    if (!/^\s*select\b[\s\S]*?\bfrom [`"](users|regions)[`"]/i.test(sql)) statements.push(sql)
  })

  const r = await intake()
  t.equal(r.statusCode, 201, r.body)
  t.equal(r.json().activeTasks[0].elementId, 'ut_signfor')
  t.equal(r.json().similar.length, 2, 'both earlier reports are suggested')
  t.ok(r.json().clusterId, 'and it joined their cluster')
  // 18 on SQLite, reads of users and regions aside (none while the caches are warm; 45
  // statements in all before issue 13's cuts): BEGIN; the day's number (update … returning);
  // insert case; case.assign (given the row and unit intake read): update case, duplicates +
  // notice told? (one read), insert notice; engine: insert instance, task, task candidates,
  // timer, history; events `received` and `dispatched` (one insert); placing, in a savepoint
  // (SAVEPOINT; the township's neighbours and duplicate candidates, one read,
  // Clusters.readShared; join the cluster; count it, one update; RELEASE); update case with the
  // instance and its cluster (returning the row); COMMIT. After the commit nothing: an intake
  // whose case was placed looks for cases left unplaced at most every CATCH_UP_MS, and the
  // first intake did (src/cases/clusters.ts catchUpAfterIntake; 19 when every intake looked).
  // The answer reads nothing: the case is the row the last update returned, its names
  // those intake read, its open tasks those the step created; the suggestions are ranked from
  // the placing's read. (23 when placing had a transaction of its own after the commit, with a
  // claim and its own update of the case; 24 with the answer's read of the open tasks.) The
  // actor, the regions and whether the rule's unit is staffed are kept per node
  // (src/org/service.ts ORG_CACHE_MS), and so are the category, the centres, the rule's unit and
  // the follow-up cycle (src/cases/config-reads.ts; 28 before), and the versions of the
  // procedure and of the routing decision (src/engine/resources.ts VERSION_CACHE_MS; 21 with
  // those two reads). PostgreSQL draws the number in a transaction of its own: BEGIN and COMMIT more.
  t.equal(statements.length, onPostgres ? 20 : 18, statements.join('\n'))

  // One sign-for completed before the measured one: this node has compiled the sign-for form's
  // version, as a node that has served one such task has (its source is read once per version).
  const warm = await app.inject({
    method: 'POST',
    url: `/api/tasks/${second.json().activeTasks[0].id}/complete`,
    headers: admin,
    payload: { data: { signOutcome: 'accept', firstReply: '已联系' } },
  })
  t.equal(warm.statusCode, 200, warm.body)
  const task = first.json().activeTasks[0].id as string
  statements.length = 0
  const done = await app.inject({
    method: 'POST',
    url: `/api/tasks/${task}/complete`,
    headers: admin,
    payload: { data: { signOutcome: 'accept', firstReply: '已联系' } },
  })
  t.equal(done.statusCode, 200, done.body)
  const counted = statements.length
  const open = await app.db('tasks').where({ case_id: first.json().id, status: 'open' }).select('element_id')
  t.same(
    open.map((x) => x.element_id),
    ['ut_handle'],
    'signed for: the case waits at handling',
  )
  // 18 (24 before): BEGIN; the task; the instance with its pending timers, subscriptions and
  // open tasks (one read); case.respond: the case, update it, event `signed_for`, duplicates +
  // notice told?; update instance (revision-guarded); insert task, candidates; close
  // candidates; complete the task; insert timer; cancel the sign-for's timers; delete its
  // subscriptions; insert the new one; history; COMMIT. The form's version is kept per node
  // (VERSION_CACHE_MS; 19 when each completion read it) and its compiled form per version.
  t.equal(counted, 18, statements.join('\n'))
  t.equal(statements.filter((sql) => /resource_definitions/.test(sql)).length, 0, "the form's version is not read again")
})
