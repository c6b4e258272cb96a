import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { Db } from '../lib/db.js'
import { nowIso } from '../lib/db.js'
import { msg, notFound, unprocessable } from '../lib/errors.js'

/** A client the request came from: an issued key, or the demo key. */
export interface Open311Client {
  id: string
  name: string
  /** The region code (city or county) the key is bound to, or null for every jurisdiction. */
  jurisdiction: string | null
  /** Requests per minute. */
  rateLimit: number
}

interface KeyRow {
  id: string
  name: string
  key_hash: string
  key_prefix: string
  jurisdiction: string | null
  rate_limit: number
  created_at: string
  created_by: string
  revoked_at: string | null
  revoked_by: string | null
}

/** The key demo mode accepts, with the limit a demo client gets. */
export const DEMO_KEY = 'demo'
export const DEMO_CLIENT: Open311Client = Object.freeze({ id: 'demo', name: 'demo', jurisdiction: null, rateLimit: 120 })
export const DEFAULT_RATE_LIMIT = 600

const hash = (key: string) => createHash('sha256').update(key).digest('hex')

export const keyView = (r: KeyRow) => ({
  id: r.id,
  name: r.name,
  prefix: r.key_prefix,
  jurisdiction: r.jurisdiction,
  rateLimit: Number(r.rate_limit),
  createdAt: r.created_at,
  createdBy: r.created_by,
  revokedAt: r.revoked_at,
  revokedBy: r.revoked_by,
})

/** API keys per client: issued and revoked by an administrator, kept only as hashes. */
export class Open311Keys {
  constructor(
    private readonly db: Db,
    private readonly demo: boolean,
  ) {}

  async list() {
    return ((await this.db('open311_keys').orderBy('created_at', 'desc')) as KeyRow[]).map(keyView)
  }

  /** Issues a key; the key itself is in this answer only. */
  async issue(by: string, input: { name: string; jurisdiction?: string | null; rateLimit?: number }) {
    if (input.jurisdiction) {
      const region = await this.db('regions').where({ code: input.jurisdiction }).first('level')
      if (!region || !['city', 'county'].includes(region.level)) throw unprocessable(msg('error.open311.badJurisdiction', { jurisdiction: input.jurisdiction }))
    }
    // 32 random bytes, base64url: 43 characters, no character a form or URL must escape.
    const apiKey = randomBytes(32).toString('base64url')
    const row: KeyRow = {
      id: randomUUID(),
      name: input.name.trim(),
      key_hash: hash(apiKey),
      key_prefix: apiKey.slice(0, 8),
      jurisdiction: input.jurisdiction ?? null,
      rate_limit: input.rateLimit ?? DEFAULT_RATE_LIMIT,
      created_at: nowIso(),
      created_by: by,
      revoked_at: null,
      revoked_by: null,
    }
    await this.db('open311_keys').insert(row)
    return { ...keyView(row), apiKey }
  }

  async revoke(by: string, id: string) {
    const row: KeyRow | undefined = await this.db('open311_keys').where({ id }).first()
    if (!row) throw notFound(msg('error.open311.keyNotFound', { id }))
    if (!row.revoked_at) await this.db('open311_keys').where({ id }).update({ revoked_at: nowIso(), revoked_by: by })
    return keyView((await this.db('open311_keys').where({ id }).first()) as KeyRow)
  }

  /** The client a key belongs to, or null for an unknown or revoked key. */
  async resolve(apiKey: string): Promise<Open311Client | null> {
    if (this.demo && apiKey === DEMO_KEY) return DEMO_CLIENT
    const row: KeyRow | undefined = await this.db('open311_keys')
      .where({ key_hash: hash(apiKey) })
      .whereNull('revoked_at')
      .first()
    return row ? { id: row.id, name: row.name, jurisdiction: row.jurisdiction, rateLimit: Number(row.rate_limit) } : null
  }
}
