import type { RegionLevel } from './service.js'

/**
 * The organisation's tables as knex reads them (migrations/002_org.ts, 011_token_revocation.ts).
 * They live with the module that owns the tables; routing (src/cases/routing.ts) reads the same
 * rows and re-exports these. Booleans come back as 0/1 from SQLite.
 */

export interface RegionRow {
  code: string
  name: string
  name_en: string | null
  level: RegionLevel
  parent_code: string | null
  /** Materialised, '/city/county/…/'. */
  path: string
  /** County code; '' for the city itself. */
  tenant: string
  sort: number
  /** Who last changed it from the web app, and when (migration 035); null for seeded and imported rows. */
  updated_at?: string | null
  updated_by?: string | null
}

export interface UnitRow {
  code: string
  name: string
  name_en: string | null
  kind: string
  level: string
  region_code: string
  parent_code: string | null
  duty: string | null
  sort: number
  /** Who last changed it from the web app, and when (migration 035); null for seeded and imported rows. */
  updated_at?: string | null
  updated_by?: string | null
}

export interface UserRow {
  id: string
  username: string
  display_name: string
  password_hash: string
  /** JSON text list. */
  roles: string
  unit_code: string | null
  region_code: string | null
  /** County code of region_code; '' for city-level users. */
  tenant: string
  /** JSON text list of explicit plain groups. */
  groups: string
  active: boolean | number
  created_at: string
  token_version: number
}

/** A user's row with its region's path and county (null when the user has no region). */
export interface UserWithRegionRow extends UserRow {
  region_path: string | null
  region_tenant: string | null
}
