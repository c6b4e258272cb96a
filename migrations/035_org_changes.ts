import type { Knex } from 'knex'

/**
 * Who last changed a region or an org unit and when (`POST`/`PATCH /api/org/regions`,
 * `/api/org/units`), as migration 034 records it for categories: a unit renamed or given another
 * duty changes where routing sends cases (`@county:<duty>`) and what every page calls it, and
 * when a county asks why, staff need to see who changed it and when; the request log names every
 * change's fields. Null for rows the seed or the command line's import wrote. Added columns only:
 * no table is rebuilt on SQLite.
 */
export async function up(knex: Knex): Promise<void> {
  for (const table of ['regions', 'org_units']) {
    await knex.schema.alterTable(table, (t) => {
      t.string('updated_at').nullable()
      t.string('updated_by').nullable()
    })
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['regions', 'org_units']) {
    await knex.schema.alterTable(table, (t) => {
      t.dropColumn('updated_at')
      t.dropColumn('updated_by')
    })
  }
}
