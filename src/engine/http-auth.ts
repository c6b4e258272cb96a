import type { FastifyReply, FastifyRequest } from 'fastify'
import { bearerToken } from '../lib/bearer.js'
import { forbidden, msg, unauthorized } from '../lib/errors.js'
import type { EngineAccess, EngineActor } from './access.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the engine routes' onRequest hooks (http-auth.ts); only read it on routes that run one. */
    engineActor: EngineActor
  }
}

export type EnginePreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

/**
 * Who acts on an engine route, asked of the embedding domain (`access.authenticate`): 401 without
 * credentials or with ones the domain no longer accepts. The engine's own answer, so its routes
 * need no hook of the domain's and no knowledge of its roles.
 */
export async function engineActor(access: EngineAccess, request: FastifyRequest): Promise<EngineActor> {
  if (request.engineActor) return request.engineActor
  const actor = await access.authenticate(request)
  // Without a token the sentence asks to sign in; with one it says the token is no longer good.
  if (!actor) throw bearerToken(request.headers) == null ? unauthorized() : unauthorized(msg('error.auth.invalidToken'))
  request.engineActor = actor
  return actor
}

/**
 * The onRequest hooks of the engine's routes (one set per route plugin, over the injected access;
 * onRequest so that 401/403 come before any 400 about the body):
 * `administrators` — someone who administers the engine for some tenant (each handler then
 * narrows to the tenants they administer); `broadcasters` — someone who may reach every tenant.
 */
export function engineAuth(access: EngineAccess): { administrators: EnginePreHandler; broadcasters: EnginePreHandler } {
  return {
    async administrators(request) {
      if (!access.mayAdminister(await engineActor(access, request))) throw forbidden(msg('error.engine.notAdministrator'))
    },
    async broadcasters(request) {
      if (!access.mayBroadcast(await engineActor(access, request))) throw forbidden(msg('error.engine.broadcastForbidden'))
    },
  }
}
