import t from 'tap'
import { build } from '../helper.js'
import {
  Check,
  FUTURE,
  Fixtures,
  staysInCounty as staysIn,
  unchanged as unchangedIn,
  pick,
  runMatrix,
  variables,
  type County,
  type Expect,
  type Fixture,
  type Row,
} from './matrix.js'

/**
 * Issue 9's matrix, completing tasks: sign-for, handling, dispatch. Two counties (Xianghe `xh`, Guangyang `gy`) and the city.
 * Rules: only a candidate or the assignee (or the city administrator) acts on a task; another
 * county's task is 404; data holds only the form's fields (400 naming the others); a dispatch
 * goes to a staffed unit of the case's county or a centre above it (400 naming targetUnit).
 */

t.test('completing tasks × roles of two counties and the city', async (t) => {
  const app = await build(t)
  const fx = new Fixtures()
  const rows: Row[] = []

  const unchanged = (f: () => Fixture, assignee: string | null = null) => unchangedIn(app, f, assignee)
  const staysInCounty = (f: () => Fixture, also?: (t: Check, open: any[]) => unknown) => staysIn(app, f, also)

  const completeRow = (who: string, f: () => Fixture, data: Record<string, unknown>, expect: Expect, what: string, more: Partial<Row> = {}): Row => ({
    who,
    route: 'POST /api/tasks/:id/complete',
    what,
    expect,
    req: () => ({ method: 'POST', url: `/api/tasks/${f().taskId}/complete`, payload: { data } }),
    ...(expect !== '2xx' && { effect: unchanged(f) }),
    ...more,
  })

  // ── sign-for (签收) of a Xianghe case routed to the county environment bureau ──
  const accept = { signOutcome: 'accept' }
  for (const [who, expect, rule] of [
    ['env-officer', '2xx', 2],
    ['admin', '2xx', 1],
    ['gy-urban-officer', 404, 1],
    ['guangyang-admin', 404, 1],
    ['gy-land-officer', 404, 1],
    ['grid02', 404, 1],
    ['xianghe-admin', 'deny', 2],
    ['land-officer', 'deny', 2],
    ['grid01', 'deny', 2],
    ['dispatcher', 'deny', 2],
    ['xianghe-leader', 'deny', 2],
  ] as [string, Expect, number][]) {
    const f = expect === '2xx' ? fx.need('xh', 'signfor') : fx.shared('xh', 'signfor')
    rows.push(
      completeRow(who, f, accept, expect, 'xh sign-for accept', {
        rule,
        ...(expect === '2xx' && {
          effect: staysInCounty(f, async (t) => {
            const vars = await variables(app, f().instanceId)
            t.same(
              pick(vars, ['resolveDue', 'handlerGroup', 'ownerUnit']),
              pick(f().vars, ['resolveDue', 'handlerGroup', 'ownerUnit']),
              'deadline and owner unchanged',
            )
          }),
        }),
      }),
    )
  }
  // The same seen from Guangyang.
  for (const [who, expect] of [
    ['gy-urban-officer', '2xx'],
    ['env-officer', 404],
    ['xianghe-admin', 404],
    ['grid01', 404],
  ] as [string, Expect][]) {
    const f = expect === '2xx' ? fx.need('gy', 'signfor') : fx.shared('gy', 'signfor')
    rows.push(completeRow(who, f, accept, expect, 'gy sign-for accept', { rule: 1, ...(expect === '2xx' && { effect: staysInCounty(f) }) }))
  }
  // Undeclared fields: the issue's own examples, then any other.
  for (const [field, value] of [
    ['resolveDue', FUTURE],
    ['responseDue', FUTURE],
    ['handlerGroup', 'unit:guangyang-urban'],
    ['tenant', 'guangyang'],
    ['caseId', 'another'],
    ['level', 'city'],
    ['notOnTheForm', 1],
  ] as [string, unknown][]) {
    const f = fx.need('xh', 'signfor')
    rows.push(completeRow('env-officer', f, { ...accept, [field]: value }, 400, `xh sign-for + ${field}`, { field, rule: 2 }))
  }
  {
    const f = fx.need('xh', 'signfor')
    rows.push(completeRow('admin', f, { ...accept, resolveDue: FUTURE }, 400, 'xh sign-for + resolveDue (admin too)', { field: 'resolveDue', rule: 2 }))
  }

  // ── handling (办理) ──
  const resolved = { outcome: 'resolved', result: '已处理 / done' }
  for (const [who, data, expect, field, what] of [
    ['env-officer', resolved, '2xx', undefined, 'xh handle resolved'],
    ['env-officer', { ...resolved, callbackGroup: 'unit:xianghe-environment' }, 400, 'callbackGroup', 'xh handle + callbackGroup'],
    ['env-officer', { ...resolved, handlingRounds: 0 }, 400, 'handlingRounds', 'xh handle + handlingRounds'],
    ['env-officer', { ...resolved, supervisorGroup: 'unit:xianghe-environment' }, 400, 'supervisorGroup', 'xh handle + supervisorGroup'],
    ['gy-urban-officer', resolved, 404, undefined, 'xh handle resolved'],
    ['guangyang-admin', resolved, 404, undefined, 'xh handle resolved'],
    ['xianghe-callback', resolved, 'deny', undefined, 'xh handle resolved'],
  ] as [string, Record<string, unknown>, Expect, string | undefined, string][]) {
    const f = expect === '2xx' || field ? fx.need('xh', 'handle') : fx.shared('xh', 'handle')
    rows.push(
      completeRow(who, f, data, expect, what, {
        field,
        rule: field ? 2 : 1,
        ...(field && {}),
        ...(expect === '2xx' && {
          effect: staysInCounty(f, (t, open) => {
            const ev = open.find((o) => o.elementId === 'ut_evaluate')
            t.ok(ev, 'awaiting the evaluation')
            t.notOk(ev?.candidateGroups.includes(`unit:${'xianghe-environment'}`), 'the handling unit does not evaluate itself')
          }),
        }),
      }),
    )
  }

  // ── dispatch (派单): targets inside the case's county, staffed; the city's only for city-level staff ──
  const signforOffered = (f: () => Fixture, unit: string) =>
    staysInCounty(f, async (t, open) => {
      const s = open.find((o) => o.elementId === 'ut_signfor')
      t.ok(s, 'the sign-for task is open')
      t.ok(
        s?.candidateGroups.some((g: string) => g.endsWith(unit)),
        `offered to ${unit}: ${s?.candidateGroups}`,
      )
    })
  for (const [county, who, unit, expect, rule] of [
    ['xh', 'anping-dispatcher', 'xianghe-land', '2xx', 6],
    ['xh', 'anping-dispatcher', 'xh-shuyang-centre', '2xx', 6],
    ['xh', 'anping-dispatcher', 'xianghe-centre', '2xx', 6],
    // A county's staff reach no unit of the city: a matter beyond the county's authority is
    // escalated (超事权问题提级办), the city's centre reviewing it. City-level staff reach both.
    ['xh', 'anping-dispatcher', 'langfang-centre', 400, 6],
    ['xh', 'admin', 'xianghe-land', '2xx', 6],
    ['xh', 'admin', 'langfang-land', '2xx', 6],
    ['xh', 'anping-dispatcher', 'guangyang-land', 400, 6],
    ['xh', 'anping-dispatcher', 'gy-xinyuan-centre', 400, 6],
    ['xh', 'anping-dispatcher', 'langfang-land', 400, 6],
    ['xh', 'anping-dispatcher', 'xh-anping-agri', 400, 6],
    ['xh', 'anping-dispatcher', 'no-such-unit', 400, 6],
    ['xh', 'admin', 'guangyang-land', 400, 6],
    ['xh', 'xinyuan-dispatcher', 'xianghe-land', 404, 1],
    ['xh', 'guangyang-admin', 'xianghe-land', 404, 1],
    ['xh', 'xianghe-dispatcher', 'xianghe-land', 'deny', 2],
    ['xh', 'env-officer', 'xianghe-land', 'deny', 2],
    ['gy', 'xinyuan-dispatcher', 'guangyang-land', '2xx', 6],
    ['gy', 'xinyuan-dispatcher', 'xianghe-land', 400, 6],
    ['gy', 'anping-dispatcher', 'guangyang-land', 404, 1],
  ] as [County, string, string, Expect, number][]) {
    const f = expect === '2xx' || expect === 400 ? fx.need(county, 'dispatch') : fx.shared(county, 'dispatch')
    rows.push(
      completeRow(who, f, { targetUnit: unit }, expect, `${county} dispatch → ${unit}`, {
        rule,
        ...(expect === 400 && { field: 'targetUnit' }),
        ...(expect === '2xx' && { effect: signforOffered(f, unit) }),
      }),
    )
  }
  {
    const f = fx.need('xh', 'dispatch')
    rows.push(
      completeRow('anping-dispatcher', f, { targetUnit: 'xianghe-land', handlerGroup: 'unit:guangyang-land' }, 400, 'xh dispatch + handlerGroup', {
        field: 'handlerGroup',
        rule: 2,
      }),
    )
  }

  t.comment(await fx.make(app))
  await runMatrix(t, app, 'issue 9 authorisation matrix: completing tasks', rows)
})
