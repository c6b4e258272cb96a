/**
 * The operator's command line for what no one can do through the API before there is someone
 * to do it: the first system administrator, a forgotten administrator's password, the
 * organisation (regions and units) users are created in, and the category tree cases are filed under. Against the database the server
 * would use (DATABASE_URL, DATABASE_SCHEMA), migrated first. README, "Production: the first
 * administrator".
 */
import fs from 'node:fs'
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from './config.js'
import { isPostgresUrl, openDb, type Db } from './lib/db.js'
import { MessageError, msg, type Msg } from './lib/errors.js'
import { bilingual, render } from './messages/index.js'
import { createAdministrator, importOrg, OrgFileError, passwordProblem, resetPassword } from './org/bootstrap.js'
import { seedCases } from './cases/seed.js'

/** A refusal the operator reads; the exit status says whether the command line itself was wrong. */
class Refusal extends Error {
  constructor(
    readonly message_: Msg,
    readonly status = 1,
  ) {
    super(message_.key)
  }
}

/** One line "中文 / English", or for a text of several lines (the usage) each language whole. */
function text(m: Msg): string {
  const zh = render('zh-CN', m.key, m.params)
  return zh.includes('\n') ? `${zh}\n\n${render('en', m.key, m.params)}\n` : `${bilingual(m.key, m.params)}\n`
}
const say = (m: Msg) => void process.stdout.write(text(m))
const complain = (m: Msg) => void process.stderr.write(text(m))

/** Typed at a terminal without echo; Ctrl-C ends the command. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin
  process.stderr.write(prompt)
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  return new Promise((resolve, reject) => {
    let text = ''
    const finish = () => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish()
          return resolve(text)
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish()
          return reject(new Refusal(msg('cli.noPassword'), 130))
        }
        if (ch === '\u007f' || ch === '\b') text = [...text].slice(0, -1).join('')
        else text += ch
      }
    }
    stdin.on('data', onData)
  })
}

/** Standard input up to its end; the first line is the password (a pipe's trailing newline is not part of it). */
async function readPipe(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0]
}

/**
 * From ADMIN_PASSWORD, else standard input: never an argument, which every user of the machine
 * can read in the process list. Checked before the database is opened.
 */
async function readPassword(): Promise<string> {
  let password = process.env.ADMIN_PASSWORD
  if (!password) {
    if (process.stdin.isTTY) {
      password = await promptHidden(bilingual('cli.passwordPrompt'))
      const bad = passwordProblem(password)
      if (bad) throw new Refusal(bad)
      if ((await promptHidden(bilingual('cli.passwordAgain'))) !== password) throw new Refusal(msg('cli.passwordsDiffer'))
    } else password = await readPipe()
  }
  if (!password) throw new Refusal(msg('cli.noPassword'))
  const bad = passwordProblem(password)
  if (bad) throw new Refusal(bad)
  return password
}

/** The database as the operator may be shown it: a PostgreSQL URL without its password. */
function databaseLabel(url: string, schema?: string): string {
  if (!isPostgresUrl(url)) return url
  try {
    const u = new URL(url)
    u.password = ''
    return `${u.toString()}${schema ? ` (schema ${schema})` : ''}`
  } catch {
    return 'PostgreSQL'
  }
}

function options(args: string[], names: Record<string, { type: 'string' }>) {
  if (args.some((a) => a === '--password' || a.startsWith('--password='))) throw new Refusal(msg('cli.passwordInArgv'), 2)
  try {
    return parseArgs({ args, options: names, allowPositionals: true, strict: true })
  } catch (err) {
    // Node's sentence is English only; the option it names is what the operator needs.
    const option = /'([^']+)'/.exec((err as Error).message)?.[1] ?? ''
    throw new Refusal(msg('cli.badOption', { option }), 2)
  }
}

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  if (command === undefined || command === 'help' || command === '--help') {
    say(msg('cli.usage'))
    return
  }
  const withDb = async (work: (db: Db) => Promise<void>) => {
    const config = loadConfig()
    const db = await openDb(config.databaseUrl, { schema: config.databaseSchema })
    try {
      await work(db)
    } finally {
      await db.destroy()
    }
  }

  if (command === 'create') {
    const { values } = options(rest, { username: { type: 'string' }, 'display-name': { type: 'string' }, unit: { type: 'string' } })
    if (!values.username) throw new Refusal(msg('cli.usage'), 2)
    const password = await readPassword()
    const config = loadConfig()
    await withDb((db) => createAdministrator(db, { username: values.username!, displayName: values['display-name'], unitCode: values.unit, password }))
    say(msg('cli.adminCreated', { username: values.username, database: databaseLabel(config.databaseUrl, config.databaseSchema) }))
    return
  }
  if (command === 'reset-password') {
    const { values } = options(rest, { username: { type: 'string' } })
    if (!values.username) throw new Refusal(msg('cli.usage'), 2)
    const password = await readPassword()
    await withDb((db) => resetPassword(db, values.username!, password))
    say(msg('cli.passwordReset', { username: values.username }))
    return
  }
  if (command === 'import-org') {
    const { positionals } = options(rest, {})
    const file = positionals[0]
    if (!file || positionals.length > 1) throw new Refusal(msg('cli.usage'), 2)
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch {
      throw new Refusal(msg('cli.fileUnreadable', { file }))
    }
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      throw new Refusal(msg('cli.fileNotJson', { file }))
    }
    await withDb(async (db) => {
      say(msg('cli.orgImported', { ...(await importOrg(db, doc)) }))
    })
    return
  }
  if (command === 'seed-categories') {
    options(rest, {})
    // The 12345 category tree and its deadlines (src/cases/seed.ts), the product's defaults, on
    // the operator's word: a production start seeds nothing (../shared/api.md), and a database
    // that has categories keeps its own.
    await withDb(async (db) => {
      const seeded = await seedCases(db)
      const [{ n }] = await db('categories').count({ n: '*' })
      say(msg(seeded ? 'cli.categoriesSeeded' : 'cli.categoriesPresent', { count: Number(n) }))
    })
    return
  }
  throw new Refusal(msg('cli.unknownCommand', { command }), 2)
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (err) => {
    if (err instanceof Refusal) {
      complain(err.message_)
      if (err.status === 2 && err.message_.key !== 'cli.usage') complain(msg('cli.usage'))
      process.exit(err.status)
    }
    if (err instanceof OrgFileError) {
      complain(msg('cli.orgInvalid'))
      for (const p of err.problems) process.stderr.write(`  ${p.where}: ${bilingual(p.problem.key, p.problem.params)}\n`)
      process.exit(1)
    }
    if (err instanceof MessageError && err.key) {
      complain({ key: err.key, params: err.params })
      process.exit(1)
    }
    // A bad variable: the message names it.
    console.error(err instanceof ConfigError ? err.message : err)
    process.exit(1)
  },
)
