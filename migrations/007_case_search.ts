import type { Knex } from 'knex'

/**
 * PostgreSQL answers `LIKE 'prefix%'` from a btree only with text_pattern_ops (unless the
 * database collation is plain C), so case search by region subtree, category subtree and
 * case-number start would scan the table there. SQLite needs nothing: src/lib/db.ts
 * wherePrefix turns those filters into ranges its existing indexes answer.
 */
export async function up(knex: Knex): Promise<void> {
  // A staff member's cases include those they have, had or are offered a task on
  // (cases/service.ts involvement): the assignee and completer lookups need their own index.
  await knex.raw('CREATE INDEX IF NOT EXISTS tasks_assignee_case_index ON tasks (assignee, case_id)')
  await knex.raw('CREATE INDEX IF NOT EXISTS tasks_completed_by_case_index ON tasks (completed_by, case_id)')
  if (knex.client.config.client !== 'pg') return
  await knex.raw('CREATE INDEX IF NOT EXISTS cases_region_path_pattern_index ON cases (region_path text_pattern_ops, created_at)')
  await knex.raw('CREATE INDEX IF NOT EXISTS cases_category_pattern_index ON cases (category text_pattern_ops)')
  await knex.raw('CREATE INDEX IF NOT EXISTS cases_case_no_pattern_index ON cases (case_no text_pattern_ops)')
}

export async function down(knex: Knex): Promise<void> {
  for (const i of ['tasks_assignee_case_index', 'tasks_completed_by_case_index']) await knex.raw(`DROP INDEX IF EXISTS ${i}`)
  if (knex.client.config.client !== 'pg') return
  for (const i of ['cases_region_path_pattern_index', 'cases_category_pattern_index', 'cases_case_no_pattern_index'])
    await knex.raw(`DROP INDEX IF EXISTS ${i}`)
}
