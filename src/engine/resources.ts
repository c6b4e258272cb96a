import { createHash, randomUUID } from 'node:crypto'
import type { Knex } from 'knex'
import type { Db, Trx } from '../lib/db.js'
import { isUniqueViolation, withRetry } from '../lib/retry.js'
import { nowIso } from '../lib/db.js'
import { msg } from '../lib/errors.js'
import { sqlFirst } from '../lib/hot-sql.js'
import { badRequest, notFound } from './errors.js'
import type { TableWatch, WatchedCache } from '../lib/write-invalidated.js'

/**
 * How long a node keeps the version a key resolves to for a tenant (process definitions, forms,
 * decisions) without reading it again. Every intake read the procedure's version and the routing
 * decision's, every completion of a form task its form's: each a cold read of ~50–170 µs of
 * native SQLite in a step (bench/sql-native.ts, CLOCK=cpu), plus knex's own cost. This node's
 * deployments empty the cache at once (the database's TableWatch, `app.tableWatch`, sees every
 * write to the two tables here); a version deployed through another node of the same PostgreSQL is used here
 * within this time, as an edit of categories or units is (src/cases/config-reads.ts). A key that
 * resolves to nothing is not kept.
 */
export const VERSION_CACHE_MS = 5000

/**
 * Deployed resources beside the BPMN definitions: form-js forms and DMN decisions
 * (`resource_definitions`, migration 018). The same versioning rules as DefinitionStore: a
 * version is immutable per (kind, key, tenant); unchanged source is not a new version; a
 * county's newest version of a key wins for that county, the city's ('' tenant) serves the
 * rest. What a kind accepts is its validator's business (registered by the module that owns
 * the kind), so the store knows nothing of forms or decisions themselves.
 */
export type ResourceKind = 'form' | 'decision'
export const RESOURCE_KINDS: readonly ResourceKind[] = ['form', 'decision']

export interface ResourceRow {
  id: string
  kind: ResourceKind
  key: string
  tenant: string
  version: number
  name: string | null
  source: string
  source_hash: string
  deployed_at: string
  deployed_by: string | null
}
/**
 * The newest of `table`'s versioned rows (process definitions, forms, decisions) matching `where`
 * for `tenant` and for the city ('' tenant), the county's first, each present only if deployed: the
 * first is the version the tenant's work uses (its own newest, else the city's). One statement, a
 * UNION ALL of two `ORDER BY version DESC LIMIT 1` reads, each one seek at the end of the
 * (…, key, tenant, version) unique index, however many versions a key has (it read and sorted
 * every version of both before). Each read sits in a subquery: SQLite takes neither a LIMIT nor a
 * parenthesised SELECT inside a compound one.
 */
export async function newestForTenantAndCity<R extends { tenant: string }>(
  trx: Db | Trx,
  table: 'process_definitions' | 'resource_definitions',
  where: Record<string, string>,
  tenant: string | null | undefined,
  columns: readonly string[],
  /** Narrows each half further (process definitions: not a withdrawn key of that tenant, withdrawals.ts). */
  only?: (q: Knex.QueryBuilder, tenant: string) => void,
): Promise<R[]> {
  const newest = (t: string, alias: string): Knex.QueryBuilder =>
    trx.select(...columns).from(
      trx(table)
        .select(...columns)
        .where({ ...where, tenant: t })
        .modify((q) => only?.(q, t))
        .orderBy('version', 'desc')
        .limit(1)
        .as(alias),
    )
  const rows: R[] = await (tenant ? newest(tenant, 'county').unionAll(newest('', 'city')) : newest('', 'city'))
  // UNION ALL promises no order: the county's first.
  return rows.length > 1 && rows[0].tenant === '' ? [rows[1], rows[0]] : rows
}

export type ResourceHead = Omit<ResourceRow, 'source'>

/** A type, not an interface: a route's reply type from its schema is an open object, which only a type alias satisfies. */
export type ResourceView = {
  id: string
  kind: ResourceKind
  key: string
  version: number
  tenant: string | null
  name: string | null
  deployedAt: string
  deployedBy: string | null
}

/** The response schema of a ResourceView: one for every route that returns one (resources, decisions). */
export const resourceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: [...RESOURCE_KINDS] },
    key: { type: 'string' },
    version: { type: 'integer' },
    tenant: { type: ['string', 'null'] },
    name: { type: ['string', 'null'] },
    deployedAt: { type: 'string' },
    deployedBy: { type: ['string', 'null'] },
  },
} as const

export function resourceView(row: ResourceHead): ResourceView {
  return {
    id: row.id,
    kind: row.kind,
    key: row.key,
    version: row.version,
    tenant: row.tenant || null,
    name: row.name,
    deployedAt: row.deployed_at,
    deployedBy: row.deployed_by,
  }
}

/**
 * Checks a resource's source before it is stored and says what it is called. Throws a 4xx
 * (`badRequest` with details naming what is wrong) for anything it will not accept; returns the
 * key the source declares (a form's `id`, a decision's `id`) and a display name.
 */
export type ResourceValidator = (
  source: string,
  ctx: { tenant: string; trx?: Trx },
) => Promise<{ key: string; name?: string | null }> | { key: string; name?: string | null }

const HEAD = ['id', 'kind', 'key', 'tenant', 'version', 'name', 'source_hash', 'deployed_at', 'deployed_by'] as const
const KEY = /^[A-Za-z_][A-Za-z0-9._-]{0,254}$/
export const sourceHash = (source: string) => createHash('sha256').update(source).digest('hex')

export class ResourceStore {
  private validators = new Map<ResourceKind, ResourceValidator>()
  /** Newest heads by kind, key and tenant (see VERSION_CACHE_MS). */
  private readonly heads: WatchedCache<readonly ResourceHead[]>

  constructor(
    private db: Db,
    watch: TableWatch,
  ) {
    this.heads = watch.cache(['resource_definitions'], { ttlMs: VERSION_CACHE_MS, max: 1000 })
  }

  /** The module owning a kind says what it accepts; deploying a kind nobody registered is a 400. */
  register(kind: ResourceKind, validator: ResourceValidator) {
    this.validators.set(kind, validator)
  }

  has(kind: ResourceKind) {
    return this.validators.has(kind)
  }

  /** Validates and stores `source` as the next version of its key for `tenant`, in `trx` when given. */
  async deploy(
    kind: ResourceKind,
    source: string,
    opts: { tenant?: string | null; actor?: string | null; trx?: Trx } = {},
  ): Promise<{ resource: ResourceRow; created: boolean }> {
    const validate = this.validators.get(kind)
    if (!validate) throw badRequest(msg('error.resource.noValidator', { kind }))
    const tenant = opts.tenant ?? ''
    const { key, name } = await validate(source, { tenant, trx: opts.trx })
    if (!KEY.test(key)) throw badRequest(msg('error.resource.badKey', { key: key.slice(0, 300) }))
    const hash = sourceHash(source)
    const write = async (trx: Trx) => {
      const latest: ResourceRow | undefined = await trx('resource_definitions').where({ kind, key, tenant }).orderBy('version', 'desc').first()
      if (latest && latest.source_hash === hash) return { resource: latest, created: false }
      const row: ResourceRow = {
        id: randomUUID(),
        kind,
        key,
        tenant,
        version: (latest?.version ?? 0) + 1,
        name: name ?? null,
        source,
        source_hash: hash,
        deployed_at: nowIso(),
        deployed_by: opts.actor ?? null,
      }
      await trx('resource_definitions').insert(row)
      return { resource: row, created: true }
    }
    if (opts.trx) return write(opts.trx)
    // Two deploys at once race for the next version number; the unique key decides, then retry.
    return withRetry(this.db, write, { retryOn: isUniqueViolation, attempts: 4 })
  }

  /** Version heads (no source), newest first per key; filtered by kind, key and exact tenant. */
  async list(filter: { kind?: ResourceKind; key?: string; tenant?: string | null } = {}, trx: Db | Trx = this.db): Promise<ResourceHead[]> {
    const q = trx('resource_definitions')
      .select(...HEAD)
      .orderBy([{ column: 'kind' }, { column: 'key' }, { column: 'tenant' }, { column: 'version', order: 'desc' }])
    if (filter.kind) q.where({ kind: filter.kind })
    if (filter.key) q.where({ key: filter.key })
    if (filter.tenant !== undefined) q.where({ tenant: filter.tenant ?? '' })
    return q
  }

  async get(id: string, trx: Db | Trx = this.db): Promise<ResourceRow> {
    const row = await sqlFirst<ResourceRow>(trx, 'select * from "resource_definitions" where "id" = ? limit 1', [id])
    if (!row) throw notFound(msg('error.resource.versionNotFound', { id }))
    return row
  }

  /** The version `tenant`'s work uses: the county's own newest, else the city's newest. 404 if neither. */
  async resolve(kind: ResourceKind, key: string, tenant: string | null | undefined, trx: Db | Trx = this.db): Promise<ResourceRow> {
    // One statement for the county's own newest version, else the city's.
    const [row] = await newestForTenantAndCity<ResourceRow>(trx, 'resource_definitions', { kind, key }, tenant, ['*'])
    if (row) return row
    throw notFound(msg('error.resource.notFound', { kind, key }))
  }

  /**
   * resolve's version without its source: for a caller that keeps what it makes of a version by
   * id (a version never changes), and reads the source only for one it has not seen.
   */
  async resolveHead(kind: ResourceKind, key: string, tenant: string | null | undefined, trx: Db | Trx = this.db): Promise<ResourceHead> {
    const [head] = await this.newestHeads(kind, key, tenant, trx)
    if (head) return head
    throw notFound(msg('error.resource.notFound', { kind, key }))
  }

  /**
   * The newest version of `key` for `tenant` and the city's, in that order, each present only if
   * deployed (a county's work uses the first; the routing decision falls back to the second
   * when the first has no rule for a case). Kept per node: see VERSION_CACHE_MS.
   */
  async newestHeads(kind: ResourceKind, key: string, tenant: string | null | undefined, trx: Db | Trx = this.db): Promise<readonly ResourceHead[]> {
    const read = async () => {
      const heads = await newestForTenantAndCity<ResourceHead>(trx, 'resource_definitions', { kind, key }, tenant, HEAD)
      return Object.freeze(heads.map((h) => Object.freeze(h)))
    }
    // Nothing deployed is not kept: a first version deployed through another node is used here at once.
    return this.heads.get(`${kind}\n${key}\n${tenant ?? ''}`, read, (heads) => heads.length > 0)
  }

  async hasKey(kind: ResourceKind, key: string, trx: Db | Trx = this.db): Promise<boolean> {
    return !!(await trx('resource_definitions').where({ kind, key }).first('id'))
  }
}
