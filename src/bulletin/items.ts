import { parseExpression } from 'feelin'
import { slowFeelAt } from '../lib/feel-limits.js'
import { evalFeel, expressionBody, feelSyntaxError } from '../engine/feel.js'
import { badRequest, msg, problem } from '../lib/errors.js'
import { emptyFacts, FACT_NAMES, FEEL_NAMES, type Facts } from './facts.js'

/** A scoring item in force for a county (the city's list with the county's overrides). */
export type ScoringItem = {
  code: string
  name: string
  nameEn: string | null
  appliesTo: 'township' | 'department' | 'both'
  /** Points per count; negative for a penalty. */
  points: number
  /** A named fact (facts.ts) or a FEEL expression `=…` over the facts. */
  count: string
  enabled: boolean
  /** Where the item in force comes from: the city's list, or a county's override / addition. */
  source: 'city' | 'county'
}

/** One row of a layer as stored and as PUT: a county's row may leave fields to the city's item. */
export interface ItemInput {
  code: string
  name?: string | null
  nameEn?: string | null
  appliesTo?: 'township' | 'department' | 'both' | null
  points?: number | null
  count?: string | null
  enabled?: boolean | null
}

export const APPLIES_TO = ['township', 'department', 'both'] as const
export const CODE_PATTERN = '^[A-Za-z][A-Za-z0-9_]{0,39}$'

type ItemProblem = { key: Parameters<typeof msg>[0]; params?: Record<string, string> }
const itemError = (code: string, index: number, field: string, p: ItemProblem) => {
  const m = msg(p.key, { code, ...p.params })
  return badRequest(m, [problem(m, { field: `items[${index}].${field}`, item: code })])
}

/** The identifiers a FEEL body reads; null when it does not parse or uses a refused construct. */
function namesIn(body: string): string[] | null {
  const names: string[] = []
  try {
    parseExpression(body, {}, undefined).iterate({
      enter(node) {
        // Loops, function definitions and regex built-ins (src/lib/feel-limits.ts): a count is a
        // test of one case's facts, worked out for every case of a month.
        if (node.type.isError || slowFeelAt(node, body)) throw new Error('parse error')
        // A function's own name (`abs(…)`) is a VariableName under a FunctionInvocation.
        if (node.name === 'VariableName' && node.node.parent?.name !== 'FunctionInvocation') names.push(body.slice(node.from, node.to))
      },
    })
  } catch {
    return null
  }
  return names
}

/**
 * A count's problem, or null when it is a named fact or a FEEL expression that parses, reads
 * only facts and attributes, and gives a number or a boolean on sample cases.
 */
export function countProblem(count: string): ItemProblem | null {
  if (FACT_NAMES.has(count)) return null
  const body = expressionBody(count)
  if (body == null) return { key: 'error.bulletin.item.unknownFact', params: { fact: count } }
  // The tree first: feelSyntaxError evaluates the text, which a loop must not reach.
  const names = namesIn(body)
  if (!names) return { key: 'error.bulletin.item.feelRefused' }
  const syntax = feelSyntaxError(body)
  if (syntax) return { key: 'error.bulletin.item.feelSyntax', params: { error: syntax } }
  // An unknown name would read as null and silently count nothing: refuse it when saved.
  const unknown = [...new Set(names.filter((n) => !FEEL_NAMES.has(n)))]
  if (unknown.length) return { key: 'error.bulletin.item.feelUnknownNames', params: { names: unknown.join(', ') } }
  for (const sample of sampleFacts()) {
    let v: unknown
    try {
      v = evalFeel(body, sample)
    } catch (err) {
      return { key: 'error.bulletin.item.feelFails', params: { error: (err as Error).message } }
    }
    if (v !== null && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
      return { key: 'error.bulletin.item.feelType' }
    }
  }
  return null
}

function sampleFacts(): Facts[] {
  const none = emptyFacts()
  const all = emptyFacts() as Record<string, unknown>
  for (const k of Object.keys(all)) all[k] = typeof all[k] === 'boolean' ? true : typeof all[k] === 'number' ? 2 : 'x'
  return [none, all as Facts]
}

/**
 * Results of each FEEL count per combination of the values it reads. feelin parses the text
 * on every evaluation (~1 ms); the facts of a month's cases fall into few combinations, so a
 * bulletin of 20,000 cases evaluates each expression a few dozen times instead of 40,000.
 */
const feelMemo = new Map<string, { names: string[]; results: Map<string, number> }>()

/** How many times an item counts for one case at one unit (0 when its expression gives null/false). */
export function countOf(item: Pick<ScoringItem, 'count'>, facts: Facts): number {
  if (FACT_NAMES.has(item.count)) return Number((facts as Record<string, unknown>)[item.count] ?? 0)
  const body = expressionBody(item.count)
  if (body == null) return 0
  let memo = feelMemo.get(body)
  if (!memo) {
    if (feelMemo.size > 500) feelMemo.clear()
    feelMemo.set(body, (memo = { names: [...new Set(namesIn(body) ?? [])], results: new Map() }))
  }
  const key = JSON.stringify(memo.names.map((n) => (facts as Record<string, unknown>)[n] ?? null))
  const known = memo.results.get(key)
  if (known !== undefined) return known
  let v: unknown
  try {
    v = evalFeel(body, facts)
  } catch {
    v = null
  }
  const n = v === true ? 1 : typeof v === 'number' && Number.isFinite(v) ? v : 0
  if (memo.results.size < 10_000) memo.results.set(key, n)
  return n
}

/**
 * Checks one layer before it is stored. The city's items must be complete; a county's row
 * either overrides the city's item of its code (any subset of fields) or adds a complete item.
 */
export function validateLayer(items: ItemInput[], city: Map<string, ItemInput> | null): void {
  const seen = new Set<string>()
  items.forEach((it, i) => {
    const code = it.code
    if (!new RegExp(CODE_PATTERN).test(code)) throw itemError(code, i, 'code', { key: 'error.bulletin.item.codePattern' })
    if (seen.has(code)) throw itemError(code, i, 'code', { key: 'error.bulletin.item.codeTwice' })
    seen.add(code)
    const complete = city === null || !city.has(code)
    if (complete) {
      if (!it.name || !it.name.trim()) throw itemError(code, i, 'name', { key: 'error.bulletin.item.nameRequired' })
      if (it.points == null) throw itemError(code, i, 'points', { key: 'error.bulletin.item.pointsRequired' })
      if (!it.count) throw itemError(code, i, 'count', { key: 'error.bulletin.item.countRequired' })
      if (!it.appliesTo) throw itemError(code, i, 'appliesTo', { key: 'error.bulletin.item.appliesToRequired' })
    }
    if (it.name != null && !it.name.trim()) throw itemError(code, i, 'name', { key: 'error.bulletin.item.nameEmpty' })
    if (it.points != null && (!Number.isFinite(it.points) || Math.abs(it.points) > 1000)) {
      throw itemError(code, i, 'points', { key: 'error.bulletin.item.pointsRange' })
    }
    if (it.count != null) {
      const p = countProblem(it.count)
      if (p) throw itemError(code, i, 'count', p)
    }
  })
}

/** The city's list with a county's overrides applied, in the city's order, additions last. */
export function mergeLayers(city: ItemInput[], county: ItemInput[]): ScoringItem[] {
  const over = new Map(county.map((c) => [c.code, c]))
  const out: ScoringItem[] = []
  const full = (base: ItemInput, o: ItemInput | undefined): ScoringItem => ({
    code: base.code,
    name: o?.name ?? base.name ?? base.code,
    nameEn: o?.nameEn ?? base.nameEn ?? null,
    appliesTo: (o?.appliesTo ?? base.appliesTo ?? 'both') as ScoringItem['appliesTo'],
    points: Number(o?.points ?? base.points ?? 0),
    count: o?.count ?? base.count ?? base.code,
    enabled: (o?.enabled ?? base.enabled ?? true) !== false,
    source: o ? 'county' : 'city',
  })
  for (const c of city) out.push(full(c, over.get(c.code)))
  const cityCodes = new Set(city.map((c) => c.code))
  for (const c of county) if (!cityCodes.has(c.code)) out.push({ ...full(c, undefined), source: 'county' })
  return out
}
