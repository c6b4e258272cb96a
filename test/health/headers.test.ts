// @sqlite-only: security headers are set by the HTTP layer, whatever the database
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { build, login } from '../helper.js'
import { projectRoot } from '../../src/lib/paths.js'

/** The directives of a Content-Security-Policy header, by name. */
function csp(header: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const part of String(header ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/)
    if (name) out.set(name, values)
  }
  return out
}

/** A stand-in for ui/dist: an entry, its map, the app shell. */
function fakeUi(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-ui-headers-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="/main.js"></script>')
  fs.writeFileSync(path.join(dir, 'main.js'), 'console.log(1)\n//# sourceMappingURL=main.js.map\n')
  fs.writeFileSync(path.join(dir, 'main.js.map'), '{"version":3,"sources":["../src/main.ts"],"mappings":""}')
  return dir
}

async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  try {
    return await fn()
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

t.test('API answers, errors included, were sent without security headers: now nosniff, no framing, a CSP', async (t) => {
  const app = await build(t)
  for (const url of ['/health', '/api/public/categories', '/api/nothing-here', '/api/me']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${url}: nosniff`)
    t.equal(res.headers['x-frame-options'], 'DENY', `${url}: X-Frame-Options`)
    t.equal(res.headers['referrer-policy'], 'no-referrer', `${url}: no referrer (a tracking page never leaks its URL)`)
    const policy = csp(res.headers['content-security-policy'])
    t.same(policy.get('frame-ancestors'), ["'none'"], `${url}: frame-ancestors`)
    t.same(policy.get('script-src'), ["'self'"], `${url}: scripts only from this origin`)
    t.same(policy.get('object-src'), ["'none'"], `${url}: no plugins`)
    t.notOk(policy.has('upgrade-insecure-requests'), `${url}: plain-HTTP deployments keep loading their own scripts`)
  }
})

t.test('the web UI and /docs carry the same policy', async (t) => {
  const root = fakeUi(t)
  const app = await withEnv({ UI_DIR: root }, () => build(t, { config: { serveUi: true } }))
  for (const url of ['/', '/track/XH20260101-0001', '/main.js', '/docs/json']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['x-content-type-options'], 'nosniff', url)
    t.same(csp(res.headers['content-security-policy']).get('script-src'), ["'self'"], url)
  }
})

t.test('source maps were public in production: not served when NODE_ENV=production', async (t) => {
  const root = fakeUi(t)
  const dev = await withEnv({ UI_DIR: root, NODE_ENV: 'development' }, () => build(t, { config: { serveUi: true } }))
  t.equal((await dev.inject({ method: 'GET', url: '/main.js.map' })).statusCode, 200, 'served in development')
  const prod = await withEnv({ UI_DIR: root, NODE_ENV: 'production' }, () => build(t, { config: { serveUi: true } }))
  const res = await prod.inject({ method: 'GET', url: '/main.js.map' })
  t.equal(res.statusCode, 404, 'not served in production')
  t.equal(res.json().error, 'not_found')
  t.equal((await prod.inject({ method: 'GET', url: '/main.js' })).statusCode, 200, 'the bundle itself still is')
})

t.test('a production build of the UI emits no source maps', async (t) => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-ui-prod-'))
  t.teardown(() => fs.rmSync(outdir, { recursive: true, force: true }))
  const { buildUi } = await import(path.join(projectRoot(), 'ui', 'build.mjs'))
  await withEnv({ NODE_ENV: 'production' }, () => buildUi({ outdir }))
  const files = fs.readdirSync(outdir, { recursive: true }).map(String)
  t.ok(files.includes('main.js'), 'the bundle was built')
  t.same(
    files.filter((f) => f.endsWith('.map')),
    [],
    'no .map files',
  )
  t.notMatch(fs.readFileSync(path.join(outdir, 'main.js'), 'utf8'), /sourceMappingURL/, 'no map named in the bundle')
})

/** Every header helmet sets for this policy, as an answer carried them before helmet was built once (not per request). */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self';base-uri 'self';connect-src 'self';font-src 'self' data:;form-action 'self';frame-ancestors 'none';img-src 'self' data: blob:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline';worker-src 'self' blob:",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
}

t.test('helmet built once: a step, its refusals and the guard still answer with every security header', async (t) => {
  const app = await build(t)
  const dispatcher = await login(app, 'dispatcher')
  const intake = {
    channel: 'hotline',
    title: '路灯不亮',
    description: '村口路灯连续三晚不亮',
    category: 'environment.garbage',
    regionCode: 'xh-anping-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  }
  const answers = [
    ['a case registered', 201, await app.inject({ method: 'POST', url: '/api/cases', headers: dispatcher, payload: intake })],
    ['its detail', 200, await app.inject({ method: 'GET', url: '/api/cases?limit=1', headers: dispatcher })],
    ['no token', 401, await app.inject({ method: 'POST', url: '/api/cases', payload: intake })],
    [
      'a NUL in the body (input guard)',
      400,
      await app.inject({ method: 'POST', url: '/api/cases', headers: dispatcher, payload: { ...intake, title: 'a\u0000b' } }),
    ],
    ['a NUL in the URL (input guard, before routing)', 400, await app.inject({ method: 'GET', url: '/api/cases?q=%00', headers: dispatcher })],
    ['schema refusal', 400, await app.inject({ method: 'POST', url: '/api/cases', headers: dispatcher, payload: { ...intake, channel: 7 } })],
    ['no such route', 404, await app.inject({ method: 'GET', url: '/api/nothing-here' })],
  ] as const
  for (const [what, status, res] of answers) {
    t.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 200)}`)
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) t.equal(res.headers[name], value, `${what}: ${name}`)
    t.notOk(res.headers['x-powered-by'], `${what}: no X-Powered-By`)
  }
})
