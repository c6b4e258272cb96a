/**
 * What the engine asks of the domain that embeds it, injected in app composition (src/app.ts):
 * the engine knows a business key, tenants and usernames, and nothing of how an organisation
 * decides who may see, deploy or receive what. The petition platform's implementation is
 * src/org/engine-access.ts.
 */

/** Who acts, as the engine needs to know them (the domain's actor has at least this). */
export interface EngineActor {
  id: string
  username: string
  roles: string[]
  tenant: string | null
}

/** Scope and permission questions the engine's commands and routes ask (the access/scope interface). */
export interface EngineAccess {
  /** Acts on every tenant (the city's administrator). */
  isSystemAdmin(actor: EngineActor): boolean
  /** May `actor` see a versioned thing (definition, form, decision) of `tenant`? */
  canSeeTenantVersion(actor: EngineActor, tenant: string | null | undefined): boolean
  /** The one tenant `actor` may act on, or `undefined` for every tenant. */
  tenantScope(actor: EngineActor): string | undefined
  /** The tenant a deploy by `actor` asking for `requested` lands in; throws when it may not. */
  deployTenant(actor: EngineActor, requested: string | null | undefined): string | null
  /** Is `code` a tenant one may deploy to (a county)? */
  isTenant(code: string): Promise<boolean>
  /** The actor a bearer token stands for (Camunda REST clients), or null. */
  actorFromToken(token: string): Promise<EngineActor | null>
}

/** Candidate resolution: who a task can reach (deploy checks that a task has a receiver). */
export interface CandidateResolver {
  /** Every active username and every candidate-group token someone holds. */
  receivers(): Promise<{ users: ReadonlySet<string>; groups: ReadonlySet<string> }>
}

/** Display names for versions' lists: who deployed each, and the tenant's name in both languages. */
export interface EngineDirectory {
  names(usernames: string[], tenants: string[]): Promise<{ users: Map<string, string>; tenants: Map<string, { name: string; name_en: string | null }> }>
}

/** Everything the domain injects into the engine module (src/engine/index.ts). */
export interface EngineDomain {
  access: EngineAccess
  candidates: CandidateResolver
  directory: EngineDirectory
}
