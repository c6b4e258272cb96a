import t from 'tap'
import { randomUUID } from 'node:crypto'
import { build } from '../helper.js'
import { call, openTask } from '../api.js'
import { NS } from '../fixtures/bpmn.js'
import { Check, FUTURE, Fixtures, hasRoute, instance, runMatrix, type Expect, type Row } from './matrix.js'
import { testClock } from '../clock.js'

/**
 * Issue 9's matrix, engine routes: deploy, start, process instances, messages, signals and
 * (once they exist) incidents and cancel. Rules: city administrators everything; a county
 * administrator only their county (another county's instance or case is 404, naming another
 * county's tenant 403); every other role 403; platform-owned variables in `variables` → 400
 * naming them; signals are for city administrators only.
 */

/** start → wait for message `message` → end: an instance that waits until a message reaches it. */
const waiting = (key: string, message: string) => `<?xml version="1.0" encoding="UTF-8"?>
<definitions id="defs_${key}" ${NS}>
<message id="m_${key}" name="${message}"/>
<process id="${key}" name="authz ${key}" isExecutable="true">
  <startEvent id="start"/>
  <sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
  <intermediateCatchEvent id="wait" name="等待 / Wait"><messageEventDefinition messageRef="m_${key}"/></intermediateCatchEvent>
  <sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
  <endEvent id="end"/>
</process>
</definitions>`

const OTHER_ROLES = [
  'dispatcher',
  'xianghe-dispatcher',
  'anping-dispatcher',
  'env-officer',
  'gy-land-officer',
  'grid01',
  'grid-leader',
  'leader',
  'xianghe-leader',
  'callback',
  'xianghe-supervisor',
]

t.test('engine routes × roles of two counties and the city', async (t) => {
  const app = await build(t)
  const fx = new Fixtures()
  const rows: Row[] = []

  // Set-up as the city administrator, through the API.
  for (const [key, msg] of [
    ['authz_wait', 'authz_ping'],
    ['authz_lonely', 'authz_lonely'],
    ['authz_pair', 'authz_pair'],
  ]) {
    const r = await call(app, 'admin', 'POST', '/api/process-definitions', { xml: waiting(key, msg) })
    if (r.status !== 201) throw new Error(`deploy ${key}: ${r.status} ${JSON.stringify(r.body)}`)
  }
  const starts: { key: string; tenant: string; id?: string }[] = []
  /** An instance of `key` for `tenant`, started (in the order asked) before the rows run. */
  const waiter = (key: string, tenant: 'xianghe' | 'guangyang') => {
    const s: (typeof starts)[number] = { key, tenant }
    starts.push(s)
    return () => s.id!
  }
  const waitingStill = (id: () => string) => async (t: Check) => {
    const i = await instance(app, id())
    t.not(i.state, 'completed', 'the instance is still waiting')
    t.ok(
      i.activeActivities.some((a: any) => a.id === 'wait'),
      'still at the message catch',
    )
  }
  /** Who sees an instance: its county's administrator, not the other county's. */
  const inCounty = (id: () => string, county: 'xianghe' | 'guangyang') => async (t: Check) => {
    const own = county === 'xianghe' ? 'xianghe-admin' : 'guangyang-admin'
    const other = county === 'xianghe' ? 'guangyang-admin' : 'xianghe-admin'
    t.equal((await call(app, own, 'GET', `/api/process-instances/${id()}`)).status, 200, `${own} sees it`)
    t.equal((await call(app, other, 'GET', `/api/process-instances/${id()}`)).status, 404, `${other} does not`)
  }

  // ── deploy ──
  let n = 0
  const deployRow = (who: string, tenant: string | undefined, expect: Expect, county?: 'xianghe' | 'guangyang' | null): Row => {
    const key = `authz_deploy_${++n}`
    return {
      who,
      route: 'POST /api/process-definitions',
      what: `deploy${tenant !== undefined ? ` tenant=${tenant}` : ''}`,
      expect,
      rule: 1,
      req: () => ({ method: 'POST', url: '/api/process-definitions', payload: { xml: waiting(key, `m_${key}`), ...(tenant !== undefined && { tenant }) } }),
      effect: async (t, body) => {
        const all = (await call(app, 'admin', 'GET', `/api/process-definitions?key=${key}`)).body as any[]
        if (expect !== '2xx') return void t.equal(all.length, 0, 'nothing deployed')
        t.equal(body.tenant, county ?? null, `deployed for ${county ?? 'the city'}`)
        if (county) {
          const other = county === 'xianghe' ? 'guangyang-admin' : 'xianghe-admin'
          t.equal((await call(app, other, 'GET', `/api/process-definitions/${body.id}`)).status, 404, `${other} does not see it`)
        }
      },
    }
  }
  rows.push(
    deployRow('admin', undefined, '2xx', null),
    deployRow('admin', 'xianghe', '2xx', 'xianghe'),
    deployRow('xianghe-admin', undefined, '2xx', 'xianghe'),
    deployRow('xianghe-admin', 'xianghe', '2xx', 'xianghe'),
    deployRow('guangyang-admin', undefined, '2xx', 'guangyang'),
    deployRow('xianghe-admin', 'guangyang', 403),
    deployRow('guangyang-admin', 'xianghe', 403),
    ...OTHER_ROLES.map((who) => deployRow(who, undefined, 403)),
  )

  // ── definitions of one county: the other county neither reads nor starts them ──
  let xhOnly = ''
  for (const [who, expect] of [
    ['xianghe-admin', '2xx'],
    ['admin', '2xx'],
    ['guangyang-admin', 404],
    ['dispatcher', 403],
    ['env-officer', 403],
  ] as [string, Expect][]) {
    for (const suffix of ['', '/xml']) {
      rows.push({
        who,
        route: `GET /api/process-definitions/:id${suffix}`,
        what: 'xh-only definition',
        expect,
        rule: 1,
        req: () => ({ method: 'GET', url: `/api/process-definitions/${xhOnly}${suffix}` }),
      })
    }
  }
  for (const [who, expect] of [
    ['guangyang-admin', '2xx'],
    ['xianghe-admin', '2xx'],
    ['dispatcher', 403],
  ] as [string, Expect][]) {
    rows.push({
      who,
      route: 'GET /api/process-definitions',
      what: 'list',
      expect,
      rule: 1,
      req: () => ({ method: 'GET', url: '/api/process-definitions' }),
      effect: async (c, body) => {
        if (expect !== '2xx') return
        const tenants = new Set((body as any[]).map((d) => d.tenant))
        const other = who === 'guangyang-admin' ? 'xianghe' : 'guangyang'
        c.notOk(tenants.has(other), `no ${other} versions listed`)
        if (who === 'xianghe-admin')
          c.ok(
            (body as any[]).some((d) => d.id === xhOnly),
            'its own county’s version is listed',
          )
      },
    })
  }
  rows.push({
    who: 'guangyang-admin',
    route: 'POST /api/process-definitions/key/:key/start',
    what: 'key deployed only for xianghe',
    expect: 404,
    rule: 1,
    req: () => ({ method: 'POST', url: '/api/process-definitions/key/authz_xh_only/start', payload: {} }),
  })

  // ── start ──
  const xCase = fx.need('xh', 'signfor')
  const gCase = fx.need('gy', 'signfor')
  const startRow = (who: string, body: Record<string, unknown>, expect: Expect, what: string, more: Partial<Row> = {}): Row => ({
    who,
    route: 'POST /api/process-definitions/key/:key/start',
    what,
    expect,
    rule: 1,
    req: () => ({
      method: 'POST',
      url: '/api/process-definitions/key/authz_wait/start',
      payload: typeof body.caseId === 'function' ? { ...body, caseId: (body.caseId as () => any)().caseId } : body,
    }),
    ...more,
  })
  const startedIn = (county: 'xianghe' | 'guangyang') => async (t: Check, body: any) => inCounty(() => body.id, county)(t)
  rows.push(
    startRow('admin', { tenant: 'xianghe' }, '2xx', 'tenant=xianghe', { effect: startedIn('xianghe') }),
    startRow('xianghe-admin', {}, '2xx', 'own county', { effect: startedIn('xianghe') }),
    startRow('guangyang-admin', {}, '2xx', 'own county', { effect: startedIn('guangyang') }),
    startRow('xianghe-admin', { tenant: 'guangyang' }, 403, 'tenant=guangyang'),
    startRow('guangyang-admin', { tenant: 'xianghe' }, 403, 'tenant=xianghe'),
    // A case is carried by one procedure at a time: its own county's open case is no exception.
    startRow('xianghe-admin', { caseId: xCase }, 409, 'caseId=own county case, still carried', { rule: 5 }),
    startRow('admin', { tenant: 'xianghe', caseId: xCase }, 409, 'tenant=xianghe caseId=xh case, still carried', { rule: 5 }),
    startRow('xianghe-admin', { caseId: gCase }, 404, 'caseId=gy case', { rule: 5 }),
    startRow('guangyang-admin', { caseId: xCase }, 404, 'caseId=xh case', { rule: 5 }),
    startRow('admin', { tenant: 'guangyang', caseId: xCase }, 404, 'tenant=guangyang caseId=xh case', { rule: 5 }),
    startRow('xianghe-admin', { caseId: randomUUID() }, 404, 'caseId=unknown', { rule: 5 }),
    ...(
      [
        ['xianghe-admin', 'resolveDue', FUTURE],
        ['xianghe-admin', 'tenant', 'guangyang'],
        ['xianghe-admin', 'handlerGroup', 'unit:guangyang-land'],
        ['admin', 'caseId', 'x'],
        ['admin', 'callbackGroup', 'unit:xianghe-land'],
        ['admin', 'procedure', 'joint'],
      ] as [string, string, unknown][]
    ).map(([who, field, value]) => startRow(who, { variables: { [field]: value } }, 400, `variables.${field}`, { rule: 3, field })),
    ...OTHER_ROLES.map((who) => startRow(who, {}, 403, 'start')),
  )

  // ── process instances (read) ──
  const xRead = waiter('authz_wait', 'xianghe')
  const gRead = waiter('authz_wait', 'guangyang')
  for (const [who, id, expect, what] of [
    ['xianghe-admin', xRead, '2xx', 'xh instance'],
    ['xianghe-admin', gRead, 404, 'gy instance'],
    ['guangyang-admin', xRead, 404, 'xh instance'],
    ['admin', gRead, '2xx', 'gy instance'],
    ['xianghe-admin', () => gCase().instanceId, 404, 'gy case instance'],
    ['dispatcher', xRead, 403, 'xh instance'],
    ['env-officer', xRead, 403, 'xh instance'],
    ['xianghe-leader', xRead, 403, 'xh instance'],
  ] as [string, () => string, Expect, string][]) {
    for (const suffix of ['', '/history']) {
      rows.push({
        who,
        route: `GET /api/process-instances/:id${suffix}`,
        what,
        expect,
        rule: 1,
        req: () => ({ method: 'GET', url: `/api/process-instances/${id()}${suffix}` }),
      })
    }
  }

  // ── messages ──
  const messageRow = (who: string, body: () => Record<string, unknown>, expect: Expect, what: string, more: Partial<Row> = {}): Row => ({
    who,
    route: 'POST /api/messages',
    what,
    expect,
    rule: 4,
    req: () => ({ method: 'POST', url: '/api/messages', payload: body() }),
    ...more,
  })
  const reached = (id: () => string, untouched?: () => string) => async (t: Check, body: any) => {
    t.equal(body.instanceId, id(), 'reached the instance meant')
    t.equal((await instance(app, id())).state, 'completed', 'which moved on')
    if (untouched) await waitingStill(untouched)(t)
  }
  {
    const x = waiter('authz_wait', 'xianghe')
    const g = waiter('authz_wait', 'guangyang')
    rows.push(messageRow('xianghe-admin', () => ({ name: 'authz_ping', instanceId: x() }), '2xx', 'own county instance', { effect: reached(x, g) }))
  }
  {
    const g = waiter('authz_wait', 'guangyang')
    rows.push(messageRow('guangyang-admin', () => ({ name: 'authz_ping', instanceId: g() }), '2xx', 'own county instance', { effect: reached(g) }))
  }
  {
    const g = waiter('authz_wait', 'guangyang')
    rows.push(messageRow('admin', () => ({ name: 'authz_ping', instanceId: g() }), '2xx', 'gy instance', { effect: reached(g) }))
  }
  {
    const g = waiter('authz_wait', 'guangyang')
    rows.push(messageRow('xianghe-admin', () => ({ name: 'authz_ping', instanceId: g() }), 404, 'gy instance', { effect: waitingStill(g) }))
  }
  {
    const x = waiter('authz_wait', 'xianghe')
    rows.push(messageRow('guangyang-admin', () => ({ name: 'authz_ping', instanceId: x() }), 404, 'xh instance', { effect: waitingStill(x) }))
  }
  {
    const g = waiter('authz_lonely', 'guangyang')
    rows.push(messageRow('xianghe-admin', () => ({ name: 'authz_lonely' }), 404, 'no instanceId, only gy waits', { effect: waitingStill(g) }))
  }
  {
    // The Guangyang instance waits longer: without a filter it would be the one chosen.
    const g = waiter('authz_pair', 'guangyang')
    const x = waiter('authz_pair', 'xianghe')
    rows.push(messageRow('xianghe-admin', () => ({ name: 'authz_pair' }), '2xx', 'no instanceId, gy waits longer', { effect: reached(x, g) }))
  }
  {
    // By case: the county's own case, waiting in its procedure for an extension request, which
    // only the extension route delivers (with the days it asks): the engine API is refused.
    const xh = fx.need('xh', 'handle')
    rows.push(
      messageRow(
        'xianghe-admin',
        () => ({ name: 'extension_request', caseId: xh().caseId, variables: { extensionReason: '矩阵测试' } }),
        422,
        'caseId=own county case',
        {
          effect: async (t) => t.notOk(await openTask(app, xh().caseId, 'ut_handle_ext_approve'), 'no extension approval opened on that case'),
        },
      ),
    )
  }
  {
    const gh = fx.need('gy', 'handle')
    rows.push(
      messageRow('xianghe-admin', () => ({ name: 'extension_request', caseId: gh().caseId }), 404, 'extension_request to gy case', {
        effect: async (t) => t.notOk(await openTask(app, gh().caseId, 'ut_handle_ext_approve'), 'no extension approval opened on the Guangyang case'),
      }),
    )
  }
  for (const [who, county, field, value] of [
    ['xianghe-admin', 'xianghe', 'resolveDue', FUTURE],
    ['xianghe-admin', 'xianghe', 'handlerGroup', 'unit:xianghe-land'],
    ['xianghe-admin', 'xianghe', 'extensionDays', 100000000],
    ['xianghe-admin', 'xianghe', 'extensionDecision', 'approve'],
    ['admin', 'guangyang', 'callbackGroup', 'unit:guangyang-land'],
    ['admin', 'guangyang', 'tenant', 'xianghe'],
  ] as [string, 'xianghe' | 'guangyang', string, unknown][]) {
    const x = waiter('authz_wait', county)
    rows.push(
      messageRow(who, () => ({ name: 'authz_ping', instanceId: x(), variables: { [field]: value } }), 400, `variables.${field}`, {
        rule: 3,
        field,
        effect: waitingStill(x),
      }),
    )
  }
  {
    const x = waiter('authz_wait', 'xianghe')
    rows.push(
      ...OTHER_ROLES.map((who) => messageRow(who, () => ({ name: 'authz_ping', instanceId: x() }), 403, 'xh instance', { rule: 1, effect: waitingStill(x) })),
    )
  }

  // ── signals: city administrators only ──
  const signalRow = (who: string, variables: Record<string, unknown> | undefined, expect: Expect, what: string, more: Partial<Row> = {}): Row => ({
    who,
    route: 'POST /api/signals',
    what,
    expect,
    rule: 4,
    req: () => ({ method: 'POST', url: '/api/signals', payload: { name: 'authz_nobody_waits', ...(variables && { variables }) } }),
    ...more,
  })
  rows.push(
    signalRow('admin', undefined, '2xx', 'broadcast', { effect: async (t, body) => t.equal(body.delivered, 0, 'nobody waits for it') }),
    signalRow('admin', { tenant: 'guangyang' }, 400, 'variables.tenant', { rule: 3, field: 'tenant' }),
    signalRow('admin', { resolveDue: FUTURE }, 400, 'variables.resolveDue', { rule: 3, field: 'resolveDue' }),
    signalRow('xianghe-admin', undefined, 403, 'broadcast'),
    signalRow('guangyang-admin', undefined, 403, 'broadcast'),
    ...OTHER_ROLES.map((who) => signalRow(who, undefined, 403, 'broadcast')),
  )

  // ── incidents and cancel (being added on another branch: skipped while the routes do not exist) ──
  const missing = (method: 'GET' | 'POST', url: string) =>
    hasRoute(app, method, url) ? undefined : `${method} ${url} does not exist yet (issue 9, another branch)`
  const listSkip = missing('GET', '/api/incidents')
  for (const [who, expect] of [['admin', '2xx'], ['xianghe-admin', '2xx'], ['guangyang-admin', '2xx'], ...OTHER_ROLES.map((w) => [w, 403])] as [
    string,
    Expect,
  ][]) {
    rows.push({
      who,
      route: 'GET /api/incidents',
      what: 'list',
      expect,
      rule: 8,
      skip: listSkip,
      req: () => ({ method: 'GET', url: '/api/incidents' }),
      ...(who === 'xianghe-admin' && {
        effect: async (t, body) => {
          const items: any[] = Array.isArray(body) ? body : (body.items ?? [])
          for (const i of items)
            t.equal(
              (await call(app, 'xianghe-admin', 'GET', `/api/process-instances/${i.instanceId}`)).status,
              200,
              `incident ${i.id} is of a Xianghe instance`,
            )
        },
      }),
    })
  }
  const retrySkip = missing('POST', '/api/incidents/:id/retry')
  for (const [who, expect] of [
    ['admin', 404],
    ['xianghe-admin', 404],
    ['dispatcher', 403],
    ['env-officer', 403],
    ['grid01', 403],
  ] as [string, Expect][]) {
    rows.push({
      who,
      route: 'POST /api/incidents/:id/retry',
      what: 'unknown incident',
      expect,
      rule: 8,
      skip: retrySkip,
      req: () => ({ method: 'POST', url: `/api/incidents/${randomUUID()}/retry` }),
    })
  }
  const cancelSkip = missing('POST', '/api/process-instances/:id/cancel')
  const cancelled = (id: () => string) => async (t: Check) => t.not((await instance(app, id())).state, 'running', 'the instance is no longer running')
  for (const [who, county, expect] of [
    ['xianghe-admin', 'xianghe', '2xx'],
    ['guangyang-admin', 'guangyang', '2xx'],
    ['admin', 'guangyang', '2xx'],
    ['xianghe-admin', 'guangyang', 404],
    ['guangyang-admin', 'xianghe', 404],
    ['dispatcher', 'xianghe', 403],
    ['env-officer', 'xianghe', 403],
    ['xianghe-leader', 'xianghe', 403],
  ] as [string, 'xianghe' | 'guangyang', Expect][]) {
    const id = waiter('authz_wait', county)
    rows.push({
      who,
      route: 'POST /api/process-instances/:id/cancel',
      what: `${county} instance`,
      expect,
      rule: 8,
      skip: cancelSkip,
      req: () => ({ method: 'POST', url: `/api/process-instances/${id()}/cancel`, payload: { reason: 'authz matrix' } }),
      effect: expect === '2xx' ? cancelled(id) : waitingStill(id),
    })
  }
  rows.push({
    who: 'xianghe-admin',
    route: 'POST /api/process-instances/:id/cancel',
    what: 'gy case instance',
    expect: 404,
    rule: 8,
    skip: cancelSkip,
    req: () => ({ method: 'POST', url: `/api/process-instances/${gCase().instanceId}/cancel`, payload: { reason: 'authz matrix' } }),
  })

  // ── withdraw and restore a key for a tenant (src/engine/withdrawals.ts) ──
  // `authz_wd` has a city version and a Xianghe one (deployed below). Each allowed row withdraws
  // then restores through its own request, so the rows stand alone; a refusal changes nothing.
  const wdState = async (tenant: string) => !!(await app.db('process_withdrawals').where({ key: 'authz_wd', tenant }).first('key'))
  const untouched = async (t: Check) => {
    t.equal(await wdState(''), false, "the city's versions are not withdrawn")
    t.equal(await wdState('xianghe'), false, "Xianghe's versions are not withdrawn")
  }
  const wdRow = (who: string, action: 'withdraw' | 'restore', body: Record<string, unknown>, expect: Expect, what: string, more: Partial<Row> = {}): Row => ({
    who,
    route: `POST /api/process-definitions/key/:key/${action}`,
    what,
    expect,
    rule: 1,
    req: () => ({ method: 'POST', url: `/api/process-definitions/key/authz_wd/${action}`, payload: body }),
    ...more,
  })
  const withdrew = (tenant: string) => async (t: Check, body: any) => {
    t.equal(await wdState(tenant), true, `withdrawn for ${tenant || 'the city'}`)
    t.equal(body.tenant, tenant || null, 'the answer names whose versions')
    // Put back for the next rows, as the actor's scope allows.
    const r = await call(app, 'admin', 'POST', '/api/process-definitions/key/authz_wd/restore', { tenant: tenant || null })
    t.equal(r.status, 200, 'restored')
  }
  rows.push(
    wdRow('admin', 'withdraw', { tenant: 'xianghe' }, '2xx', 'tenant=xianghe', { effect: withdrew('xianghe') }),
    wdRow('admin', 'withdraw', {}, '2xx', "the city's (default)", { effect: withdrew('') }),
    wdRow('xianghe-admin', 'withdraw', {}, '2xx', 'own county (default)', { effect: withdrew('xianghe') }),
    wdRow('xianghe-admin', 'withdraw', { tenant: null }, 403, "tenant=null (the city's)", { effect: untouched }),
    wdRow('guangyang-admin', 'withdraw', { tenant: 'xianghe' }, 403, 'tenant=xianghe', { effect: untouched }),
    wdRow('guangyang-admin', 'withdraw', {}, 404, 'own county, which has no version', { effect: untouched }),
    wdRow('xianghe-admin', 'restore', { tenant: null }, 403, "tenant=null (the city's)"),
    wdRow('guangyang-admin', 'restore', { tenant: 'xianghe' }, 403, 'tenant=xianghe'),
    ...OTHER_ROLES.map((who) => wdRow(who, 'withdraw', { tenant: 'xianghe' }, 403, 'tenant=xianghe', { effect: untouched })),
    ...OTHER_ROLES.map((who) => wdRow(who, 'restore', {}, 403, 'restore')),
  )
  for (const [tenant, who] of [
    [null, 'admin'],
    ['xianghe', 'xianghe-admin'],
  ] as const) {
    const r = await call(app, who, 'POST', '/api/process-definitions', { xml: waiting('authz_wd', 'authz_wd'), ...(tenant && { tenant }) })
    if (r.status !== 201) throw new Error(`deploy authz_wd for ${tenant}: ${r.status} ${JSON.stringify(r.body)}`)
  }

  const xh = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: waiting('authz_xh_only', 'authz_xh_only') })
  if (xh.status !== 201) throw new Error(`deploy authz_xh_only: ${xh.status} ${JSON.stringify(xh.body)}`)
  xhOnly = xh.body.id
  t.comment(await fx.make(app))
  const clock = testClock(t)
  for (const s of starts) {
    // Subscriptions are ordered by their creation time (ms): keep the intended order strict.
    clock.advance(3)
    const r = await call(app, 'admin', 'POST', `/api/process-definitions/key/${s.key}/start`, { tenant: s.tenant })
    if (r.status !== 201) throw new Error(`start ${s.key}: ${r.status} ${JSON.stringify(r.body)}`)
    s.id = r.body.id
  }
  await runMatrix(t, app, 'issue 9 authorisation matrix: engine routes', rows)
})
