import type { FastifyInstance } from 'fastify'
import type { EngineDomain } from '../engine/access.js'
import { bearerToken } from '../lib/bearer.js'
import { canAdministerAnyTenant, canAdministerTenant, canSeeTenantVersion, deployTenant, isSystemAdmin, tenantScope } from './policy.js'
import type { Actor } from './service.js'
import { receivers } from './receivers.js'
import { inSlices } from '../lib/db.js'

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
      receivers: (tenant) => receivers(app.db, tenant),
    },
    directory: {
      async names(usernames, tenants) {
        const found = await inSlices(usernames, (slice) =>
          app.db('users').whereIn('username', slice).select<{ username: string; display_name: string }[]>('username', 'display_name'),
        )
        const users = new Map(found.map((u) => [u.username, u.display_name]))
        const regions = new Map<string, { name: string; name_en: string | null }>()
        if (tenants.length) for (const r of await app.db('regions').whereIn('code', tenants).select('code', 'name', 'name_en')) regions.set(r.code, r)
        return { users, tenants: regions }
      },
    },
  }
}
