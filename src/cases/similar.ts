import type { Knex } from 'knex'
import type { Db, Trx } from '../lib/db.js'
import { wherePrefix } from '../lib/db.js'

/**
 * Similar cases (重复件 and 共性问题): how alike two petitions are, from their text, their place
 * and their category.
 *
 * Text: the Dice coefficient of the character bigram sets of title + description (+ address).
 * Chinese petitions are short and full of place names, local words and typos that a segmenter's
 * dictionary splits unpredictably (村口/路灯/不亮 vs 村口路/灯…); bigrams need no dictionary,
 * match partial words the same way on both sides, cost microseconds, and the trigram indexes
 * the search already uses (migration 008) work on the same idea. The labelled bench
 * (bench/duplicates.ts) measures what they find.
 */

export interface Comparable {
  id: string
  title: string | null
  description: string
  address?: string | null
  category: string
  region_code: string
  region_path: string
  lat?: number | string | null
  lng?: number | string | null
  created_at: string
}

export interface Similarity {
  score: number
  text: number
  place: number
  category: number
}

/** Weights of the three parts, and what counts as similar. Calibrated on bench/data/petitions.json. */
export const WEIGHTS = { text: 0.6, place: 0.25, category: 0.15 }
export const SUGGEST = { minScore: 0.4, minText: 0.05, minPlace: 0.7 }
/** How far apart in time a re-report may be, and how long after closing a case is still "recent". */
export const WINDOW_DAYS = 60
export const CLOSED_RECENT_DAYS = 30
export const MAX_CANDIDATES = 500

// Whitespace, ASCII and CJK punctuation, full-width forms' punctuation: not content.
const NOISE = /[\s\p{P}\p{S}]+/gu

function rawGrams(text: string): string[] {
  const chars = [...text.toLowerCase().replace(NOISE, '')]
  const out: string[] = []
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1])
  return out
}

/**
 * The requests and complaints every petition ends with say nothing about which matter it is,
 * and in short texts their bigrams outweighed the matter's own (a broken well cover and a dark
 * street lamp, both "请尽快处理", came out similar). Their bigrams are left out.
 */
const BOILERPLATE = [
  '请尽快处理',
  '尽快解决',
  '请帮忙解决',
  '请帮忙处理',
  '帮忙协调',
  '希望有关部门管一管',
  '请有关部门',
  '请相关部门',
  '相关部门',
  '麻烦尽快派人来看看',
  '派人来看看',
  '谢谢',
  '盼复',
  '多次反映',
  '反映了好几次',
  '一直没人管',
  '没人管',
  '没有解决',
  '请领导',
  '请政府',
  '希望政府',
  '严重影响',
  '影响生活',
  '很危险',
  '问题',
]
const STOP = new Set(BOILERPLATE.flatMap(rawGrams))

export function grams(text: string): Set<string> {
  const out = new Set(rawGrams(text).filter((g) => !STOP.has(g)))
  const chars = [...text.replace(NOISE, '')]
  if (chars.length === 1) out.add(chars[0].toLowerCase())
  return out
}

export function dice(a: Set<string>, b: Set<string>): number {
  if (!a.size || !b.size) return 0
  let common = 0
  const [small, large] = a.size <= b.size ? [a, b] : [b, a]
  for (const g of small) if (large.has(g)) common++
  return (2 * common) / (a.size + b.size)
}

const textOf = (c: Comparable) => `${c.title ?? ''}${c.description}`

/** Metres between two points (equirectangular: fine at a township's scale). */
function metres(aLat: number, aLng: number, bLat: number, bLng: number): number {
  const k = Math.PI / 180
  const x = (bLng - aLng) * k * Math.cos(((aLat + bLat) / 2) * k)
  const y = (bLat - aLat) * k
  return Math.sqrt(x * x + y * y) * 6_371_000
}

/**
 * The township subtree of a region path (`/city/county/township/`), or the path itself above it.
 * `cases.township_path` is the database's own derivation of it (migration 028), which the
 * neighbour reads compare with this: the two must stay one rule.
 */
export function townshipPath(path: string): string {
  const parts = path.split('/').filter(Boolean)
  return parts.length <= 3 ? path : `/${parts.slice(0, 3).join('/')}/`
}

function placeScore(a: Comparable, b: Comparable, addrA: Set<string> | null, addrB: Set<string> | null): number {
  let s: number
  if (a.region_code === b.region_code) s = 1
  else {
    const pa = a.region_path.split('/').filter(Boolean)
    const pb = b.region_path.split('/').filter(Boolean)
    let common = 0
    while (common < pa.length && common < pb.length && pa[common] === pb[common]) common++
    // Same village (4 levels shared) or the same township (3).
    s = common >= 4 ? 0.7 : common >= 3 ? 0.4 : 0
  }
  if (a.lat != null && a.lng != null && b.lat != null && b.lng != null) {
    const d = metres(Number(a.lat), Number(a.lng), Number(b.lat), Number(b.lng))
    s = Math.max(s, d <= 150 ? 1 : d <= 500 ? 0.8 : d <= 1500 ? 0.5 : 0)
  }
  if (addrA && addrB && dice(addrA, addrB) >= 0.6) s = Math.max(s, 0.9)
  return s
}

function categoryScore(a: string, b: string): number {
  if (a === b) return 1
  return a.split('.')[0] === b.split('.')[0] ? 0.5 : 0
}

/** A case with its bigrams computed once (a candidate is compared with one new case, a bench with many). */
export interface Prepared {
  c: Comparable
  text: Set<string>
  address: Set<string> | null
}

/**
 * Bigram sets by the text they came from, the most recent `max` kept. Every intake compares the
 * new case with up to 500 candidates (duplicates) and 300 neighbours (clusters) of its township,
 * mostly the same cases as the intake before: without it each of them was split into bigrams
 * again, ~2 ms of CPU per intake once a township had a few hundred recent cases (bench/steps.ts).
 * Keyed by the text itself, so an edited case is never compared by its old words.
 */
export class GramCache {
  private readonly sets = new Map<string, Set<string>>()
  constructor(private readonly max = 5000) {}

  grams(text: string): Set<string> {
    let g = this.sets.get(text)
    if (g) return g
    g = grams(text)
    // Bounded: cleared whole when full (cheaper than LRU bookkeeping on every hit; it refills
    // from the next few intakes).
    if (this.sets.size >= this.max) this.sets.clear()
    this.sets.set(text, g)
    return g
  }
}

export const prepare = (c: Comparable, cache?: GramCache): Prepared => {
  const g = cache ? (t: string) => cache.grams(t) : grams
  return { c, text: g(textOf(c)), address: c.address ? g(c.address) : null }
}

export function similarity(a: Prepared, b: Prepared): Similarity {
  const text = dice(a.text, b.text)
  const place = placeScore(a.c, b.c, a.address, b.address)
  const category = categoryScore(a.c.category, b.c.category)
  const score = WEIGHTS.text * text + WEIGHTS.place * place + WEIGHTS.category * category
  return { score: Math.round(score * 1000) / 1000, text: Math.round(text * 1000) / 1000, place, category }
}

/**
 * A duplicate is the same matter at the same place: the same village or grid, or within 500 m
 * when both have coordinates (place ≥ minPlace). The same words elsewhere in the township are
 * another matter (the labelled set has both kinds).
 */
export const isSuggested = (s: Similarity) => s.score >= SUGGEST.minScore && s.text >= SUGGEST.minText && s.place >= SUGGEST.minPlace

/**
 * The candidates a case is compared with: its county's cases of the same township created within
 * WINDOW_DAYS either side, open or closed within CLOSED_RECENT_DAYS, and not themselves
 * duplicates (their main case is the one to link to). The newest MAX_CANDIDATES at most.
 *
 * By `township_path =` and the window (migration 028's `(township_path, created_at)` index):
 * SQLite walks the township's entries of the window newest first and stops at the limit, with
 * no sort. By the window's months and the township's path range it used `(month, region_path)`
 * and sorted every case of the township in the window (a temporary B-tree, growing with the
 * township); by the county's range alone it walked the whole county's entries (2 s at 100k
 * cases under load). No `tenant =`: the township path fixes the county, and with it SQLite
 * preferred a county index over the township's.
 */
export function candidateQuery(db: Db | Trx, row: Comparable & { tenant: string }, now = new Date()): Knex.QueryBuilder {
  const { from, to } = candidateWindow(row)
  const q = db('cases')
    .where('cases.township_path', townshipPath(row.region_path))
    .where('cases.created_at', '>=', from)
    .where('cases.created_at', '<=', to)
    .whereNot('cases.id', row.id)
    .where(suggestable(db, now))
    .orderBy('cases.created_at', 'desc')
    .limit(MAX_CANDIDATES)
  return wherePlaceMayMatch(db, q, row)
}

/** The creation times a case's candidates may have: WINDOW_DAYS either side of it. */
export function candidateWindow(row: Pick<Comparable, 'created_at'>): { from: string; to: string } {
  const at = new Date(row.created_at).getTime()
  return {
    from: new Date(at - WINDOW_DAYS * 86400e3).toISOString(),
    to: new Date(at + WINDOW_DAYS * 86400e3).toISOString(),
  }
}

/**
 * What may be suggested at `now`: open, or closed within CLOSED_RECENT_DAYS, and not itself a
 * duplicate (its main case is the one to link to). One SQL condition, for candidateQuery's
 * WHERE and for the flag the shared neighbour read (clusters.ts) selects, so both say the same.
 * `coalesce(…) = ''` rather than `IS NULL` so that no index is used for it: as `IS NULL` SQLite
 * chose the duplicate_of index, i.e. every case (duplicates are few).
 */
export function suggestable(db: Db | Trx, now: Date): Knex.Raw {
  const closedSince = new Date(now.getTime() - CLOSED_RECENT_DAYS * 86400e3).toISOString()
  return db.raw("(coalesce(??, '') = '' and (not ?? = ? or ?? >= ?))", ['cases.duplicate_of', 'cases.status', 'closed', 'cases.closed_at', closedSince])
}

/**
 * One read of a just-registered case's township serving both its clustering and its similar
 * suggestions (clusters.ts readShared): the rows either would read, newest first, each flagged
 * with which of them wants it. Before, each read the same few hundred neighbours on its own,
 * and decoding them into JavaScript was most of the intake's native SQLite time
 * (bench/sql-native.ts: ~2.3 ms per read with 300 cases in the village).
 */
export interface Neighbourhood {
  caseId: string
  /** The time `sim` was judged at (closed within CLOSED_RECENT_DAYS of it). */
  now: Date
  rows: (Comparable & { case_no: string; status: string; cluster_id: string | null; sim: unknown; clu: unknown })[]
  /** The oldest row's creation time when the read was cut at its limit: older rows, and more at that time, may exist. */
  cutAt: string | null
  /** The case's similarity to each neighbour its placing compared it with, by id: the suggestions' ranking reuses them. */
  scores: Map<string, Similarity>
}

/**
 * The newest `cap` of one consumer's rows of a shared read (`rows`: that consumer's rows of it,
 * newest first), when the read is enough to know them: it was not cut, or it holds `cap` of
 * them (every row newer than the cut is in it), or the consumer's window (`from`) lies wholly
 * after the cut. Otherwise the rows after the cut, and how many more to read at or before it
 * with the consumer's own query.
 */
export function newestOf<T extends { created_at: string }>(
  rows: T[],
  cutAt: string | null,
  cap: number,
  from: string,
): { rows: T[]; more: null | { atOrBefore: string; limit: number } } {
  if (cutAt === null || rows.length >= cap || cutAt < from) return { rows: rows.slice(0, cap), more: null }
  const after = rows.filter((r) => r.created_at > cutAt)
  return { rows: after, more: { atOrBefore: cutAt, limit: cap - after.length } }
}

/**
 * Leaves out in SQL the rows `isSuggested` would refuse for their place alone (place < 0.7:
 * neither the same region nor the same village, nor within 500 m, nor an address to compare),
 * before they are read into JavaScript. In a township of several villages most of its cases
 * are such rows; decoding them was most of an intake's two neighbour reads (bench/steps.ts).
 * The caps (500 candidates, 300 neighbours) then count plausible rows only, so with more than
 * that many cases in a township's window the oldest plausible ones are no longer cut off.
 */
export function wherePlaceMayMatch(db: Db | Trx, q: Knex.QueryBuilder, row: Comparable, table = 'cases'): Knex.QueryBuilder {
  const col = (c: string) => `${table}.${c}`
  const parts = row.region_path.split('/').filter(Boolean)
  return q.where((w) => {
    w.where(col('region_code'), row.region_code)
    // The same village: 4 levels of the path shared (placeScore's 0.7).
    if (parts.length >= 4) w.orWhere((v) => wherePrefix(db as Db, v, col('region_path'), `/${parts.slice(0, 4).join('/')}/`))
    if (row.lat != null && row.lng != null) {
      // A box around the point a little wider than 500 m (placeScore's 0.8): the exact distance is JS's.
      const lat = Number(row.lat)
      const lng = Number(row.lng)
      const dLat = (NEAR_METRES * 1.2) / 111_195
      const cos = Math.cos((lat * Math.PI) / 180)
      w.orWhere((b) => {
        b.whereBetween(col('lat'), [lat - dLat, lat + dLat])
        if (cos > 0.1) b.whereBetween(col('lng'), [lng - dLat / cos, lng + dLat / cos])
        else b.whereNotNull(col('lng'))
      })
    }
    // Nearly the same address (0.9) needs an address on both sides.
    if (row.address) w.orWhere((a) => a.whereNotNull(col('address')).whereNot(col('address'), ''))
  })
}

/** Within this many metres two reports count as one place (placeScore's 0.8, the suggestion's minimum). */
const NEAR_METRES = 500

/**
 * Ranks candidates against `row`: the suggested ones, best first. `known`: similarities to `row`
 * already worked out, by candidate id (an intake's placing compared it with the same neighbours).
 */
export function rank<T extends Comparable>(
  row: Comparable,
  candidates: T[],
  limit = 5,
  cache?: GramCache,
  known?: Map<string, Similarity>,
): { c: T; s: Similarity }[] {
  const p = prepare(row, cache)
  return candidates
    .map((c) => ({ c, s: known?.get(c.id) ?? similarity(p, prepare(c, cache)) }))
    .filter((x) => isSuggested(x.s))
    .sort((a, b) => b.s.score - a.s.score || (a.c.created_at < b.c.created_at ? 1 : -1))
    .slice(0, limit)
}
