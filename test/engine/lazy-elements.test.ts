// ENGINE_LAZY_ELEMENTS (patches/bpmn-elements+17.3.0.patch): the four procedures through the HTTP
// API reach the same case states, tasks, history and variables whether elements are built lazily
// or all at once, and whether each step runs on a node with the setting on or off (every step then
// recovers a state the other kind of node saved); and every procedure completes after a restart
// in the middle. The reference is the unpatched behaviour (setting off), run the same way.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { call } from '../api.js'
import { cluster, DAY, drive, procedures } from './procedures.js'
import { fields, process as bpmn } from '../fixtures/bpmn.js'
import { onPostgres } from '../helper.js'

// Some 130 steps on six apps, each recovering its engine: 25 s on SQLite and up to 75 s on
// PostgreSQL at a load of 10 here, too close to tap's 120 s on a busier machine.
t.setTimeout(360_000)

const runs: Record<string, (boolean | 'restart')[]> = {
  // The reference: every element built at once, as bpmn-elements does unpatched.
  off: [false],
  on: [true],
  'off, on, off, …': [false, true],
  'on, off, on, …': [true, false],
}

// Which elements a step builds is the engine's own, the same on either database; the restarts below
// and the case tests run the procedures on PostgreSQL.
const onSqliteOnly = onPostgres && 'elements built on first need do not depend on the database: compared on SQLite only (CI time)'

t.test('the four procedures reach the same states, tasks, history and variables with lazy elements on, off and mixed', { skip: onSqliteOnly }, async (t) => {
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
