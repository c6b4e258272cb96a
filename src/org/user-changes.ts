import { v7 as uuidv7 } from 'uuid'
import { nowIso, type Db, type Trx } from '../lib/db.js'
import { msg, notFound } from '../lib/errors.js'
import { parseStoredJson } from '../lib/stored-json.js'
import { canAdministerTenant } from './policy.js'
import type { Actor, UserView } from './service.js'

/**
 * The record of what administrators did to users (migration 036): each creation, change and
 * password reset, written in the transaction of the change itself, so there is no change
 * without its row and no row without its change. Only the fields an administrator sets, with
 * what they were and became; never a password or its hash.
 */

/** The fields of a user a change is recorded for, as the API names them. */
export const RECORDED_FIELDS = ['displayName', 'roles', 'unitCode', 'regionCode', 'groups', 'active'] as const
export type RecordedField = (typeof RECORDED_FIELDS)[number]
type Value = UserView[RecordedField]
export type FieldChanges = Partial<Record<RecordedField, { from: Value | null; to: Value }>>
export type UserAction = 'created' | 'changed' | 'passwordReset'

export type UserChangeView = {
  id: string
  at: string
  by: string
  action: UserAction
  changes: FieldChanges
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** The recorded fields that differ between `before` (null: a creation) and `after`. */
export function fieldChanges(before: UserView | null, after: UserView): FieldChanges {
  const out: FieldChanges = {}
  for (const f of RECORDED_FIELDS) {
    const from = before ? before[f] : null
    if (!before || !same(from, after[f])) Object.assign(out, { [f]: { from, to: after[f] } })
  }
  return out
}

/** Writes one row of the record in `trx`, the transaction of the change it records. */
export async function recordUserChange(trx: Trx, row: { username: string; by: string; action: UserAction; changes?: FieldChanges }): Promise<void> {
  await trx('user_changes').insert({
    id: uuidv7(),
    username: row.username,
    by: row.by,
    at: nowIso(),
    action: row.action,
    changes: JSON.stringify(row.changes ?? {}),
  })
}

/**
 * A user's record, newest first (at most `limit` rows), for an administrator who may see the
 * user: anyone else's, like a user outside their list, is a 404.
 */
export async function userChanges(db: Db, by: Actor, username: string, limit = 50): Promise<UserChangeView[]> {
  const user = await db('users').where({ username }).first('tenant')
  if (!user || !canAdministerTenant(by, user.tenant)) throw notFound(msg('error.org.unknownUser', { username }))
  const rows = await db('user_changes')
    .where({ username })
    .orderBy([
      { column: 'at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit)
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    by: r.by,
    action: r.action,
    changes: (parseStoredJson(r.changes) ?? {}) as FieldChanges,
  }))
}
