import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { forbidden, msg, unauthorized } from '../lib/errors.js'
import { bearerToken } from '../lib/bearer.js'
import { OrgService, type Actor, type Role } from './service.js'
import { seedDemoOrg } from './seed.js'
import orgRoutes from './routes.js'
import userRoutes from './user-routes.js'
import orgAdminRoutes from './org-routes.js'
import { hasRole } from './policy.js'

export { OrgService, regionPath, computeGroups, groupsMatch, ROLES } from './service.js'
export type { Actor, Region, OrgUnit, UserView, NewUser, Role } from './service.js'

export type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

declare module 'fastify' {
  interface FastifyInstance {
    org: OrgService
    /**
     * Route `onRequest` hook: sets `request.actor` from the bearer token, or 401. onRequest, not
     * preHandler: it runs before the body is parsed and validated, so a request without a valid
     * token gets 401 (and one without the role 403), never a 400 that describes the body's schema.
     */
    authenticate: PreHandler
    /** Route `onRequest` hook: authenticates if needed, then 403 unless the actor has one of `roles` (admin passes all). */
    requireRole: (...roles: Role[]) => PreHandler
  }
  interface FastifyRequest {
    /** Set by `app.authenticate`; only read it on routes that run it. */
    actor: Actor
  }
}

const INVALID_TOKEN = msg('error.auth.invalidToken')

/** Organisation, identity and access: regions, units, users, login, and the auth hooks. */
export default fp(
  async function orgModule(app: FastifyInstance) {
    // This node's writes to the org tables empty the org caches at once (src/lib/write-invalidated.ts).
    const org = new OrgService(app.db, app.config, app.tableWatch)
    app.decorate('org', org)
    app.decorateRequest('actor', null as unknown as Actor)

    const authenticate: PreHandler = async (request) => {
      if (request.actor) return
      const token = bearerToken(request.headers)
      if (token == null) throw unauthorized()
      const actor = await org.actorFromToken(token)
      if (!actor) throw unauthorized(INVALID_TOKEN)
      request.actor = actor
    }
    app.decorate('authenticate', authenticate)

    app.decorate('requireRole', (...roles: Role[]): PreHandler => {
      return async (request, reply) => {
        await authenticate(request, reply)
        if (hasRole(request.actor, roles)) return
        throw forbidden(msg('error.auth.roles', { roles: roles.join(', ') }))
      }
    })

    // Seeded now, not on ready: modules registered after this one (process deploys checking
    // that some user can receive each task) need the users. Nodes racing here on one
    // PostgreSQL are fine: the seed inserts only what is absent.
    if (app.config.demo && (await seedDemoOrg(app.db))) app.log.info('seeded the demo organisation')

    await app.register(orgRoutes)
    await app.register(userRoutes)
    await app.register(orgAdminRoutes)
  },
  { name: 'org' },
)
