import { HttpError, msg } from './errors.js'

/** Seconds a client is told to wait (Retry-After) when the database cannot be reached. */
export const RETRY_AFTER_SECONDS = 5

/** Node's codes for a connection that could not be made or was lost (the driver throws them as they are). */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'])

/**
 * PostgreSQL's SQLSTATEs for a server that is not there for us: class 08 (connection exception),
 * 57P01-57P03 (shut down by an administrator, crashed, starting up), 53300 (too many connections).
 */
const PG_UNAVAILABLE = /^(08[0-9A-Z]{3}|57P0[1-3]|53300)$/

/**
 * Whether `err` says the database cannot be reached right now, as opposed to refusing a
 * statement: a request that met one is worth retrying shortly (503), not an internal error.
 * Besides the codes: knex's timeout waiting for a pool connection, and pg's "Connection
 * terminated" for a connection lost mid-transaction (it has no code). SQLite's SQLITE_BUSY
 * reaches here only after busy_timeout, when another process held the file that long.
 */
export function isDbUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false
  const { code, name, message } = err as { code?: unknown; name?: unknown; message?: unknown }
  if (typeof code === 'string' && (NETWORK.has(code) || PG_UNAVAILABLE.test(code) || code.startsWith('SQLITE_BUSY'))) return true
  // knex also throws KnexTimeoutError for a query's own .timeout(): only the pool's wait counts.
  if (name === 'KnexTimeoutError' && typeof message === 'string' && message.includes('acquiring a connection')) return true
  return typeof message === 'string' && /\bConnection terminated\b/.test(message)
}

/** The answer for such an error: the database is unavailable, try again shortly. */
export const dbUnavailable = () => new HttpError(503, 'unavailable', msg('error.dbUnavailable'))
