import { ConfigError, loadConfig, type Config } from './config.js'
import { StartupError } from './lib/startup-error.js'
import { openDb } from './lib/db.js'
import { buildApp } from './app.js'
import { checkProcessesDir } from './startup-checks.js'
import { StartFailure, startupFailureLine, type StartPhase } from './startup-errors.js'

/** Each phase's error carries the phase, so the one-line message names that phase's variables. */
async function phase<T>(name: StartPhase, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    throw new StartFailure(name, err)
  }
}

let config: Config | undefined

/** Listens, and closes gracefully: in-flight requests finish, timers stop claiming, the DB closes. */
async function main() {
  config = loadConfig()
  const c = config
  const db = await phase('database', () =>
    openDb(c.databaseUrl, { schema: c.databaseSchema, connectTimeoutMs: c.dbConnectTimeoutMs, acquireTimeoutMs: c.dbAcquireTimeoutMs }),
  )
  const warnings = await phase('app', () => checkProcessesDir(c, db))
  const app = await phase('app', () => buildApp({ config: c, db }))
  for (const warning of warnings) app.log.warn(warning)
  let closing = false
  const close = async (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'closing')
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    await app.close()
    process.exit(0)
  }
  process.on('SIGTERM', () => void close('SIGTERM'))
  process.on('SIGINT', () => void close('SIGINT'))
  // ready() first: a seeding failure is the app's, not the port's.
  await phase('app', async () => void (await app.ready()))
  await phase('listen', () => app.listen({ port: c.port, host: c.host }))
  console.log(`说事 Shuoshi listening on http://${c.host === '0.0.0.0' ? 'localhost' : c.host}:${c.port}`)
}

main().catch((err) => {
  // A bad variable: the message names it; a stack trace would only bury it.
  if (err instanceof ConfigError || !config) {
    console.error(err instanceof ConfigError ? err.message : err)
    process.exit(1)
  }
  const failure = err instanceof StartFailure ? err : new StartFailure('app', err)
  const debug = config.logLevel === 'debug' || config.logLevel === 'trace'
  const line = startupFailureLine(failure.phase, failure.cause, config)
  // A StartupError's line is the whole story; another error's stack may tell a developer more.
  const own = failure.cause instanceof StartupError
  console.error(debug || own ? line : `${line} (LOG_LEVEL=debug prints the full error)`)
  if (debug && !own) console.error(failure.cause)
  process.exit(1)
})
