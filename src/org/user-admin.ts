import { isPostgres, type Db, type Trx } from '../lib/db.js'
import { forbidden, msg, notFound } from '../lib/errors.js'
import { hashPassword } from './passwords.js'
import { canAdministerAnyTenant, canAdministerTenant, isSystemAdmin } from './policy.js'
import type { UserRow } from './rows.js'
import { parseList, placementInReach, resolvePlacement, userView, type Actor, type UserView } from './service.js'
import { fieldChanges, recordUserChange } from './user-changes.js'

/**
 * Changing users from the web app: what `createUser` lets an administrator create, they may
 * change later, with the same scope (a county administrator: their county's users, never the
 * system administrator role, never a move out of the county), plus the lock-out rules (no
 * administrator deactivates themselves or takes away their own administrator role).
 */

/** What `PATCH /api/org/users/:username` may change; absent fields stay as they are. */
export type UserChange = {
  displayName?: string
  roles?: string[]
  unitCode?: string
  /** Defaults to the new unit's region when the unit changes. */
  regionCode?: string
  groups?: string[]
  active?: boolean
}

/**
 * The user `by` may administer, read for the change in `trx` (locked on PostgreSQL, so the checks
 * and the write see one row). Another county's or the city's user is, to a county administrator,
 * as absent as in their list: a 404, as another county's versions are elsewhere.
 */
async function userInReach(trx: Trx, by: Actor, username: string): Promise<UserRow> {
  const q = trx('users').where({ username })
  const row: UserRow | undefined = await (isPostgres(trx) ? q.forUpdate() : q).first()
  if (!row || !canAdministerTenant(by, row.tenant)) throw notFound(msg('error.org.unknownUser', { username }))
  if (!isSystemAdmin(by) && isSystemAdmin({ roles: parseList(row.roles) })) throw forbidden(msg('error.org.adminRole'))
  return row
}

/** The unit and region a changed user lands in, checked against `by`'s county as a creation is. */
async function placement(trx: Trx, by: Actor, row: UserRow, change: UserChange): Promise<Pick<UserRow, 'unit_code' | 'region_code' | 'tenant'>> {
  // Without a new unit or region, the user's own; a new unit alone brings its region.
  const placed = await resolvePlacement(trx, change.unitCode ?? row.unit_code, change.regionCode ?? (change.unitCode ? undefined : row.region_code))
  await placementInReach(trx, by, placed, 'error.org.moveOutsideCounty')
  return { unit_code: placed.unit?.code ?? null, region_code: placed.region?.code ?? null, tenant: placed.region?.tenant ?? '' }
}

/** The columns that decide which tasks a user receives (docs/architecture.md, Candidate groups). */
const WORK_COLUMNS = ['roles', 'unit_code', 'region_code', 'tenant', 'groups'] as const

/**
 * Changes a user on behalf of `by`, in one transaction; deactivating revokes every token they hold.
 * `onDeactivate` and `onWorkChange` (a change of what they receive) run in that transaction too.
 */
export async function updateUser(
  db: Db,
  by: Actor,
  username: string,
  change: UserChange,
  opts: { onDeactivate?: (trx: Trx, username: string) => Promise<void>; onWorkChange?: (trx: Trx, userId: string) => Promise<void> } = {},
): Promise<UserView> {
  return db.transaction(async (trx) => {
    const row = await userInReach(trx, by, username)
    const update: Partial<UserRow> = {}
    if (change.displayName !== undefined) update.display_name = change.displayName
    if (change.roles !== undefined) {
      const roles = [...new Set(change.roles)]
      // Granting it, or taking it away: the target already holds it only if userInReach let a system administrator through.
      if (!isSystemAdmin(by) && isSystemAdmin({ roles })) throw forbidden(msg('error.org.adminRole'))
      if (row.id === by.id && losesAdministration(parseList(row.roles), roles)) throw forbidden(msg('error.org.selfDemote'))
      update.roles = JSON.stringify(roles)
    }
    if (change.unitCode !== undefined || change.regionCode !== undefined) Object.assign(update, await placement(trx, by, row, change))
    if (change.groups !== undefined) update.groups = JSON.stringify([...new Set(change.groups)])
    if (change.active !== undefined) {
      if (row.id === by.id && !change.active) throw forbidden(msg('error.org.selfDeactivate'))
      update.active = change.active
    }
    if (Object.keys(update).length) {
      const q = trx('users').where({ id: row.id }).update(update)
      // Deactivating revokes the tokens as well as refusing them: reactivating the user later must
      // not bring back a token taken from them before.
      if (change.active === false && Boolean(row.active)) q.increment('token_version', 1)
      await q
      // A deactivation gives back every claim, so what they would still qualify for is moot.
      if (change.active === false && Boolean(row.active)) await opts.onDeactivate?.(trx, row.username)
      else if (WORK_COLUMNS.some((c) => c in update)) await opts.onWorkChange?.(trx, row.id)
    }
    const after = userView(await trx('users').where({ id: row.id }).first())
    // Recorded when something changed: a change to what a field already held is none.
    const changes = fieldChanges(userView(row), after)
    if (Object.keys(changes).length) await recordUserChange(trx, { username: row.username, by: by.username, action: 'changed', changes })
    return after
  })
}

/** Whether giving up `before` for `after` takes away administration its holder has. */
function losesAdministration(before: string[], after: string[]): boolean {
  const was = { roles: before }
  const is = { roles: after }
  return (isSystemAdmin(was) && !isSystemAdmin(is)) || (canAdministerAnyTenant(was) && !canAdministerAnyTenant(is))
}

/**
 * Sets a user's password on behalf of an administrator and revokes every token they hold, as
 * their own password change does. Not one's own: that asks for the current password
 * (`POST /api/auth/password`), which a token alone must not get round.
 */
export async function resetPassword(db: Db, by: Actor, username: string, password: string): Promise<void> {
  // Hashed before the transaction: scrypt's ~50 ms would otherwise hold the row's lock.
  const hash = await hashPassword(password)
  await db.transaction(async (trx) => {
    const row = await userInReach(trx, by, username)
    if (row.id === by.id) throw forbidden(msg('error.org.selfPasswordReset'))
    await trx('users').where({ id: row.id }).update({ password_hash: hash }).increment('token_version', 1)
    await recordUserChange(trx, { username: row.username, by: by.username, action: 'passwordReset' })
  })
}
