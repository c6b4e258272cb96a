import type { Knex } from 'knex'

/**
 * Revocable tokens: every token carries the user's `token_version` at issue time and
 * `authenticate` (which reloads the user on each request anyway) refuses one whose version
 * is no longer the user's. Logging out and changing the password bump it, so every token the
 * user holds stops working at once, on every node, without a session table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.integer('token_version').notNullable().defaultTo(0)
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('token_version')
  })
}
