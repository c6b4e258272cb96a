import { v7 as uuidv7 } from 'uuid'
import type { Db, Trx } from '../lib/db.js'
import { nowIso } from '../lib/db.js'
import { msg, type Msg } from '../lib/errors.js'
import { isUniqueViolation, withRetry } from '../lib/retry.js'
import { conflict, notFound } from './errors.js'
import type { DefinitionRow } from './definitions.js'
import type { EngineDirectory } from './access.js'

/**
 * Withdrawn process keys (migration 038), in the spirit of Camunda 7's "suspend process
 * definition" (`PUT /process-definition/key/{key}/tenant-id/{tenant}/suspended` with
 * `includeProcessInstances: false`): a key is withdrawn for one tenant ('' the city's), and
 * while it is, none of that tenant's versions is chosen for a new instance
 * (`DefinitionStore.resolve` skips the pair in its one statement): a county's cases get the
 * city default again, and a key with nothing to fall back on cannot start (409
 * `error.engine.processKeyWithdrawn`). Instances already running go on: they hold their
 * version's id and never resolve the key again (a call activity does resolve its called key:
 * one withdrawn with no fallback fails the call as a key never deployed would).
 *
 * Who may withdraw is the domain's answer (`access.mayAdminister(actor, tenant)`), what must
 * not be withdrawn the domain's checks (`EngineService.addWithdrawCheck`: cases refuses the
 * procedures intake starts when nothing would be left to start); the engine knows neither.
 */

export interface WithdrawalRow {
  key: string
  tenant: string
  withdrawn_at: string
  withdrawn_by: string
}

export type WithdrawalAction = 'withdrawn' | 'restored'

/** One entry of a key's record: who withdrew or restored it for a tenant, when, and how. */
export type WithdrawalChangeView = {
  id: string
  key: string
  tenant: string | null
  action: WithdrawalAction
  /** `request`: an administrator's withdraw or restore; `deploy`: a new version restored the key. */
  via: 'request' | 'deploy'
  /** The version a deploy restored the key with (null for a request). */
  version: number | null
  by: string
  at: string
}

/** A key's state for one tenant, as the withdraw and restore routes answer it. */
export type WithdrawalState = {
  key: string
  tenant: string | null
  withdrawn: boolean
  withdrawnAt: string | null
  withdrawnBy: string | null
  /**
   * The version a new instance of the tenant gets now: for a withdrawn county version, the
   * city's in force; null when the key cannot start there.
   */
  inForce: { id: string; version: number; tenant: string | null } | null
}

/**
 * What a domain asks before a key is withdrawn for `tenant` (null: the city's): `fallback` is the
 * version new instances of that tenant would get instead (the city's in force, for a county;
 * null for the city's own versions, which nothing stands behind). A message refuses (a 409).
 */
export type WithdrawCheck = (ctx: {
  key: string
  tenant: string | null
  fallback: Omit<DefinitionRow, 'xml'> | null
  trx: Trx
}) => Promise<Msg | null> | Msg | null

/** The withdrawals of `keys` (all keys when absent), by `key\ntenant`. */
export async function withdrawalsOf(db: Db | Trx, keys?: readonly string[]): Promise<Map<string, WithdrawalRow>> {
  const q = db('process_withdrawals').select<WithdrawalRow[]>('key', 'tenant', 'withdrawn_at', 'withdrawn_by')
  if (keys) {
    if (!keys.length) return new Map()
    q.whereIn('key', [...new Set(keys)])
  }
  return new Map((await q).map((r) => [`${r.key}\n${r.tenant}`, r]))
}

async function record(
  trx: Trx,
  row: { key: string; tenant: string; action: WithdrawalAction; via: 'request' | 'deploy'; version?: number | null; by: string },
) {
  await trx('process_withdrawal_changes').insert({
    id: uuidv7(),
    key: row.key,
    tenant: row.tenant,
    action: row.action,
    via: row.via,
    version: row.version ?? null,
    by: row.by,
    at: nowIso(),
  })
}

/**
 * A new version of `key` for `tenant` restores a withdrawn key, in the deploy's transaction (a
 * `restored` entry `via: deploy`). Deliberately implicit: deploying is asking for that version
 * to be used — it is what a county administrator does to customise a procedure again, and an
 * administrator who just deployed a fix would otherwise find it silently unused — and it is
 * Camunda's behaviour too (a new version is deployed active, whatever the older ones' state).
 * An unchanged deploy writes no version and restores nothing; `restore` is the explicit way back.
 */
export async function restoreOnDeploy(trx: Trx, key: string, tenant: string, version: number, by: string | null): Promise<void> {
  const gone = await trx('process_withdrawals').where({ key, tenant }).del()
  if (gone) await record(trx, { key, tenant, action: 'restored', via: 'deploy', version, by: by ?? 'system' })
}

/** Withdrawal and restore of keys per tenant; the checks are the domain's (see `WithdrawCheck`). */
export class Withdrawals {
  constructor(
    private db: Db,
    /** The newest version of `key` for exactly `tenant` ('' the city's), withdrawn or not. */
    private latest: (key: string, tenant: string, trx: Trx) => Promise<Omit<DefinitionRow, 'xml'> | undefined>,
    /** The version a new instance of `key` gets for `tenant` now, or undefined (read past the node's cache). */
    private inForce: (key: string, tenant: string, trx: Trx) => Promise<Omit<DefinitionRow, 'xml'> | undefined>,
    private checks: readonly WithdrawCheck[],
  ) {}

  /**
   * Withdraws `key` for `tenant` ('' the city's) in one transaction: 404 when the tenant has no
   * version of it, the checks' 409 when a domain needs it; withdrawing a withdrawn key changes
   * nothing (no second entry). Two at once: the primary key lets one write, the other retries
   * and finds it withdrawn.
   */
  async withdraw(key: string, tenant: string, by: string): Promise<WithdrawalState> {
    return withRetry(
      this.db,
      async (trx) => {
        await this.mustHaveVersion(key, tenant, trx)
        const existing = await trx('process_withdrawals').where({ key, tenant }).first()
        if (!existing) {
          const fallback = tenant ? ((await this.inForce(key, '', trx)) ?? null) : null
          for (const check of this.checks) {
            const refusal = await check({ key, tenant: tenant || null, fallback, trx })
            if (refusal) throw conflict(refusal)
          }
          await trx('process_withdrawals').insert({ key, tenant, withdrawn_at: nowIso(), withdrawn_by: by })
          await record(trx, { key, tenant, action: 'withdrawn', via: 'request', by })
        }
        return this.state(key, tenant, trx)
      },
      { retryOn: isUniqueViolation, attempts: 3 },
    )
  }

  /** Restores `key` for `tenant`: its newest version serves new instances again. Restoring one not withdrawn changes nothing. */
  async restore(key: string, tenant: string, by: string): Promise<WithdrawalState> {
    return this.db.transaction(async (trx) => {
      await this.mustHaveVersion(key, tenant, trx)
      const gone = await trx('process_withdrawals').where({ key, tenant }).del()
      if (gone) await record(trx, { key, tenant, action: 'restored', via: 'request', by })
      return this.state(key, tenant, trx)
    })
  }

  /** 404 unless `tenant` has a version of `key` of its own (only a tenant's own versions are withdrawn). */
  private async mustHaveVersion(key: string, tenant: string, trx: Trx) {
    if (await this.latest(key, tenant, trx)) return
    throw notFound(tenant ? msg('error.engine.noCountyVersion', { key, tenant }) : msg('error.engine.noCityVersion', { key }))
  }

  async state(key: string, tenant: string, trx: Db | Trx = this.db): Promise<WithdrawalState> {
    const row: WithdrawalRow | undefined = await trx('process_withdrawals').where({ key, tenant }).first()
    const now = await this.inForce(key, tenant, trx as Trx)
    return {
      key,
      tenant: tenant || null,
      withdrawn: !!row,
      withdrawnAt: row?.withdrawn_at ?? null,
      withdrawnBy: row?.withdrawn_by ?? null,
      inForce: now ? { id: now.id, version: now.version, tenant: now.tenant || null } : null,
    }
  }

  /** The record of `key` for `tenant`, newest first (at most `limit` entries). */
  async changes(key: string, tenant: string, limit = 50): Promise<WithdrawalChangeView[]> {
    const rows = await this.db('process_withdrawal_changes')
      .where({ key, tenant })
      .orderBy([
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit)
    return rows.map((r) => ({
      id: r.id,
      key: r.key,
      tenant: r.tenant || null,
      action: r.action,
      via: r.via,
      version: r.version == null ? null : Number(r.version),
      by: r.by,
      at: r.at,
    }))
  }
}

/**
 * Versions' views with their key's withdrawal for their tenant (`withdrawn`, `withdrawnAt`,
 * `withdrawnBy`, `withdrawnByName`): one read of the withdrawals of the rows' keys, and one of
 * names when any is withdrawn. `views[i]` is the view of `rows[i]`.
 */
export async function withWithdrawn<V extends object>(
  db: Db,
  directory: EngineDirectory,
  rows: readonly { key: string; tenant: string }[],
  views: V[],
): Promise<(V & { withdrawn: boolean; withdrawnAt: string | null; withdrawnBy: string | null; withdrawnByName: string | null })[]> {
  const found = await withdrawalsOf(
    db,
    rows.map((r) => r.key),
  )
  const by = [...new Set([...found.values()].map((w) => w.withdrawn_by))]
  const names = by.length ? (await directory.names(by, [])).users : new Map<string, string>()
  return views.map((v, i) => {
    const w = found.get(`${rows[i].key}\n${rows[i].tenant}`)
    return {
      ...v,
      withdrawn: !!w,
      withdrawnAt: w?.withdrawn_at ?? null,
      withdrawnBy: w?.withdrawn_by ?? null,
      withdrawnByName: w ? (names.get(w.withdrawn_by) ?? null) : null,
    }
  })
}
