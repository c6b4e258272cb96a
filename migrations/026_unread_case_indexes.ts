import type { Knex } from 'knex'

/**
 * Drops two indexes of `cases` that no query reads: every index is written with each case row
 * inserted and with each update of its columns (an intake's insert and every status change wrote
 * a page of `(overdue, status)`), so an index nothing plans with costs each step and answers
 * nothing.
 *
 * - `(tenant, month)`: no query filters cases by county and month; the rates and the bulletin
 *   narrow by region path and month (`(month, region_path)`, the metrics' covering index).
 * - `(overdue, status)`: the overdue filter of the case list is an OR with the resolve deadline
 *   (`overdue` or open past `resolve_due_at`), which this index cannot answer alone, and its
 *   negation matches nearly every case; a handler sets `overdue` on one case by id.
 *
 * Checked at 1,000,000 cases (`BENCH_BIG_PLANS=1 bench/bigdata.ts`, README): no plan of the task
 * lists, case searches, rates or dashboard used either, nor did any query of the test suite on
 * the demo database.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cases', (t) => {
    t.dropIndex(['tenant', 'month'], 'cases_tenant_month_index')
    t.dropIndex(['overdue', 'status'], 'cases_overdue_status_index')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cases', (t) => {
    t.index(['tenant', 'month'], 'cases_tenant_month_index')
    t.index(['overdue', 'status'], 'cases_overdue_status_index')
  })
}
