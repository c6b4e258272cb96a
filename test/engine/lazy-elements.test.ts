// ENGINE_LAZY_ELEMENTS (patches/bpmn-elements+17.3.0.patch): the four procedures through the HTTP
// API reach the same case states, tasks, history and variables whether elements are built lazily
// or all at once, and whether each step runs on a node with the setting on or off (every step then
// recovers a state the other kind of node saved); and every procedure completes after a restart
// in the middle. The reference is the unpatched behaviour (setting off), run the same way.
import t from 'tap'
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { openDb, type Db } from '../../src/lib/db.js'
import { onPostgres, openTestDb } from '../helper.js'
import { templateSpec } from '../template.js'
import { call, caseByNo, getCase, openTask, petition, step } from '../api.js'
import { fields, process as bpmn } from '../fixtures/bpmn.js'

// Some 130 steps on six apps, each recovering its engine: 25 s on SQLite and up to 75 s on
// PostgreSQL at a load of 10 here, too close to tap's 120 s on a busier machine.
t.setTimeout(360_000)

const baseConfig = (lazy: boolean, schema?: string): Config => ({
  ...loadConfig({ NODE_ENV: 'test' }),
  demo: true,
  logLevel: 'silent',
  serveUi: false,
  externalTaskMaxWaitMs: 1000,
  databaseSchema: schema,
  // No parked engines: every step recovers the state the previous step saved.
  engineCacheSize: 0,
  engineLazyElements: lazy,
})

/**
 * The database's close belongs to the test, not to an app: two apps share it as two nodes (or a
 * server and its restart) would.
 */
function shared(db: Db): Db {
  return new Proxy(db, { get: (target, key, receiver) => (key === 'destroy' ? async () => undefined : Reflect.get(target, key, receiver)) })
}

/** A database of its own, and a way to start apps (nodes) over it with the setting on or off. */
async function cluster(t: Test) {
  const { db, url, schema } = await openTestDb(t, { template: templateSpec(baseConfig(true)) })
  t.teardown(() => db.destroy())
  return async (lazy: boolean): Promise<FastifyInstance> => {
    // On PostgreSQL each node has its own pool; SQLite in memory is one connection.
    const nodeDb = onPostgres ? await openDb(url, { schema }) : shared(db)
    const app = await buildApp({ config: baseConfig(lazy, schema), db: nodeDb, background: false })
    await app.ready()
    t.teardown(() => app.close())
    return app
  }
}

/** One step of a procedure, on whichever node the run gives it. */
type Act = (app: FastifyInstance, caseId: string) => Promise<unknown>

interface Procedure {
  petition: Record<string, unknown>
  acts: Act[]
}

/** Completes the open task at `elementId` offered to `group` (several are open at once). */
async function stepFor(app: FastifyInstance, caseId: string, elementId: string, group: string, user: string, data: Record<string, unknown>) {
  const tasks = (await call(app, 'admin', 'GET', `/api/tasks?caseId=${caseId}&assigned=all`)).body.items
  const task = tasks.find((x: any) => x.elementId === elementId && x.candidateGroups.includes(group))
  if (!task) throw new Error(`no open ${elementId} for ${group}`)
  const res = await call(app, user, 'POST', `/api/tasks/${task.id}/complete`, { data })
  if (res.status !== 200) throw new Error(`complete ${elementId}: ${res.status} ${JSON.stringify(res.body)}`)
}

async function ok(res: Promise<{ status: number; body: unknown }>, status = 200) {
  const r = await res
  if (r.status !== status) throw new Error(`${r.status} ${JSON.stringify(r.body)}`)
  return r.body
}

const evaluate: Act = (app, id) => ok(call(app, 'callback', 'POST', `/api/cases/${id}/evaluation`, { resolved: true, satisfaction: 'satisfied' }))
const DAY = 86400e3

/** The four procedures, each driven from intake to closure as the procedure tests drive them. */
const procedures: Record<string, Procedure> = {
  // With the sign-for deadline's timer (a boundary timer) and an extension (a boundary message).
  ordinary: {
    petition: {
      description: '楼道瓷砖脱落',
      category: 'housing.property',
      regionCode: 'xh-anping-v01-g1',
      petitioner: { type: 'person', name: '江先生', anonymous: false },
    },
    acts: [
      (app) => app.engine.poller.poll(new Date(Date.now() + 20 * DAY)),
      (app, id) => step(app, id, 'ut_signfor', 'housing-officer', { signOutcome: 'accept' }),
      async (app, id) => {
        const handle = await openTask(app, id, 'ut_handle')
        return ok(call(app, 'housing-officer', 'POST', `/api/tasks/${handle.id}/extension`, { days: 5, reason: '需等待施工队' }), 202)
      },
      (app, id) => step(app, id, 'ut_handle_ext_approve', 'anping-leader', { extensionDecision: 'approve', extensionComment: '同意' }),
      (app, id) => step(app, id, 'ut_handle', 'housing-officer', { outcome: 'resolved', result: '已更换瓷砖' }),
      evaluate,
    ],
  },
  // Co-organisers in parallel (a multi-instance task the lead waits for).
  joint: {
    petition: {
      description: '小区排水与道路共同问题',
      category: 'housing.old_estate',
      regionCode: 'xh-anping-v01-g1',
      petitioner: { type: 'person', name: '李', anonymous: false },
    },
    acts: [
      (app, id) => step(app, id, 'ut_signfor', 'housing-officer', { signOutcome: 'accept' }),
      (app, id) => step(app, id, 'ut_handle', 'housing-officer', { outcome: 'joint', reason: '涉及水务、城管' }),
      (app, id) => step(app, id, 'ut_coordinate', 'anping-dispatcher', { leadUnit: 'xianghe-housing', coUnits: 'xianghe-water, xianghe-urban' }),
      (app, id) => stepFor(app, id, 'ut_cohandle', 'unit:xianghe-water', 'water-officer', { opinion: '疏通排水管' }),
      (app, id) => stepFor(app, id, 'ut_cohandle', 'unit:xianghe-urban', 'urban-officer', { opinion: '修复路面' }),
      (app, id) => step(app, id, 'ut_lead', 'housing-officer', { result: '三部门联合整改', meeting: 'yes' }),
      (app, id) => step(app, id, 'ut_meeting', 'anping-dispatcher', { minutes: '居民代表参会', result: '分期整改' }),
      evaluate,
    ],
  },
  escalation: {
    petition: {
      description: '村道被占用',
      category: 'neighbour.building',
      regionCode: 'xh-anping-v01-g1',
      petitioner: { type: 'person', anonymous: true },
    },
    acts: [
      (app, id) => step(app, id, 'ut_signfor', 'grid01', { signOutcome: 'accept' }),
      (app, id) => step(app, id, 'ut_handle', 'grid01', { outcome: 'escalate', reason: '超出网格职权' }),
      (app, id) => step(app, id, 'ut_review', 'anping-v01', { decision: 'send_back', reviewComment: '网格可办' }),
      (app, id) => step(app, id, 'ut_handle', 'grid01', { outcome: 'escalate', reason: '确需上级', escalateLevel: 'county' }),
      (app, id) => step(app, id, 'ut_review', 'xianghe-dispatcher', { decision: 'accept', targetUnit: 'xianghe-centre' }),
      (app, id) => step(app, id, 'ut_handle', 'xianghe-dispatcher', { outcome: 'resolved', result: '县里协调解决' }),
      evaluate,
    ],
  },
  // The unreasonable demand: one case, one plan, with its weekly follow-up timer.
  unreasonable: {
    petition: {
      description: '反复要求超标准补偿',
      category: 'land.contract',
      regionCode: 'xh-anping-v01-g1',
      petitioner: { type: 'person', name: '赵', anonymous: false },
    },
    acts: [
      (app, id) => step(app, id, 'ut_signfor', 'land-officer', { signOutcome: 'accept' }),
      (app, id) => step(app, id, 'ut_handle', 'land-officer', { outcome: 'unreasonable', reason: '诉求超出政策标准' }),
      (app, id) => step(app, id, 'ut_consult', 'grid01', { consultation: '网格员与村委会会商' }),
      (app, id) => step(app, id, 'ut_plan', 'land-officer', { measures: '政策解释', responsible: '赵敏', milestones: '一周内入户' }),
      (app, id) => step(app, id, 'ut_plan_approve', 'xianghe-leader', { planDecision: 'reject', planComment: '补充帮扶措施' }),
      (app, id) => step(app, id, 'ut_plan', 'land-officer', { measures: '政策解释、法律援助', responsible: '赵敏', milestones: '一月内回访' }),
      (app, id) => step(app, id, 'ut_plan_approve', 'xianghe-leader', { planDecision: 'approve' }),
      (app) => app.engine.poller.poll(new Date(Date.now() + 7 * DAY + 60e3)),
      (app, id) => step(app, id, 'ut_execute', 'land-officer', { result: '当事人接受帮扶方案' }),
      evaluate,
    ],
  },
}

const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Times and generated ids differ between runs by nature; the rest must not. */
function normal(value: unknown, own: Map<string, string>): unknown {
  if (typeof value === 'string') {
    if (own.has(value)) return own.get(value)
    if (UUID.test(value)) return '<id>'
    return value.replace(TIME, '<time>')
  }
  if (Array.isArray(value)) return value.map((v) => normal(v, own))
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'id' && !k.endsWith('Id') && !k.endsWith('At'))
        .map(([k, v]) => [k, normal(v, own)]),
    )
  }
  return value
}

/** What a case looks like from outside after a step: its state and its open tasks. */
async function snapshot(app: FastifyInstance, caseId: string) {
  const c = await getCase(app, caseId)
  return {
    status: c.status,
    procedure: c.procedure,
    level: c.level,
    ownerUnit: c.ownerUnit,
    overdue: c.overdue,
    tasks: c.activeTasks.map((x: any) => `${x.elementId} ${x.candidateGroups.join(',')}`).sort(),
  }
}

/**
 * Drives one procedure from intake to closure, step i on `nodeFor(i)`, and returns what an
 * observer sees: the case after every step, then its history, task rows and instance variables.
 */
async function drive(proc: Procedure, nodeFor: (i: number) => Promise<FastifyInstance>) {
  let app = await nodeFor(0)
  const p = await petition(app, proc.petition)
  const c = await caseByNo(app, p.caseNo)
  const own = new Map([
    [p.caseNo, '<caseNo>'],
    [p.trackingCode, '<trackingCode>'],
  ])
  const after = [await snapshot(app, c.id)]
  for (const [i, act] of proc.acts.entries()) {
    app = await nodeFor(i + 1)
    const result = await act(app, c.id)
    after.push({ ...(await snapshot(app, c.id)), ...(typeof result === 'number' && { timersFired: result }) })
  }
  const history = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body
  const instances = await app.db('process_instances').where({ case_id: c.id }).orderBy('started_at').orderBy('id')
  const tasks = await app.db('tasks').where({ case_id: c.id })
  return normal(
    {
      after,
      // The engine's entries in their order (history rows are numbered as written); the case's as
      // a set: entries of one step share their time, and their ids (random) then order them.
      // Between the two sources the merged list has no order within a millisecond either.
      history: history.filter((h: any) => h.source === 'engine').map((h: any) => ({ ...h, at: undefined })),
      caseEvents: history
        .filter((h: any) => h.source !== 'engine')
        .map((h: any) => JSON.stringify(normal({ ...h, at: undefined }, own)))
        .sort(),
      instances: instances.map((i: any) => ({
        key: i.key,
        status: i.status,
        variables: JSON.parse(i.variables),
        activities: JSON.parse(i.activities ?? '[]'),
      })),
      // As a set: tasks one step creates (a co-organiser's each) may or may not share a millisecond,
      // so their creation times do not order them; the history above keeps the order of events.
      tasks: tasks.map((x: any) => JSON.stringify([x.element_id, x.status, x.assignee, x.candidate_groups, x.completed_by])).sort(),
    },
    own,
  )
}

const runs: Record<string, (boolean | 'restart')[]> = {
  // The reference: every element built at once, as bpmn-elements does unpatched.
  off: [false],
  on: [true],
  'off, on, off, …': [false, true],
  'on, off, on, …': [true, false],
}

t.test('the four procedures reach the same states, tasks, history and variables with lazy elements on, off and mixed', async (t) => {
  const observed: Record<string, Record<string, unknown>> = {}
  for (const [run, pattern] of Object.entries(runs)) {
    const node = await cluster(t)
    const apps = new Map<boolean, FastifyInstance>()
    const nodeFor = async (i: number) => {
      const lazy = pattern[i % pattern.length] as boolean
      if (!apps.has(lazy)) apps.set(lazy, await node(lazy))
      return apps.get(lazy)!
    }
    observed[run] = {}
    for (const [name, proc] of Object.entries(procedures)) observed[run][name] = await drive(proc, nodeFor)
  }
  for (const name of Object.keys(procedures)) {
    const reference = observed.off[name] as any
    t.equal(reference.after.at(-1).status, 'closed', `${name}: the reference run closes the case`)
    for (const run of Object.keys(runs).slice(1)) t.same(observed[run][name], reference, `${name}, ${run}`)
  }
})

t.test('every procedure completes after a restart in the middle (regression: lazily built elements on recover)', async (t) => {
  for (const [name, proc] of Object.entries(procedures)) {
    const node = await cluster(t)
    const half = Math.ceil(proc.acts.length / 2)
    let before: FastifyInstance | null = await node(true)
    let afterRestart: FastifyInstance | null = null
    const result: any = await drive(proc, async (i) => {
      if (i <= half) return before!
      if (!afterRestart) {
        // The first node stops (its parked engines go with it) and a new one starts on the database.
        await before!.close()
        before = null
        afterRestart = await node(true)
      }
      return afterRestart
    })
    t.equal(result.after.at(-1).status, 'closed', `${name}: closed after the restart`)
    t.same(result.after.at(-1).tasks, [], `${name}: no task left open`)
    t.ok(
      result.instances.every((i: any) => i.status === 'completed'),
      `${name}: every instance completed`,
    )
  }
})

// A diagram with each kind of wait the procedures do not all have — a parallel join, a boundary
// timer, a message catch — driven across nodes of both kinds (each step recovers the other's state).
const waits = bpmn(
  'lazy_waits',
  `<startEvent id="start"/><sequenceFlow id="f0" sourceRef="start" targetRef="fork"/>
  <parallelGateway id="fork"/>
  <sequenceFlow id="fa" sourceRef="fork" targetRef="a"/><sequenceFlow id="fb" sourceRef="fork" targetRef="b"/>
  <userTask id="a" name="A" camunda:assignee="admin">${fields('x')}</userTask>
  <userTask id="b" name="B" camunda:assignee="admin">${fields('x')}</userTask>
  <boundaryEvent id="late" attachedToRef="b" cancelActivity="true"><timerEventDefinition><timeDuration>P1D</timeDuration></timerEventDefinition></boundaryEvent>
  <sequenceFlow id="fa2" sourceRef="a" targetRef="joined"/><sequenceFlow id="fb2" sourceRef="b" targetRef="joined"/>
  <sequenceFlow id="fl" sourceRef="late" targetRef="joined"/>
  <parallelGateway id="joined"/><sequenceFlow id="fj" sourceRef="joined" targetRef="reply"/>
  <intermediateCatchEvent id="reply" name="Reply"><messageEventDefinition messageRef="Msg_reply"/></intermediateCatchEvent>
  <sequenceFlow id="fr" sourceRef="reply" targetRef="close"/>
  <userTask id="close" name="Close" camunda:assignee="admin">${fields('x')}</userTask>
  <sequenceFlow id="fz" sourceRef="close" targetRef="end"/><endEvent id="end"/>`,
).replace('<process ', '<message id="Msg_reply" name="citizen-reply"/>\n<process ')

t.test('a parallel join, a boundary timer and a message catch behave after recovery on either kind of node', async (t) => {
  for (const lazyFirst of [true, false]) {
    const node = await cluster(t)
    const apps = [await node(lazyFirst), await node(!lazyFirst)]
    t.equal((await call(apps[0], 'admin', 'POST', '/api/process-definitions', { xml: waits })).status, 201)
    const inst = (await call(apps[0], 'admin', 'POST', '/api/process-definitions/key/lazy_waits/start', {})).body
    const open = async (app: FastifyInstance) =>
      (await call(app, 'admin', 'GET', `/api/process-instances/${inst.id}`)).body.activeTasks.map((x: any) => x.elementId).sort()
    t.same(await open(apps[1]), ['a', 'b'])
    const a = (await call(apps[1], 'admin', 'GET', `/api/process-instances/${inst.id}`)).body.activeTasks.find((x: any) => x.elementId === 'a')
    t.equal((await call(apps[1], 'admin', 'POST', `/api/tasks/${a.id}/complete`, { data: { x: '1' } })).status, 200)
    t.same(await open(apps[0]), ['b'], 'the join waits for the other branch')
    // The timer interrupts b; its flow reaches the join, which now has both branches.
    t.equal(await apps[0].engine.poller.poll(new Date(Date.now() + 2 * DAY)), 1, 'the boundary timer fires')
    t.same(await open(apps[1]), [], 'b was interrupted and the join passed to the message catch')
    const subs = await apps[1].db('subscriptions').where({ instance_id: inst.id })
    t.same(
      subs.map((s: any) => s.element_id),
      ['reply'],
      'waiting for the message',
    )
    const msg = await call(apps[1], 'admin', 'POST', '/api/messages', { name: 'citizen-reply', instanceId: inst.id })
    t.equal(msg.status, 200, JSON.stringify(msg.body))
    t.same(await open(apps[0]), ['close'])
    const close = (await call(apps[0], 'admin', 'GET', `/api/process-instances/${inst.id}`)).body.activeTasks[0]
    t.equal((await call(apps[0], 'admin', 'POST', `/api/tasks/${close.id}/complete`, { data: { x: '2' } })).status, 200)
    const done = (await call(apps[1], 'admin', 'GET', `/api/process-instances/${inst.id}`)).body
    t.equal(done.status, 'completed', `lazy first: ${lazyFirst}`)
    const types = (await call(apps[1], 'admin', 'GET', `/api/process-instances/${inst.id}/history`)).body.map((h: any) => `${h.type} ${h.elementId ?? ''}`)
    t.equal(types.filter((x: string) => x === 'activity_end joined').length, 1, 'the join passed once')
  }
})
