import type { FastifyInstance } from 'fastify'
import type { EngineDomain } from '../engine/access.js'
import { bearerToken } from '../lib/bearer.js'
import { canAdministerAnyTenant, canAdministerTenant, canSeeTenantVersion, deployTenant, isSystemAdmin, tenantScope, worksOnTenant } from './policy.js'
import { actorTenant, computeGroups, type Actor } from './service.js'

/**
 * The petition platform's answers to the engine's questions (src/engine/access.ts): scope from
 * the access policy (policy.ts), receivers from users' roles, units and groups, names from
 * users and regions. Given to the engine module in app composition (src/app.ts).
 */
export function engineDomain(app: FastifyInstance): EngineDomain {
  return {
    // The engine hands back the actor `authenticate` gave it, so these read org's Actor (roles
    // included); the engine's interface declares them as methods, which lets them.
    access: {
      async authenticate(request) {
        const token = bearerToken(request.headers)
        return token == null ? null : app.org.actorFromToken(token)
      },
      mayAdminister: (actor: Actor, tenant?: string | null) => (tenant === undefined ? canAdministerAnyTenant(actor) : canAdministerTenant(actor, tenant)),
      mayBroadcast: (actor: Actor) => isSystemAdmin(actor),
      canSeeTenantVersion: (actor: Actor, tenant) => canSeeTenantVersion(actor, tenant),
      tenantScope: (actor: Actor) => tenantScope(actor),
      deployTenant: (actor: Actor, requested) => deployTenant(actor, requested),
      isTenant: async (code) => (await app.org.getRegion(code))?.level === 'county',
    },
    candidates: {
      async receivers(tenant) {
        // The region's tenant too: a user's tenant as a signed-in actor has it (actorTenant).
        const rows: {
          username: string
          roles: string
          unit_code: string | null
          groups: string | null
          tenant: string | null
          region_tenant: string | null
        }[] = await app
          .db('users')
          .leftJoin('regions', 'regions.code', 'users.region_code')
          .where({ 'users.active': true })
          .select('users.username', 'users.roles', 'users.unit_code', 'users.groups', 'users.tenant', 'regions.tenant as region_tenant')
        const users = new Set<string>()
        const groups = new Set<string>()
        for (const r of rows) {
          const roles = JSON.parse(r.roles || '[]')
          // A county's version reaches only the users who work on that county (policy's
          // worksOnTenant): a token only another county's users hold leaves its task to nobody.
          if (tenant && !worksOnTenant({ roles, tenant: actorTenant(r) }, tenant)) continue
          users.add(r.username)
          for (const g of computeGroups(roles, r.unit_code, JSON.parse(r.groups || '[]'))) groups.add(g)
        }
        return { users, groups }
      },
    },
    directory: {
      async names(usernames, tenants) {
        const users = new Map<string, string>()
        const regions = new Map<string, { name: string; name_en: string | null }>()
        for (let i = 0; i < usernames.length; i += 500)
          for (const u of await app
            .db('users')
            .whereIn('username', usernames.slice(i, i + 500))
            .select('username', 'display_name'))
            users.set(u.username, u.display_name)
        if (tenants.length) for (const r of await app.db('regions').whereIn('code', tenants).select('code', 'name', 'name_en')) regions.set(r.code, r)
        return { users, tenants: regions }
      },
    },
  }
}
