import type { Knex } from 'knex'

/**
 * Who last changed a category and when (`PATCH`/`POST /api/categories`). A category's time
 * limits decide every new case's deadlines, and so the on-time figures of the monthly
 * assessment: when a unit disputes its figures, staff need to see whether the limit its cases
 * were measured by was changed, by whom and when. Each case keeps the limit it was filed under
 * (its process variables), so the last change is what a dispute asks about; the request log
 * names every change's fields. Null for rows the seed or the command line wrote.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('categories', (t) => {
    t.string('updated_at').nullable()
    t.string('updated_by').nullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('categories', (t) => {
    t.dropColumn('updated_at')
    t.dropColumn('updated_by')
  })
}
