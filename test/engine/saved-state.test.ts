// The engine state a step saves (persistence.ts compactState, issue 13): it holds nothing that no
// recover reads, and a state saved in the full form, as every step saved it before compactState,
// still recovers: the four procedures behave the same whether each step's node saves the one form
// or the other. A node that saves the full form is the previous release's: the read path is the
// same in both, so that is also a state of this release recovered by that one.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { cluster, drive, procedures, recordFullStates } from './procedures.js'
import { onPostgres } from '../helper.js'

// Some 130 steps on several apps, each recovering its engine (as lazy-elements.test.ts).
t.setTimeout(360_000)

type Json = Record<string, unknown>
const isObject = (o: unknown): o is Json => !!o && typeof o === 'object' && !Array.isArray(o)

// The full form of every state a step saves, by instance (test/engine/procedures.ts).
const full = recordFullStates()
const fullForm = full.states
t.teardown(full.stop)

/** What a saved state must not hold, each kind named once per state. */
function redundant(text: string): Set<string> {
  const found = new Set<string>()
  if (text.includes('"lazyElements"')) found.add("the node's settings")
  const state = JSON.parse(text)
  const visit = (node: unknown, key: string) => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, key))
    if (!isObject(node)) return
    if (key === 'broker') {
      for (const q of (node.queues as Json[]) ?? []) {
        for (const m of (q.messages as Json[]) ?? []) {
          if ((m.properties as Json)?.persistent === false) found.add('a message published persistent: false')
          const set = [...Object.keys(m.fields as Json), ...Object.keys(m.properties as Json)]
          if (['consumerTag', 'redelivered', 'messageId', 'timestamp'].some((k) => set.includes(k)))
            found.add("a message's consumerTag, redelivered, messageId or timestamp")
        }
      }
      return
    }
    if (typeof node.executionId === 'string' && Array.isArray(node.children)) {
      if ((node.children as Json[]).some((c) => !c.status && !c.broker)) found.add('an idle child')
      if (((node.flows as Json[]) ?? []).some((f) => !f.broker)) found.add('an idle flow')
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'environment') visit(v, k)
  }
  visit(state, '')
  for (const d of state.definitions) {
    const defVars = d.environment.variables as Json
    for (const p of d.execution?.processes ?? []) {
      const vars = p.environment.variables as Json
      if (['fields', 'content', 'properties'].some((k) => k in vars)) found.add("the run message's fields in the process variables")
      if (Object.keys(vars).some((k) => k in defVars && JSON.stringify(vars[k]) === JSON.stringify(defVars[k])))
        found.add("a process variable equal to the definition's")
    }
  }
  return found
}

/** Every state a node's steps save, as written. */
function savedStates(app: FastifyInstance) {
  const saved: { id: string; state: string }[] = []
  app.engine.onStep((e) => {
    if (e.instance.state) saved.push({ id: e.instance.id, state: e.instance.state })
  })
  return saved
}

t.test('a saved state holds nothing that no recover reads (regression: the full state saved again)', async (t) => {
  for (const lazy of [true, false]) {
    const node = await cluster(t)
    const app = await node(lazy)
    const saved = savedStates(app)
    for (const proc of Object.values(procedures)) await drive(proc, async () => app)
    t.ok(saved.length > 20, `lazy ${lazy}: ${saved.length} states saved`)
    const left = new Set(saved.flatMap((s) => [...redundant(s.state)]))
    t.same([...left], [], `lazy ${lazy}: no saved state holds any of it`)
    // Not vacuous: the full form of the same steps held each kind.
    const fullKinds = new Set([...fullForm.values()].flatMap((s) => [...redundant(s)]))
    t.equal(fullKinds.size, 6, `lazy ${lazy}: the full forms held every kind (${[...fullKinds].join('; ')})`)
    const bytes = (s: string) => Buffer.byteLength(s)
    const compact = saved.reduce((n, s) => n + bytes(s.state), 0)
    t.ok(compact < 0.85 * saved.reduce((n, s) => n + bytes(fullForm.get(s.id) ?? ''), 0), 'the saved states are smaller than the full forms')
  }
})

// What a state holds and how it recovers is the engine's own, the same on either database; the
// four procedures' database rows on PostgreSQL are the other tests' (cases, lazy elements' restarts).
const onSqliteOnly = onPostgres && 'the saved state is the same JSON on either database: driven on SQLite only (CI time)'

t.test('a state saved in the full form recovers: the four procedures behave the same on nodes saving either form', { skip: onSqliteOnly }, async (t) => {
  const runs: Record<string, ('compact' | 'full')[]> = {
    compact: ['compact'],
    full: ['full'],
    'full, compact, full, …': ['full', 'compact'],
    'compact, full, compact, …': ['compact', 'full'],
  }
  const observed: Record<string, Record<string, unknown>> = {}
  let fullWritten = 0
  for (const [run, pattern] of Object.entries(runs)) {
    const node = await cluster(t)
    const apps = new Map<string, FastifyInstance>()
    const nodeFor = async (i: number) => {
      const form = pattern[i % pattern.length]
      if (!apps.has(form)) {
        const app = await node(true)
        // A node of the previous release: its steps write the full form of the state.
        if (form === 'full')
          app.engine.onStep(async (e) => {
            if (!e.instance.state) return
            const full = fullForm.get(e.instance.id)!
            await e.trx('process_instances').where({ id: e.instance.id }).update({ state: full })
            e.instance.state = full
            fullWritten++
          })
        apps.set(form, app)
      }
      return apps.get(form)!
    }
    observed[run] = {}
    for (const [name, proc] of Object.entries(procedures)) observed[run][name] = await drive(proc, nodeFor)
  }
  t.ok(fullWritten > 20, `${fullWritten} states saved in the full form, each recovered by the next step`)
  for (const name of Object.keys(procedures)) {
    const reference = observed.compact[name] as { after: { status: string }[] }
    t.equal(reference.after.at(-1)!.status, 'closed', `${name}: the case closes`)
    for (const run of Object.keys(runs).slice(1)) t.same(observed[run][name], reference, `${name}, ${run}`)
  }
})
