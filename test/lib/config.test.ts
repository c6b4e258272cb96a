import path from 'node:path'
import fs from 'node:fs'
import { spawnSync } from 'node:child_process'
import t from 'tap'
import { ConfigError, envSchema, loadConfig } from '../../src/config.js'
import { projectRoot } from '../../src/lib/paths.js'
import { serverArgs } from '../server-process.js'

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
