import type { Knex } from 'knex'
import { randomBytes, randomUUID } from 'node:crypto'
import type { Config } from '../config.js'
import { escapeLike, inSlices, nowIso, type Db, type Trx } from '../lib/db.js'
import { conflict, forbidden, msg, unprocessable } from '../lib/errors.js'
import { dummyHash, hashPassword, verifyPassword } from './passwords.js'
import { signToken, verifyToken, TOKEN_LIFETIME_SECONDS } from './tokens.js'
import { canAdministerTenant, isCountyAdmin, isSystemAdmin, worksOnTenant } from './policy.js'
import type { TableWatch, WatchedCache } from '../lib/write-invalidated.js'
import type { RegionRow, UnitRow, UserRow, UserWithRegionRow } from './rows.js'
import { fieldChanges, recordUserChange } from './user-changes.js'

export const ROLES = ['admin', 'county_admin', 'dispatcher', 'grid_worker', 'grid_leader', 'handler', 'leader', 'callback', 'supervisor'] as const
export type Role = (typeof ROLES)[number]

export const REGION_LEVELS = ['city', 'county', 'township', 'village', 'grid'] as const
export type RegionLevel = (typeof REGION_LEVELS)[number]

/** The authenticated user as every module sees it (docs/architecture.md, Identity). */
export type Actor = {
  id: string
  username: string
  displayName: string
  roles: string[]
  unitCode: string | null
  regionCode: string | null
  /** Materialised path of the user's region ('' when the user has none: sees nothing regional). */
  regionPath: string
  /** County code; null for city-level users. */
  tenant: string | null
  /** Candidate-group tokens this user receives tasks for. */
  groups: string[]
}

export type Region = {
  code: string
  name: string
  nameEn: string | null
  level: RegionLevel
  parentCode: string | null
  path: string
  tenant: string | null
}

export type OrgUnit = {
  code: string
  name: string
  nameEn: string | null
  kind: string
  level: string
  regionCode: string
  parentCode: string | null
  duty: string | null
}

/** A user record as administrators see it: never the password hash. */
export type UserView = {
  id: string
  username: string
  displayName: string
  roles: string[]
  unitCode: string | null
  regionCode: string | null
  tenant: string | null
  /** Explicit plain groups only; the computed ones are on the actor. */
  groups: string[]
  active: boolean
  createdAt: string
}

export type NewUser = {
  username: string
  displayName: string
  password: string
  roles: string[]
  unitCode: string
  /** Defaults to the unit's region. */
  regionCode?: string
  groups?: string[]
  active?: boolean
}

/**
 * The unit and region a user is placed in (created or changed): both must exist (422).
 * `regionCode` undefined: the unit's own region. With `placementInReach`, the one rule for
 * creation (OrgService.createUser) and change (user-admin.ts).
 */
export async function resolvePlacement(
  db: Db | Trx,
  unitCode: string | null,
  regionCode: string | null | undefined,
): Promise<{ unit: UnitRow | undefined; region: RegionRow | undefined }> {
  const unit: UnitRow | undefined = unitCode ? await db('org_units').where({ code: unitCode }).first() : undefined
  if (unitCode && !unit) throw unprocessable(msg('error.org.unknownUnit', { unit: unitCode }))
  const code = regionCode === undefined ? (unit?.region_code ?? null) : regionCode
  const region: RegionRow | undefined = code ? await db('regions').where({ code }).first() : undefined
  if (code && !region) throw unprocessable(msg('error.org.unknownRegion', { region: code }))
  return { unit, region }
}

/** A county administrator places a user only where the region and the unit's region are both their county's (403 `outside`). */
export async function placementInReach(
  db: Db | Trx,
  by: Actor,
  placed: { unit: UnitRow | undefined; region: RegionRow | undefined },
  outside: 'error.org.outsideCounty' | 'error.org.moveOutsideCounty',
): Promise<void> {
  if (isSystemAdmin(by)) return
  const unitRegion: RegionRow | undefined = placed.unit ? await db('regions').where({ code: placed.unit.region_code }).first() : undefined
  if (!canAdministerTenant(by, placed.region?.tenant) || !canAdministerTenant(by, unitRegion?.tenant)) throw forbidden(msg(outside))
}

/** A JSON list column (roles, groups) as strings; anything else reads as empty. */
export const parseList = (text: unknown): string[] => {
  if (Array.isArray(text)) return text
  try {
    const v = JSON.parse(String(text ?? '[]'))
    return Array.isArray(v) ? v.map(String) : []
  } catch {
    return []
  }
}

/** The candidate-group tokens of a user (docs/architecture.md, Candidate groups). */
export function computeGroups(roles: string[], unitCode: string | null, explicit: string[]): string[] {
  const groups = new Set<string>()
  for (const r of roles) groups.add(`role:${r}`)
  if (unitCode) {
    groups.add(`unit:${unitCode}`)
    for (const r of roles) groups.add(`${r}@${unitCode}`)
  }
  for (const g of explicit) groups.add(g)
  return [...groups]
}

/**
 * Whether someone holding `groups` receives a task offered to `tokens` in `taskTenant` ('' or
 * null: the city's; `undefined`: in no tenant yet, as deploy asks whether anyone holds a token).
 * A county's user receives only their county's tasks, whatever the token: see `worksOnTenant`.
 */
export function groupsMatch(groups: string[], holder: Pick<Actor, 'roles' | 'tenant'>, tokens: string[], taskTenant?: string | null): boolean {
  if (taskTenant !== undefined && !worksOnTenant(holder, taskTenant)) return false
  const mine = new Set(groups)
  return tokens.some((t) => mine.has(t))
}

export const regionView = (r: RegionRow): Region => ({
  code: r.code,
  name: r.name,
  nameEn: r.name_en ?? null,
  level: r.level,
  parentCode: r.parent_code ?? null,
  path: r.path,
  tenant: r.tenant || null,
})

export const unitView = (u: UnitRow): OrgUnit => ({
  code: u.code,
  name: u.name,
  nameEn: u.name_en ?? null,
  kind: u.kind,
  level: u.level,
  regionCode: u.region_code,
  parentCode: u.parent_code ?? null,
  duty: u.duty ?? null,
})

/** A user's tenant as a signed-in actor has it: their region's, else the row's; null for the city. */
export const actorTenant = (row: { region_tenant?: string | null; tenant?: string | null }) => (row.region_tenant ?? row.tenant) || null

export const userView = (u: Omit<UserRow, 'password_hash' | 'token_version'>): UserView => ({
  id: u.id,
  username: u.username,
  displayName: u.display_name,
  roles: parseList(u.roles),
  unitCode: u.unit_code ?? null,
  regionCode: u.region_code ?? null,
  tenant: u.tenant || null,
  groups: parseList(u.groups),
  active: Boolean(u.active),
  createdAt: u.created_at,
})

/** `%"value"%` with LIKE's wildcards escaped, to find one element of a JSON text list. */
function jsonListContains(q: Knex.QueryBuilder, column: string, value: string) {
  return q.whereRaw(`?? like ? escape '\\'`, [column, `%${escapeLike(JSON.stringify(value))}%`])
}

/** The materialised path of a region, or null when there is no such region. */
export async function regionPath(db: Db | Trx, code: string): Promise<string | null> {
  const row = await db('regions').where({ code }).first('path')
  return row?.path ?? null
}

/** The county prefix '/city/county/' of a path inside a county, or null for the city itself. */
function countyPrefix(path: string): string | null {
  const parts = path.split('/').filter(Boolean)
  return parts.length >= 2 ? `/${parts[0]}/${parts[1]}/` : null
}

/**
 * How long this node keeps a token's actor and a region's rows without reading them again
 * (issue 13: one statement per request, two per intake). This node's own writes to users or
 * regions empty both at once (src/lib/write-invalidated.ts), so a logout, a password change or a
 * deactivation here refuses the token on the next request; another node of the same PostgreSQL
 * refuses it within this time.
 */
export const ORG_CACHE_MS = 5000
const ACTOR_CACHE_MAX = 2000
const REGION_CACHE_MAX = 5000

export class OrgService {
  private secret?: Promise<string>
  /** Other modules' work when a user is deactivated, in the change's transaction (`onDeactivate`). */
  private readonly leaving: ((trx: Trx, username: string, by: string) => Promise<void>)[] = []
  /** Other modules' work when what a user receives changes, in the change's transaction (`onWorkChange`). */
  private readonly moving: ((trx: Trx, user: Actor, by: string) => Promise<void>)[] = []
  private readonly actors: WatchedCache<Actor | null>
  private readonly regionRows: WatchedCache<RegionRow | null>
  private readonly chains: WatchedCache<RegionRow[]>
  private readonly staffed: WatchedCache<boolean>

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    watch: TableWatch,
  ) {
    this.actors = watch.cache(['users', 'regions'], { ttlMs: ORG_CACHE_MS, max: ACTOR_CACHE_MAX })
    this.regionRows = watch.cache(['regions'], { ttlMs: ORG_CACHE_MS, max: REGION_CACHE_MAX })
    this.chains = watch.cache(['regions'], { ttlMs: ORG_CACHE_MS, max: REGION_CACHE_MAX })
    this.staffed = watch.cache(['users'], { ttlMs: ORG_CACHE_MS, max: REGION_CACHE_MAX })
  }

  // ── tokens ──────────────────────────────────────────────────────────────────

  /**
   * The signing secret: configured, or generated once and kept in `settings`. Insert-if-absent
   * then read back, so nodes starting at the same moment all end up with the stored one.
   */
  tokenSecret(): Promise<string> {
    if (this.config.tokenSecret) return Promise.resolve(this.config.tokenSecret)
    this.secret ??= (async () => {
      await this.db('settings')
        .insert({ key: 'token_secret', value: randomBytes(32).toString('base64url') })
        .onConflict('key')
        .ignore()
      const row = await this.db('settings').where({ key: 'token_secret' }).first('value')
      return row.value as string
    })().catch((err) => {
      this.secret = undefined
      throw err
    })
    return this.secret
  }

  /** A token for the user's current token_version (revoked by the next logout or password change). */
  async issueToken(userId: string, lifetimeSeconds = TOKEN_LIFETIME_SECONDS, version?: number): Promise<string> {
    const ver = version ?? Number((await this.db('users').where({ id: userId }).first('token_version'))?.token_version ?? 0)
    return signToken(await this.tokenSecret(), userId, lifetimeSeconds, Date.now(), ver)
  }

  /**
   * The actor a bearer token stands for, or null (not canonical, bad signature, expired,
   * revoked, unknown or inactive user).
   */
  async actorFromToken(token: string): Promise<Actor | null> {
    const payload = verifyToken(await this.tokenSecret(), token)
    if (!payload) return null
    // Verified (signature, expiry) on every request; only the user's row is remembered.
    const actor = await this.actors.get(token, async () => {
      const row: UserWithRegionRow | undefined = await this.userRowWithPath().where('users.id', payload.sub).first()
      if (!row || !row.active) return null
      if ((payload.ver ?? 0) !== Number(row.token_version ?? 0)) return null
      return this.toActor(row)
    })
    // A copy: a request may not change what the next one is given.
    return actor && { ...actor, roles: [...actor.roles], groups: [...actor.groups] }
  }

  /** Revokes every token the user holds (all devices): logout, password change. */
  async revokeTokens(userId: string, trx: Db | Trx = this.db): Promise<void> {
    await trx('users').where({ id: userId }).increment('token_version', 1)
  }

  /**
   * Sets a new password after checking the current one; revokes every token of the user and
   * returns a fresh one for the caller, so only the session that changed it stays signed in.
   * Null when the current password is wrong.
   */
  async changePassword(userId: string, current: string, next: string): Promise<{ token: string; user: Actor } | null> {
    const row = await this.db('users').where({ id: userId }).first('password_hash')
    if (!row || !(await verifyPassword(current, row.password_hash))) return null
    const hash = await hashPassword(next)
    const version = await this.db.transaction(async (trx) => {
      await trx('users').where({ id: userId }).update({ password_hash: hash })
      await this.revokeTokens(userId, trx)
      return Number((await trx('users').where({ id: userId }).first('token_version')).token_version)
    })
    const user: UserWithRegionRow = await this.userRowWithPath().where('users.id', userId).first()
    return { token: await this.issueToken(userId, TOKEN_LIFETIME_SECONDS, version), user: this.toActor(user) }
  }

  /** Checks a password; the same null for an unknown user and a wrong password. */
  async login(username: string, password: string): Promise<{ token: string; user: Actor } | null> {
    const row: UserWithRegionRow | undefined = await this.userRowWithPath().where('users.username', username).first()
    if (!row) {
      await verifyPassword(password, await dummyHash())
      return null
    }
    const ok = await verifyPassword(password, row.password_hash)
    if (!ok || !row.active) return null
    return { token: await this.issueToken(row.id, TOKEN_LIFETIME_SECONDS, Number(row.token_version ?? 0)), user: this.toActor(row) }
  }

  private userRowWithPath(db: Db | Trx = this.db) {
    return db('users')
      .leftJoin('regions', 'regions.code', 'users.region_code')
      .select('users.*', 'regions.path as region_path', 'regions.tenant as region_tenant')
  }

  private toActor(row: UserWithRegionRow): Actor {
    const roles = parseList(row.roles)
    const unitCode = row.unit_code ?? null
    return {
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      roles,
      unitCode,
      regionCode: row.region_code ?? null,
      regionPath: row.region_path ?? '',
      tenant: actorTenant(row),
      groups: computeGroups(roles, unitCode, parseList(row.groups)),
    }
  }

  // ── regions and units ────────────────────────────────────────────────────────

  /**
   * A region's row (`regions.*`), or null; kept ORG_CACHE_MS. `db`: the caller's transaction,
   * when it holds one (SQLite has one connection).
   */
  regionRow(code: string, db: Db | Trx = this.db): Promise<RegionRow | null> {
    return this.regionRows.get(code, async () => (await db('regions').where({ code }).first()) ?? null)
  }

  /** The rows of the regions named in a path (`/city/county/…/`), city first; kept ORG_CACHE_MS. */
  regionChain(path: string, db: Db | Trx = this.db): Promise<RegionRow[]> {
    return this.chains.get(path, async () => {
      const codes = path.split('/').filter(Boolean)
      const rows: RegionRow[] = await db('regions').whereIn('code', codes)
      return codes.map((c) => rows.find((r) => r.code === c)).filter((r): r is RegionRow => !!r)
    })
  }

  async getRegion(code: string): Promise<Region | null> {
    const row = await this.db('regions').where({ code }).first()
    return row ? regionView(row) : null
  }

  /** Children of a region in display order; the top level when `parent` is null. */
  async regionChildren(parent: string | null): Promise<Region[]> {
    const q = this.db('regions').orderBy([{ column: 'sort' }, { column: 'code' }])
    const rows = parent === null ? await q.whereNull('parent_code') : await q.where({ parent_code: parent })
    return rows.map(regionView)
  }

  /** The `path LIKE prefix%` prefix of a region's subtree, or null for an unknown region. */
  async regionSubtreePrefix(code: string): Promise<string | null> {
    return regionPath(this.db, code)
  }

  /**
   * The path prefix of what `actor` may see, or null for everything: administrators and
   * city-level staff see all, a county administrator their county, everyone else their own
   * region's subtree (a grid worker only their grid). '\u0000' (matches nothing) when the
   * user has no region.
   */
  visibleRegionPrefix(actor: Actor): string | null {
    if (isSystemAdmin(actor)) return null
    if (!actor.regionPath) return '\u0000'
    if (actor.tenant === null) return null
    if (isCountyAdmin(actor)) return countyPrefix(actor.regionPath) ?? actor.regionPath
    return actor.regionPath
  }

  canSeeRegion(actor: Actor, path: string): boolean {
    const prefix = this.visibleRegionPrefix(actor)
    return prefix === null || path.startsWith(prefix)
  }

  async getUnit(code: string): Promise<OrgUnit | null> {
    const row = await this.db('org_units').where({ code }).first()
    return row ? unitView(row) : null
  }

  /** Units located in a region's subtree (all when no region), optionally of one kind or duty. */
  async listUnits(filter: { region?: string; kind?: string; duty?: string } = {}): Promise<OrgUnit[]> {
    const q = this.db('org_units')
      .join('regions', 'regions.code', 'org_units.region_code')
      .select('org_units.*')
      .orderBy([{ column: 'regions.path' }, { column: 'org_units.sort' }, { column: 'org_units.code' }])
    if (filter.region) {
      const prefix = await this.regionSubtreePrefix(filter.region)
      if (prefix === null) return []
      q.where('regions.path', 'like', `${prefix}%`)
    }
    if (filter.kind) q.where('org_units.kind', filter.kind)
    if (filter.duty) q.where('org_units.duty', filter.duty)
    return (await q).map(unitView)
  }

  // ── users ────────────────────────────────────────────────────────────────────

  async userExists(username: string): Promise<boolean> {
    return Boolean(await this.db('users').where({ username, active: true }).first('id'))
  }

  /**
   * Registers what another module does when a user is deactivated (tasks: the user's claims go back
   * to their groups), run in the deactivation's own transaction: org knows nothing of tasks.
   */
  onDeactivate(fn: (trx: Trx, username: string, by: string) => Promise<void>): void {
    this.leaving.push(fn)
  }

  /** Runs every module's `onDeactivate` work for `username`, deactivated by `by`. */
  async deactivated(trx: Trx, username: string, by: string): Promise<void> {
    for (const fn of this.leaving) await fn(trx, username, by)
  }

  /**
   * Registers what another module does when a change of roles, unit, region or plain groups may
   * change which tasks a user receives (tasks: the claims they no longer qualify for go back to
   * their groups), run in the change's own transaction: org knows nothing of tasks.
   */
  onWorkChange(fn: (trx: Trx, user: Actor, by: string) => Promise<void>): void {
    this.moving.push(fn)
  }

  /**
   * Runs every module's `onWorkChange` work for the user `userId`, changed by `by`. The actor is
   * built from the row as the change left it in `trx`: a cached one would be the user before the
   * change (and on PostgreSQL other connections do not see the row until the change commits).
   */
  async workChanged(trx: Trx, userId: string, by: string): Promise<void> {
    if (!this.moving.length) return
    const row: UserWithRegionRow | undefined = await this.userRowWithPath(trx).where('users.id', userId).first()
    if (!row) return
    const user = this.toActor(row)
    for (const fn of this.moving) await fn(trx, user, by)
  }

  /**
   * Display names by username, for views that record who acted by username (history, deployments,
   * incidents, task assignees). Names nobody has (the platform's own `system`, `citizen`, a
   * deleted user) are simply absent: the view keeps the username beside it.
   */
  async displayNames(usernames: Iterable<string | null | undefined>): Promise<Map<string, string>> {
    const wanted = [...new Set([...usernames].filter((u): u is string => !!u))]
    const rows = await inSlices(wanted, (slice) =>
      this.db('users').whereIn('username', slice).select<{ username: string; display_name: string | null }[]>('username', 'display_name'),
    )
    return new Map(rows.filter((u) => u.display_name).map((u) => [u.username, u.display_name!]))
  }

  /** `items` with `<field>Name` beside each username field named (null where there is no name). */
  async withNames<T extends Record<string, unknown>, F extends keyof T & string>(items: T[], fields: F[]): Promise<(T & Record<`${F}Name`, string | null>)[]> {
    const names = await this.displayNames(items.flatMap((x) => fields.map((f) => x[f] as string | null)))
    return items.map(
      (x) => ({ ...x, ...Object.fromEntries(fields.map((f) => [`${f}Name`, names.get(x[f] as string) ?? null])) }) as T & Record<`${F}Name`, string | null>,
    )
  }

  async getUser(username: string): Promise<UserView | null> {
    const row = await this.db('users').where({ username }).first()
    return row ? userView(row) : null
  }

  /** Users of a county ('' or null: everyone), filtered by unit and role. */
  async listUsers(filter: { tenant?: string | null; unit?: string; role?: string } = {}): Promise<UserView[]> {
    const q = this.db('users').orderBy('username')
    if (filter.tenant) q.where({ tenant: filter.tenant })
    if (filter.unit) q.where({ unit_code: filter.unit })
    if (filter.role) jsonListContains(q, 'roles', filter.role)
    return (await q).map(userView)
  }

  /**
   * Creates a user on behalf of `by`: an administrator anywhere; a county administrator only
   * inside their county and never another administrator of the whole system.
   */
  async createUser(by: Actor, input: NewUser): Promise<UserView> {
    const placed = await resolvePlacement(this.db, input.unitCode, input.regionCode)
    const unit = placed.unit!
    const region = placed.region
    // A unit whose region row is missing: the region it names is unknown.
    if (!region) throw unprocessable(msg('error.org.unknownRegion', { region: input.regionCode ?? unit.region_code }))
    if (!isSystemAdmin(by) && isSystemAdmin(input)) throw forbidden(msg('error.org.countyAdminNoAdmin'))
    await placementInReach(this.db, by, placed, 'error.org.outsideCounty')
    const row = {
      id: randomUUID(),
      username: input.username,
      display_name: input.displayName,
      password_hash: await hashPassword(input.password),
      roles: JSON.stringify([...new Set(input.roles)]),
      unit_code: unit.code,
      region_code: region.code,
      tenant: region.tenant ?? '',
      groups: JSON.stringify([...new Set(input.groups ?? [])]),
      active: input.active ?? true,
      created_at: nowIso(),
    }
    const created = userView(row)
    await this.db.transaction(async (trx) => {
      const inserted = await trx('users').insert(row).onConflict('username').ignore().returning('id')
      if (inserted.length === 0) throw conflict(msg('error.org.usernameTaken', { username: input.username }))
      await recordUserChange(trx, { username: row.username, by: by.username, action: 'created', changes: fieldChanges(null, created) })
    })
    return created
  }

  /**
   * Users (active) who receive a task offered to these candidate-group tokens. With `tenant`
   * (null: the city's), only the users whose work reaches that tenant (see groupsMatch).
   * Tokens that are still expressions (start with '=' or contain '${') match nobody.
   */
  async usersInGroups(tokens: string[], opts: { tenant?: string | null; limit?: number; db?: Db | Trx } = {}): Promise<UserView[]> {
    const list = tokens.map((t) => t.trim()).filter((t) => t && !t.startsWith('=') && !t.includes('${') && !t.includes('#{'))
    if (list.length === 0) return []
    // Inside a step's transaction, ask through it: SQLite has one connection.
    const q = (opts.db ?? this.db)('users').where({ active: true })
    q.where((w) => {
      for (const token of list) {
        w.orWhere((o) => {
          if (token.startsWith('role:')) jsonListContains(o, 'roles', token.slice(5))
          else if (token.startsWith('unit:')) o.where('unit_code', token.slice(5))
          else if (token.includes('@')) {
            const at = token.indexOf('@')
            o.where('unit_code', token.slice(at + 1))
            jsonListContains(o, 'roles', token.slice(0, at))
          } else jsonListContains(o, 'groups', token)
        })
      }
    })
    q.orderBy('username')
    const rows = await q
    const out: UserView[] = []
    for (const row of rows) {
      const u = userView(row)
      if (groupsMatch(computeGroups(u.roles, u.unitCode, u.groups), u, list, opts.tenant)) out.push(u)
      if (opts.limit && out.length >= opts.limit) break
    }
    return out
  }

  /**
   * Whether some active user receives a task offered to `token` in `tenant`; kept ORG_CACHE_MS
   * like the actors (a `users` write on this node empties it). Intake asks it of the unit a rule
   * names, every time.
   */
  isStaffed(token: string, tenant: string | null, db: Db | Trx = this.db): Promise<boolean> {
    return this.staffed.get(`${tenant ?? ''}\u0000${token}`, async () => (await this.usersInGroups([token], { tenant, limit: 1, db })).length > 0)
  }

  /** True when some active user would receive a task offered to `token` (deploy validation). */
  async groupExists(token: string): Promise<boolean> {
    return (await this.usersInGroups([token], { limit: 1 })).length > 0
  }
}
