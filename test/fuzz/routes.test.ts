import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { build, login, onPostgres } from '../helper.js'
import { petition } from '../api.js'
import {
  FREE_FORM,
  FormChoice,
  PoolRef,
  encodePart,
  formDataArbitrary,
  hostileString,
  hostileValue,
  mutate,
  mutation,
  queryString,
  resolvePools,
  toJson,
  valueFor,
  type Mutation,
  type Schema,
} from './arbitraries.js'

/**
 * Property: no request, however hostile, gets an answer >= 500, and the server is healthy
 * afterwards. Every route the app registers is taken from its OpenAPI document, so a new route
 * is fuzzed without touching this file; the one hidden route (the UI's catch-all `/*`) and
 * paths nobody registered are reached through raw generated paths.
 *
 * FUZZ_SEED and FUZZ_RUNS reproduce or widen a run; a failure prints each request that
 * answered >= 500 with the seed.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20260109)
const RUNS = Number(process.env.FUZZ_RUNS ?? 2400)
const USERS = ['admin', 'xianghe-admin', 'dispatcher', 'grid01', 'land-officer', 'leader', 'callback'] as const
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

t.setTimeout(240_000)

interface Route {
  method: string
  path: string
  pathParams: Array<{ name: string; schema: Schema }>
  query: Schema | null
  body: Schema | null
}

/** Every documented route with its path parameters, query schema and JSON body schema. */
function routesOf(app: FastifyInstance): Route[] {
  const doc = app.swagger() as { paths: Record<string, Record<string, any>> }
  const routes: Route[] = []
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = ops[method]
      if (!op) continue
      const params: Array<{ name: string; in: string; required?: boolean; schema: Schema }> = op.parameters ?? []
      const queryParams = params.filter((x) => x.in === 'query')
      routes.push({
        method: method.toUpperCase(),
        path: p,
        pathParams: params.filter((x) => x.in === 'path').map((x) => ({ name: x.name, schema: x.schema })),
        query: queryParams.length
          ? {
              type: 'object',
              properties: Object.fromEntries(queryParams.map((x) => [x.name, x.schema])),
              required: queryParams.filter((x) => x.required).map((x) => x.name),
            }
          : null,
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
      })
    }
  }
  return routes
}

/** Which live records a path parameter names, by the collection it sits under. */
function poolOfParam(routePath: string, name: string): string {
  if (name === 'id') {
    if (routePath.startsWith('/api/cases')) return 'caseId'
    if (routePath.startsWith('/api/tasks')) return 'taskId'
    if (routePath.startsWith('/api/process-definitions')) return 'definitionId'
    if (routePath.startsWith('/api/process-instances')) return 'instanceId'
  }
  if (name === 'code') return 'region'
  // Open311 GeoReport v2 (src/open311): services are categories, requests case numbers.
  if (name === 'service_code') return 'category'
  if (name === 'service_request_id') return 'caseNo'
  if (name === 'token') return 'open311Token'
  if (name === 'caseNo') return 'caseNo'
  if (name === 'key') return 'processKey'
  return name
}

/** A generated request, still holding PoolRefs for records made at run time. */
interface Recipe {
  kind: 'route' | 'raw'
  route: number
  user: number
  params: readonly unknown[]
  query: unknown
  rawQuery: string | null
  body: unknown
  headers: Record<string, unknown>
  rawPath: string
  rawMethod: string
}

/** `arb` one time in `oneIn`, null otherwise. */
const sometimes = <T>(arb: fc.Arbitrary<T>, oneIn: number) => fc.oneof({ arbitrary: fc.constant(null), weight: oneIn - 1 }, { arbitrary: arb, weight: 1 })

/**
 * 0..6: the demo users, 7: anonymous, 8: a broken token. The administrator more often than the
 * rest, since half the routes refuse everyone else before doing anything.
 */
const user = fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.nat({ max: 8 }), weight: 8 })

function recipes(routes: Route[]): fc.Arbitrary<Recipe> {
  const perRoute = routes.map((r, i) => {
    const param = (p: { name: string; schema: Schema }) =>
      fc.oneof(
        { arbitrary: fc.nat().map((n) => new PoolRef(poolOfParam(r.path, p.name), n)), weight: 6 },
        { arbitrary: hostileString, weight: 2 },
        { arbitrary: valueFor(p.schema), weight: 1 },
      )
    const mutations = fc.oneof(
      { arbitrary: fc.constant([] as Mutation[]), weight: 1 },
      { arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }), weight: 1 },
    )
    return fc.record({
      kind: fc.constant('route' as const),
      route: fc.constant(i),
      user,
      params: fc.tuple(...r.pathParams.map(param)),
      query: r.query
        ? fc.tuple(valueFor(r.query), mutations).map(([v, m]) => mutate(v, m))
        : sometimes(fc.dictionary(fc.string({ maxLength: 8 }), hostileString, { maxKeys: 3 }), 4),
      rawQuery: sometimes(
        fc.constantFrom('a=%ZZ', '%', '&&&=', 'x[]=1&x[]=2', 'q=%E0%A4%A', 'limit=1e999', 'limit=-1', 'offset=99999999999999', 'cursor=' + 'A'.repeat(400)),
        8,
      ),
      body: r.body ? fc.tuple(valueFor(r.body), mutations).map(([v, m]) => mutate(v, m)) : sometimes(hostileValue, 3),
      headers: fc.record({
        'x-tracking-code': sometimes(
          fc.oneof(
            fc.nat().map((n) => new PoolRef('trackingCode', n)),
            hostileString,
          ),
          3,
        ),
        'idempotency-key': sometimes(fc.oneof(fc.uuid(), hostileString), 3),
        'content-type': sometimes(fc.constantFrom('text/plain', 'application/xml', 'application/json; charset=latin1', 'multipart/form-data', 'a\u0000b'), 12),
        accept: sometimes(fc.constantFrom('application/xml', '*/*', 'text/html', '\u0000'), 12),
      }),
      rawPath: fc.constant(''),
      rawMethod: fc.constant(''),
    })
  })
  // Paths nobody registered, the UI's catch-all and odd bytes in paths.
  const raw = fc.record({
    kind: fc.constant('raw' as const),
    route: fc.constant(-1),
    user,
    params: fc.constant([]),
    query: fc.constant(undefined),
    rawQuery: sometimes(fc.constantFrom('v=1', 'a=%00', '%'), 3),
    body: sometimes(hostileValue, 3),
    headers: fc.constant({}),
    rawPath: fc.oneof(
      fc.constantFrom(
        '/',
        '/x%00y',
        '/index.html',
        '/index.html/x',
        '/chunks/none.js',
        '/..%2f..%2fpackage.json',
        '/%2e%2e/%2e%2e/etc/passwd',
        '/x%E0%A4%A',
        '/%',
        '/%C0%80',
        '/api',
        '/api/nope',
        '/docs/json',
        '/health/x',
        '//',
        '/tasks/1',
        '/track/X',
      ),
      fc.string({ unit: 'binary', maxLength: 30 }).map((s) => '/' + encodePart(s)),
      fc.integer({ min: 300, max: 5000 }).map((n) => '/' + 'a'.repeat(n)),
    ),
    rawMethod: fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
  })
  return fc.oneof({ arbitrary: fc.oneof(...perRoute), weight: 12 }, { arbitrary: raw, weight: 1 })
}

/** The form each pooled task asks for. */
const taskForms = new Map<string, string>()

/** Live records the generated requests refer to, re-read as the fuzz creates more. */
async function loadPools(app: FastifyInstance): Promise<Record<string, unknown[]>> {
  const col = async (table: string, column: string, order = column) => (await app.db(table).orderBy(order).limit(200).pluck(column)) as unknown[]
  const cases = await app.db('cases').orderBy('case_no').limit(200).select('id', 'case_no', 'tracking_code', 'instance_id')
  const defs = await app
    .db('process_definitions')
    .orderBy([{ column: 'key' }, { column: 'version' }])
    .select('id', 'key', 'xml')
  return {
    caseId: cases.map((c) => c.id),
    caseNo: cases.map((c) => c.case_no),
    trackingCode: cases.map((c) => c.tracking_code),
    instanceId: (await col('process_instances', 'id', 'started_at')).concat(cases.map((c) => c.instance_id).filter(Boolean)),
    // Open tasks first: those are the ones a completion can move on.
    taskId: (
      await app
        .db('tasks')
        .orderByRaw("case when status = 'open' then 0 else 1 end")
        .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }])
        .limit(200)
        .select('id', 'form_key')
    ).map((x) => {
      taskForms.set(x.id, x.form_key)
      return x.id
    }),
    definitionId: defs.map((d) => d.id),
    processKey: [...new Set(defs.map((d) => d.key))],
    // A shipped diagram, sometimes bent: deploys that are unchanged, broken or new.
    xml: defs.slice(0, 4).flatMap((d) => [d.xml, d.xml.replace('isExecutable="true"', 'isExecutable="false"'), d.xml.slice(0, d.xml.length >> 1)]),
    region: await col('regions', 'code'),
    category: await col('categories', 'code'),
    unit: await col('org_units', 'code'),
    owner: (await col('org_units', 'code')).flatMap((u) => [u, `unit:${u}`]),
    username: await col('users', 'username'),
    password: ['demo', ''],
    tenant: ['xianghe', 'guangyang', '', null],
    messageName: ['citizenEvaluation', 'extensionRequest', 'x'],
    format: ['json', 'xml'],
    open311Token: await col('open311_requests', 'token'),
  }
}

t.test(`fuzz: ${RUNS} generated requests over every route (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, async (t) => {
  // The UI's catch-all route only exists when a built UI is served: a tiny stand-in build.
  const uiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-fuzz-ui-'))
  fs.mkdirSync(path.join(uiDir, 'chunks'))
  fs.writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>ui</title>')
  fs.writeFileSync(path.join(uiDir, 'chunks', 'a.js'), 'export {}')
  process.env.UI_DIR = uiDir
  t.teardown(() => {
    delete process.env.UI_DIR
    fs.rmSync(uiDir, { recursive: true, force: true })
  })
  const app = await build(t, { config: { serveUi: true } })

  const passwords = new Map<string, string>()
  const tokens: Array<Record<string, string>> = []
  for (const u of USERS) tokens.push(await login(app, u))
  tokens.push({})
  tokens.push({ authorization: `${tokens[0].authorization}=` })
  // A few cases, so ids, case numbers, tracking codes and open tasks exist to be named.
  const regions = ['xh-anping-v01-g1', 'xh-anping', 'gy-wanzhuang']
  for (const [i, regionCode] of regions.entries()) {
    const category = (
      await app
        .db('categories')
        .where({ active: true })
        .orderBy('code')
        .offset(i * 3)
        .first('code')
    )?.code
    await petition(app, {
      description: `模糊测试 ${i}`,
      category,
      regionCode,
      petitioner: { type: 'person', name: '测试', phone: '13800000000', anonymous: false },
    }).catch(() => undefined)
  }

  // Task data that follows the shipped forms, so completions get into the handlers.
  const formsDir = path.join(app.config.processesDir, 'forms')
  const forms = fs.readdirSync(formsDir).filter((f) => f.endsWith('.form'))
  FREE_FORM.set(
    'data',
    formDataArbitrary(
      Object.fromEntries(forms.map((f) => [`shuoshi:${path.basename(f, '.form')}`, JSON.parse(fs.readFileSync(path.join(formsDir, f), 'utf8'))])),
    ),
  )

  const routes = routesOf(app)
  t.ok(routes.length >= 40, `the OpenAPI document lists the routes (${routes.length})`)
  const samples = fc.sample(recipes(routes), { seed: SEED, numRuns: RUNS })
  let pools = await loadPools(app)
  const statuses = new Map<number, number>()
  const hit = new Set<string>()
  const succeeded = new Set<string>()
  const failures: string[] = []
  const started = Date.now()
  for (const [n, r] of samples.entries()) {
    if (n % 250 === 249) pools = await loadPools(app)
    const route = r.kind === 'route' ? routes[r.route] : null
    let url = r.rawPath
    let method = r.rawMethod
    if (route) {
      const params = resolvePools(r.params, pools) as unknown[]
      url = route.path.replace(/\{(\w+)\}/g, (_m, name) => encodePart(String(params[route.pathParams.findIndex((p) => p.name === name)] ?? '')))
      method = route.method
      hit.add(`${method} ${route.path}`)
    }
    const qs = [queryString(resolvePools(r.query, pools)), r.rawQuery ?? ''].filter(Boolean).join('&')
    if (qs) url += `?${qs}`
    const headers: Record<string, string> = { ...tokens[r.user] }
    for (const [k, v] of Object.entries(resolvePools(r.headers, pools) as Record<string, unknown>)) if (v !== null) headers[k] = String(v)
    const body = r.body === undefined || r.body === null || method === 'GET' || method === 'HEAD' ? undefined : (resolvePools(r.body, pools) as any)
    if (body?.data instanceof FormChoice) {
      // The data of the form the task asks for (a task that does not exist gets the first form's).
      const taskId = url.split('/')[3]
      body.data = body.data.byForm[taskForms.get(taskId) ?? ''] ?? Object.values(body.data.byForm)[0]
    }
    let payload: string | undefined
    if (body !== undefined) {
      payload = typeof body === 'string' && headers['content-type'] && !headers['content-type'].startsWith('application/json') ? body : toJson(body)
      headers['content-type'] ??= 'application/json'
    } else delete headers['content-type']
    // Requests come from many addresses, so per-address rate limits do not turn the rest into 429s.
    const remoteAddress = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
    let res
    try {
      res = await app.inject({ method: method as any, url, headers, payload, remoteAddress })
    } catch (err) {
      failures.push(`#${n} ${method} ${url.slice(0, 200)}: inject threw ${(err as Error).message}`)
      continue
    }
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
    if (route && res.statusCode < 300) succeeded.add(`${method} ${route.path}`)
    // Logout and password changes revoke the caller's token: sign that user in again (with the
    // new password), or every later request as them would stop at 401.
    if (route?.path.startsWith('/api/auth/') && route.path !== '/api/auth/login' && res.statusCode < 300 && r.user < USERS.length) {
      const user = USERS[r.user]
      if (route.path === '/api/auth/password') passwords.set(user, body.newPassword)
      tokens[r.user] = await login(app, user, passwords.get(user) ?? 'demo').catch(() => tokens[r.user])
    }
    if (res.statusCode >= 500) {
      failures.push(
        `#${n} ${method} ${url.slice(0, 200)} as ${USERS[r.user] ?? (r.user === 7 ? 'anonymous' : 'bad token')} body ${String(payload).slice(0, 300)} -> ${res.statusCode} ${res.body.slice(0, 200)}`,
      )
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  const counts = [...statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([s, c]) => `${s}:${c}`)
    .join(' ')
  t.comment(
    `seed ${SEED}, ${samples.length} requests in ${seconds} s, ${hit.size}/${routes.length} routes hit, ${succeeded.size} of them answered 2xx; statuses ${counts}`,
  )
  const neverOk = routes.map((r) => `${r.method} ${r.path}`).filter((k) => !succeeded.has(k))
  if (neverOk.length) t.comment(`never answered 2xx: ${neverOk.join(', ')}`)
  t.equal(samples.length, RUNS, `${RUNS} requests generated`)
  t.ok(RUNS >= 2000 || process.env.FUZZ_RUNS, 'at least 2,000 requests per run')
  t.same(
    routes.map((r) => `${r.method} ${r.path}`).filter((k) => !hit.has(k)),
    [],
    'every route was requested',
  )
  t.same(failures, [], `no answer >= 500 (seed ${SEED})`)
  t.ok(
    [...statuses.keys()].some((s) => s >= 200 && s < 300),
    'some requests got through',
  )

  const health = await app.inject({ method: 'GET', url: '/health' })
  t.equal(health.statusCode, 200, '/health answers 200 afterwards')
  t.same(health.json(), { status: 'ok', db: 'ok' })
})
