import { boundedTest } from '../lib/bounded-regex.js'

/**
 * Whether a form field's pattern can hang the browser of the handler who fills the form in.
 * form-js tests a field's pattern with the browser's own RegExp as the field changes, with no
 * bound; the server bounds its own run (bounded-regex.ts), the browser cannot. A backtracking
 * engine takes exponential time on `^(a|a)*$` (minutes at 32 characters) and polynomial time on
 * `^.*a.*b.*c$` (198 s at 10,000 characters, measured in Node 20) and `\d*\d*\d*$` (8.5 s at 301).
 *
 * Decided by recheck (makenowjust-labs), which analyses the pattern as an automaton and fuzzes it
 * where it must, rather than by our own heuristic: it finds the polynomial shapes a probe of a few
 * dozen characters cannot, and it clears shapes a syntactic rule refuses although they are
 * linear (`^[a-z0-9]+([._-][a-z0-9]+)*$`, a user name, has nested repetition). It runs in its
 * own process (its native binary, or a worker thread where that is not installed), so the
 * analysis never holds up the server's one thread.
 *
 * Refused: exponential, and polynomial of degree 3 or more. Quadratic is kept: a text field takes
 * at most FORM_LIMITS.defaultMaxLength (10,000) characters, where `^.*foo.*$` costs ~0.2 s on
 * the worst text, and "contains X" patterns of that shape are common. Where recheck gives no
 * verdict in time (lookaheads, a pattern too large to analyse), a few probes decide (`backtracks`).
 */
export type PatternHazard =
  | { growth: 'exponential' }
  | { growth: 'polynomial'; degree: number }
  /** recheck gave no verdict and a probe ran out. */
  | { growth: 'slow' }
  /** Not looked at: the form's earlier patterns used up the time one form may take. */
  | { growth: 'unchecked' }

/** recheck's time for one pattern; past it the probes decide. */
const ANALYSIS_MS = 1000
/**
 * The time one form's patterns may take together. A pattern recheck answers in 3–400 ms; one it
 * cannot settle takes ANALYSIS_MS and then the probes (up to ~1 s of this thread when each probe
 * comes close to its bound), so a form of 200 such patterns would hold a deploy for minutes.
 */
export const FORM_BUDGET_MS = 5000
/** Verdicts by pattern text: a deploy and the versions served after it ask about the same ones. */
const verdicts = new Map<string, PatternHazard | null>()
const VERDICTS_MAX = 1000

type Recheck = typeof import('recheck')
let recheck: Promise<Recheck> | null = null
// Loaded on the first pattern: 2.9 MB of JavaScript that most servers (no pattern in any form) never need.
const loadRecheck = () => (recheck ??= import('recheck'))

/**
 * The hazard of each pattern (valid RegExp sources, no flags, as form-js builds them) that has
 * one; a pattern absent from the answer is safe to hand to a browser.
 */
export async function patternHazards(patterns: Iterable<string>, budgetMs = FORM_BUDGET_MS): Promise<Map<string, PatternHazard>> {
  const out = new Map<string, PatternHazard>()
  const started = performance.now()
  for (const pattern of new Set(patterns)) {
    let verdict = verdicts.get(pattern)
    if (verdict === undefined) {
      if (performance.now() - started > budgetMs) {
        out.set(pattern, { growth: 'unchecked' })
        continue
      }
      verdict = await analyse(pattern)
      if (verdicts.size >= VERDICTS_MAX) verdicts.clear()
      verdicts.set(pattern, verdict)
    }
    if (verdict) out.set(pattern, verdict)
  }
  return out
}

async function analyse(pattern: string): Promise<PatternHazard | null> {
  try {
    const { check } = await loadRecheck()
    // recheck bounds its analysis; this bounds its process too (one that died or hangs answers
    // nothing), with room for starting it on the first pattern (~1–2 s).
    const gaveUp = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const d = await Promise.race([
      check(pattern, '', { timeout: ANALYSIS_MS, signal: gaveUp.signal }),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ANALYSIS_MS + 5000))),
    ]).finally(() => clearTimeout(timer))
    if (!d) gaveUp.abort()
    else if (d.status === 'safe') return null
    else if (d.status === 'vulnerable') {
      if (d.complexity.type === 'exponential') return { growth: 'exponential' }
      return d.complexity.degree >= 3 ? { growth: 'polynomial', degree: d.complexity.degree } : null
    }
  } catch {
    // no backend could run (a platform without its binary and without worker threads): probes decide
  }
  return backtracks(new RegExp(pattern), pattern) ? { growth: 'slow' } : null
}

/**
 * Whether a pattern backtracks past a moment on a few probes: each letter or digit the pattern
 * names (and `a`, `0`, a space), 32 times, then a character that ends no match. Catches the
 * exponential shapes on the pattern's own alphabet (`^(a|a)*$`, `^(?=(a|a)*)`), not polynomial ones.
 */
function backtracks(re: RegExp, pattern: string): boolean {
  const chars = [...new Set(['a', '0', ' ', ...(pattern.replace(/\\./g, '').match(/[\p{L}\p{N}]/gu) ?? [])])].slice(0, 12)
  // A probe that ran out is run once more before it counts: the watchdog measures wall time, and a
  // busy machine may hold the process up across a run of microseconds; a backtracking one runs out again.
  const runsOut = (text: string) => boundedTest(re, text, 50) === null && boundedTest(re, text, 50) === null
  for (const c of chars) for (const tail of ['!', '\n']) if (runsOut(c.repeat(32) + tail)) return true
  return false
}
