import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * What DATABASE_URL may say, in one place for the configuration check (src/config.ts), openDb
 * (src/lib/db.ts) and the start-up messages (src/startup-errors.ts).
 */

/** The SQLite file a fresh clone starts on: its folder is the one a start may create. */
export const DEFAULT_DATABASE_URL = 'data/shuoshi.sqlite'

export function isPostgresUrl(url: string): boolean {
  return url.startsWith('postgres://') || url.startsWith('postgresql://')
}

// Two letters at least, so that a Windows drive (`C:\…`) stays a path.
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):/

/** The SQLite file `url` names (`file:` URL or plain path), or null for PostgreSQL or another scheme. */
export function sqliteFile(url: string): string | null {
  if (url === ':memory:') return url
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase()
  if (scheme === undefined) return url
  if (scheme !== 'file') return null
  return url.startsWith('file://') ? fileURLToPath(url) : url.slice('file:'.length)
}

/**
 * Why `url` cannot be the database, or null. A mistyped value used to become a new, empty SQLite
 * database that looked healthy (`mysql://x@y/z` made the folder `./mysql:/x@y/`), and a missing
 * folder was created on the spot; only the default's `data/` may be, so a fresh clone starts.
 */
export function databaseUrlProblem(url: string): string | null {
  if (isPostgresUrl(url)) {
    try {
      new URL(url)
      return null
    } catch {
      return 'is not a valid PostgreSQL URL (postgres://user:password@host:5432/database)'
    }
  }
  const file = sqliteFile(url)
  if (file === null) {
    return `has the scheme "${SCHEME.exec(url)![1]}:", which is neither PostgreSQL (postgres://user@host:5432/database) nor a SQLite file (a path or file: URL)`
  }
  if (file === ':memory:' || isDefaultFile(file)) return null
  const dir = path.dirname(path.resolve(file))
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    return `names a SQLite file in a folder that does not exist (${dir}): create the folder or correct the path`
  }
  return null
}

export function isDefaultFile(file: string): boolean {
  return path.resolve(file) === path.resolve(DEFAULT_DATABASE_URL)
}

/** `url` fit to print: a PostgreSQL URL's password masked; a SQLite path as it is. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return isPostgresUrl(url) || SCHEME.test(url) ? u.toString() : url
  } catch {
    // Unparseable: whatever sits between "://user:" and "@" could be a password.
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@')
  }
}

/** `host:port` of a PostgreSQL URL, for messages that must say where the server was looked for. */
export function postgresTarget(url: string): string {
  try {
    const u = new URL(url)
    const host = u.hostname || u.searchParams.get('host') || 'localhost'
    return `${host}:${u.port || u.searchParams.get('port') || '5432'}`
  } catch {
    return 'the host in DATABASE_URL'
  }
}
