// The patched smqp (patches/smqp+11.0.1.patch): message ids, queue names and consumer tags come
// from a counter behind a per-process random prefix, and a queued message's properties are copied
// once. Saved states carry those ids (a durable queue's messages and name), so new ones must not
// collide with the ids of a state saved by another process, nor by this one earlier.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { Broker, type Message, type Queue } from 'smqp'

type SavedMessage = { properties: { messageId: string } }
type SavedState = { queues?: { name: string; messages?: SavedMessage[] }[] }

// Run in fresh node processes, as a restarted server recovers what another one saved. A process
// saves what a step leaves in a state (anonymous durable queues holding unconsumed messages), or
// recovers the state it reads from stdin and then does the same again; 'both' does the two in one
// process. It prints the resulting state.
const script = `
  import { Broker } from 'smqp'
  import { readFileSync } from 'node:fs'
  function step(broker) {
    broker.assertExchange('event', 'topic')
    for (let q = 0; q < 20; q++) {
      const queue = broker.assertQueue(null, { durable: true, autoDelete: false })
      broker.bindQueue(queue.name, 'event', 'activity.#')
    }
    for (let i = 0; i < 50; i++) broker.publish('event', 'activity.wait', { i }, { persistent: true })
    return JSON.parse(JSON.stringify(broker.getState()))
  }
  const mode = process.argv[1]
  let state = mode === 'recover' ? JSON.parse(readFileSync(0, 'utf8')) : step(Broker())
  if (mode !== 'save') {
    const broker = Broker()
    broker.recover(state)
    state = step(broker)
  }
  process.stdout.write(JSON.stringify(state))
`

function run(mode: 'save' | 'recover' | 'both', input?: SavedState): SavedState {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, mode], {
    encoding: 'utf8',
    input: input ? JSON.stringify(input) : '',
  })
  return JSON.parse(out)
}

function ids(state: SavedState) {
  const queues = state.queues ?? []
  return [...queues.map((q) => q.name), ...queues.flatMap((q) => (q.messages ?? []).map((m) => m.properties.messageId))]
}

t.test('ids stay unique across a recover of a state saved by another process or by the same one', async (t) => {
  const saved = run('save')
  t.equal(ids(saved).length, 20 + 20 * 50, '20 queues of 50 messages saved')
  for (const [label, state] of [
    ['saved by another process', run('recover', saved)],
    ['saved by the same process', run('both')],
  ] as const) {
    const all = ids(state)
    t.equal(all.length, 40 + 40 * 50 + 20 * 50, `${label}: recovered and new queues, recovered and new messages`)
    t.equal(new Set(all).size, all.length, `${label}: no new queue name or message id repeats a recovered one`)
  }
})

/** A queue's messages in order: smqp keeps them in `Queue.messages` (src/Queue.js), which its typings leave out. */
const queued = (q: Queue) => (q as Queue & { messages: Message[] }).messages

t.test("a queued message gets its own properties; the publisher's object is left as it was", async (t) => {
  const broker = Broker()
  const queue = broker.assertQueue('q', { durable: true, messageTtl: 1000 })
  const plain = broker.assertQueue('plain', { durable: true })
  const properties = { type: 'wait', persistent: true }
  queue.queueMessage({ routingKey: 'a' }, { x: 1 }, properties)
  plain.queueMessage({ routingKey: 'a' }, { x: 1 }, properties)
  t.same(properties, { type: 'wait', persistent: true }, 'no id, timestamp or expiration written into it')
  const [withTtl] = queued(queue)
  const [without] = queued(plain)
  t.same(Object.keys(withTtl.properties), ['type', 'persistent', 'expiration', 'messageId', 'timestamp', 'ttl'])
  t.type(withTtl.properties.timestamp, 'number')
  t.equal(withTtl.properties.ttl, Number(withTtl.properties.timestamp) + 1000)
  t.same(Object.keys(without.properties), ['type', 'persistent', 'messageId', 'timestamp'])
  t.not(withTtl.properties.messageId, without.properties.messageId)

  const given = { messageId: 'mine', expiration: 5 }
  queue.queueMessage({}, null, given)
  t.same(given, { messageId: 'mine', expiration: 5 })
  t.equal(queued(queue)[1].properties.messageId, 'mine', 'a given id is kept')
  t.equal(queued(queue)[1].properties.expiration, 5, "a message's own expiration wins over the queue's")
})
