/**
 * An intake reads its township's recent cases newest first, at most 500 (clusters.ts
 * readShared; the duplicate candidates read the same way). SQLite must answer it by walking
 * the `(township_path, created_at)` index (migration 028) backwards and stopping at the limit:
 * by the months and the township's path range it used `(month, region_path)` and sorted every
 * case of the township in the window in a temporary B-tree, on every intake, growing with the
 * township. The plans are those of the statements the app runs, captured during real requests.
 */
import t from 'tap'
import { build, onPostgres } from '../helper.js'
import { call, garbageReport } from '../api.js'
import { insertCases } from '../metrics/fixtures.js'
import { cstMonth } from '../../src/metrics/index.js'

interface Query {
  sql: string
  bindings: unknown[]
}

t.test(
  'the shared township read, the neighbours read and the candidates read walk the township index in order, with no sort',
  { skip: onPostgres && 'SQLite plans' },
  async (t) => {
    const app = await build(t)
    // Recent cases in the intake's township and in another, so the read has rows to order and
    // other townships' entries to leave alone. Not placed yet: the catchUp after the intake places
    // them, each by the cluster neighbours' own read (clusters.ts neighbourQuery).
    const now = Date.now()
    const recent = (i: number) => {
      const created_at = new Date(now - (i + 1) * 3600e3).toISOString()
      return { created_at, updated_at: created_at, month: cstMonth(created_at) }
    }
    await insertCases(app, [
      ...Array.from({ length: 120 }, (_, i) => ({ region: 'xh-anping-v01-g1', ...recent(i) })),
      ...Array.from({ length: 120 }, (_, i) => ({ region: 'xh-shuyang-v01-g1', ...recent(i) })),
    ])

    const seen: Query[] = []
    const listen = (q: { sql?: string; bindings?: unknown[] }) => seen.push({ sql: String(q.sql ?? ''), bindings: q.bindings ?? [] })
    app.db.on('query', listen)
    const r = await call(app, 'dispatcher', 'POST', '/api/cases', garbageReport)
    const again = await call(app, 'dispatcher', 'GET', `/api/cases/${r.body.id}/similar`)
    const before = seen.length
    // A grid worker's read is scoped to their grid (by a path range, ORed with their own cases).
    const scoped = await call(app, 'grid01', 'GET', `/api/cases/${r.body.id}/similar`)
    app.db.off('query', listen)
    t.equal(r.status, 201, 'the intake')
    t.equal(again.status, 200, 'its similar cases, read on their own')
    t.equal(scoped.status, 200, "and by the grid's worker")

    const township = seen.filter((q) => /\bfrom [`"]cases[`"] where [`"]cases[`"]\.[`"]township_path[`"] = \?/i.test(q.sql))
    const shared = township.find((q) => /as [`"]clu[`"]/.test(q.sql))
    const neighbours = township.find((q) => !/as [`"]clu[`"]/.test(q.sql) && /[`"]clustered_at[`"] is not null/.test(q.sql))
    const candidates = township.find((q) => !/clustered_at/.test(q.sql) && seen.indexOf(q) < before)
    const gridCandidates = township.find((q) => seen.indexOf(q) >= before)
    t.ok(shared, 'the intake read its township by township_path')
    t.ok(neighbours, 'placing the fixtures read their neighbours by township_path')
    t.ok(candidates, 'GET …/similar read its candidates by township_path')
    t.ok(gridCandidates, "and so did the grid worker's")
    for (const [label, q] of [
      ['the shared read', shared],
      ['the neighbours read', neighbours],
      ['the candidates read', candidates],
      ["the grid worker's candidates read", gridCandidates],
    ] as const) {
      if (!q) continue
      t.ok(q.bindings.includes('/langfang/xianghe/xh-anping/') || q.bindings.includes('/langfang/xianghe/xh-shuyang/'), `${label}: of a township`)
      const plan: { parent: number; detail: string }[] = await app.db.raw(`EXPLAIN QUERY PLAN ${q.sql}`, q.bindings as never)
      const details = plan.map((p) => p.detail)
      // The statement's own steps (parent 0); a subquery's (the grid worker's own cases) may sort its few rows.
      const top = plan.filter((p) => p.parent === 0).map((p) => p.detail)
      t.ok(
        top.some((d) => /^SEARCH cases USING INDEX cases_township_created_at_index \(township_path=\? AND created_at>\? AND created_at<\?\)/.test(d)),
        `${label}: the township's index over the window (${details.join(' | ')})`,
      )
      t.notOk(
        top.some((d) => /TEMP B-TREE/.test(d)),
        `${label}: no sort`,
      )
    }
  },
)
