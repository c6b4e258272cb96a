/**
 * `cases.township_path` is derived by the database (migration 028) and the neighbour reads
 * compare it with townshipPath() of the new case: the two must agree on every path, or a case
 * would miss its own township's neighbours.
 */
import t from 'tap'
import { build, onPostgres, openTestDb } from '../helper.js'
import { call, garbageReport } from '../api.js'
import { insertCases } from '../metrics/fixtures.js'
import { townshipPath } from '../../src/cases/similar.js'
import { migrationSource } from '../../migrations/index.js'

t.test('township_path is townshipPath(region_path) for every region of the seeded org, the county and shorter paths', async (t) => {
  const app = await build(t)
  const regions: { code: string; path: string }[] = await app.db('regions').select('code', 'path')
  t.ok(regions.length > 30, `the seeded org's regions (${regions.length})`)
  const depths = [...new Set(regions.map((r) => r.path.split('/').filter(Boolean).length))].sort()
  t.ok(depths.length >= 3 && depths[0] <= 3 && depths[depths.length - 1] > 3, `paths above and below a township: ${depths.join(', ')} segments`)
  const extra = ['/', '/langfang/', '/langfang/xianghe/', '/langfang/xianghe/xh-anping/', '/a/b/c/d', '/a/b/c', '/a/bb/ccc/dddd/eeeee/f/', '/县/镇/村/组/']
  await insertCases(app, [...regions.map((r) => ({ region: r.code })), ...extra.map((region_path) => ({ region_path }))])
  const rows: { region_path: string; township_path: string }[] = await app.db('cases').select('region_path', 'township_path')
  t.equal(rows.length, regions.length + extra.length, 'one case per path')
  const wrong = rows.filter((r) => r.township_path !== townshipPath(r.region_path))
  t.same(wrong, [], 'the database derives what townshipPath() does')
  t.equal(
    rows.find((r) => r.region_path === '/langfang/xianghe/xh-anping/xh-anping-v01/xh-anping-v01-g1/')?.township_path ?? null,
    '/langfang/xianghe/xh-anping/',
    'a grid: its township',
  )
  t.equal(rows.find((r) => r.region_path === '/langfang/xianghe/')?.township_path, '/langfang/xianghe/', 'the county: itself')

  // garbageReport is registered in grid xh-anping-v01-g1, of township xh-anping.
  const r = await call(app, 'dispatcher', 'POST', '/api/cases', garbageReport)
  t.equal(r.status, 201, 'an intake through the API')
  t.notOk('townshipPath' in r.body || 'township_path' in r.body, 'the answer does not carry the column')
  t.equal((await app.db('cases').where({ id: r.body.id }).first('township_path')).township_path, '/langfang/xianghe/xh-anping/', 'its case has it')
})

t.test('migration 028 down drops the index and the column; up adds them again', async (t) => {
  const { db } = await openTestDb(t)
  t.teardown(() => db.destroy())
  // (SQLite's table_info, which knex's hasColumn reads, leaves generated columns out.)
  const has = async () =>
    onPostgres
      ? (
          await db.raw(
            `SELECT (SELECT count(*)::int FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'cases' AND column_name = 'township_path') AS "column",
                    (SELECT count(*)::int FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'cases_township_created_at_index') AS "index"`,
          )
        ).rows[0]
      : (
          await db.raw(
            `SELECT (SELECT count(*) FROM pragma_table_xinfo('cases') WHERE name = 'township_path') AS "column",
                    (SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'cases_township_created_at_index') AS "index"`,
          )
        )[0]
  t.same(await has(), { column: 1, index: 1 }, 'migrated: both')
  const [, downed] = await db.migrate.down({ migrationSource, name: '028_cases_township' })
  t.same(downed, ['028_cases_township'], 'undone')
  t.same(await has(), { column: 0, index: 0 }, 'down: neither')
  await db.migrate.latest({ migrationSource })
  t.same(await has(), { column: 1, index: 1 }, 'up again: both')
})
