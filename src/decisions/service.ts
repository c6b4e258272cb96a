import fs from 'node:fs/promises'
import path from 'node:path'
import type { Db, Trx } from '../lib/db.js'
import { badRequest, msg, unprocessable, type HttpError } from '../lib/errors.js'
import type { ResourceRow, ResourceStore } from '../engine/resources.js'
import { DmnError, evaluateDecision, parseDmn, type Drg, type Evaluation } from './dmn.js'

/** A module's extra check of one decision key (routing: its owners must exist in the county). */
export type DecisionCheck = (drg: Drg, ctx: { tenant: string; db: Db | Trx }) => Promise<void> | void

export type Evaluated = Evaluation & {
  version: { id: string; key: string; version: number; tenant: string | null }
}

/** DmnError → HTTP: a deployed file that will not run is a 400, a failed evaluation a 422. */
export function dmnHttpError(err: unknown, status: 400 | 422): unknown {
  if (!(err instanceof DmnError)) return err
  return status === 400 ? badRequest(msg(err.key, err.params)) : unprocessable(msg(err.key, err.params))
}

/**
 * Deployed DMN decisions: kind `'decision'` of the resource store, parsed once per version
 * (versions are immutable, so a version id is a cache key that never goes stale; intake
 * evaluates the routing decision for every case and must not parse XML each time).
 */
export class DecisionService {
  private parsed = new Map<string, Promise<Drg>>()
  private checks = new Map<string, DecisionCheck>()

  constructor(
    private db: Db,
    readonly resources: ResourceStore,
  ) {
    resources.register('decision', async (source, ctx) => {
      const drg = await parseDmn(source).catch((err) => {
        throw dmnHttpError(err, 400)
      })
      await this.checks.get(drg.key)?.(drg, { tenant: ctx.tenant, db: ctx.trx ?? this.db })
      return { key: drg.key, name: drg.name }
    })
  }

  /** `check` runs on every deploy of `key` (a 4xx it throws refuses the deploy). */
  addCheck(key: string, check: DecisionCheck) {
    this.checks.set(key, check)
  }

  /**
   * The parsed decision of a stored version (kept per version id; at most a few hundred versions).
   * A version stored before one of today's checks existed may fail them: that is a 422 naming the
   * problem (a DMN error's own message), and it is kept too, since parsing the same text fails the
   * same way (intake would otherwise parse a county's unusable table for every case).
   */
  load(row: Pick<ResourceRow, 'id' | 'source'>): Promise<Drg> {
    let p = this.parsed.get(row.id)
    if (!p) {
      if (this.parsed.size > 500) this.parsed.clear()
      p = parseDmn(row.source).catch((err: unknown) => {
        throw dmnHttpError(err, 422)
      })
      p.catch(() => undefined)
      this.parsed.set(row.id, p)
    }
    return p
  }

  /** The parsed decision of version `id`, reading its source only when it is not kept yet. */
  async loadId(id: string, db: Db | Trx = this.db): Promise<Drg> {
    const kept = this.parsed.get(id)
    if (kept) return kept
    const row = await db('resource_definitions').where({ id }).first('id', 'source')
    return this.load(row)
  }

  deploy(xml: string, opts: { tenant?: string | null; actor?: string | null; trx?: Trx } = {}) {
    return this.resources.deploy('decision', xml, opts)
  }

  /** Evaluates a stored version. A DmnError (two hits on a UNIQUE table …) becomes a 422 naming it. */
  async evaluateVersion(row: ResourceRow, inputs: Record<string, unknown>, decisionId?: string): Promise<Evaluated> {
    const drg = await this.load(row)
    try {
      const out = evaluateDecision(drg, inputs, decisionId)
      return { ...out, version: { id: row.id, key: row.key, version: row.version, tenant: row.tenant || null } }
    } catch (err) {
      throw dmnHttpError(err, 422) as HttpError
    }
  }

  /** The version `tenant` uses (its own newest, else the city's), evaluated. 404 when neither exists. */
  async evaluate(key: string, tenant: string | null | undefined, inputs: Record<string, unknown>, trx: Db | Trx = this.db): Promise<Evaluated> {
    return this.evaluateVersion(await this.resources.resolve('decision', key, tenant, trx), inputs)
  }

  /**
   * Seeds each `*.dmn` of `dir` whose decision key has no version at all (the database is the
   * source of truth once a key exists: an administrator's edit is never replaced on a restart).
   */
  async deployDirectory(dir: string): Promise<number> {
    let names: string[]
    try {
      names = (await fs.readdir(dir)).filter((f) => f.endsWith('.dmn')).sort()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
      throw err
    }
    let created = 0
    for (const file of names) {
      const xml = await fs.readFile(path.join(dir, file), 'utf8')
      const drg = await parseDmn(xml)
      if (await this.resources.hasKey('decision', drg.key)) continue
      const r = await this.deploy(xml, { actor: 'system' })
      if (r.created) created++
    }
    return created
  }
}
