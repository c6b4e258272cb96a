/**
 * A database that cannot be reached (an operations trial): API routes answered `500
 * error.internal` after knex's 60 s acquire timeout. They answer 503 `unavailable` with the
 * catalogue's sentence and a Retry-After, whichever way the database is gone.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, onPostgres, testDatabaseUrl } from '../helper.js'
import { as, streetLight } from '../api.js'
import { dbProxy } from '../db-proxy.js'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { openDb } from '../../src/lib/db.js'
import { sqliteTemplate, templateSpec } from '../template.js'

/** The driver's words that must not reach a reader (addresses, codes, knex's hints). */
const DRIVER_TEXT = /ECONN|127\.0\.0\.1|knex|pool|transacting|SQLITE|terminat|timeout/i

function assertUnavailable(t: Test, what: string, res: Awaited<ReturnType<FastifyInstance['inject']>>) {
  t.equal(res.statusCode, 503, `${what}: 503 (${res.body.slice(0, 200)})`)
  t.equal(res.headers['retry-after'], '5', `${what}: Retry-After`)
  t.notMatch(res.body, DRIVER_TEXT, `${what}: no driver text`)
}

function assertUnavailableJson(t: Test, what: string, res: Awaited<ReturnType<FastifyInstance['inject']>>) {
  assertUnavailable(t, what, res)
  const body = res.json()
  t.equal(body.error, 'unavailable', what)
  t.equal(body.key, 'error.dbUnavailable', what)
  t.equal(body.message, '数据库暂时无法访问，请稍后再试 / the database is unavailable, try again shortly', what)
}

t.test('PostgreSQL stopped (ECONNREFUSED): API, Open311 and Camunda routes answer 503, not 500', { skip: !onPostgres && 'PostgreSQL only' }, async (t) => {
  const proxy = await dbProxy(t, testDatabaseUrl)
  const app = await build(t, { pg: { url: proxy.url } })
  const staff = await as(app, 'dispatcher')
  await proxy.refuse()

  assertUnavailableJson(t, 'a citizen reading categories', await app.inject({ method: 'GET', url: '/api/public/categories' }))
  assertUnavailableJson(t, 'a citizen petitioning', await app.inject({ method: 'POST', url: '/api/public/petitions', payload: streetLight }))
  // The token's user is cached for a few seconds (src/org): the case list is what meets the database.
  assertUnavailableJson(t, 'staff listing cases', await app.inject({ method: 'GET', url: '/api/cases', headers: staff }))
  assertUnavailable(t, 'Open311 services', await app.inject({ method: 'GET', url: '/open311/v2/services.json' }))
  assertUnavailable(t, 'Camunda REST', await app.inject({ method: 'GET', url: '/engine-rest/external-task', headers: staff }))
})

t.test('PostgreSQL not answering: a request fails with 503 after the acquire timeout', { skip: !onPostgres && 'PostgreSQL only' }, async (t) => {
  const proxy = await dbProxy(t, testDatabaseUrl)
  const app = await build(t, { pg: { url: proxy.url, acquireTimeoutMs: 300 } })
  proxy.hang()
  // The pool's idle connections were cut: a request may meet one of them first ("Connection
  // terminated", also 503). Once they are spent, the next waits for a new one that never comes.
  for (let i = 0; i <= 10 && proxy.held() === 0; i++) {
    assertUnavailableJson(t, `a citizen reading categories (${i})`, await app.inject({ method: 'GET', url: '/api/public/categories' }))
  }
  t.ok(proxy.held() > 0, 'a connection attempt was made and never answered')
  assertUnavailableJson(t, 'waiting for that connection', await app.inject({ method: 'GET', url: '/api/public/categories' }))
  await proxy.refuse()
})

t.test('SQLite locked by another process beyond busy_timeout (SQLITE_BUSY): 503', { skip: onPostgres && 'SQLite only' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-busy-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'db.sqlite')
  const config: Config = { ...loadConfig({ NODE_ENV: 'test' }), demo: true, logLevel: 'silent', serveUi: false }
  fs.writeFileSync(file, await sqliteTemplate(templateSpec(config)))
  const app = await buildApp({ config, db: await openDb(file), background: false })
  await app.ready()
  t.teardown(() => app.close())

  // Another process (a backup, sqlite3 at a prompt) holding the write lock.
  const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => { exec(sql: string): void; close(): void }
  const other = new Database(file)
  other.exec('BEGIN IMMEDIATE')
  t.teardown(() => other.close())
  assertUnavailableJson(t, 'a citizen petitioning', await app.inject({ method: 'POST', url: '/api/public/petitions', payload: streetLight }))
  other.exec('ROLLBACK')
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/public/petitions', payload: streetLight })).statusCode,
    201,
    'the lock released, the same petition is taken',
  )
})
