import { forbidden, msg } from '../lib/errors.js'
import type { Actor } from './service.js'

/**
 * Who may do what across tenants, in one place (issue 13): every "is this the city's
 * administrator", "may this county administrator act on that county" goes through a named
 * function here instead of `roles.includes('admin')` written out in each module. Role checks of
 * the routes themselves stay `app.requireRole(...)` (which lets the administrator pass too);
 * what a role may do inside a case (a unit's own task, a dispatcher's region) stays with the
 * module that knows the case.
 *
 * Tenants: '' (or null) is the city's; a county code is that county's.
 */

/** The city's system administrator: every tenant, every unit, every task. */
export function isSystemAdmin(actor: Pick<Actor, 'roles'>): boolean {
  return actor.roles.includes('admin')
}

/**
 * Holds one of `roles`, or is the system administrator, who passes every role check (the routes'
 * `requireRole` and the modules' own checks of what a role may do alike).
 */
export function hasRole(actor: Pick<Actor, 'roles'>, roles: readonly string[]): boolean {
  return isSystemAdmin(actor) || actor.roles.some((r) => roles.includes(r))
}

/**
 * Administers some tenant: the city's administrator, or a county administrator (of their county;
 * one without a county passes this gate and then administers nothing, see `canAdministerTenant`).
 * The gate of the administration pages and of the engine's administration routes.
 */
export function canAdministerAnyTenant(actor: Pick<Actor, 'roles'>): boolean {
  return isSystemAdmin(actor) || isCountyAdmin(actor)
}

/** A county's administrator (the role alone; which county is `actor.tenant`). */
export function isCountyAdmin(actor: Pick<Actor, 'roles'>): boolean {
  return actor.roles.includes('county_admin')
}

/** May `actor` change what belongs to `tenant` (deploy a version, edit its rules, its users)? */
export function canAdministerTenant(actor: Pick<Actor, 'roles' | 'tenant'>, tenant: string | null | undefined): boolean {
  if (isSystemAdmin(actor)) return true
  return isCountyAdmin(actor) && !!actor.tenant && (tenant ?? '') === actor.tenant
}

/**
 * May `actor` see a versioned thing of `tenant` (a definition, a form, a decision, a routing
 * rule)? The city's versions serve everyone, so a county administrator sees those and their
 * own county's; administrators all.
 */
export function canSeeTenantVersion(actor: Pick<Actor, 'roles' | 'tenant'>, tenant: string | null | undefined): boolean {
  return isSystemAdmin(actor) || !tenant || tenant === actor.tenant
}

/**
 * The one tenant whose rows `actor` may read or act on, or `undefined` for every tenant (the
 * administrator). A user without a county gets '' (the city's rows only).
 */
export function tenantScope(actor: Pick<Actor, 'roles' | 'tenant'>): string | undefined {
  return isSystemAdmin(actor) ? undefined : (actor.tenant ?? '')
}

/**
 * The one tenant whose work (tasks, and the cases a task involves one in) reaches `actor`, or
 * `undefined` for every tenant. A county's user works only on their county's: what they hold —
 * a role, a unit, a plain group a county administrator typed in — says what kind of work they
 * receive, never in which county, so another county's or the city's task naming the same token
 * is not theirs. City-level users (and the administrator) work on every tenant's: the city desk
 * takes the cases no county rule routes, an escalation goes up to a city unit, and a county
 * case may name a city unit in a joint assignment.
 */
export function workTenant(actor: Pick<Actor, 'roles' | 'tenant'>): string | undefined {
  return isSystemAdmin(actor) || !actor.tenant ? undefined : actor.tenant
}

/** Whether a task of `tenant` ('' or null: the city's) may reach `actor` at all (`workTenant`). */
export function worksOnTenant(actor: Pick<Actor, 'roles' | 'tenant'>, tenant: string | null | undefined): boolean {
  const own = workTenant(actor)
  return own === undefined || (tenant ?? '') === own
}

/**
 * The tenant a deploy by `actor` lands in when it asks for `requested`: an administrator gets what
 * they ask (null: the city); a county administrator only their own county (asking for another
 * is a 403).
 */
export function deployTenant(actor: Pick<Actor, 'roles' | 'tenant'>, requested: string | null | undefined): string | null {
  if (isSystemAdmin(actor)) return requested ?? null
  if (requested && requested !== actor.tenant) throw forbidden(msg('error.engine.countyOnly', { tenant: actor.tenant }))
  if (!actor.tenant) throw forbidden()
  return actor.tenant
}

/**
 * May `actor` administer what lies in `region`: add regions under it, add and change its units
 * (src/org/org-admin.ts)? The city's administrator everywhere; a county administrator in their
 * county, the county's own region included (its townships and departments are theirs), never
 * at the city's level or in another county.
 */
export function canAdministerRegion(actor: Pick<Actor, 'roles' | 'tenant'>, region: { tenant: string | null }): boolean {
  return canAdministerTenant(actor, region.tenant)
}

/**
 * May `actor` rename `region`? As `canAdministerRegion`, except that a county's own name is the
 * city's to give: a county administrator renames what lies below their county only.
 */
export function canRenameRegion(actor: Pick<Actor, 'roles' | 'tenant'>, region: { tenant: string | null; level: string }): boolean {
  return isSystemAdmin(actor) || (region.level !== 'county' && region.level !== 'city' && canAdministerRegion(actor, region))
}
