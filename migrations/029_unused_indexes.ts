import type { Knex } from 'knex'

/**
 * Drops indexes that another index of the same table already serves, or that no query reads.
 * Each one is written with every row its table gets (issue 13): an intake's insert wrote an entry
 * in each of the cases indexes here, and on PostgreSQL so did every update of a case that is not
 * HOT (any change of an indexed or covered column, such as its status). Measured on the
 * 100,000-case file, 300 intakes and their sign-for completions, WAL frames mapped to their b-tree
 * (dbstat): SQLite wrote 1.31 pages of `(month, region_path)` per intake, about 5 KB of WAL of
 * ~97 pages, and none per completion (SQLite rewrites only the indexes of changed columns).
 * PostgreSQL (EXPLAIN (ANALYZE, WAL) of 1,000 case rows, rolled back): inserting them wrote 21,047
 * → 17,680 WAL records (3.76 → 3.33 MB), closing them 21,256 → 19,398 records.
 *
 * Checked on 100,000 generated cases (bench/generate.ts, ANALYZEd) on both databases: EXPLAIN of
 * every statement of the case searches, the rates and dashboard, the bulletin (view, cases,
 * publish, public page), the recurring problems, the notifications and an intake, before and
 * after.
 *
 * Both databases:
 * - `cases (month, region_path)`: the leading two columns of `cases_metrics_cover_index`
 *   (migration 005_metrics_cover; on PostgreSQL `(month, region_path text_pattern_ops)`), which
 *   answers the same `month = ? AND region_path` range or LIKE 'prefix%'. SQLite's plans that
 *   took it (a grid worker's case list, a township's case search, the dashboard of a county, the
 *   bulletin of a county) take the covering index instead, the same range of the same entries;
 *   PostgreSQL already planned every such read on the covering index.
 * - `bulletin_publications (tenant, month)`: no query filters publications by county; the public
 *   page filters by month and region code and orders by them, which the unique (month,
 *   region_code) answers (SQLite plans with it; PostgreSQL scans the small table either way).
 *
 * PostgreSQL only: its prefix filters are `LIKE 'prefix%'` (src/lib/db.ts wherePrefix), which
 * only the text_pattern_ops indexes answer under the database collation, and an equality reads
 * those as well; no query compares these columns by `<`/`>` or orders by them.
 * - `cases (region_path, created_at)`: `cases_region_path_pattern_index (region_path
 *   text_pattern_ops, created_at)` (migration 005_metrics) answers the region searches.
 * - `cases (category, month)`: `cases_category_pattern_index (category text_pattern_ops, month)`
 *   answers the category subtree of the case search and of the rates.
 * On SQLite the prefix filters are byte ranges (`region_path >= ? AND region_path < ?`) that
 * these two plain indexes answer, and there is no pattern index: they stay.
 *
 * Kept, though an earlier analysis proposed them: `notification_reads (user_id)` is no prefix of
 * the primary key (notification_id, user_id), and PostgreSQL reads it for the bell and the
 * notification list (a hash join of the person's reads; without it a scan of everyone's reads,
 * 11 → 26 ms at 150,000 reads); it is written when a notice is read, not by an intake or a task.
 * `tasks (status, due_at)` (the administrator's overdue count) and `task_candidates (kind, value,
 * task_id)` (the candidate task lists) are read and lead no other index.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cases', (t) => {
    t.dropIndex(['month', 'region_path'], 'cases_month_region_path_index')
  })
  await knex.schema.alterTable('bulletin_publications', (t) => {
    t.dropIndex(['tenant', 'month'], 'bulletin_publications_tenant_month_index')
  })
  if (knex.client.config.client === 'pg') {
    await knex.schema.alterTable('cases', (t) => {
      t.dropIndex(['region_path', 'created_at'], 'cases_region_path_created_at_index')
      t.dropIndex(['category', 'month'], 'cases_category_month_index')
    })
  }
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') {
    await knex.schema.alterTable('cases', (t) => {
      t.index(['region_path', 'created_at'], 'cases_region_path_created_at_index')
      t.index(['category', 'month'], 'cases_category_month_index')
    })
  }
  await knex.schema.alterTable('bulletin_publications', (t) => {
    t.index(['tenant', 'month'], 'bulletin_publications_tenant_month_index')
  })
  await knex.schema.alterTable('cases', (t) => {
    t.index(['month', 'region_path'], 'cases_month_region_path_index')
  })
}
