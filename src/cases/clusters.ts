import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Db, Trx } from '../lib/db.js'
import { nowIso, wherePrefix } from '../lib/db.js'
import { badRequest, conflict, forbidden, msg, notFound } from '../lib/errors.js'
import { sqlRun } from '../lib/hot-sql.js'
import { eventMessage } from '../messages/index.js'
import type { Actor } from '../org/index.js'
import type { CaseRow, CaseService } from './service.js'
import { chinaDay } from './numbering.js'
import type { Knex } from 'knex'
import type { CaseFacts, Narrow } from './case-facts.js'
import {
  MAX_CANDIDATES,
  candidateWindow,
  isSuggested,
  newestOf,
  prepare,
  similarity,
  suggestable,
  townshipPath,
  wherePlaceMayMatch,
  type Comparable,
  type GramCache,
  type Neighbourhood,
} from './similar.js'

/** How far back a new report looks for the problem it repeats. */
export const CLUSTER_WINDOW_DAYS = 30
const MAX_NEIGHBOURS = 300
/** How often, at most, an intake whose own case was placed also looks for cases left unplaced (catchUpAfterIntake). */
export const CATCH_UP_MS = 5000
/** How many of the month's largest clusters are put forward as 每月一题 candidates. */
export const MONTHLY_CANDIDATES = 3

interface ClusterRow {
  id: string
  tenant: string | null
  region_path: string
  region_code: string
  category: string
  label: string | null
  size: number
  first_at: string
  last_at: string
  root_case_id: string | null
  root_created_by: string | null
  created_at: string
}

type Placed = Comparable & { tenant: string; cluster_id: string | null; clustered_at: string | null; case_no: string; updated_at: string }
/** What placing reads of the case it places. */
type ToPlace = Comparable & { tenant: string }

const COLUMNS = [
  'id',
  'case_no',
  'title',
  'description',
  'address',
  'category',
  'region_code',
  'region_path',
  'lat',
  'lng',
  'created_at',
  'tenant',
  'cluster_id',
  'clustered_at',
  'updated_at',
]

/** The oldest creation time a neighbour of `c` may have: CLUSTER_WINDOW_DAYS before it. */
const clusterFrom = (c: { created_at: string }) => new Date(new Date(c.created_at).getTime() - CLUSTER_WINDOW_DAYS * 86400e3).toISOString()

/** What placing reads of a neighbour: what it is compared by, its cluster, and a new cluster's label. */
const NEIGHBOUR_COLUMNS = ['id', 'title', 'description', 'address', 'category', 'region_code', 'region_path', 'lat', 'lng', 'created_at', 'cluster_id'].map(
  (c) => `cases.${c}`,
)
type Neighbour = Comparable & { cluster_id: string | null }

/**
 * What an intake hands catchUp about its new case (`caseId`) and gets back: the township as
 * placing read it (`found`, for the suggestions) and, once committed, what placing wrote on the
 * case's row (`placed`, so the answer need not read the row again).
 */
export interface Share {
  caseId: string
  found?: Neighbourhood
  placed?: { clustered_at: string; cluster_id: string | null }
}

/**
 * 共性问题: recurring problems. Clustering is incremental single-link: each case is placed once,
 * in creation order, against the cases already placed in its township over the previous
 * CLUSTER_WINDOW_DAYS (one range scan of the (township_path, created_at) index, newest first,
 * at most MAX_NEIGHBOURS rows): it joins the cluster of its most similar neighbour, or starts one with
 * it, when they are similar by the duplicate rule (src/cases/similar.ts). The cost per case does
 * not grow with the table; nothing is ever re-clustered from scratch.
 */
export class Clusters {
  constructor(
    private app: FastifyInstance,
    private cases: CaseService,
    private facts: CaseFacts,
    private grams?: GramCache,
  ) {}

  /** When an intake last looked for cases left unplaced on this node (catchUpAfterIntake). */
  private lookedAt = -Infinity

  private get db(): Db {
    return this.app.db
  }

  /**
   * catchUp after an intake committed: at once when its own case was left unplaced, else at
   * most once per CATCH_UP_MS on this node. Every intake used to look (one read of the
   * `(clustered_at, created_at)` index after its commit, issue 13) and almost always found
   * nothing: what leaves a case unplaced — a failed placing, here or on another node, a case
   * registered past the API — is rare, and a listing places everything before it counts.
   */
  async catchUpAfterIntake(share: Share): Promise<number> {
    const now = Date.now()
    if (share.placed && now - this.lookedAt < CATCH_UP_MS) return 0
    this.lookedAt = now
    return this.catchUp(50, share)
  }

  /**
   * Places up to `limit` cases not placed yet (oldest first, the last CLUSTER_WINDOW_DAYS only).
   * Run after intakes (catchUpAfterIntake) and before each listing; safe on several nodes at once
   * (each case is claimed by a conditional update).
   */
  async catchUp(limit = 200, share?: Share): Promise<number> {
    const since = new Date(Date.now() - CLUSTER_WINDOW_DAYS * 86400e3).toISOString()
    const pending: Placed[] = await this.db('cases')
      .whereNull('clustered_at')
      .where('created_at', '>=', since)
      .orderBy('created_at')
      .limit(limit)
      .select(COLUMNS)
    let placed = 0
    for (const c of pending) {
      // The next intakes compare their case with this one: its facts are in hand.
      this.facts.remember(c)
      const mine = share?.caseId === c.id ? share : undefined
      let outcome: Share['placed']
      await this.db.transaction(async (trx) => {
        const at = nowIso()
        const claimed = await trx('cases').where({ id: c.id }).whereNull('clustered_at').update({ clustered_at: at })
        if (!claimed) return
        const clusterId = await this.place(trx, c, mine)
        outcome = { clustered_at: at, cluster_id: clusterId ?? c.cluster_id }
        placed++
      })
      // Only once committed: what the case's row now holds.
      if (mine && outcome) mine.placed = outcome
    }
    return placed
  }

  /**
   * Places a case in the transaction of the intake that registers it, inside a savepoint: a
   * failure rolls back the placing alone (logged; the case stays unplaced, and the catchUp after
   * the intake places it), never the intake. Returns what to write on the case's own row, which
   * the intake's last update writes; null when placing failed. Placed on its own transaction
   * after the commit, as catchUp does, it cost every intake a second BEGIN and COMMIT (and the
   * case row's page written to the WAL twice), the claim and its own row's update.
   * Nobody else sees the uncommitted case, so nothing needs claiming.
   */
  async placeFresh(trx: Trx, c: ToPlace, share: Share): Promise<NonNullable<Share['placed']> | null> {
    share.caseId = c.id
    try {
      const placed = await trx.transaction(async (sp) => ({ clustered_at: nowIso(), cluster_id: await this.place(sp, c, share, false) }))
      share.placed = placed
      return placed
    } catch (err) {
      this.app.log.warn({ err, caseId: c.id }, 'placing a new case in clusters failed; placed after the intake')
      return null
    }
  }

  /** What intake committed of a case it placed: the next intakes compare theirs with it (CaseFacts). */
  remember(c: CaseRow) {
    this.facts.remember(c)
  }

  /**
   * The cases already placed in `c`'s township over the CLUSTER_WINDOW_DAYS before it, newest
   * first, MAX_NEIGHBOURS at most.
   */
  private neighbourQuery(trx: Trx, c: ToPlace): Knex.QueryBuilder {
    // The township's (township_path, created_at) index in order, as the duplicate candidates
    // read it (similar.ts candidateQuery); by `tenant` SQLite read every case of the county's
    // index entries. (The township's path fixes the county.)
    const q = trx('cases')
      .where('cases.township_path', townshipPath(c.region_path))
      .whereNot('cases.id', c.id)
      .orderBy('cases.created_at', 'desc')
      .limit(MAX_NEIGHBOURS)
      .select(NEIGHBOUR_COLUMNS)
    for (const [sql, bindings] of this.neighbourTerms(c)) q.whereRaw(sql, bindings)
    return wherePlaceMayMatch(trx, q, c)
  }

  /**
   * What makes a case of `c`'s township (and place) one of its neighbours: placed, created over
   * the CLUSTER_WINDOW_DAYS before it, not a root case. One list, ANDed into neighbourQuery's
   * WHERE and into readShared's `clu` flag, so the two reads agree on who is a neighbour.
   */
  private neighbourTerms(c: ToPlace): [string, Knex.RawBinding[]][] {
    return [
      ['?? >= ?', ['cases.created_at', clusterFrom(c)]],
      ['?? <= ?', ['cases.created_at', c.created_at]],
      ['?? is not null', ['cases.clustered_at']],
      ['?? not in ?', ['cases.id', this.roots(townshipPath(c.region_path))]],
    ]
  }

  /**
   * A root-cause case is the answer to a cluster, not a report that could start one. Its
   * cluster is of its own township (rootCase registers it there): the township's clusters by
   * their (region_path, …) index, where a correlated NOT EXISTS scanned every cluster per row
   * (case_clusters has no index on root_case_id).
   */
  private roots(township: string): Knex.QueryBuilder {
    const w = this.db('case_clusters').select('root_case_id').whereNotNull('root_case_id')
    return wherePrefix(this.db, w, 'case_clusters.region_path', township)
  }

  /**
   * The neighbours of a just-registered case read together with its duplicate candidates
   * (Duplicates.similar is handed `share.found`): one read of the township over the candidates'
   * window, of the rows either wants, each flagged `clu` (a neighbour by neighbourQuery's
   * conditions) and `sim` (suggestable). Each takes its newest rows from it; only when the read
   * was cut before their window's oldest does one read the rest with its own query.
   */
  private async readShared(trx: Trx, c: ToPlace, share: Share): Promise<Neighbour[]> {
    const now = new Date()
    const window = candidateWindow(c)
    const from = clusterFrom(c)
    const terms = this.neighbourTerms(c)
    const clu = trx.raw(
      `(${terms.map(([sql]) => sql).join(' and ')})`,
      terms.flatMap(([, bindings]) => bindings),
    )
    const sim = suggestable(trx, now)
    // Narrow: what may have changed since a case was cached; CaseFacts brings the rest.
    const q = trx('cases')
      .where('cases.township_path', townshipPath(c.region_path))
      .where('cases.created_at', '>=', window.from)
      .where('cases.created_at', '<=', window.to)
      .whereNot('cases.id', c.id)
      .where(trx.raw('(? or ?)', [sim, clu]))
      .orderBy('cases.created_at', 'desc')
      .limit(MAX_CANDIDATES)
      .select(['cases.id', 'cases.updated_at', 'cases.status', 'cases.cluster_id', trx.raw('? as ??', [sim, 'sim']), trx.raw('? as ??', [clu, 'clu'])])
    wherePlaceMayMatch(trx, q, c)
    const narrow: Narrow[] = await q
    const rows: Neighbourhood['rows'] = await this.facts.complete(trx, narrow)
    const cutAt = narrow.length >= MAX_CANDIDATES ? rows[rows.length - 1].created_at : null
    share.found = { caseId: c.id, now, rows, cutAt, scores: new Map() }
    const mine = newestOf(
      rows.filter((r) => r.clu),
      cutAt,
      MAX_NEIGHBOURS,
      from,
    )
    if (!mine.more) return mine.rows
    const older: Neighbour[] = await this.neighbourQuery(trx, c).where('cases.created_at', '<=', mine.more.atOrBefore).limit(mine.more.limit)
    return [...mine.rows, ...older]
  }

  /**
   * Places `c`; the cluster it joined or started, null when none. `own`: whether to write it on
   * `c`'s row too (placeFresh leaves that to the intake's last update).
   */
  private async place(trx: Trx, c: ToPlace, share?: Share, own = true): Promise<string | null> {
    const neighbours: Neighbour[] = share ? await this.readShared(trx, c, share) : await this.neighbourQuery(trx, c)
    const me = prepare(c, this.grams)
    const scores = share?.found?.scores
    let best: { n: Neighbour; score: number } | null = null
    for (const n of neighbours) {
      const s = similarity(me, prepare(n, this.grams))
      scores?.set(n.id, s)
      if (isSuggested(s) && (!best || s.score > best.score)) best = { n, score: s.score }
    }
    if (!best) return null
    let clusterId = best.n.cluster_id
    if (!clusterId) {
      clusterId = randomUUID()
      const path = townshipPath(best.n.region_path)
      await trx('case_clusters').insert({
        id: clusterId,
        tenant: c.tenant || null,
        region_path: path,
        region_code: path.split('/').filter(Boolean).pop(),
        category: best.n.category,
        label: best.n.title,
        size: 1,
        first_at: best.n.created_at,
        last_at: best.n.created_at,
        created_at: nowIso(),
      })
      // Another node may have put the neighbour in a cluster meanwhile: join that one instead.
      const took = await trx('cases').where({ id: best.n.id }).whereNull('cluster_id').update({ cluster_id: clusterId })
      if (!took) {
        await trx('case_clusters').where({ id: clusterId }).delete()
        clusterId = (await trx('cases').where({ id: best.n.id }).first('cluster_id')).cluster_id as string
      }
    }
    if (own) await trx('cases').where({ id: c.id }).update({ cluster_id: clusterId })
    // In the update itself, not read then written: one statement, and two nodes placing into one
    // cluster at once both count.
    // (SQL text, on every placed intake: src/lib/hot-sql.ts.)
    await sqlRun(trx, 'update "case_clusters" set "size" = "size" + 1, "last_at" = case when "last_at" < ? then ? else "last_at" end where "id" = ?', [
      c.created_at,
      c.created_at,
      clusterId,
    ])
    return clusterId
  }

  /** The region prefix the actor asks for, within what they may see (403 outside, 400 unknown). */
  private async prefixFor(actor: Actor, region?: string): Promise<string | null> {
    const scope = this.app.org.visibleRegionPrefix(actor)
    if (!region) return scope
    const path = await this.app.org.regionSubtreePrefix(region)
    if (path === null) throw badRequest(msg('error.org.unknownRegion', { region }))
    if (scope !== null && !path.startsWith(scope)) throw forbidden(msg('error.cluster.outsideArea'))
    return path
  }

  /**
   * The month's recurring problems in scope: clusters with a report that month, largest first,
   * with the previous month and a six-month trend; the largest MONTHLY_CANDIDATES of two or more
   * reports are the 每月一题 candidates.
   */
  async list(actor: Actor, query: { month?: string; region?: string }) {
    const month = query.month ?? chinaDay().month
    const [y, m] = month.split('-').map(Number)
    const months: string[] = []
    for (let i = 5; i >= 0; i--) months.push(new Date(Date.UTC(y, m - 1 - i, 1)).toISOString().slice(0, 7))
    const prefix = await this.prefixFor(actor, query.region)
    await this.catchUp(2000)
    const q = this.db('cases')
      .whereNotNull('cluster_id')
      .whereIn('month', months)
      .select('cluster_id', 'month')
      .count({ n: '*' })
      .groupBy('cluster_id', 'month')
    if (prefix !== null) wherePrefix(this.db, q, 'region_path', prefix)
    const counts = new Map<string, Map<string, number>>()
    for (const r of (await q) as { cluster_id: string; month: string; n: number | string }[]) {
      if (!counts.has(r.cluster_id)) counts.set(r.cluster_id, new Map())
      counts.get(r.cluster_id)!.set(r.month, Number(r.n))
    }
    const ids = [...counts].filter(([, byMonth]) => (byMonth.get(month) ?? 0) > 0).map(([id]) => id)
    const rows: ClusterRow[] = ids.length ? await this.db('case_clusters').whereIn('id', ids) : []
    const roots = new Map<string, string>()
    const rootIds = rows.map((r) => r.root_case_id).filter((x): x is string => !!x)
    if (rootIds.length) for (const r of await this.db('cases').whereIn('id', rootIds).select('id', 'case_no')) roots.set(r.id, r.case_no)
    // Names in both languages, apart (`categoryNames`, `regionNameEn`): a page shows its reader's
    // half. `categoryName` stays the bilingual text outside clients already read.
    const cats = new Map<string, { name: string; nameEn: string | null }>()
    const catCodes = [...new Set(rows.map((r) => r.category))]
    if (catCodes.length)
      for (const c of await this.db('categories').whereIn('code', catCodes).select('code', 'name', 'name_en'))
        cats.set(c.code, { name: c.name, nameEn: c.name_en ?? null })
    const regions = new Map<string, { name: string; nameEn: string | null }>()
    const regionCodes = [...new Set(rows.map((r) => r.region_code))]
    if (regionCodes.length)
      for (const r of await this.db('regions').whereIn('code', regionCodes).select('code', 'name', 'name_en'))
        regions.set(r.code, { name: r.name, nameEn: r.name_en ?? null })
    const prev = months[months.length - 2]
    const items = rows
      .map((r) => {
        const byMonth = counts.get(r.id)!
        const count = byMonth.get(month) ?? 0
        const previousCount = byMonth.get(prev) ?? 0
        const cat = cats.get(r.category)
        const region = regions.get(r.region_code)
        return {
          id: r.id,
          label: r.label,
          category: r.category,
          categoryName: cat ? `${cat.name} / ${cat.nameEn ?? r.category}` : null,
          categoryNames: cat ?? null,
          regionCode: r.region_code,
          regionName: region?.name ?? null,
          regionNameEn: region?.nameEn ?? null,
          size: Number(r.size),
          count,
          previousCount,
          trend: previousCount === 0 ? 'new' : count > previousCount ? 'rising' : count < previousCount ? 'falling' : 'steady',
          months: months.map((mm) => ({ month: mm, count: byMonth.get(mm) ?? 0 })),
          firstAt: r.first_at,
          lastAt: r.last_at,
          rootCaseId: r.root_case_id,
          rootCaseNo: r.root_case_id ? (roots.get(r.root_case_id) ?? null) : null,
          candidate: false,
        }
      })
      .sort((a, b) => b.count - a.count || b.size - a.size || (a.lastAt < b.lastAt ? 1 : -1))
      .slice(0, 50)
    items
      .filter((i) => i.count >= 2)
      .slice(0, MONTHLY_CANDIDATES)
      .forEach((i) => (i.candidate = true))
    return { month, items }
  }

  /** A cluster the actor may see (its township within their scope), else 404. */
  private async visibleCluster(actor: Actor, id: string): Promise<ClusterRow> {
    const row: ClusterRow | undefined = await this.db('case_clusters').where({ id }).first()
    const scope = this.app.org.visibleRegionPrefix(actor)
    // A county-or-higher scope covers whole townships; a narrower one (a township's own staff) its own.
    if (!row || (scope !== null && !row.region_path.startsWith(scope) && !scope.startsWith(row.region_path)))
      throw notFound(msg('error.cluster.notFound', { id }))
    return row
  }

  async members(actor: Actor, id: string): Promise<Pick<CaseRow, 'id' | 'case_no' | 'title' | 'status' | 'created_at' | 'duplicate_of'>[]> {
    const cl = await this.visibleCluster(actor, id)
    return this.db('cases').where({ cluster_id: cl.id }).orderBy('created_at').select('id', 'case_no', 'title', 'status', 'created_at', 'duplicate_of')
  }

  /**
   * 举一反三: one root-cause case for the whole cluster, handled by the joint procedure, linked to
   * every member (an event on each, the cluster's `root_case_id`), in the intake's transaction.
   */
  async rootCase(actor: Actor, id: string, body: { title?: string; description?: string; note?: string }): Promise<CaseRow> {
    const cl = await this.visibleCluster(actor, id)
    if (cl.root_case_id) throw conflict(msg('error.cluster.hasRoot'))
    const members: { id: string; case_no: string }[] = await this.db('cases').where({ cluster_id: cl.id }).orderBy('created_at').select('id', 'case_no')
    const title = body.title?.trim() || `共性问题：${cl.label ?? cl.category}`
    const description =
      body.description?.trim() ||
      `共性问题（${members.length} 件）举一反三，根源治理：${cl.label ?? ''}。涉及案件 / recurring problem (${members.length} reports), handled at the root: ${members.map((m) => m.case_no).join('、')}`
    return this.cases.intake(
      {
        channel: 'other',
        title,
        description,
        category: cl.category,
        regionCode: cl.region_code,
        petitioner: { type: 'organisation', anonymous: true },
      },
      {
        actor,
        procedure: 'joint',
        hooks: {
          claim: async () => {},
          record: async (trx, row) => {
            const took = await trx('case_clusters')
              .where({ id: cl.id })
              .whereNull('root_case_id')
              .update({ root_case_id: row.id, root_created_by: actor.username })
            if (!took) throw conflict(msg('error.cluster.hasRoot'))
            // The root case is not one more report of the problem: never placed in a cluster.
            await trx('cases').where({ id: row.id }).update({ clustered_at: nowIso() })
            const data = { clusterId: cl.id, members: members.map((m) => m.case_no), count: members.length, note: body.note ?? null }
            await this.cases.event(trx, row.id, 'cluster_root', { actor: actor.username, message: eventMessage('cluster_root', data), data })
            for (const m of members) {
              await this.cases.event(trx, m.id, 'root_case_linked', {
                actor: actor.username,
                message: eventMessage('root_case_linked', { rootCaseNo: row.case_no }),
                data: { clusterId: cl.id, rootCaseId: row.id, rootCaseNo: row.case_no },
                public: true,
              })
            }
          },
        },
      },
    )
  }
}
