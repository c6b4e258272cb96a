/**
 * What the engine asks of the domain that embeds it, injected in app composition (src/app.ts):
 * the engine knows a business key, tenants and usernames, and nothing of how an organisation
 * decides who may see, deploy or receive what — no role names, no sessions. The questions are
 * the engine's own (who acts, may they administer this tenant, may they reach every tenant);
 * the petition platform's answers are src/org/engine-access.ts.
 */

/**
 * Who acts, as the engine needs to know them. The domain's actor has at least this; the engine
 * hands back to the domain (business-key checks, access questions) the very object the domain's
 * `authenticate` gave it.
 */
export interface EngineActor {
  id: string
  username: string
  /** The tenant the actor belongs to, or null (the default tenant's people). */
  tenant: string | null
}

/** What `authenticate` may read of a request: its headers (a bearer token, a session cookie). */
export interface Credentials {
  headers: Record<string, string | string[] | undefined>
}

/**
 * Scope and permission questions the engine's commands and routes ask. Tenants: '' or null is
 * the default tenant (the city's), any other string one tenant. Methods, not function-valued
 * properties: a domain may answer with functions over its own, wider actor type.
 */
export interface EngineAccess {
  /** Who acts on this request (a session or a bearer token), or null: nobody, or credentials no longer valid. */
  authenticate(request: Credentials): Promise<EngineActor | null>
  /**
   * May `actor` administer the engine's things of `tenant` (deploy there, see and retry its
   * incidents, read and cancel its instances, issue its worker accounts)? Without `tenant`: of
   * some tenant at all (the administration routes' gate).
   */
  mayAdminister(actor: EngineActor, tenant?: string | null): boolean
  /** May `actor` reach every tenant at once (a signal broadcast to all waiting instances)? */
  mayBroadcast(actor: EngineActor): boolean
  /** May `actor` see a versioned thing (definition, form, decision) of `tenant`? */
  canSeeTenantVersion(actor: EngineActor, tenant: string | null | undefined): boolean
  /** The one tenant `actor` acts on, or `undefined` for every tenant. */
  tenantScope(actor: EngineActor): string | undefined
  /** The tenant a deploy by `actor` asking for `requested` lands in; throws when it may not. */
  deployTenant(actor: EngineActor, requested: string | null | undefined): string | null
  /** Is `code` a tenant one may deploy to (a county)? */
  isTenant(code: string): Promise<boolean>
}

/**
 * The tenant whose engine rows `actor` administers: `undefined` every tenant, a string that one
 * tenant, null none (someone who passed the gate for no tenant of their own sees nothing rather
 * than the default tenant's rows). Lists filter by it; single rows answer 404 outside it.
 */
export function administeredScope(access: EngineAccess, actor: EngineActor): string | null | undefined {
  const scope = access.tenantScope(actor)
  if (scope === undefined) return undefined
  return access.mayAdminister(actor, scope) ? scope : null
}

/** Is a row of `tenant` inside `scope` (from `administeredScope`)? */
export function inScope(scope: string | null | undefined, tenant: string | null): boolean {
  return scope === undefined || (scope !== null && (tenant ?? '') === scope)
}

/** Candidate resolution: who a task can reach (deploy checks that a task has a receiver). */
export interface CandidateResolver {
  /**
   * Every active username and every candidate-group token someone holds, of the users a task of
   * `tenant` can reach (a county's version: that county's and the city's users; undefined or
   * null, the city's version, which every county runs: everyone).
   */
  receivers(tenant?: string | null): Promise<{ users: ReadonlySet<string>; groups: ReadonlySet<string> }>
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
