import { ConfigError, loadConfig } from './config.js'
import { openDb } from './lib/db.js'
import { buildApp } from './app.js'

/** Listens, and closes gracefully: in-flight requests finish, timers stop claiming, the DB closes. */
async function main() {
  const config = loadConfig()
  const db = await openDb(config.databaseUrl, { schema: config.databaseSchema, acquireTimeoutMs: config.dbAcquireTimeoutMs })
  const app = await buildApp({ config, db })
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
  await app.listen({ port: config.port, host: config.host })
  console.log(`说事 Shuoshi listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`)
}

main().catch((err) => {
  // A bad variable: the message names it; a stack trace would only bury it.
  console.error(err instanceof ConfigError ? err.message : err)
  process.exit(1)
})
