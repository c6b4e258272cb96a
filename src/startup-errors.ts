import type { Config } from './config.js'
import { isPostgresUrl, postgresTarget, redactDatabaseUrl, sqliteFile } from './lib/database-url.js'
import { StartupError } from './lib/startup-error.js'

/** What a start was doing when it failed: each names its own variables. */
export type StartPhase = 'database' | 'app' | 'listen'

/** A start-up failure and the phase it happened in (src/server.ts wraps each phase). */
export class StartFailure extends Error {
  override name = 'StartFailure'
  constructor(
    readonly phase: StartPhase,
    override readonly cause: unknown,
  ) {
    super(String((cause as Error)?.message ?? cause))
  }
}

type Where = Pick<Config, 'databaseUrl' | 'port' | 'host' | 'dbConnectTimeoutMs'>

/**
 * One line for a failed start: what failed, the cause's own code (ECONNREFUSED, 3D000, 28000,
 * EADDRINUSE, ENOTFOUND, …) and the variable to check. Operators read the first lines of a
 * failed unit's log; pg's and Node's multi-line stacks hid which setting was wrong, and a
 * connection that timed out did not even name its host. Never the database password.
 */
export function startupFailureLine(phase: StartPhase, err: unknown, where: Where): string {
  if (err instanceof StartupError) return err.message
  const e = (err ?? {}) as { code?: unknown; name?: string; message?: string }
  const code = typeof e.code === 'string' ? e.code : undefined
  const message = firstLine(e.message ?? String(err))
  const cause = `${code ?? e.name ?? 'Error'}: ${message}`
  const line =
    phase === 'database'
      ? databaseLine(code, cause, message, where)
      : phase === 'listen'
        ? listenLine(code, cause, where)
        : `The server could not start (${cause})`
  return hidePassword(line, where.databaseUrl)
}

function databaseLine(code: string | undefined, cause: string, message: string, where: Where): string {
  const url = where.databaseUrl
  if (!isPostgresUrl(url)) return `Cannot open the SQLite database ${sqliteFile(url) ?? redactDatabaseUrl(url)} (${cause}): check DATABASE_URL`
  const at = postgresTarget(url)
  if (/timeout expired|connection timeout|Timeout acquiring a connection/i.test(message)) {
    return `PostgreSQL at ${at} did not answer within ${where.dbConnectTimeoutMs / 1000} s (ETIMEDOUT, DB_CONNECT_TIMEOUT_MS): check the host and port in DATABASE_URL, and that a firewall lets this machine through`
  }
  switch (code) {
    case 'ECONNREFUSED':
      return `Cannot reach PostgreSQL at ${at} (${cause}): nothing listens there; is it running? Check DATABASE_URL`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot reach PostgreSQL at ${at} (${cause}): the host name does not resolve; check DATABASE_URL`
    case '3D000':
      return `PostgreSQL at ${at} has no such database (${cause}): create it (createdb) or correct the database name in DATABASE_URL`
    case '28000':
    case '28P01':
      return `PostgreSQL at ${at} refused the login (${cause}): check the user and password in DATABASE_URL`
  }
  if (/SSL/i.test(message)) return `Cannot open the PostgreSQL database at ${at} (${cause}): check sslmode in DATABASE_URL`
  return `Cannot open the PostgreSQL database at ${at} (${cause}): check DATABASE_URL`
}

function listenLine(code: string | undefined, cause: string, where: Where): string {
  const at = `${where.host}:${where.port}`
  switch (code) {
    case 'EADDRINUSE':
      return `Cannot listen on ${at}: the port is in use (${cause}); stop what holds it or set PORT`
    case 'EACCES':
      return `Cannot listen on ${at}: not allowed (${cause}); ports below 1024 need privileges, set PORT`
    case 'EADDRNOTAVAIL':
      return `Cannot listen on ${at}: not an address of this machine (${cause}); check HOST`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot listen on ${at}: the host name does not resolve (${cause}); check HOST`
  }
  return `Cannot listen on ${at} (${cause}): check PORT and HOST`
}

const firstLine = (text: string) => text.split('\n')[0]!.trim()

/** Foreign messages may quote a connection string; a short password would garble the line instead. */
function hidePassword(line: string, url: string): string {
  if (!isPostgresUrl(url)) return line
  let password: string
  try {
    password = decodeURIComponent(new URL(url).password)
  } catch {
    return line
  }
  return password.length >= 4 ? line.split(password).join('***') : line
}
