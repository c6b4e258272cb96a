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

/**
 * Listens, and closes gracefully after a drain: in-flight requests finish, timers stop claiming,
 * the DB closes.
 */
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
  let draining: NodeJS.Timeout | undefined
  const close = async (signal: string) => {
    if (closing) return
    closing = true
    clearTimeout(draining)
    app.log.info({ signal }, 'closing')
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    await app.close()
    process.exit(0)
  }
  // A balancer still sends requests until its checks of /health fail: for SHUTDOWN_DRAIN_MS
  // /health says 503 and the rest is served, then the node closes. A second signal ends the
  // drain (Ctrl-C twice); a node not yet listening has nothing to drain.
  const stop = (signal: string) => {
    if (draining || !c.shutdownDrainMs || !app.server.listening) return void close(signal)
    app.shutdown.drain()
    app.log.info({ signal, drainMs: c.shutdownDrainMs }, 'draining: /health answers 503, requests are still served')
    draining = setTimeout(() => void close(signal), c.shutdownDrainMs)
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
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
