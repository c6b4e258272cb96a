import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { isPostgresUrl, openDb, type Db } from '../src/lib/db.js'

/**
 * The database the suite runs against: SQLite in memory by default, PostgreSQL when
 * TEST_DATABASE_URL=postgres://… (each app then gets a schema of its own, dropped after).
 */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || ':memory:'
export const onPostgres = isPostgresUrl(testDatabaseUrl)

export async function openTestDb(t: Test): Promise<{ db: Db; url: string; schema?: string }> {
  if (!onPostgres) {
    const db = await openDb(':memory:')
    return { db, url: ':memory:' }
  }
  const schema = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`
  const db = await openDb(testDatabaseUrl, { schema })
  t.teardown(async () => {
    const { default: knex } = await import('knex')
    const admin = knex({ client: 'pg', connection: testDatabaseUrl, pool: { min: 0, max: 1 } })
    await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema])
    await admin.destroy()
  })
  return { db, url: testDatabaseUrl, schema }
}

export interface BuildTestOptions {
  config?: Partial<Config>
  /** Run the timer poller (off by default: tests fire timers through `app.timers.poll()`). */
  background?: boolean
}

/** Builds an app over a fresh database for one test, closed when the test ends. */
export async function build(t: Test, opts: BuildTestOptions = {}): Promise<FastifyInstance> {
  const { db } = await openTestDb(t)
  const config: Config = { ...loadConfig({ NODE_ENV: 'test' }), demo: true, logLevel: 'silent', serveUi: false, ...opts.config }
  const app = await buildApp({ config, db, background: opts.background ?? false })
  await app.ready()
  t.teardown(() => app.close())
  return app
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
