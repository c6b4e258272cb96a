import { createHash, randomUUID } from 'node:crypto'
import type { Db, Trx } from '../lib/db.js'
import { isUniqueViolation, withRetry } from '../lib/retry.js'
import { nowIso } from '../lib/db.js'
import { msg } from '../lib/errors.js'
import { badRequest, conflict, notFound } from './errors.js'
import { prepareDefinition, type PreparedDefinition } from './model.js'
import { validateBpmn, type Problem } from './validate.js'
import { protectedFieldProblems } from './validate-variables.js'
import { newestForTenantAndCity, VERSION_CACHE_MS } from './resources.js'
import type { TableWatch, WatchedCache } from '../lib/write-invalidated.js'
import { restoreOnDeploy } from './withdrawals.js'

/** The columns of a version a start needs (not its XML: its parsed form is cached per id). */
const HEAD_COLUMNS = ['id', 'key', 'tenant', 'version', 'name', 'xml_hash', 'deployed_at', 'deployed_by'] as const

export interface DefinitionRow {
  id: string
  key: string
  tenant: string
  version: number
  name: string | null
  xml: string
  xml_hash: string
  deployed_at: string
  deployed_by: string | null
}

/** A type, not an interface: a route's reply type from its schema is an open object, which only a type alias satisfies. */
export type DefinitionView = {
  id: string
  key: string
  version: number
  tenant: string | null
  name: string | null
  deployedAt: string
  deployedBy: string | null
}

export function definitionView(row: DefinitionRow): DefinitionView {
  return {
    id: row.id,
    key: row.key,
    version: row.version,
    tenant: row.tenant || null,
    name: row.name,
    deployedAt: row.deployed_at,
    deployedBy: row.deployed_by,
  }
}

/** How versions are compared: unchanged XML is not a new version. */
export const xmlHash = (xml: string) => createHash('sha256').update(xml).digest('hex')

export interface LoadedDefinition extends PreparedDefinition {
  row: DefinitionRow
}

export interface DeployOptions {
  tenant?: string | null
  actor?: string | null
  /** Handler names that service tasks may name (camunda:topic). */
  handlers: ReadonlySet<string>
  canReceive?: (receivers: { users: string[]; groups: string[] }) => boolean
  /** What other modules need of a definition (e.g. cases' platform markers), checked after validation. */
  checks?: ReadonlyArray<DeployCheck>
  /** Variables no form field of the diagram may declare. */
  isProtected?: (name: string) => boolean
  /** Process keys a call activity may name besides the deployed ones (the other files of a bundle). */
  knownKeys?: ReadonlySet<string>
}

/** A definition that passed validation and every deploy check, ready to be stored. */
export interface CheckedDefinition {
  xml: string
  key: string
  name: string | null
  tenant: string
  prepared?: PreparedDefinition
}

/**
 * A module's requirements on a definition: each problem names its element (null: the whole
 * diagram). `tenant`: the county the version is deployed for (null: the city's, which every county runs).
 */
export type DeployCheck = (definition: PreparedDefinition, context: { tenant: string | null }) => Problem[] | Promise<Problem[]>

/**
 * Definition versions: immutable per (key, tenant); a county's version of a key wins for
 * its cases, the city default ('' tenant) serves everyone else. Parsed definitions are
 * cached per version id, so an engine step never parses XML.
 */
export class DefinitionStore {
  private cache = new Map<string, Promise<LoadedDefinition>>()
  /** resolve's answers by key and tenant (see VERSION_CACHE_MS). */
  private readonly heads: WatchedCache<Omit<DefinitionRow, 'xml'> | undefined>

  constructor(
    private db: Db,
    watch: TableWatch,
  ) {
    // A withdrawal or restore (withdrawals.ts) changes what a key resolves to as a deploy does:
    // this node's empties the cache at once, another node's is seen within VERSION_CACHE_MS.
    this.heads = watch.cache(['process_definitions', 'process_withdrawals'], { ttlMs: VERSION_CACHE_MS, max: 1000 })
  }

  async deploy(xml: string, opts: DeployOptions): Promise<{ definition: DefinitionRow; created: boolean }> {
    return this.store(await this.check(xml, opts), { actor: opts.actor })
  }

  /**
   * Validates `xml` for `opts.tenant` without writing: a 400 naming each problem, else what
   * `store` writes. Split from the write so a bundle (src/engine/camunda-rest.ts) validates
   * every file before its one transaction opens: on SQLite that transaction holds the only
   * connection, and bpmnlint's CPU should not run while it does.
   */
  async check(xml: string, opts: DeployOptions): Promise<CheckedDefinition> {
    const tenant = opts.tenant ?? ''
    const keysInDb = new Set<string>((await this.db('process_definitions').distinct('key')).map((r: { key: string }) => r.key))
    const decisionKeys = new Set<string>((await this.db('resource_definitions').where({ kind: 'decision' }).distinct('key')).map((r: { key: string }) => r.key))
    const validated = await validateBpmn(xml, {
      handlers: opts.handlers,
      knownProcessKey: (key) => keysInDb.has(key) || !!opts.knownKeys?.has(key),
      knownDecisionKey: (key) => decisionKeys.has(key),
      canReceive: opts.canReceive,
    })
    if (opts.isProtected && validated.definitions) validated.problems.push(...protectedFieldProblems(validated.definitions, opts.isProtected))
    if (validated.problems.length || !validated.processKey) {
      throw badRequest(
        msg('error.engine.definitionProblems', { count: validated.problems.length }),
        validated.problems.map((p: Problem) => ({ elementId: p.elementId, message: p.message, key: p.key, params: p.params })),
      )
    }
    let prepared: PreparedDefinition | undefined
    if (opts.checks?.length) {
      const parsed = (prepared = await prepareDefinition(xml))
      const problems = (await Promise.all(opts.checks.map((check) => check(parsed, { tenant: tenant || null })))).flat()
      if (problems.length) {
        throw badRequest(
          msg('error.engine.definitionLacks', { count: problems.length }),
          problems.map((p) => ({ elementId: p.elementId, message: p.message, key: p.key, params: p.params })),
        )
      }
    }
    return { xml, key: validated.processKey, name: validated.processName ?? null, tenant, prepared }
  }

  /**
   * Writes a checked definition as the next version of its key (unchanged XML is not a new
   * version). In `opts.trx` when given (the caller commits, and retries on a version race);
   * otherwise in a transaction of its own, retried when two deploys race for a version number.
   */
  async store(checked: CheckedDefinition, opts: { actor?: string | null; trx?: Trx } = {}): Promise<{ definition: DefinitionRow; created: boolean }> {
    const { xml, key, tenant, prepared } = checked
    const hash = xmlHash(xml)
    const write = async (trx: Trx) => {
      const latest: DefinitionRow | undefined = await trx('process_definitions').where({ key, tenant }).orderBy('version', 'desc').first()
      if (latest && latest.xml_hash === hash) return { definition: latest, created: false }
      const row: DefinitionRow = {
        id: randomUUID(),
        key,
        tenant,
        version: (latest?.version ?? 0) + 1,
        name: checked.name,
        xml,
        xml_hash: hash,
        deployed_at: nowIso(),
        deployed_by: opts.actor ?? null,
      }
      await trx('process_definitions').insert(row)
      // A new version of a withdrawn key is asked to be used: it restores the key (withdrawals.ts says why).
      await restoreOnDeploy(trx, key, tenant, row.version, opts.actor ?? null)
      return { definition: row, created: true }
    }
    const remember = (result: { definition: DefinitionRow; created: boolean }) => {
      // The checks' parse (~0.1 s for the ordinary procedure) serves the version's first start too.
      // (Under a caller's transaction that rolls back, the entry names an id nothing will ask for.)
      if (result.created && prepared) this.cache.set(result.definition.id, Promise.resolve({ row: result.definition, ...prepared }))
      return result
    }
    if (opts.trx) return remember(await write(opts.trx))
    // Two deploys at once race for the next version number; the unique key decides, then retry.
    return remember(await withRetry(this.db, write, { retryOn: isUniqueViolation, attempts: 4 }))
  }

  async list(filter: { key?: string; tenant?: string | null } = {}): Promise<DefinitionRow[]> {
    const q = this.db('process_definitions')
      .select('id', 'key', 'tenant', 'version', 'name', 'xml_hash', 'deployed_at', 'deployed_by')
      .orderBy([{ column: 'key' }, { column: 'tenant' }, { column: 'version', order: 'desc' }])
    if (filter.key) q.where({ key: filter.key })
    if (filter.tenant !== undefined) q.where({ tenant: filter.tenant ?? '' })
    return q
  }

  async get(id: string, trx: Db | Trx = this.db): Promise<DefinitionRow> {
    const row = await trx('process_definitions').where({ id }).first()
    if (!row) throw notFound(msg('error.engine.definitionNotFound', { id }))
    return row
  }

  /**
   * The version a new instance of `key` gets for `tenant`: the county's own, else the city's,
   * neither of a key withdrawn for its tenant (withdrawals.ts). Nothing to start is a 404 for a
   * key never deployed there, a 409 naming the withdrawal when only withdrawn versions exist.
   */
  async resolve(key: string, tenant: string | null | undefined, trx: Db | Trx = this.db): Promise<Omit<DefinitionRow, 'xml'>> {
    // A key nobody deployed is not kept: deployed later through another node, it starts here at once.
    const row = await this.heads.get(`${key}\n${tenant ?? ''}`, () => this.inForce(key, tenant, trx), Boolean)
    if (row) return row
    const any = await trx('process_definitions')
      .where({ key })
      .whereIn('tenant', [...new Set(['', tenant ?? ''])])
      .first('id')
    if (any) throw conflict(msg('error.engine.processKeyWithdrawn', { key }))
    throw notFound(msg('error.engine.processKeyNotFound', { key }))
  }

  /** What `resolve` reads, past the node's cache: the version in force for `key` and `tenant`, if any. */
  async inForce(key: string, tenant: string | null | undefined, trx: Db | Trx = this.db): Promise<Omit<DefinitionRow, 'xml'> | undefined> {
    // One statement for the county's newest version, else the city's: a county without its own
    // version (the usual case) made every start read twice (bench/sql-trace.ts, issue 13). A
    // withdrawn (key, tenant) drops out of its half inside the same statement.
    const [row] = await newestForTenantAndCity<Omit<DefinitionRow, 'xml'>>(trx, 'process_definitions', { key }, tenant, HEAD_COLUMNS, (q, t) =>
      q.whereNotExists(trx('process_withdrawals').where({ key, tenant: t }).select(trx.raw('1'))),
    )
    return row && Object.freeze(row)
  }

  /** The newest version of `key` for exactly `tenant` ('' or null: the city default), without its XML. */
  async latest(key: string, tenant: string | null, trx: Db | Trx = this.db): Promise<Omit<DefinitionRow, 'xml'> | undefined> {
    return trx('process_definitions')
      .where({ key, tenant: tenant ?? '' })
      .orderBy('version', 'desc')
      .first(...HEAD_COLUMNS)
  }

  async hasKey(key: string, trx: Db | Trx = this.db): Promise<boolean> {
    return !!(await trx('process_definitions').where({ key }).first('id'))
  }

  /** The parsed definition of a version, parsed once per process lifetime. */
  load(id: string, trx: Db | Trx = this.db): Promise<LoadedDefinition> {
    let p = this.cache.get(id)
    if (!p) {
      p = (async () => {
        const row = await this.get(id, trx)
        return { row, ...(await prepareDefinition(row.xml)) }
      })()
      this.cache.set(id, p)
      p.catch(() => this.cache.delete(id))
    }
    return p
  }
}
