/**
 * Duplicate suggestions (重复件), measured:
 *
 * 1. Precision and recall on the labelled set (bench/data/petitions.ts: 234 petitions, 72
 *    matters). The reports arrive in time order; each is compared, as at intake, with the earlier
 *    reports of its township within the window (src/cases/similar.ts `rank`, top 5).
 *    - precision: suggestions that are the same matter / all suggestions;
 *    - recall: re-reports (a report whose matter was reported before) with at least one earlier
 *      report of their matter among the suggestions / all re-reports;
 *    and the same at other thresholds, to show what the chosen one trades.
 * 2. Time per suggestion with 100,000 cases in the table (SQLite file, bench/generate.ts):
 *    `GET /api/cases/:id/similar` through the HTTP stack, p50/p99 over 200 recent cases.
 *
 *   node --import tsx bench/duplicates.ts        (BENCH_DUP_N=100000 cases)
 */
import { petitions, type Petition } from './data/petitions.js'
import { isSuggested, prepare, similarity, SUGGEST, townshipPath, WINDOW_DAYS, type Prepared, type Similarity } from '../src/cases/similar.js'
import { buildBenchApp, emit, fmt } from './lib.js'
import { generateCases } from './generate.js'

interface Scored {
  p: Petition
  s: Similarity
}

function evaluate(set: Petition[], accept: (s: Similarity) => boolean, limit = 5) {
  const prepared = new Map<string, Prepared>(set.map((p) => [p.id, prepare(p)]))
  let suggested = 0
  let correct = 0
  let reReports = 0
  let found = 0
  let top1Correct = 0
  let withSuggestion = 0
  for (const [i, r] of set.entries()) {
    const town = townshipPath(r.region_path)
    const at = new Date(r.created_at).getTime()
    const earlier = set.slice(0, i).filter((c) => townshipPath(c.region_path) === town && at - new Date(c.created_at).getTime() <= WINDOW_DAYS * 86400e3)
    const ranked: Scored[] = earlier
      .map((c) => ({ p: c, s: similarity(prepared.get(r.id)!, prepared.get(c.id)!) }))
      .filter((x) => accept(x.s))
      .sort((a, b) => b.s.score - a.s.score)
      .slice(0, limit)
    suggested += ranked.length
    correct += ranked.filter((x) => x.p.group === r.group).length
    if (ranked.length) {
      withSuggestion++
      if (ranked[0].p.group === r.group) top1Correct++
    }
    if (set.slice(0, i).some((c) => c.group === r.group)) {
      reReports++
      if (ranked.some((x) => x.p.group === r.group)) found++
    }
  }
  return {
    suggested,
    correct,
    precision: suggested ? correct / suggested : 0,
    top1Precision: withSuggestion ? top1Correct / withSuggestion : 0,
    reReports,
    found,
    recall: reReports ? found / reReports : 0,
  }
}

const set = petitions()
const groups = new Set(set.map((p) => p.group)).size
console.log(`labelled set: ${set.length} petitions, ${groups} matters`)
const chosen = evaluate(set, isSuggested)
console.log(
  `chosen thresholds (score ≥ ${SUGGEST.minScore}, text ≥ ${SUGGEST.minText}, place ≥ ${SUGGEST.minPlace}): precision ${(chosen.precision * 100).toFixed(1)}% (${chosen.correct}/${chosen.suggested}), top-1 precision ${(chosen.top1Precision * 100).toFixed(1)}%, recall ${(chosen.recall * 100).toFixed(1)}% (${chosen.found}/${chosen.reReports} re-reports)`,
)
const sweep: { minScore: number; minText: number; precision: number; recall: number }[] = []
for (const minScore of [0.35, 0.4, 0.45, 0.5, 0.55]) {
  for (const minText of [0.05, 0.1, 0.15, 0.2, 0.25]) {
    const r = evaluate(set, (s) => s.score >= minScore && s.text >= minText && s.place >= SUGGEST.minPlace)
    sweep.push({ minScore, minText, precision: r.precision, recall: r.recall })
  }
}
console.log(`sweep, same village or grid (place ≥ ${SUGGEST.minPlace}) — score ≥ / text ≥ : precision / recall:`)
for (const row of sweep)
  console.log(`  ${row.minScore.toFixed(2)} / ${row.minText.toFixed(2)} : ${(row.precision * 100).toFixed(1)}% / ${(row.recall * 100).toFixed(1)}%`)

// ── time per suggestion at 100k cases ──
const N = Number(process.env.BENCH_DUP_N ?? 100_000)
let timing: { cases: number; samples: number; p50: number; p99: number; mean: number } | null = null
if (N > 0) {
  const bench = await buildBenchApp()
  try {
    const { app } = bench
    const t0 = Date.now()
    await generateCases(app.db, N, { log: (s) => console.log(s) })
    console.log(`generated ${fmt(N)} cases in ${((Date.now() - t0) / 1000).toFixed(0)} s`)
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'demo' } })
    const headers = { authorization: `Bearer ${login.json().token}` }
    // Recent cases (the last 30 days of the generated span), where the window is densest.
    const ids: string[] = await app.db('cases').where({ source: 'bench' }).orderBy('created_at', 'desc').limit(5000).pluck('id')
    const sample = ids.filter((_, i) => i % 25 === 0).slice(0, 200)
    for (const id of sample.slice(0, 10)) await app.inject({ method: 'GET', url: `/api/cases/${id}/similar`, headers })
    const times: number[] = []
    for (const id of sample) {
      const s = process.hrtime.bigint()
      const r = await app.inject({ method: 'GET', url: `/api/cases/${id}/similar`, headers })
      times.push(Number(process.hrtime.bigint() - s) / 1e6)
      if (r.statusCode !== 200) throw new Error(`similar ${id}: ${r.statusCode} ${r.body}`)
    }
    times.sort((a, b) => a - b)
    const q = (f: number) => times[Math.min(times.length - 1, Math.floor(f * times.length))]
    timing = { cases: N, samples: times.length, p50: q(0.5), p99: q(0.99), mean: times.reduce((a, b) => a + b, 0) / times.length }
    console.log(
      `time per suggestion with ${fmt(N)} cases (SQLite, GET /api/cases/:id/similar, ${times.length} requests): p50 ${timing.p50.toFixed(1)} ms, p99 ${timing.p99.toFixed(1)} ms, mean ${timing.mean.toFixed(1)} ms`,
    )
  } finally {
    await bench.close()
  }
}

emit('duplicates', { petitions: set.length, matters: groups, thresholds: SUGGEST, chosen, sweep, timing })
