import type { Knex } from 'knex'

/**
 * Drops `cases (source, external_id)`, the plain index migration 003 made for the replay import's
 * lookups: migration 005 added the unique index on the same two columns, which answers every query
 * the plain one could, so SQLite and PostgreSQL kept writing a second copy of it with every intake
 * (one more WAL page per intake on SQLite: bench/sql-native.ts, issue 13) and every import row.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cases', (t) => {
    t.dropIndex(['source', 'external_id'], 'cases_source_external_id_index')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cases', (t) => {
    t.index(['source', 'external_id'], 'cases_source_external_id_index')
  })
}
