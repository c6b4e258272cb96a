// The patched bpmn-elements (patches/bpmn-elements+17.3.0.patch) on its own, through bpmn-engine:
// with settings.lazyElements a step builds only the elements it reaches, a recover only the
// elements with running or waiting state, and the diagrams still run as they do unpatched.
// Which elements were built is counted by an engine extension, which bpmn-elements calls once
// for every activity it constructs.
import t from 'tap'
import { Engine } from 'bpmn-engine'
import * as Elements from 'bpmn-elements'
import { stripEngineSettings } from '../../src/engine/persistence.js'

const NS = `xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="http://shuoshi.test"`

/** start → t1 → … → tN → end, every task a user task. */
function chainXml(n: number) {
  const parts = ['<startEvent id="start"/>', '<sequenceFlow id="f0" sourceRef="start" targetRef="t1"/>']
  for (let i = 1; i <= n; i++) {
    parts.push(`<userTask id="t${i}"/>`, `<sequenceFlow id="f${i}" sourceRef="t${i}" targetRef="${i === n ? 'end' : `t${i + 1}`}"/>`)
  }
  parts.push('<endEvent id="end"/>')
  return `<definitions id="defs_chain" ${NS}><process id="chain" isExecutable="true">${parts.join('')}</process></definitions>`
}

const joinXml = `<definitions id="defs_join" ${NS}><process id="join" isExecutable="true">
  <startEvent id="start"/><sequenceFlow id="f0" sourceRef="start" targetRef="fork"/>
  <parallelGateway id="fork"/>
  <sequenceFlow id="fa" sourceRef="fork" targetRef="a"/><sequenceFlow id="fb" sourceRef="fork" targetRef="b"/>
  <userTask id="a"/><userTask id="b"/>
  <sequenceFlow id="fa2" sourceRef="a" targetRef="joined"/><sequenceFlow id="fb2" sourceRef="b" targetRef="joined"/>
  <parallelGateway id="joined"/><sequenceFlow id="fe" sourceRef="joined" targetRef="after"/>
  <userTask id="after"/><sequenceFlow id="fz" sourceRef="after" targetRef="end"/><endEvent id="end"/>
</process></definitions>`

const timerXml = `<definitions id="defs_timer" ${NS}><process id="timer" isExecutable="true">
  <startEvent id="start"/><sequenceFlow id="f0" sourceRef="start" targetRef="task"/>
  <userTask id="task"/>
  <boundaryEvent id="late" attachedToRef="task" cancelActivity="true"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>
  <sequenceFlow id="f1" sourceRef="task" targetRef="done"/><endEvent id="done"/>
  <sequenceFlow id="f2" sourceRef="late" targetRef="escalated"/><userTask id="escalated"/>
  <sequenceFlow id="f3" sourceRef="escalated" targetRef="end2"/><endEvent id="end2"/>
</process></definitions>`

const messageXml = `<definitions id="defs_msg" ${NS}><message id="Reply" name="reply"/><process id="msg" isExecutable="true">
  <startEvent id="start"/><sequenceFlow id="f0" sourceRef="start" targetRef="ask"/>
  <userTask id="ask"/><sequenceFlow id="f1" sourceRef="ask" targetRef="wait"/>
  <intermediateCatchEvent id="wait"><messageEventDefinition messageRef="Reply"/></intermediateCatchEvent>
  <sequenceFlow id="f2" sourceRef="wait" targetRef="answered"/><userTask id="answered"/>
  <sequenceFlow id="f3" sourceRef="answered" targetRef="end"/><endEvent id="end"/>
</process></definitions>`

/**
 * The saved state as the runtime writes it: without the saving node's lazyElements setting, which
 * bpmn-elements would otherwise restore over the recovering engine's own.
 */
async function saved(e: any) {
  const state = JSON.parse(JSON.stringify(await e.getState()))
  stripEngineSettings(state)
  return state
}

/** An engine that records every activity bpmn-elements constructs, and never runs a timer itself. */
function engine(source: string, lazy: boolean) {
  const built: string[] = []
  const timers = new Elements.Timers({ setTimeout: (() => 0) as any, clearTimeout: () => undefined })
  const e = new Engine({
    name: 'lazy-test',
    source,
    timers,
    settings: { lazyElements: lazy },
    extensions: {
      count(element: any) {
        if (element.type !== 'bpmn:Process') built.push(element.id)
      },
    },
  } as any)
  return { engine: e, built, timers }
}

function waiting(execution: any): string[] {
  return execution
    .getPostponed()
    .filter((a: any) => a.type !== 'bpmn:SequenceFlow')
    .map((a: any) => a.id)
    .sort()
}

/** The definition ran to its end: its one process completed. */
const completed = (execution: any) => execution.definitions[0].counters.completed === 1

const sorted = (ids: string[]) => [...new Set(ids)].sort()

t.test('a step builds only what it reaches: one task of a chain of 40', async (t) => {
  const lazy = engine(chainXml(40), true)
  let execution: any = await lazy.engine.execute()
  t.same(waiting(execution), ['t1'])
  t.same(sorted(lazy.built), ['start', 't1'], 'the start event and the task it reached')
  execution.signal({ id: 't1' })
  t.same(waiting(execution), ['t2'])
  t.same(sorted(lazy.built), ['start', 't1', 't2'])

  const eager = engine(chainXml(40), false)
  execution = await eager.engine.execute()
  t.same(waiting(execution), ['t1'])
  t.equal(new Set(eager.built).size, 42, 'unpatched behaviour: start, 40 tasks and the end event')
})

t.test('recovering builds only waiting elements, and saved states recover either way', async (t) => {
  for (const [savedLazy, recoverLazy] of [
    [false, true],
    [true, false],
    [true, true],
  ]) {
    const first = engine(chainXml(40), savedLazy)
    const execution: any = await first.engine.execute()
    execution.signal({ id: 't1' })
    execution.signal({ id: 't2' })
    const state = await saved(first.engine)

    const second = engine(chainXml(40), recoverLazy)
    second.engine.recover(state)
    const resumed: any = await second.engine.resume()
    const label = `saved ${savedLazy ? 'lazy' : 'eager'}, recovered ${recoverLazy ? 'lazy' : 'eager'}`
    t.same(waiting(resumed), ['t3'], label)
    if (recoverLazy) t.same(sorted(second.built), ['start', 't3'], `${label}: the start event and the waiting task only`)
    else t.equal(new Set(second.built).size, 42, label)
    for (let i = 3; i <= 40; i++) resumed.signal({ id: `t${i}` })
    t.equal(second.engine.state, 'idle', `${label}: runs to the end`)
    t.ok(completed(resumed), `${label}: completed`)
  }
})

t.test('a parallel join waiting for one branch survives a lazy recover', async (t) => {
  for (const savedLazy of [false, true]) {
    const first = engine(joinXml, savedLazy)
    const execution: any = await first.engine.execute()
    t.same(waiting(execution), ['a', 'b'])
    execution.signal({ id: 'a' })
    t.same(waiting(execution), ['b'])
    const state = await saved(first.engine)

    const second = engine(joinXml, true)
    second.engine.recover(state)
    const resumed: any = await second.engine.resume()
    // b waits; the join holds a's arrival in its queue, so it is built too; a and fork are not.
    t.same(sorted(second.built), ['b', 'joined', 'start'])
    resumed.signal({ id: 'b' })
    t.same(waiting(resumed), ['after'], 'the join fired once the second branch arrived')
    resumed.signal({ id: 'after' })
    t.ok(completed(resumed))
  }
})

t.test('a boundary timer armed before a lazy recover still fires and interrupts its task', async (t) => {
  const first = engine(timerXml, true)
  const execution: any = await first.engine.execute()
  t.same(waiting(execution), ['late', 'task'])
  t.same(sorted(first.built), ['late', 'start', 'task'], 'a task brings its boundary event along')
  const state = await saved(first.engine)

  const second = engine(timerXml, true)
  second.engine.recover(state)
  const resumed: any = await second.engine.resume()
  t.same(waiting(resumed), ['late', 'task'])
  const armed = (second.timers as any).executing.find((r: any) => r.owner?.id === 'late')
  t.ok(armed, 'the timer is armed again')
  armed.callback(...armed.args)
  t.same(waiting(resumed), ['escalated'], 'the timer interrupted the task')
  // The interrupted task discards its outgoing flow, and a discard reaches its target as a take
  // would (the runtime cuts such waves where they change nothing: src/engine/model.ts).
  t.ok(second.built.includes('done'))
  resumed.signal({ id: 'escalated' })
  t.ok(completed(resumed))
})

t.test('a message catch reached after a lazy recover receives its message', async (t) => {
  const first = engine(messageXml, false)
  const execution: any = await first.engine.execute()
  const state = await saved(first.engine)

  const second = engine(messageXml, true)
  second.engine.recover(state)
  let resumed: any = await second.engine.resume()
  resumed.signal({ id: 'ask' })
  t.same(waiting(resumed), ['wait'])
  const state2 = await saved(second.engine)

  const third = engine(messageXml, true)
  third.engine.recover(state2)
  resumed = await third.engine.resume()
  t.same(waiting(resumed), ['wait'])
  resumed.signal({ id: 'Reply' })
  t.same(waiting(resumed), ['answered'], 'the message moved the catch event on')
  resumed.signal({ id: 'answered' })
  t.ok(completed(resumed))
  t.ok(execution)
})

t.test('asking for an element by id or for all elements builds them', async (t) => {
  const lazy = engine(chainXml(10), true)
  const execution: any = await lazy.engine.execute()
  const proc = execution.definitions[0].getProcesses()[0]
  t.equal(proc.getActivityById('t7')?.id, 't7')
  t.ok(lazy.built.includes('t7'))
  t.equal(proc.getActivityById('nope'), undefined)
  t.equal(proc.getActivities().length, 12)
  t.equal(proc.getSequenceFlows().length, 11)
  t.same(waiting(execution), ['t1'], 'building elements did not run them')
})

// The loan-granting sample failed to start lazily ("activity.inbound is not iterable"): a text
// annotation is built as a placeholder element, which has no flows.
t.test('a text annotation (an element without flows) does not stop a lazy start', async (t) => {
  const xml = `<definitions id="defs_note" ${NS}><process id="note" isExecutable="true">
    <startEvent id="start"/><sequenceFlow id="f0" sourceRef="start" targetRef="task"/><userTask id="task"/>
    <sequenceFlow id="f1" sourceRef="task" targetRef="end"/><endEvent id="end"/>
    <textAnnotation id="note_text"><text>核实后办理</text></textAnnotation>
    <association id="assoc" sourceRef="task" targetRef="note_text"/>
  </process></definitions>`
  for (const lazy of [true, false]) {
    const e = engine(xml, lazy)
    const execution: any = await e.engine.execute()
    t.same(waiting(execution), ['task'], `lazy ${lazy}`)
    execution.signal({ id: 'task' })
    t.ok(completed(execution), `lazy ${lazy}: completed`)
  }
})

/** book (a service task with a compensation boundary event) → an end event throwing compensation. */
const compensationXml = (before: string) => `<definitions id="defs_comp" ${NS}><process id="comp" isExecutable="true">
  <startEvent id="start"/>${before}<sequenceFlow id="f1" sourceRef="${before ? 'ask' : 'start'}" targetRef="book"/>
  <serviceTask id="book" implementation="\${environment.services.book}"/>
  <boundaryEvent id="undoBooking" attachedToRef="book"><compensateEventDefinition/></boundaryEvent>
  <serviceTask id="cancelBooking" isForCompensation="true" implementation="\${environment.services.cancel}"/>
  <association id="a1" associationDirection="One" sourceRef="undoBooking" targetRef="cancelBooking"/>
  <sequenceFlow id="f2" sourceRef="book" targetRef="compensate"/>
  <endEvent id="compensate"><compensateEventDefinition/></endEvent>
</process></definitions>`

/** The services record their calls; the compensation handler waits until its callback is called. */
function compensating(source: string, lazy: boolean, calls: string[], undo: ((err: null, out: unknown) => void)[]) {
  const built: string[] = []
  const timers = new Elements.Timers({ setTimeout: (() => 0) as any, clearTimeout: () => undefined })
  const e = new Engine({
    name: 'lazy-compensation',
    source,
    timers,
    settings: { lazyElements: lazy },
    services: {
      book: (_: unknown, cb: (err: null, out: unknown) => void) => {
        calls.push('book')
        cb(null, { booking: 'B1' })
      },
      cancel: (msg: any, cb: (err: null, out: unknown) => void) => {
        calls.push(`cancel ${msg.content.message.content.id}`)
        undo.push(cb)
      },
    },
    extensions: {
      count(element: any) {
        if (element.type !== 'bpmn:Process') built.push(element.id)
      },
    },
  } as any)
  return { engine: e, built }
}

// The compensation handler is reached by an association, not a sequence flow, and the boundary
// event only through its host: neither may be left unbuilt by a lazy start or recover.
t.test('a compensation boundary event and its handler run lazily, also after a lazy recover', async (t) => {
  for (const lazy of [false, true]) {
    const calls: string[] = []
    const undo: ((err: null, out: unknown) => void)[] = []
    const first = compensating(compensationXml(''), lazy, calls, undo)
    const execution: any = await first.engine.execute()
    t.same(calls, ['book', 'cancel book'], `lazy ${lazy}: the end event compensated the booking`)
    t.same(waiting(execution), ['cancelBooking'], `lazy ${lazy}: the handler waits`)
    const state = await saved(first.engine)

    const second = compensating(compensationXml(''), true, calls, undo)
    second.engine.recover(state)
    const resumed: any = await second.engine.resume()
    t.same(waiting(resumed), ['cancelBooking'], `saved lazy ${lazy}: the handler waits after a lazy recover`)
    t.same(sorted(second.built), ['cancelBooking', 'start'], 'only the waiting handler (and the start event) built')
    t.same(calls, ['book', 'cancel book', 'cancel book'], 'the handler resumed with the compensated activity')
    undo.pop()!(null, true)
    t.ok(completed(resumed), `saved lazy ${lazy}: completed once the handler answered`)
    t.equal(resumed.definitions[0].getProcesses()[0].getActivityById('cancelBooking').counters.taken, 1)
  }
})

// bpmn-elements (unpatched too) compensates only an activity completed in the run that throws the
// compensation; what matters here is that lazily built elements behave as eager ones.
t.test('compensation after a wait behaves lazily as it does eagerly', async (t) => {
  const ask = '<sequenceFlow id="f0" sourceRef="start" targetRef="ask"/><userTask id="ask"/>'
  const outcome = []
  for (const lazy of [false, true]) {
    const calls: string[] = []
    const undo: ((err: null, out: unknown) => void)[] = []
    const first = compensating(compensationXml(ask), lazy, calls, undo)
    await first.engine.execute()
    const state = await saved(first.engine)
    const second = compensating(compensationXml(ask), lazy, calls, undo)
    second.engine.recover(state)
    const resumed: any = await second.engine.resume()
    resumed.signal({ id: 'ask' })
    while (undo.length) undo.pop()!(null, true)
    outcome.push({ calls, waiting: waiting(resumed), completed: completed(resumed) })
  }
  t.ok(outcome[0].completed, 'eagerly the instance completes')
  t.same(outcome[1], outcome[0], 'lazily the same services ran and the instance ended the same way')
})
