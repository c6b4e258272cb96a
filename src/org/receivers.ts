import type { Db } from '../lib/db.js'
import { worksOnTenant } from './policy.js'
import { actorTenant, computeGroups } from './service.js'

/**
 * Every active username and every candidate-group token someone holds, of the users a task of
 * `tenant` can reach (a county's version: that county's and the city's users; undefined or null,
 * the city's version, which every county runs: everyone). With `role`, only the users holding it:
 * who among the receivers can do what a step demands of its actor (callback staff, for one).
 */
export async function receivers(db: Db, tenant?: string | null, role?: string): Promise<{ users: Set<string>; groups: Set<string> }> {
  // The region's tenant too: a user's tenant as a signed-in actor has it (actorTenant).
  const rows: {
    username: string
    roles: string
    unit_code: string | null
    groups: string | null
    tenant: string | null
    region_tenant: string | null
  }[] = await db('users')
    .leftJoin('regions', 'regions.code', 'users.region_code')
    .where({ 'users.active': true })
    .select('users.username', 'users.roles', 'users.unit_code', 'users.groups', 'users.tenant', 'regions.tenant as region_tenant')
  const users = new Set<string>()
  const groups = new Set<string>()
  for (const r of rows) {
    const roles: string[] = JSON.parse(r.roles || '[]')
    if (role && !roles.includes(role)) continue
    // A county's version reaches only the users who work on that county (policy's
    // worksOnTenant): a token only another county's users hold leaves its task to nobody.
    if (tenant && !worksOnTenant({ roles, tenant: actorTenant(r) }, tenant)) continue
    users.add(r.username)
    for (const g of computeGroups(roles, r.unit_code, JSON.parse(r.groups || '[]'))) groups.add(g)
  }
  return { users, groups }
}
