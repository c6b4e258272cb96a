import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.js'
import type { LogStream } from '../src/lib/log.js'
import { loadConfig, type Config } from '../src/config.js'
import { isPostgresUrl, openDb, type Db } from '../src/lib/db.js'
import { sharedSchemaCompilers } from '../src/lib/schema-compilers.js'
import { cloneSchema, pgTemplate, sqliteTemplate, templateSpec, type TemplateSpec } from './template.js'

/**
 * The database the suite runs against: SQLite in memory by default, PostgreSQL when
 * TEST_DATABASE_URL=postgres://… (each app then gets a schema of its own, dropped after).
 */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || ':memory:'
export const onPostgres = isPostgresUrl(testDatabaseUrl)

/**
 * A database of its own for one test: empty (then migrated), or, with `template`, a copy of the
 * migrated, seeded template for that configuration (test/template.ts) — what a first start
 * leaves, in milliseconds instead of a second.
 */
export async function openTestDb(t: Test, opts: { template?: TemplateSpec; pg?: PgConnection } = {}): Promise<{ db: Db; url: string; schema?: string }> {
  if (!onPostgres) {
    const image = opts.template ? await sqliteTemplate(opts.template) : undefined
    const db = await openDb(':memory:', { image })
    return { db, url: ':memory:' }
  }
  const schema = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`
  const { default: knex } = await import('knex')
  const admin = knex({ client: 'pg', connection: testDatabaseUrl, pool: { min: 0, max: 1 } })
  t.teardown(async () => {
    await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema])
    await admin.destroy()
  })
  if (opts.template) await cloneSchema(admin, await pgTemplate(testDatabaseUrl, opts.template), schema)
  const db = await openDb(opts.pg?.url ?? testDatabaseUrl, { schema, acquireTimeoutMs: opts.pg?.acquireTimeoutMs })
  return { db, url: testDatabaseUrl, schema }
}

/**
 * How a PostgreSQL test's app connects, when not as every other: through another address (a
 * proxy the test can cut, test/db-proxy.ts) and with another acquire timeout. The schema is
 * prepared over the test database's own address.
 */
export interface PgConnection {
  url?: string
  acquireTimeoutMs?: number
}

/** One compile of each route schema per test process, not per test (see buildApp's option). */
const schemaCompilers = sharedSchemaCompilers({ lazy: true })

export interface BuildTestOptions {
  config?: Partial<Config>
  /** Run the timer poller (off by default: tests fire timers through `app.timers.poll()`). */
  background?: boolean
  /** Where the app's log lines go (with `config.logLevel` above silent). */
  logStream?: LogStream
  /** PostgreSQL: how the app connects (ignored on SQLite). */
  pg?: PgConnection
}

/**
 * Builds an app for one test over a database of its own, closed when the test ends. The database
 * is a copy of the template for the app's configuration: the app starts as on any later start,
 * finding migrations, seeds and shipped diagrams in place.
 */
export async function build(t: Test, opts: BuildTestOptions = {}): Promise<FastifyInstance> {
  // externalTaskMaxWaitMs: a fuzzed fetchAndLock must not hold its request for a minute.
  const config: Config = { ...loadConfig({ NODE_ENV: 'test' }), demo: true, logLevel: 'silent', serveUi: false, externalTaskMaxWaitMs: 1000, ...opts.config }
  const { db } = await openTestDb(t, { template: templateSpec(config), pg: opts.pg })
  const app = await buildApp({ config, db, background: opts.background ?? false, schemaCompilers, logStream: opts.logStream })
  await app.ready()
  t.teardown(() => app.close())
  return app
}

/** An app that serves a stand-in web UI (one index.html in a folder of its own), for the paths the UI's catch-all answers. */
export async function buildServingUi(t: Test): Promise<FastifyInstance> {
  const ui = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-ui-'))
  fs.writeFileSync(path.join(ui, 'index.html'), '<!doctype html><title>ui</title>')
  process.env.UI_DIR = ui
  t.teardown(() => {
    delete process.env.UI_DIR
    fs.rmSync(ui, { recursive: true, force: true })
  })
  return build(t, { config: { serveUi: true } })
}

/** Logs in through the API and returns the headers that authenticate as that user. */
export async function login(app: FastifyInstance, username: string, password = 'demo'): Promise<{ authorization: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })
  if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`)
  return { authorization: `Bearer ${res.json().token}` }
}

/**
 * The database environment of a real server process (test/server-process.ts) for one test:
 * a SQLite file in a temporary folder, or a fresh schema of the PostgreSQL test database;
 * removed when the test ends. Restarting a server with the same env finds the same data.
 */
export function serverDatabaseEnv(t: Test, name: string): { DATABASE_URL: string; DATABASE_SCHEMA?: string } {
  if (onPostgres) {
    const schema = `t_${name}_${randomUUID().slice(0, 8)}`
    t.teardown(async () => {
      const { default: knex } = await import('knex')
      const db = knex({ client: 'pg', connection: testDatabaseUrl, pool: { min: 0, max: 1 } })
      await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema])
      await db.destroy()
    })
    return { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: schema }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `shuoshi-${name}-`))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return { DATABASE_URL: path.join(dir, 'db.sqlite') }
}
