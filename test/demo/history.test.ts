import t from 'tap'
import { build, login } from '../helper.js'
import { loadConfig } from '../../src/config.js'
import { planHistory, type HistoryPlan } from '../../src/demo/history.js'

/**
 * The demo's year of history (src/demo/history.ts), turned on for this test only: the app
 * starts on the template a first demo start with history leaves (built once a day, like the
 * plain one). Every figure the metrics route gives is recomputed here from the generator's own
 * plan with this file's reading of the definitions (src/metrics/README.md), not the route's SQL.
 */

interface Figures {
  received: number
  excluded: number
  responded: number
  closed: number
  onTime: number
  onTimeBase: number
  evaluated: number
  resolved: number
  satisfied: number
}

const zero = (): Figures => ({ received: 0, excluded: 0, responded: 0, closed: 0, onTime: 0, onTimeBase: 0, evaluated: 0, resolved: 0, satisfied: 0 })
const cstMonth = (iso: string) => new Date(Date.parse(iso) + 8 * 3600e3).toISOString().slice(0, 7)

/** Per month (China time), the counts the definitions give for the planned cases. */
function expectedByMonth(plan: HistoryPlan): Map<string, Figures> {
  const out = new Map<string, Figures>()
  for (const c of plan.cases) {
    const m = cstMonth(c.createdAt)
    const f = out.get(m) ?? zero()
    out.set(m, f)
    f.received++
    // An open case: received through intake, waiting at its first task — nothing else yet.
    if (!c.row) continue
    const r = c.row
    if (r.excluded_at) {
      f.excluded++
      continue
    }
    if (r.responded_at! <= r.response_due_at!) f.responded++
    f.closed++ // every written history case is closed
    f.onTimeBase++ // and has a deadline
    if (r.resolved_at! <= r.resolve_due_at!) f.onTime++
    if (r.evaluated_at) {
      f.evaluated++
      if (r.eval_resolved === true) f.resolved++
      if (r.eval_satisfaction === 'satisfied' || r.eval_satisfaction === 'basically_satisfied') f.satisfied++
    }
  }
  return out
}

// The first test process of a run builds the history template (a start that writes ~3,900 cases
// and 40 intakes): at a load of 25 on PostgreSQL that alone took over tap's 120 s.
t.setTimeout(300_000)

t.test('demo history is off in tests and on for a demo start unless DEMO_HISTORY=0', async (t) => {
  t.equal(loadConfig({ NODE_ENV: 'test' }).demoHistory, false)
  t.equal(loadConfig({}).demoHistory, true)
  t.equal(loadConfig({ DEMO_HISTORY: '0' }).demoHistory, false)
})

t.test('a year of demo history', async (t) => {
  const app = await build(t, { config: { demoHistory: true } })
  const admin = await login(app, 'admin')
  const setting = await app.db('settings').where({ key: 'demo.history' }).first('value')
  t.ok(setting, 'the history claimed its setting')
  const { anchor, seed } = JSON.parse(setting.value)
  const now = new Date().toISOString()

  // Re-planned from the same seed and day: the same cases, whatever the run.
  const plan = await planHistory(app.db, app.decisions, { now: new Date(anchor), seed })
  const again = await planHistory(app.db, app.decisions, { now: new Date(anchor), seed })
  const shape = (p: HistoryPlan) =>
    p.cases.map((c) => [
      c.createdAt,
      c.open,
      c.category,
      c.regionCode,
      c.channel,
      c.urgency,
      c.row?.closed_at ?? null,
      c.row?.eval_satisfaction ?? null,
      c.events?.length ?? 0,
    ])
  t.same(shape(again), shape(plan), 'same seed and day → same plan')
  const other = await planHistory(app.db, app.decisions, { now: new Date(anchor), seed: seed + 1 })
  t.not(JSON.stringify(shape(other)), JSON.stringify(shape(plan)), 'another seed → another history')

  const total = Number((await app.db('cases').count({ n: '*' }).first())!.n)
  const open = plan.cases.filter((c) => c.open).length
  t.equal(total, plan.cases.length, 'every planned case is in the database')
  t.ok(plan.cases.length > 3000 && plan.cases.length < 5000, `a year of a small city: ${plan.cases.length} cases`)
  t.ok(open > 10 && open < 150, `a few open: ${open}`)

  // The rates the real route gives, month by month, against the plan's own figures.
  const expected = expectedByMonth(plan)
  const months = [...expected.keys()].sort()
  const res = await app.inject({ method: 'GET', url: `/api/metrics/rates?groupBy=month&from=${months[0]}&to=${months[months.length - 1]}`, headers: admin })
  t.equal(res.statusCode, 200)
  const groups = new Map<string, any>(res.json().groups.map((g: any) => [g.key, g]))
  for (const m of months) {
    const e = expected.get(m)!
    const g = groups.get(m)
    const got = {
      received: g.received,
      excluded: g.excluded,
      responded: g.responded,
      closed: g.closed,
      onTime: g.onTime,
      onTimeBase: g.onTimeBase,
      evaluated: g.evaluated,
      resolved: g.resolved,
      satisfied: g.satisfied,
    }
    t.same(got, e, `figures of ${m}`)
    const assessed = e.received - e.excluded
    t.equal(g.responseRate, e.responded / assessed, `response rate ${m}`)
    t.equal(g.satisfactionRate, e.evaluated ? e.satisfied / e.evaluated : null, `satisfaction rate ${m}`)
  }
  const all = [...expected.values()].reduce(
    (a, f) => ({
      ...a,
      closed: a.closed + f.closed,
      onTime: a.onTime + f.onTime,
      satisfied: a.satisfied + f.satisfied,
      evaluated: a.evaluated + f.evaluated,
      excluded: a.excluded + f.excluded,
    }),
    zero(),
  )
  // Plausible, not perfect: most on time, most satisfied, a few excluded.
  t.ok(all.onTime / all.closed > 0.75 && all.onTime / all.closed < 0.95, `on-time ${(all.onTime / all.closed).toFixed(3)}`)
  t.ok(all.satisfied / all.evaluated > 0.8 && all.satisfied / all.evaluated < 0.98, `satisfaction ${(all.satisfied / all.evaluated).toFixed(3)}`)
  t.ok(all.excluded > 10, `${all.excluded} excluded`)
  // Summer brings more calls than the Spring Festival month.
  const recv = (m: string) => expected.get(months.find((x) => x.endsWith(m))!)?.received ?? 0
  t.ok(recv('-07') > recv('-02'), `July ${recv('-07')} > February ${recv('-02')}`)

  // Every open case is live: an instance running and a task to work.
  const openRows = await app.db('cases').whereNot({ status: 'closed' }).select('id', 'instance_id')
  t.equal(openRows.length, open, 'the open cases are the planned ones')
  for (const r of openRows) {
    const inst = await app.db('process_instances').where({ id: r.instance_id }).first('status')
    const tasks = Number((await app.db('tasks').where({ case_id: r.id, status: 'open' }).count({ n: '*' }).first())!.n)
    if (inst?.status !== 'running' || tasks < 1) t.fail(`open case ${r.id} without a running instance or open task`)
  }
  t.ok(
    Number((await app.db('cases').whereNot({ status: 'closed' }).where('resolve_due_at', '<', now).count({ n: '*' }).first())!.n) >= 1,
    'some open cases are overdue now',
  )
  // Regression: an open case already overdue at intake was supervised in the intake's own step: its
  // supervision was dated at intake, a day before the deadline its sentence names, and it and the
  // rule's dispatch were the citizen's doing.
  const supervised = await app
    .db('case_events')
    .where({ type: 'supervision' })
    .whereIn(
      'case_id',
      openRows.map((r) => r.id),
    )
    .select('at', 'actor', 'data')
  t.ok(supervised.length >= 1, `open cases supervised: ${supervised.length}`)
  for (const e of supervised) {
    const due = JSON.parse(e.data).due as string
    if (e.at < due || e.actor !== null) t.fail(`a supervision at ${e.at} by ${e.actor}, due ${due}`)
  }
  const ruled = await app
    .db('case_events')
    .where({ type: 'dispatched' })
    .whereIn(
      'case_id',
      openRows.map((r) => r.id),
    )
    .select('actor', 'data')
  t.notOk(
    ruled.some((e) => JSON.parse(e.data).by === 'rule' && e.actor !== null),
    "a rule's dispatch is nobody's",
  )

  // Nothing that happened is dated after now.
  const latest = async (table: string, col: string) => (await app.db(table).max({ m: col }).first())?.m ?? ''
  for (const [table, col] of [
    ['cases', 'created_at'],
    ['cases', 'closed_at'],
    ['cases', 'responded_at'],
    ['cases', 'evaluated_at'],
    ['case_events', 'at'],
    ['case_returns', 'returned_at'],
    ['case_returns', 'decided_at'],
    ['case_supervisions', 'created_at'],
    ['case_supervisions', 'replied_at'],
    ['case_exclusions', 'decided_at'],
    ['tasks', 'created_at'],
  ]) {
    const m = await latest(table, col)
    t.ok(m <= now, `${table}.${col} ≤ now (${m})`)
  }
  t.ok(Number((await app.db('case_returns').count({ n: '*' }).first())!.n) > 50, 'returns written')
  t.ok(Number((await app.db('case_supervisions').where({ kind: 'manual' }).count({ n: '*' }).first())!.n) > 20, 'supervision orders written')

  // The bulletin of last month ranks townships with points.
  const last = months[months.length - 2]
  const b = await app.inject({ method: 'GET', url: `/api/bulletins/${last}`, headers: admin })
  t.equal(b.statusCode, 200)
  t.ok(b.json().townships.length >= 6, 'every township is in the bulletin')

  // A closed history case has no instance: its diagram is a 404 that says so, by the case's
  // number (it said "process instance <the case's id> not found").
  const past = await app.db('cases').where({ source: 'demo', status: 'closed' }).whereNull('instance_id').first('id', 'case_no')
  const diagram = await app.inject({ method: 'GET', url: `/api/cases/${past.id}/diagram`, headers: admin })
  t.equal(diagram.statusCode, 404)
  t.match(diagram.json(), { error: 'not_found', key: 'error.case.noInstance', params: { caseNo: past.case_no } })
  const shown = await app.inject({ method: 'GET', url: `/api/cases/${past.id}`, headers: admin })
  t.equal(shown.json().instanceId, null, 'the case view says it has none, so the page asks for no diagram')
})
