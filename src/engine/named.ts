import type { EngineDirectory } from './access.js'

/**
 * Versions as the lists show them (definitions and resources alike): each view with the county's
 * name in both languages (`tenantName`, `tenantNameEn`; null for the city's) and, where the row
 * has a deployer, the deployer's display name (`deployedByName`). One query for all rows.
 */
export async function withNames<R extends { tenant: string; deployed_by?: string | null }, V extends object>(
  directory: EngineDirectory,
  rows: R[],
  view: (row: R) => V,
  opts: { deployer?: boolean } = {},
) {
  const usernames = opts.deployer ? [...new Set(rows.map((r) => r.deployed_by).filter((u): u is string => !!u))] : []
  const tenants = [...new Set(rows.map((r) => r.tenant).filter((c) => !!c))]
  const names = await directory.names(usernames, tenants)
  return rows.map((r) => ({
    ...view(r),
    ...(opts.deployer && { deployedByName: r.deployed_by ? (names.users.get(r.deployed_by) ?? null) : null }),
    ...tenantNames(names.tenants, r.tenant),
  }))
}

/** A county's name in both languages for a view (`tenantName`, `tenantNameEn`; null for the city's). */
export function tenantNames(tenants: Map<string, { name: string; name_en: string | null }>, tenant: string) {
  const t = tenant ? tenants.get(tenant) : undefined
  return { tenantName: t?.name ?? null, tenantNameEn: t?.name_en ?? null }
}
