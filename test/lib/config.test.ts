// @sqlite-only: configuration is read and refused before any database is opened
import path from 'node:path'
import fs from 'node:fs'
import os from 'node:os'
import { spawnSync } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { ConfigError, envSchema, loadConfig } from '../../src/config.js'
import { projectRoot } from '../../src/lib/paths.js'
import { api, serverArgs, startFails, startServer } from '../server-process.js'

/** Configuration validated at start (issue 13): a bad variable stops the start, named. */
t.test('bad values are refused, each named', async (t) => {
  const refused = (env: Record<string, string>, name: RegExp) => {
    t.throws(() => loadConfig(env), ConfigError)
    try {
      loadConfig(env)
    } catch (err) {
      t.match((err as Error).message, name, JSON.stringify(env))
    }
  }
  refused({ PORT: 'abc' }, /PORT must be integer \(is "abc"\)/)
  refused({ PORT: '70000' }, /PORT must be <= 65535/)
  refused({ SQLITE_CACHE_MB: 'abc' }, /SQLITE_CACHE_MB must be integer/)
  // 0 would turn automatic checkpoints off and let the WAL grow without bound (src/lib/db.ts).
  refused({ SQLITE_WAL_AUTOCHECKPOINT: '0' }, /SQLITE_WAL_AUTOCHECKPOINT must be >= 1/)
  refused({ NODE_ENV: 'staging' }, /NODE_ENV must be equal to one of the allowed values: production, development, test \(is "staging"\)/)
  refused({ TIMER_POLL_MS: '1.5' }, /TIMER_POLL_MS/)
  refused({ LOG_LEVEL: 'loud' }, /LOG_LEVEL/)
  refused({ DATABASE_SCHEMA: 'x; drop' }, /DATABASE_SCHEMA/)
  refused({ PG_RANDOM_PAGE_COST: 'cheap' }, /PG_RANDOM_PAGE_COST/)
  refused({ NOTIFY_WEBHOOK_URL: 'ftp://x' }, /NOTIFY_WEBHOOK_URL/)
  refused({ ENGINE_LAZY_ELEMENTS: 'yes' }, /ENGINE_LAZY_ELEMENTS must be equal to one of the allowed values: 0, 1, true, false/)
  // Fastify 5 takes a hop count but trusts nobody with it: the start would look fine and change nothing.
  refused({ TRUST_PROXY: '1' }, /TRUST_PROXY must name the proxies, not a hop count/)
  refused({ TRUST_PROXY: 'yes' }, /TRUST_PROXY must be true, false, or addresses\/CIDRs/)
  refused({ TRUST_PROXY: '10.0.0.1,10.0.0.300' }, /TRUST_PROXY .*"10\.0\.0\.300"/)
  refused({ TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY/)
  refused({ TRUST_PROXY: '1', PORT: 'x' }, /PORT[\s\S]*TRUST_PROXY/)
  refused({ DB_ACQUIRE_TIMEOUT_MS: '50' }, /DB_ACQUIRE_TIMEOUT_MS must be >= 100/)
  refused({ SHUTDOWN_DRAIN_MS: '10s' }, /SHUTDOWN_DRAIN_MS must be integer \(is "10s"\)/)
  refused({ SHUTDOWN_DRAIN_MS: '-1' }, /SHUTDOWN_DRAIN_MS must be >= 0/)
  refused({ SHUTDOWN_DRAIN_MS: '600001' }, /SHUTDOWN_DRAIN_MS must be <= 600000/)
  // Two bad variables: both named in one message.
  refused({ PORT: 'x', DB_POOL_MAX: '0' }, /PORT[\s\S]*DB_POOL_MAX|DB_POOL_MAX[\s\S]*PORT/)
})

t.test('good values and defaults come back typed', async (t) => {
  const c = loadConfig({ NODE_ENV: 'production', PORT: '8080', SQLITE_CACHE_MB: '128', ENGINE_CACHE_SIZE: '0', DATABASE_SCHEMA: '', PG_RANDOM_PAGE_COST: '' })
  t.equal(c.port, 8080)
  t.equal(c.engineCacheSize, 0, 'zero is a value, not a default')
  t.equal(c.demo, false, 'production: no demo')
  t.equal(c.logLevel, 'info')
  t.equal(c.databaseSchema, undefined, 'empty is unset')
  t.equal(c.shutdownDrainMs, 10_000, 'production: a balancer gets time to take the node out')
  const d = loadConfig({})
  t.equal(d.port, 3000)
  t.equal(d.timerPollMs, 1000)
  t.equal(d.demo, true)
  t.equal(d.serveUi, true)
  t.equal(d.engineLazyElements, true, 'elements are built lazily unless turned off')
  t.equal(loadConfig({ ENGINE_LAZY_ELEMENTS: '0' }).engineLazyElements, false)
  t.equal(loadConfig({ ENGINE_LAZY_ELEMENTS: 'false' }).engineLazyElements, false)
  t.equal(d.dbAcquireTimeoutMs, undefined, "unset: openDb's own default")
  t.equal(loadConfig({ DB_ACQUIRE_TIMEOUT_MS: '2500' }).dbAcquireTimeoutMs, 2500)
  t.equal(d.trustProxy, false, 'X-Forwarded-For believed only when configured')
  t.equal(d.shutdownDrainMs, 0, "a developer's Ctrl-C stops at once")
  t.equal(loadConfig({ NODE_ENV: 'production', SHUTDOWN_DRAIN_MS: '0' }).shutdownDrainMs, 0, 'zero is a value: no drain')
  t.equal(loadConfig({ SHUTDOWN_DRAIN_MS: '2500' }).shutdownDrainMs, 2500)
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true)
  t.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false)
  t.same(loadConfig({ TRUST_PROXY: '10.0.0.7, 192.0.2.0/24,fd00::/8,loopback' }).trustProxy, ['10.0.0.7', '192.0.2.0/24', 'fd00::/8', 'loopback'])
})

t.test('a real start with a bad variable stops with the message, not a stack', async (t) => {
  const r = spawnSync(process.execPath, serverArgs(), {
    env: { PATH: process.env.PATH, PORT: 'abc', DATABASE_URL: ':memory:' },
    encoding: 'utf8',
    timeout: 60_000,
  })
  t.equal(r.status, 1)
  t.match(r.stderr, /Configuration not valid[\s\S]*PORT must be integer \(is "abc"\)/)
  t.notMatch(r.stderr, /at validateEnv/, 'no stack trace')
})

// DEMO_HISTORY was read by loadConfig but missing from the schema, so validateEnv dropped it and
// DEMO_HISTORY=0 had no effect (the crash test's servers then wrote a year of history at start).
t.test('every variable loadConfig reads is in the schema (a missing one is dropped silently)', async (t) => {
  const source = fs.readFileSync(path.join(projectRoot(), 'src/config.ts'), 'utf8')
  const read = [...new Set([...source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]))]
  t.ok(read.length > 10, `found the variables read (${read.length})`)
  for (const name of read) t.ok(name in envSchema.properties, `${name} is in the schema`)
})

// A mistyped DATABASE_URL became a new, empty, healthy-looking SQLite database: `mysql://x@y/z`
// made the folder ./mysql:/x@y/ and seeded a demo city in it; a missing folder was created.
t.test('a DATABASE_URL of another scheme or in a missing folder is refused, not created', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-config-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const refused = (url: string, why: RegExp) => {
    try {
      loadConfig({ DATABASE_URL: url })
      t.fail(`accepted ${url}`)
    } catch (err) {
      t.type(err, ConfigError)
      t.match((err as Error).message, why, url)
      return (err as Error).message
    }
  }
  refused(
    'mysql://x@y/z',
    /^Configuration not valid, the server does not start: DATABASE_URL has the scheme "mysql:", which is neither PostgreSQL .* \(is "mysql:\/\/x@y\/z"\)$/,
  )
  refused('sqlite:///var/x.sqlite', /DATABASE_URL has the scheme "sqlite:"/)
  refused('postgres://db.example:five/x', /DATABASE_URL is not a valid PostgreSQL URL/)
  const missing = path.join(dir, 'no', 'such', 'x.sqlite')
  refused(missing, new RegExp(`DATABASE_URL names a SQLite file in a folder that does not exist \\(${path.dirname(missing)}\\)`))
  refused(pathToFileURL(missing).href, /folder that does not exist/)
  const message = refused('mysql://root:hunter2@db/x', /DATABASE_URL/)
  t.notMatch(message, /hunter2/, 'the password is not printed')

  // What stays accepted: PostgreSQL, a file in an existing folder (as a path or a file: URL), memory, the default.
  t.equal(loadConfig({ DATABASE_URL: 'postgresql://u:p@h:5433/db' }).databaseUrl, 'postgresql://u:p@h:5433/db')
  t.equal(loadConfig({ DATABASE_URL: path.join(dir, 'a.sqlite') }).databaseUrl, path.join(dir, 'a.sqlite'))
  t.equal(
    loadConfig({ DATABASE_URL: pathToFileURL(path.join(dir, 'b.sqlite')).href }).databaseUrl,
    path.join(dir, 'b.sqlite'),
    'a file: URL is the file it names',
  )
  t.equal(loadConfig({ DATABASE_URL: ':memory:' }).databaseUrl, ':memory:')
  t.equal(loadConfig({}).databaseUrl, 'data/shuoshi.sqlite')
  t.equal(loadConfig({ DATABASE_URL: 'data/shuoshi.sqlite' }).databaseUrl, 'data/shuoshi.sqlite', 'the default named explicitly: its data/ may not exist yet')

  // And a real start: one line naming the variable, exit 1, nothing created.
  for (const url of ['mysql://x@y/z', missing]) {
    const r = await startFails({ env: { DATABASE_URL: url }, cwd: dir })
    t.equal(r.status, 1, url)
    t.equal(r.lines.length, 1, `one line: ${r.stderr}`)
    t.match(r.stderr, /DATABASE_URL/)
  }
  t.same(fs.readdirSync(dir), [], 'no folder was made for either')
})

// The README's first command on a fresh clone: the default database's data/ is made by the start.
t.test('the default database starts in a fresh folder, making its data/', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-fresh-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const server = await startServer({ name: 'fresh', cwd: dir, env: { DATABASE_URL: '' } })
  t.teardown(() => void server.child.kill('SIGKILL'))
  t.ok(fs.statSync(path.join(dir, 'data', 'shuoshi.sqlite')).isFile(), 'data/shuoshi.sqlite made in the working folder')
  const login = await api(server.base, 'POST', '/api/auth/login', undefined, { username: 'admin', password: 'demo' })
  t.equal(login.status, 200, 'the demo city is there')
})

// A 1-character TOKEN_SECRET was accepted in production: an HMAC key a guess can find signs anyone in.
t.test('TOKEN_SECRET shorter than 32 characters is refused, without printing it', async (t) => {
  const short = 'k'.repeat(31)
  try {
    loadConfig({ NODE_ENV: 'production', TOKEN_SECRET: short })
    t.fail('accepted a 31-character secret')
  } catch (err) {
    t.type(err, ConfigError)
    t.match((err as Error).message, /TOKEN_SECRET must be at least 32 characters, as the key that signs every session \(is 31;/)
    t.notMatch((err as Error).message, short, 'the secret is not printed')
  }
  t.equal(loadConfig({ TOKEN_SECRET: 'k'.repeat(32) }).tokenSecret, 'k'.repeat(32))
  t.equal(loadConfig({ TOKEN_SECRET: '' }).tokenSecret, undefined, 'empty is unset: one is generated')
  const r = await startFails({ env: { TOKEN_SECRET: 'x', DATABASE_URL: ':memory:' } })
  t.equal(r.status, 1)
  t.equal(r.lines.length, 1, r.stderr)
  t.match(r.stderr, /TOKEN_SECRET must be at least 32 characters/)
})
