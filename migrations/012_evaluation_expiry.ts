import type { Knex } from 'knex'

/**
 * Cases closed because the citizen's evaluation period ran out (`evaluation_expired_at`) count
 * apart. The on-time rate now judges when the unit reported its result (`resolved_at`), so the
 * covering index of the monthly figures (005_metrics_cover) carries both columns; without them
 * a month's figures would leave the index-only scan for the table.
 */
const COVERED = [
  'created_at',
  'status',
  'department',
  'category',
  'responded_at',
  'response_due_at',
  'closed_at',
  'resolve_due_at',
  'resolved_level',
  'evaluated_at',
  'eval_resolved',
  'eval_satisfaction',
  'resolved_at',
  'evaluation_expired_at',
]

async function cover(knex: Knex, columns: string[]) {
  await knex.raw('DROP INDEX IF EXISTS cases_metrics_cover_index')
  if (knex.client.config.client === 'pg') {
    await knex.raw(`CREATE INDEX cases_metrics_cover_index ON cases (month, region_path text_pattern_ops) INCLUDE (${columns.join(', ')})`)
  } else {
    await knex.raw(`CREATE INDEX cases_metrics_cover_index ON cases (month, region_path, ${columns.join(', ')})`)
  }
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cases', (t) => t.string('evaluation_expired_at'))
  await cover(knex, COVERED)
}

export async function down(knex: Knex): Promise<void> {
  await cover(knex, COVERED.slice(0, -2))
  await knex.schema.alterTable('cases', (t) => t.dropColumn('evaluation_expired_at'))
}
