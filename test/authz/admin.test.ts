import t from 'tap'
import { build } from '../helper.js'
import { call } from '../api.js'
import { Check, runMatrix, type Expect, type Row } from './matrix.js'

/**
 * Issue 9's matrix, administration routes: routing rules (city administrators any tenant,
 * county administrators their county's overrides), metric definitions (city administrators)
 * user creation (inside one's county), regions and units (inside one's county) and Open311 client keys (city administrators).
 */

t.test('administration routes × roles of two counties and the city', async (t) => {
  const app = await build(t)
  const rows: Row[] = []

  // ── routing rules ──
  const rulesOf = async (tenant: string) =>
    ((await call(app, 'admin', 'GET', `/api/routing-rules?tenant=${tenant}`)).body as any[])
      .filter((r) => (r.tenant ?? '') === tenant)
      .map((r) => ({
        category: r.category,
        region: r.region,
        owner: r.owner,
        level: r.level,
        procedure: r.procedure,
        responseLimit: r.responseLimit,
        resolveLimit: r.resolveLimit,
      }))
  const before: Record<string, any[]> = {}
  const untouched =
    (...tenants: string[]) =>
    async (c: Check) => {
      for (const tn of tenants) c.same(await rulesOf(tn), before[tn], `the ${tn || 'city'} rules are unchanged`)
    }
  const xhRule = { category: 'other', region: 'xh-anping', owner: '@centre' }
  const gyRule = { category: 'other', region: 'gy-jiefang', owner: '@centre' }
  const rulesRow = (who: string, body: () => Record<string, unknown>, expect: Expect, what: string, effect?: Row['effect'], more: Partial<Row> = {}): Row => ({
    who,
    route: 'PUT /api/routing-rules',
    what,
    expect,
    rule: 1,
    req: async () => {
      // `untouched` compares with the rule sets as they were just before this request.
      for (const tn of ['', 'xianghe', 'guangyang']) before[tn] = await rulesOf(tn)
      return { method: 'PUT', url: '/api/routing-rules', payload: body() }
    },
    effect,
    ...more,
  })
  rows.push(
    rulesRow(
      'xianghe-admin',
      () => ({ rules: [xhRule] }),
      '2xx',
      'own county',
      async (c, body) => {
        c.ok(body.length === 1 && body.every((r: any) => r.tenant === 'xianghe'), 'the rule set written is Xianghe’s')
        await untouched('', 'guangyang')(c)
      },
    ),
    rulesRow('guangyang-admin', () => ({ tenant: 'guangyang', rules: [gyRule] }), '2xx', 'tenant=guangyang (own)', untouched('', 'xianghe')),
    rulesRow('admin', () => ({ tenant: 'guangyang', rules: [gyRule] }), '2xx', 'tenant=guangyang', untouched('', 'xianghe')),
    rulesRow('admin', () => ({ tenant: null, rules: before[''] }), '2xx', 'city rules as they are', untouched('', 'xianghe')),
    rulesRow('xianghe-admin', () => ({ tenant: 'guangyang', rules: [] }), 403, 'tenant=guangyang', untouched('guangyang')),
    rulesRow('xianghe-admin', () => ({ tenant: '', rules: [] }), 403, 'tenant=city', untouched('')),
    rulesRow('guangyang-admin', () => ({ tenant: 'xianghe', rules: [] }), 403, 'tenant=xianghe', untouched('xianghe')),
    rulesRow('xianghe-admin', () => ({ rules: [{ owner: '@centre', region: 'gy-xinyuan' }] }), 422, 'rule in a gy region', untouched('xianghe')),
    rulesRow(
      'xianghe-admin',
      () => ({ rules: [{ owner: 'guangyang-land', region: 'xh-anping', category: 'other' }] }),
      422,
      'owner = a gy unit',
      untouched('xianghe'),
    ),
    ...['dispatcher', 'xianghe-dispatcher', 'leader', 'xianghe-leader', 'env-officer', 'grid01', 'supervisor', 'callback'].map((who) =>
      rulesRow(who, () => ({ rules: [xhRule] }), 403, 'own county', untouched('', 'xianghe', 'guangyang')),
    ),
  )
  for (const [who, query, expect] of [
    ['xianghe-admin', '', '2xx'],
    ['guangyang-admin', '?tenant=xianghe', '2xx'],
    ['admin', '?tenant=guangyang', '2xx'],
    ['dispatcher', '', 403],
    ['env-officer', '', 403],
  ] as [string, string, Expect][]) {
    const mine = who === 'xianghe-admin' ? 'xianghe' : who === 'guangyang-admin' ? 'guangyang' : 'guangyang'
    rows.push({
      who,
      route: 'GET /api/routing-rules',
      what: query || 'default',
      expect,
      rule: 1,
      req: () => ({ method: 'GET', url: `/api/routing-rules${query}` }),
      effect: async (c, body) => {
        if (expect !== '2xx') return
        const tenants = [...new Set((body as any[]).map((r) => r.tenant))]
        c.ok(
          tenants.every((tn) => tn === null || tn === mine),
          `only the city’s and ${mine}’s rules: ${tenants}`,
        )
      },
    })
  }

  // ── metric definitions: city administrators change them ──
  let definitions: Record<string, unknown> = {}
  const definitionsKept = async (c: Check) =>
    c.same((await call(app, 'admin', 'GET', '/api/metrics/definitions')).body, definitions, 'the definitions are unchanged')
  rows.push(
    {
      who: 'admin',
      route: 'PUT /api/metrics/definitions',
      what: 'as they are',
      expect: '2xx',
      rule: 1,
      req: () => ({ method: 'PUT', url: '/api/metrics/definitions', payload: definitions }),
      effect: definitionsKept,
    },
    ...['xianghe-admin', 'guangyang-admin', 'dispatcher', 'leader', 'xianghe-leader', 'supervisor', 'env-officer', 'grid01'].map((who): Row => ({
      who,
      route: 'PUT /api/metrics/definitions',
      what: 'satisfiedValues=[dissatisfied]',
      expect: 403,
      rule: 1,
      req: () => ({ method: 'PUT', url: '/api/metrics/definitions', payload: { satisfiedValues: ['dissatisfied'] } }),
      effect: definitionsKept,
    })),
  )

  // ── users: created inside the creator's county ──
  let u = 0
  const userRow = (who: string, unitCode: string, roles: string[], expect: Expect, county?: 'xianghe' | 'guangyang' | null): Row => {
    const username = `authz-user-${++u}`
    return {
      who,
      route: 'POST /api/org/users',
      what: `${roles.join('+')} in ${unitCode}`,
      expect,
      rule: 1,
      req: () => ({ method: 'POST', url: '/api/org/users', payload: { username, displayName: username, password: 'authz-password', roles, unitCode } }),
      effect: async (c) => {
        const has = async (viewer: string) => ((await call(app, viewer, 'GET', '/api/org/users')).body as any[]).some((x) => x.username === username)
        if (expect !== '2xx') return c.notOk(await has('admin'), 'no user was created')
        c.ok(await has('admin'), 'created')
        if (county) c.notOk(await has(county === 'xianghe' ? 'guangyang-admin' : 'xianghe-admin'), 'not a user of the other county')
      },
    }
  }
  rows.push(
    userRow('admin', 'guangyang-land', ['handler'], '2xx', 'guangyang'),
    userRow('xianghe-admin', 'xianghe-land', ['handler'], '2xx', 'xianghe'),
    userRow('guangyang-admin', 'gy-xinyuan-centre', ['dispatcher'], '2xx', 'guangyang'),
    userRow('xianghe-admin', 'guangyang-land', ['handler'], 'deny'),
    userRow('xianghe-admin', 'langfang-centre', ['dispatcher'], 'deny'),
    userRow('guangyang-admin', 'xianghe-land', ['handler'], 'deny'),
    userRow('xianghe-admin', 'xianghe-land', ['admin'], 403),
    ...['dispatcher', 'xianghe-dispatcher', 'leader', 'env-officer', 'grid01', 'callback'].map((who) => userRow(who, 'xianghe-land', ['handler'], 403)),
  )

  // ── regions and units: added inside the administrator's county, never at the city's level ──
  let o = 0
  const orgRow = (who: string, what: 'region' | 'unit', parent: string, expect: Expect): Row => {
    const code = `authz-org-${++o}`
    const table = what === 'region' ? 'regions' : 'org_units'
    return {
      who,
      route: what === 'region' ? 'POST /api/org/regions' : 'POST /api/org/units',
      what: `${what} in ${parent}`,
      expect,
      rule: 1,
      req: () =>
        what === 'region'
          ? { method: 'POST', url: '/api/org/regions', payload: { code, name: code, nameEn: code, parentCode: parent } }
          : { method: 'POST', url: '/api/org/units', payload: { code, name: code, nameEn: code, kind: 'department', regionCode: parent } },
      effect: async (c) => {
        const row = await app.db(table).where({ code }).first()
        if (expect !== '2xx') return c.notOk(row, `no ${what} was added`)
        c.ok(row, 'added')
      },
    }
  }
  rows.push(
    orgRow('admin', 'region', 'langfang', '2xx'),
    orgRow('xianghe-admin', 'region', 'xh-anping-v02', '2xx'),
    orgRow('guangyang-admin', 'unit', 'gy-xinyuan', '2xx'),
    orgRow('xianghe-admin', 'region', 'langfang', 403),
    orgRow('xianghe-admin', 'unit', 'langfang', 403),
    orgRow('xianghe-admin', 'region', 'gy-xinyuan-v01', 403),
    orgRow('guangyang-admin', 'unit', 'xianghe', 403),
    ...['dispatcher', 'xianghe-dispatcher', 'leader', 'land-officer', 'grid01'].map((who) => orgRow(who, 'region', 'xh-anping-v02', 403)),
    ...['dispatcher', 'land-officer'].map((who) => orgRow(who, 'unit', 'xianghe', 403)),
  )

  // ── Open311 API keys: city administrators only (a key may reach every county) ──
  const keyIds = async () => ((await call(app, 'admin', 'GET', '/api/open311/keys')).body as any[]).map((k) => k.id).sort()
  const standing = (await call(app, 'admin', 'POST', '/api/open311/keys', { name: 'authz standing key' })).body
  const keyStands = async (c: Check) => {
    const row = ((await call(app, 'admin', 'GET', '/api/open311/keys')).body as any[]).find((k) => k.id === standing.id)
    c.equal(row?.revokedAt, null, 'the key is not revoked')
  }
  let keysBefore: string[] = []
  const noKeyIssued = async (c: Check) => c.same(await keyIds(), keysBefore, 'no key was issued')
  rows.push(
    {
      who: 'admin',
      route: 'POST /api/open311/keys',
      what: 'issue a key for a client',
      expect: '2xx',
      rule: 1,
      req: async () => {
        keysBefore = await keyIds()
        return { method: 'POST', url: '/api/open311/keys', payload: { name: 'authz client', jurisdiction: 'xianghe' } }
      },
      effect: async (c, body) => c.same(await keyIds(), [...keysBefore, body.id].sort(), 'one key more'),
    },
    ...['xianghe-admin', 'dispatcher', 'leader', 'grid01'].map((who): Row => ({
      who,
      route: 'POST /api/open311/keys',
      what: 'issue a key for a client',
      expect: 403,
      rule: 1,
      req: async () => {
        keysBefore = await keyIds()
        return { method: 'POST', url: '/api/open311/keys', payload: { name: `authz ${who}` } }
      },
      effect: noKeyIssued,
    })),
    ...['xianghe-admin', 'dispatcher'].map((who): Row => ({
      who,
      route: 'GET /api/open311/keys',
      what: 'list the keys',
      expect: 403,
      rule: 1,
      req: () => ({ method: 'GET', url: '/api/open311/keys' }),
    })),
    ...['xianghe-admin', 'guangyang-admin', 'dispatcher'].map((who): Row => ({
      who,
      route: 'POST /api/open311/keys/:id/revoke',
      what: 'revoke a key',
      expect: 403,
      rule: 1,
      req: () => ({ method: 'POST', url: `/api/open311/keys/${standing.id}/revoke` }),
      effect: keyStands,
    })),
  )

  definitions = (await call(app, 'admin', 'GET', '/api/metrics/definitions')).body
  await runMatrix(t, app, 'issue 9 authorisation matrix: administration routes', rows)
})
