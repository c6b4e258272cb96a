import type { Knex } from 'knex'

/**
 * Indexes for the figures (src/metrics). On PostgreSQL a subtree filter `region_path LIKE
 * 'prefix%'` uses a btree index only under the C collation or with text_pattern_ops, so the
 * region index is repeated there with text_pattern_ops. Imported cases are unique per
 * (source, external_id), which makes a replay import idempotent even when run twice at once
 * (NULLs, i.e. cases not imported, never collide).
 */
export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') {
    await knex.raw('CREATE INDEX IF NOT EXISTS cases_region_path_pattern_index ON cases (region_path text_pattern_ops, created_at)')
    await knex.raw('CREATE INDEX IF NOT EXISTS cases_category_pattern_index ON cases (category text_pattern_ops, month)')
  }
  await knex.schema.alterTable('cases', (t) => {
    t.unique(['source', 'external_id'], { indexName: 'cases_source_external_id_unique' })
    t.index(['month', 'department'], 'cases_month_department_index')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cases', (t) => {
    t.dropUnique(['source', 'external_id'], 'cases_source_external_id_unique')
    t.dropIndex(['month', 'department'], 'cases_month_department_index')
  })
  if (knex.client.config.client === 'pg') {
    await knex.raw('DROP INDEX IF EXISTS cases_region_path_pattern_index')
    await knex.raw('DROP INDEX IF EXISTS cases_category_pattern_index')
  }
}
