import { createHash } from 'node:crypto'
import type { Db, Trx } from '../lib/db.js'
import { conflict, msg, unprocessable } from '../lib/errors.js'
import type { CaseRow, IntakeHooks } from './service.js'

/**
 * `Idempotency-Key` on intake (../shared/api.md): the same key with the same body answers the
 * first case again, so a client that retries after a lost answer does not create the case
 * twice. The key, the body's hash and the first answer are written in the intake's own
 * transaction (IntakeHooks): they commit with the case or not at all. Two concurrent requests
 * with one key collide on the table's primary key; the second waits for the first there
 * (PostgreSQL blocks on the uncommitted row, SQLite has one writer) and then answers its case.
 * On PostgreSQL such a duplicate has already drawn a case number (drawn before the intake's
 * transaction, see CaseService.intake), which leaves a gap in the day's numbers like any failed
 * intake; an ordinary retry is answered before the draw.
 *
 * Keys are scoped: `user:<id>` for staff, so one user's key never reaches another's case;
 * `public` for citizens, who have no identity. There the answer holds a tracking code, so a
 * key is answered only to the same body (the hash covers every field, the petitioner's name
 * and phone included): whoever guesses someone else's key but not the whole petition gets a
 * 422 that says nothing about it. The client address is not part of the scope, because a
 * phone that lost the answer often retries from another network.
 */

/** How long a key is remembered: a client retries within minutes; a day covers a device that was offline. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000

/** Visible ASCII, 16 to 255 characters (a UUID fits): short keys would be guessable on the public route. */
export const idempotencyKeyHeader = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', pattern: '^[\\x21-\\x7e]{16,255}$' } },
} as const

/** Expired keys are swept at most this often per node, on the way of a keyed intake (no background job). */
const SWEEP_EVERY_MS = 60_000

interface KeyRow {
  scope: string
  key: string
  body_hash: string
  case_id: string
  answer: string
  created_at: string
  expires_at: string
}

/** JSON with object keys sorted, so the same body hashes the same whatever the client's key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

export function bodyHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex')
}

/** Thrown inside the intake's transaction when the key is already taken: rolls the intake back. */
class KeyTaken extends Error {}

export interface KeyedAnswer<A> {
  caseId: string
  answer: A
  /** True when this is the first request's answer given again. */
  replayed: boolean
  /** The case as this request's intake committed it (not on a replay). */
  row?: CaseRow
}

export class IdempotencyStore {
  private lastSweep = 0

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Runs `create` (an intake) under `key` in `scope`, or answers the case the key already made.
   * Without a key it just runs `create`. `answerOf` is what a replay answers (stored as JSON).
   */
  async run<A>(
    params: { scope: string; key: string | undefined; body: unknown },
    answerOf: (row: CaseRow) => A,
    create: (hooks: IntakeHooks | undefined) => Promise<CaseRow>,
  ): Promise<KeyedAnswer<A>> {
    const { scope, key } = params
    if (key === undefined) {
      const row = await create(undefined)
      return { caseId: row.id, answer: answerOf(row), replayed: false, row }
    }
    const hash = bodyHash(params.body)
    await this.sweep()
    // A plain retry is answered here, before the intake draws a case number.
    const earlier = await this.find(scope, key)
    if (earlier) return this.replay(earlier, hash)
    try {
      const row = await create({
        claim: (trx) => this.claim(trx, scope, key, hash),
        record: async (trx, created) => {
          await trx('idempotency_keys')
            .where({ scope, key })
            .update({ case_id: created.id, answer: JSON.stringify(answerOf(created)) })
        },
      })
      return { caseId: row.id, answer: answerOf(row), replayed: false, row }
    } catch (err) {
      if (!(err instanceof KeyTaken)) throw err
      const first = await this.find(scope, key)
      if (!first) throw conflict(msg('error.idempotency.inProgress'))
      return this.replay(first, hash)
    }
  }

  private replay<A>(row: KeyRow, hash: string): KeyedAnswer<A> {
    if (row.body_hash !== hash) {
      throw unprocessable(msg('error.idempotency.mismatch'))
    }
    return { caseId: row.case_id, answer: JSON.parse(row.answer) as A, replayed: true }
  }

  private async find(scope: string, key: string): Promise<KeyRow | undefined> {
    return this.db('idempotency_keys').where({ scope, key }).where('expires_at', '>', new Date(this.now()).toISOString()).first()
  }

  /** First thing in the intake's transaction: takes the key, or throws KeyTaken once the holder has committed. */
  private async claim(trx: Trx, scope: string, key: string, hash: string): Promise<void> {
    const now = new Date(this.now())
    // An expired row of this key would block the insert; it answers nothing any more.
    await trx('idempotency_keys').where({ scope, key }).where('expires_at', '<=', now.toISOString()).del()
    const inserted = await trx('idempotency_keys')
      .insert({
        scope,
        key,
        body_hash: hash,
        case_id: '',
        answer: 'null',
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + IDEMPOTENCY_TTL_MS).toISOString(),
      })
      .onConflict(['scope', 'key'])
      .ignore()
      .returning('key')
    if (inserted.length === 0) throw new KeyTaken()
  }

  /** Deletes expired keys, at most once a minute per node; a failure here never fails an intake. */
  private async sweep(): Promise<void> {
    const now = this.now()
    if (now - this.lastSweep < SWEEP_EVERY_MS) return
    this.lastSweep = now
    await this.db('idempotency_keys')
      .where('expires_at', '<=', new Date(now).toISOString())
      .del()
      .catch(() => {})
  }
}
