import t from 'tap'
import { build } from '../helper.js'
import { call, openTask } from '../api.js'
import {
  Check,
  FUTURE,
  Fixtures,
  staysInCounty as staysIn,
  unchanged as unchangedIn,
  PLACE,
  runMatrix,
  task,
  tokensInside,
  variables,
  type Expect,
  type Fixture,
  type Row,
} from './matrix.js'

/**
 * Issue 9's matrix, task actions: claim, unclaim, return (退单), extension (延期) and its approval. Two counties (Xianghe `xh`, Guangyang `gy`) and the city.
 * Rules: only a candidate or the assignee (or the city administrator) acts on a task; another
 * county's task is 404; data holds only the form's fields (400 naming the others); a dispatch
 * goes to a staffed unit of the case's county or a centre above it (400 naming targetUnit).
 */

t.test('task actions × roles of two counties and the city', async (t) => {
  const app = await build(t)
  const fx = new Fixtures()
  const rows: Row[] = []

  const unchanged = (f: () => Fixture, assignee: string | null = null) => unchangedIn(app, f, assignee)
  const staysInCounty = (f: () => Fixture, also?: (t: Check, open: any[]) => unknown) => staysIn(app, f, also)

  // ── claim / unclaim ──
  const claimed = (f: () => Fixture, who: string | null) => async (t: Check) => t.equal((await task(app, f().taskId)).assignee, who, `assignee is ${who}`)
  for (const [who, expect] of [
    ['env-officer', '2xx'],
    ['admin', '2xx'],
    ['gy-urban-officer', 404],
    ['guangyang-admin', 404],
    ['xianghe-admin', 'deny'],
    ['land-officer', 'deny'],
    ['grid01', 'deny'],
  ] as [string, Expect][]) {
    const f = expect === '2xx' ? fx.need('xh', 'signfor') : fx.shared('xh', 'signfor')
    rows.push({
      who,
      route: 'POST /api/tasks/:id/claim',
      what: 'xh sign-for',
      expect,
      rule: expect === 404 ? 1 : 2,
      req: () => ({ method: 'POST', url: `/api/tasks/${f().taskId}/claim` }),
      effect: expect === '2xx' ? claimed(f, who) : unchanged(f),
    })
  }
  const claimBy = (who: string) => async (f: Fixture) => {
    const r = await call(app, who, 'POST', `/api/tasks/${f.taskId}/claim`)
    if (r.status !== 200) throw new Error(`claim as ${who}: ${r.status}`)
  }
  for (const [who, expect] of [
    ['env-officer', '2xx'],
    ['admin', '2xx'],
    ['gy-urban-officer', 404],
    ['guangyang-admin', 404],
    ['land-officer', 'deny'],
  ] as [string, Expect][]) {
    const f = expect === '2xx' ? fx.need('xh', 'signfor', claimBy('env-officer')) : fx.shared('xh', 'signfor', { label: 'claimed', fn: claimBy('env-officer') })
    rows.push({
      who,
      route: 'POST /api/tasks/:id/unclaim',
      what: 'xh sign-for claimed by env-officer',
      expect,
      rule: expect === 404 ? 1 : 2,
      req: () => ({ method: 'POST', url: `/api/tasks/${f().taskId}/unclaim` }),
      effect: expect === '2xx' ? claimed(f, null) : unchanged(f, 'env-officer'),
    })
  }

  // ── return (退单) ──
  for (const [who, expect, stage] of [
    ['env-officer', '2xx', 'signfor'],
    ['admin', '2xx', 'signfor'],
    ['gy-urban-officer', 404, 'signfor'],
    ['guangyang-admin', 404, 'signfor'],
    ['xianghe-admin', 'deny', 'signfor'],
    ['grid01', 'deny', 'signfor'],
    ['anping-dispatcher', 422, 'dispatch'],
    ['xinyuan-dispatcher', 404, 'dispatch'],
  ] as [string, Expect, 'signfor' | 'dispatch'][]) {
    const f = expect === '2xx' ? fx.need('xh', stage) : fx.shared('xh', stage)
    rows.push({
      who,
      route: 'POST /api/tasks/:id/return',
      what: `xh ${stage}`,
      expect,
      rule: expect === 404 ? 1 : 2,
      req: () => ({ method: 'POST', url: `/api/tasks/${f().taskId}/return`, payload: { reason: '非本单位职责 / not ours' } }),
      effect:
        expect === '2xx'
          ? staysInCounty(f, (t, open) =>
              t.ok(
                open.some((o) => o.elementId === 'ut_dispatch'),
                'back to the county’s dispatcher',
              ),
            )
          : unchanged(f),
    })
  }

  // ── extension (延期) request and its approval ──
  for (const [who, expect, stage] of [
    ['env-officer', '2xx', 'handle'],
    ['admin', '2xx', 'handle'],
    ['gy-urban-officer', 404, 'handle'],
    ['guangyang-admin', 404, 'handle'],
    ['land-officer', 'deny', 'handle'],
    ['xianghe-admin', 'deny', 'handle'],
    ['env-officer', 422, 'signfor'],
  ] as [string, Expect, 'handle' | 'signfor'][]) {
    const f = expect === '2xx' ? fx.need('xh', stage) : fx.shared('xh', stage)
    rows.push({
      who,
      route: 'POST /api/tasks/:id/extension',
      what: `xh ${stage}`,
      expect,
      rule: expect === 404 ? 1 : 2,
      req: () => ({ method: 'POST', url: `/api/tasks/${f().taskId}/extension`, payload: { days: 5, reason: '需要现场勘查 / survey needed' } }),
      effect:
        expect === '2xx'
          ? staysInCounty(f, (t, open) => {
              const a = open.find((o) => o.elementId === 'ut_handle_ext_approve')
              t.ok(a, 'an approval task is open')
              t.ok(a && tokensInside(a.candidateGroups, 'xh'), `approved inside the county or city: ${a?.candidateGroups}`)
            })
          : unchanged(f),
    })
  }
  const extensionAsked = async (f: Fixture) => {
    const r = await call(app, PLACE[f.county].handler, 'POST', `/api/tasks/${f.taskId}/extension`, { days: 5, reason: '需要现场勘查 / survey needed' })
    if (r.status !== 202) throw new Error(`extension: ${r.status} ${JSON.stringify(r.body)}`)
  }
  for (const [who, data, expect, field] of [
    ['xianghe-leader', { extensionDecision: 'approve' }, '2xx', undefined],
    ['guangyang-leader', { extensionDecision: 'approve' }, 404, undefined],
    ['env-officer', { extensionDecision: 'approve' }, 'deny', undefined],
    ['xianghe-leader', { extensionDecision: 'approve', resolveDue: FUTURE }, 400, 'resolveDue'],
  ] as [string, Record<string, unknown>, Expect, string | undefined][]) {
    const f = expect === '2xx' || field ? fx.need('xh', 'handle', extensionAsked) : fx.shared('xh', 'handle', { label: 'extension asked', fn: extensionAsked })
    rows.push({
      who,
      route: 'POST /api/tasks/:id/complete',
      what: `xh extension approval${field ? ` + ${field}` : ''}`,
      expect,
      field,
      rule: field ? 2 : expect === 404 ? 1 : 2,
      ...(field && {}),
      req: async () => {
        const a = await openTask(app, f().caseId, 'ut_handle_ext_approve')
        return { method: 'POST', url: `/api/tasks/${a?.id ?? 'missing'}/complete`, payload: { data } }
      },
      effect: async (t) => {
        const vars = await variables(app, f().instanceId)
        const a = await openTask(app, f().caseId, 'ut_handle_ext_approve')
        if (expect === '2xx') {
          t.notOk(a, 'the approval is done')
          t.ok(vars.resolveDue > f().vars.resolveDue && vars.resolveDue < FUTURE, 'the deadline moved by the approved days only')
        } else {
          t.ok(a, 'the approval is still open')
          t.equal(vars.resolveDue, f().vars.resolveDue, 'the deadline did not move')
        }
      },
    })
  }

  t.comment(await fx.make(app))
  await runMatrix(t, app, 'issue 9 authorisation matrix: task actions', rows)
})
