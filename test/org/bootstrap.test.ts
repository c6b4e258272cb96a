/**
 * A production install from nothing (src/cli.ts, src/org/bootstrap.ts): the operator's command
 * creates the first administrator and imports the organisation into an empty database, and the
 * server started on it afterwards lets that administrator in to create the first user.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { openDb } from '../../src/lib/db.js'
import { projectRoot } from '../../src/lib/paths.js'
import { onPostgres, serverDatabaseEnv } from '../helper.js'
import { cliArgs } from '../server-process.js'

const db = onPostgres ? 'postgres' : 'sqlite'

type Run = { status: number | null; out: string }

/** Runs the command line with `input` on its standard input (a pipe, as a script would give it). */
function cli(env: Record<string, string>, args: string[], input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliArgs(), ...args], {
      cwd: projectRoot(),
      env: { ...process.env, NODE_ENV: 'production', ADMIN_PASSWORD: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, out }))
    child.stdin.end(input)
  })
}

async function serverOn(env: { DATABASE_URL: string; DATABASE_SCHEMA?: string }) {
  const config = { ...loadConfig({ NODE_ENV: 'production', ...env }), logLevel: 'silent', serveUi: false }
  const database = await openDb(config.databaseUrl, { schema: config.databaseSchema })
  const app = await buildApp({ config, db: database, background: false })
  await app.ready()
  return app
}

const login = (app: Awaited<ReturnType<typeof serverOn>>, username: string, password: string) =>
  app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })

test(`an empty production database gets its first administrator and organisation from the command line (${db})`, async (t) => {
  const env = serverDatabaseEnv(t, 'boot')
  const password = 'Xianghe-2026-first'

  const short = await cli(env, ['create', '--username', 'root'], 'abc1234\n')
  t.equal(short.status, 1, 'a 7-character password is refused')
  t.match(short.out, /至少 8 个字符/)
  t.match(short.out, /at least 8 characters/)
  t.notMatch(short.out, 'abc1234', 'the refused password is not printed')

  const inArgv = await cli(env, ['create', '--username', 'root', `--password=${password}`])
  t.equal(inArgv.status, 2, 'a password on the command line is refused')
  t.match(inArgv.out, /ADMIN_PASSWORD/)
  t.notMatch(inArgv.out, password)

  const created = await cli(env, ['create', '--username', 'root', '--display-name', '系统管理员'], `${password}\n`)
  t.equal(created.status, 0, created.out)
  t.match(created.out, /已创建系统管理员 root/)
  t.notMatch(created.out, password, 'the password is not printed')

  const again = await cli({ ...env, ADMIN_PASSWORD: 'another-password' }, ['create', '--username', 'root'])
  t.equal(again.status, 1, 'a second create of the same name is refused')
  t.match(again.out, /reset-password/)

  const imported = await cli(env, ['import-org', 'docs/org-example.json'])
  t.equal(imported.status, 0, imported.out)
  t.match(imported.out, /5 regions and 6 units added/)

  // Regression: production starts seeded the category tree, where api.md says nothing is seeded
  // outside demo mode; the operator asks for it.
  const seeded = await cli(env, ['seed-categories'])
  t.equal(seeded.status, 0, seeded.out)
  const tree = seeded.out.match(/写入 12345 标准类别树：(\d+) 个类别/)
  t.ok(tree && Number(tree[1]) > 20, seeded.out)
  const twice = await cli(env, ['seed-categories'])
  t.equal(twice.status, 0, twice.out)
  t.match(twice.out, `already has ${tree?.[1]} categories; nothing changed`)

  let app = await serverOn(env)
  try {
    const [{ n }] = await app.db('users').count({ n: '*' })
    t.equal(Number(n), 1, 'the administrator is the only user: nothing of the demo was seeded')
    t.notOk(await app.db('users').where({ username: 'admin' }).first(), 'no demo admin')

    const short = await login(app, 'root', 'abc1234')
    t.equal(short.statusCode, 401, 'the refused password was never stored')
    const res = await login(app, 'root', password)
    t.equal(res.statusCode, 200, res.body)
    t.same(res.json().user.roles, ['admin'])
    t.equal(res.json().user.displayName, '系统管理员')
    const auth = { authorization: `Bearer ${res.json().token}` }

    // The file's county reaches the public picker; the product's categories are there too.
    const counties = await app.inject({ method: 'GET', url: '/api/public/regions?parent=langfang' })
    t.same(
      counties.json().map((r: { code: string }) => r.code),
      ['xianghe'],
    )
    const categories = await app.inject({ method: 'GET', url: '/api/public/categories' })
    t.ok(JSON.stringify(categories.json()).includes('"land.use"'), 'the category tree the operator seeded')

    const user = await app.inject({
      method: 'POST',
      url: '/api/org/users',
      headers: auth,
      payload: { username: 'wang.land', displayName: '王国土', password: 'land-officer-1', roles: ['handler'], unitCode: 'xianghe-land' },
    })
    t.equal(user.statusCode, 201, user.body)
    t.equal(user.json().tenant, 'xianghe', "the unit's county is the user's")
    const theirs = await login(app, 'wang.land', 'land-officer-1')
    t.equal(theirs.statusCode, 200)
    t.ok(theirs.json().user.groups.includes('handler@xianghe-land'))
  } finally {
    await app.close()
  }

  const reset = await cli(env, ['reset-password', '--username', 'root'], 'a-new-secret-9\n')
  t.equal(reset.status, 0, reset.out)
  t.notMatch(reset.out, 'a-new-secret-9')
  app = await serverOn(env)
  try {
    t.equal((await login(app, 'root', password)).statusCode, 401, 'the old password no longer works')
    t.equal((await login(app, 'root', 'a-new-secret-9')).statusCode, 200)
  } finally {
    await app.close()
  }
})

test(`an organisation file with problems imports nothing and says where each is (${db})`, async (t) => {
  const env = serverDatabaseEnv(t, 'bootorg')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shuoshi-org-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'org.json')
  fs.writeFileSync(
    file,
    JSON.stringify({
      regions: [
        { code: 'c', name: '市', level: 'city' },
        { code: 'k', name: '县', level: 'county', parent: 'c' },
        { code: 'g', name: '格', level: 'grid', parent: 'k' },
        { code: 'k', name: '县', level: 'county', parent: 'c' },
      ],
      units: [{ code: 'u', name: '单位', kind: 'centre', region: 'nowhere' }],
    }),
  )
  const run = await cli(env, ['import-org', file])
  t.equal(run.status, 1)
  t.match(run.out, '/regions/2: k 是县级区域，其下级应为乡镇（街道）级区域，而不是网格级区域')
  t.match(run.out, '/regions/3: 代码 k 出现了不止一次')
  t.match(run.out, '/units/0: 单位的区域 nowhere 既不在文件中也不在数据库中')
  const notJson = path.join(dir, 'bad.json')
  fs.writeFileSync(notJson, '{"regions": [')
  t.match((await cli(env, ['import-org', notJson])).out, '不是有效的 JSON')

  const app = await serverOn(env)
  try {
    const [{ n }] = await app.db('regions').count({ n: '*' })
    t.equal(Number(n), 0, 'the regions the file got right were taken back with the rest')
  } finally {
    await app.close()
  }
})
