import type { FastifyInstance } from 'fastify'
import type { EngineDomain } from '../engine/access.js'
import { canSeeTenantVersion, deployTenant, isSystemAdmin, tenantScope } from './policy.js'
import { computeGroups } from './service.js'

/**
 * The petition platform's answers to the engine's questions (src/engine/access.ts): scope from
 * the access policy (policy.ts), receivers from users' roles, units and groups, names from
 * users and regions. Given to the engine module in app composition (src/app.ts).
 */
export function engineDomain(app: FastifyInstance): EngineDomain {
  return {
    access: {
      isSystemAdmin,
      canSeeTenantVersion: (actor, tenant) => canSeeTenantVersion(actor, tenant),
      tenantScope: (actor) => tenantScope(actor),
      deployTenant: (actor, requested) => deployTenant(actor, requested),
      isTenant: async (code) => (await app.org.getRegion(code))?.level === 'county',
      actorFromToken: (token) => app.org.actorFromToken(token),
    },
    candidates: {
      async receivers() {
        const rows: { username: string; roles: string; unit_code: string | null; groups: string | null }[] = await app
          .db('users')
          .where({ active: true })
          .select('username', 'roles', 'unit_code', 'groups')
        const users = new Set<string>()
        const groups = new Set<string>()
        for (const r of rows) {
          users.add(r.username)
          for (const g of computeGroups(JSON.parse(r.roles || '[]'), r.unit_code, JSON.parse(r.groups || '[]'))) groups.add(g)
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
