import type { Db, Trx } from './db.js'

/**
 * Runs `fn` in a transaction of its own, and again in a fresh one while it fails with an error
 * `retryOn` accepts (at most `attempts` runs in all): the one retry-on-conflict wrapper for
 * optimistic writes (an instance's revision, the next version number of a key). Each run
 * starts from what the winner committed, so a retry re-checks everything; what can never
 * succeed (the same task completed twice) fails its checks on the re-run.
 */
export async function withRetry<T>(db: Db, fn: (trx: Trx) => Promise<T>, opts: { retryOn: (err: unknown) => boolean; attempts: number }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(fn)
    } catch (err) {
      if (attempt >= opts.attempts || !opts.retryOn(err)) throw err
    }
  }
}

/**
 * A unique-key violation from the database (SQLite "UNIQUE constraint failed", PostgreSQL
 * "duplicate key value"): two writers raced for the same key, e.g. a key's next version
 * number. Only the database's own errors count; the platform's errors (which carry a
 * `statusCode`, or are named EngineError) never do, whatever their text says.
 */
export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof Error) || 'statusCode' in err || err.name === 'EngineError') return false
  return /unique|duplicate/i.test(err.message)
}
