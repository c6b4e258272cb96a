import { randomUUID } from 'node:crypto'
import { Ajv } from 'ajv'
import { nowIso, type Db } from '../lib/db.js'
import { isWellFormed } from '../lib/text.js'
import { MessageError, msg, validationMsg, type Msg } from '../lib/errors.js'
import { hashPassword } from './passwords.js'
import { REGION_LEVELS, type RegionLevel } from './service.js'
import type { RegionRow, UnitRow } from './rows.js'

/**
 * What a production install starts from (src/cli.ts): nothing of the demo is seeded there, and
 * every API that creates people needs an administrator, and a unit to put them in. These run
 * straight against the database, as the operator who holds DATABASE_URL may.
 */

/** As POST /api/org/users takes them. */
export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/
export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 256

/** Why a password may not be used, or null. */
export function passwordProblem(password: string): Msg | null {
  if (password.includes('\u0000') || !isWellFormed(password)) return msg('cli.passwordBadChars')
  // Counted in code points, as a person counts what they typed.
  const length = [...password].length
  if (length < PASSWORD_MIN) return msg('cli.passwordTooShort', { min: PASSWORD_MIN })
  if (length > PASSWORD_MAX) return msg('cli.passwordTooLong', { max: PASSWORD_MAX })
  return null
}

export interface NewAdministrator {
  username: string
  displayName?: string
  password: string
  /** An existing unit to place the administrator in; none: a city-level account outside any unit. */
  unitCode?: string
}

/** Creates a system administrator; refuses a username that exists (reset its password instead). */
export async function createAdministrator(db: Db, input: NewAdministrator): Promise<void> {
  if (!USERNAME.test(input.username)) throw new MessageError(msg('cli.badUsername', { username: input.username }))
  const displayName = input.displayName ?? input.username
  if (displayName.trim().length === 0 || [...displayName].length > 100 || !isWellFormed(displayName) || displayName.includes('\u0000'))
    throw new MessageError(msg('cli.badDisplayName'))
  const bad = passwordProblem(input.password)
  if (bad) throw new MessageError(bad)
  let unit: UnitRow | undefined
  let region: RegionRow | undefined
  if (input.unitCode !== undefined) {
    unit = await db('org_units').where({ code: input.unitCode }).first()
    if (!unit) throw new MessageError(msg('cli.unitUnknown', { unit: input.unitCode }))
    region = await db('regions').where({ code: unit.region_code }).first()
  }
  const inserted = await db('users')
    .insert({
      id: randomUUID(),
      username: input.username,
      display_name: displayName,
      password_hash: await hashPassword(input.password),
      roles: JSON.stringify(['admin']),
      unit_code: unit?.code ?? null,
      region_code: region?.code ?? null,
      tenant: region?.tenant ?? '',
      groups: '[]',
      active: true,
      created_at: nowIso(),
    })
    .onConflict('username')
    .ignore()
    .returning('id')
  if (inserted.length === 0) throw new MessageError(msg('cli.adminExists', { username: input.username }))
}

/**
 * Sets a user's password and revokes every token they hold (as a password change does), for
 * the administrator who forgot it; the account is made active again, or the reset would not
 * let anyone in.
 */
export async function resetPassword(db: Db, username: string, password: string): Promise<void> {
  const bad = passwordProblem(password)
  if (bad) throw new MessageError(bad)
  const hash = await hashPassword(password)
  const changed = await db('users')
    .where({ username })
    .update({ password_hash: hash, active: true, token_version: db.raw('token_version + 1') })
  if (!changed) throw new MessageError(msg('cli.unknownUser', { username }))
}

// ── the organisation from a file ─────────────────────────────────────────────

/**
 * What a region's or a unit's code may be, here and in the web app's administration
 * (src/org/org-routes.ts): it goes into paths (`/city/county/…/`), candidate-group tokens
 * (`handler@<unit>`) and routing rules, so no `/`, `,`, `@`, `:` or space.
 */
export const ORG_CODE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'
const code = { type: 'string', pattern: ORG_CODE_PATTERN } as const
const name = { type: 'string', minLength: 1, maxLength: 100 } as const

const orgSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    regions: {
      type: 'array',
      maxItems: 100_000,
      items: {
        type: 'object',
        required: ['code', 'name', 'level'],
        additionalProperties: false,
        properties: { code, name, nameEn: name, level: { enum: [...REGION_LEVELS] }, parent: code },
      },
    },
    units: {
      type: 'array',
      maxItems: 100_000,
      items: {
        type: 'object',
        required: ['code', 'name', 'kind', 'region'],
        additionalProperties: false,
        properties: { code, name, nameEn: name, kind: code, region: code, parent: code, duty: code, level: { enum: [...REGION_LEVELS] } },
      },
    },
  },
} as const

export interface OrgFile {
  regions?: { code: string; name: string; nameEn?: string; level: RegionLevel; parent?: string }[]
  units?: { code: string; name: string; nameEn?: string; kind: string; region: string; parent?: string; duty?: string; level?: RegionLevel }[]
}

const validateOrg = new Ajv({ allErrors: true }).compile<OrgFile>(orgSchema)

/** Problems of an import, each with where in the file it is. */
export class OrgFileError extends Error {
  constructor(readonly problems: { where: string; problem: Msg }[]) {
    super('organisation file refused')
  }
}

export interface OrgImportResult {
  regionsAdded: number
  regionsUpdated: number
  unitsAdded: number
  unitsUpdated: number
}

/**
 * Adds the regions and units of `doc` (all or nothing) to what the database has. A code already
 * there keeps its place (a region its parent and level, a unit its region: cases and users hang
 * on those) and takes the file's names, so the file can be fixed and imported again.
 */
export async function importOrg(db: Db, doc: unknown): Promise<OrgImportResult> {
  if (!validateOrg(doc))
    throw new OrgFileError(
      (validateOrg.errors ?? []).map((e) => ({ where: e.instancePath || '/', problem: validationMsg(e.keyword, e.instancePath.replace(/^\//, ''), e.params) })),
    )
  const regions = doc.regions ?? []
  const units = doc.units ?? []
  return db.transaction(async (trx) => {
    const problems: { where: string; problem: Msg }[] = []
    const result: OrgImportResult = { regionsAdded: 0, regionsUpdated: 0, unitsAdded: 0, unitsUpdated: 0 }

    const known = new Map<string, { level: RegionLevel; path: string; tenant: string }>()
    const existingRegion = async (c: string) => {
      if (!known.has(c)) {
        const row: RegionRow | undefined = await trx('regions').where({ code: c }).first()
        if (row) known.set(c, { level: row.level, path: row.path, tenant: row.tenant })
      }
      return known.get(c)
    }
    const seen = new Set<string>()
    const sortBase = Number((await trx('regions').max({ m: 'sort' }).first())?.m ?? 0) + 1
    for (const [i, r] of regions.entries()) {
      const where = `/regions/${i}`
      if (seen.has(r.code)) problems.push({ where, problem: msg('cli.org.duplicate', { code: r.code }) })
      seen.add(r.code)
      const stored: RegionRow | undefined = await trx('regions').where({ code: r.code }).first()
      let parent: { level: RegionLevel; path: string; tenant: string } | undefined
      if (r.parent !== undefined) {
        parent = await existingRegion(r.parent)
        if (!parent) {
          const later = regions.slice(i + 1).some((x) => x.code === r.parent)
          problems.push({ where, problem: msg(later ? 'cli.org.parentAfter' : 'cli.org.unknownParent', { parent: r.parent }) })
          continue
        }
        const expected = REGION_LEVELS[REGION_LEVELS.indexOf(parent.level) + 1]
        if (r.level !== expected) {
          const problem = expected
            ? msg('cli.org.levelAfterParent', { level: r.level, expected, parent: r.parent, parentLevel: parent.level })
            : msg('cli.org.gridNoChildren', { parent: r.parent })
          problems.push({ where, problem })
          continue
        }
      } else if (r.level !== 'city') {
        problems.push({ where, problem: msg('cli.org.topNotCity') })
        continue
      }
      const path = `${parent?.path ?? '/'}${r.code}/`
      // The county is the tenant: a county's own code, its descendants' county's, the city's ''.
      const tenant = r.level === 'city' ? '' : r.level === 'county' ? r.code : parent!.tenant
      if (stored) {
        if (stored.path !== path || stored.level !== r.level) {
          problems.push({ where, problem: msg('cli.org.moved', { code: r.code }) })
          continue
        }
        if (stored.name !== r.name || (stored.name_en ?? null) !== (r.nameEn ?? null)) {
          await trx('regions')
            .where({ code: r.code })
            .update({ name: r.name, name_en: r.nameEn ?? null })
          result.regionsUpdated++
        }
      } else {
        await trx('regions').insert({
          code: r.code,
          name: r.name,
          name_en: r.nameEn ?? null,
          level: r.level,
          parent_code: r.parent ?? null,
          path,
          tenant,
          sort: sortBase + i,
        })
        result.regionsAdded++
      }
      known.set(r.code, { level: r.level, path, tenant })
    }

    const unitSeen = new Set<string>()
    const unitSortBase = Number((await trx('org_units').max({ m: 'sort' }).first())?.m ?? 0) + 1
    for (const [i, u] of units.entries()) {
      const where = `/units/${i}`
      if (unitSeen.has(u.code)) problems.push({ where, problem: msg('cli.org.duplicate', { code: u.code }) })
      unitSeen.add(u.code)
      const region = await existingRegion(u.region)
      if (!region) {
        problems.push({ where, problem: msg('cli.org.unknownRegion', { region: u.region }) })
        continue
      }
      if (u.parent !== undefined && !unitSeen.has(u.parent) && !(await trx('org_units').where({ code: u.parent }).first('code')))
        problems.push({ where, problem: msg('cli.org.unknownUnitParent', { parent: u.parent }) })
      const stored: UnitRow | undefined = await trx('org_units').where({ code: u.code }).first()
      if (stored) {
        if (stored.region_code !== u.region) {
          problems.push({ where, problem: msg('cli.org.unitMoved', { code: u.code }) })
          continue
        }
        if (stored.name !== u.name || (stored.name_en ?? null) !== (u.nameEn ?? null)) {
          await trx('org_units')
            .where({ code: u.code })
            .update({ name: u.name, name_en: u.nameEn ?? null })
          result.unitsUpdated++
        }
        continue
      }
      await trx('org_units').insert({
        code: u.code,
        name: u.name,
        name_en: u.nameEn ?? null,
        kind: u.kind,
        level: u.level ?? region.level,
        region_code: u.region,
        parent_code: u.parent ?? null,
        duty: u.duty ?? null,
        sort: unitSortBase + i,
      })
      result.unitsAdded++
    }
    // All or nothing: the rollback takes back what the loop wrote before it found a problem.
    if (problems.length) throw new OrgFileError(problems)
    return result
  })
}
