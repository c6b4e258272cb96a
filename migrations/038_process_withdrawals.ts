import type { Knex } from 'knex'

/**
 * Withdrawn process keys (`POST /api/process-definitions/key/:key/withdraw` and `/restore`,
 * src/engine/withdrawals.ts). A deployed version could never be removed: a county's junk or
 * experimental key stayed startable for ever, and a county that customised a city procedure
 * could not go back to the city's default. A withdrawal is of a key for one tenant ('' the
 * city's), not of a version: none of that tenant's versions is chosen for a new instance
 * (`DefinitionStore.resolve` skips the pair, so a county's cases get the city default again);
 * instances already running keep their version (they hold its id).
 * - `process_withdrawals`: one row per withdrawn (key, tenant), who and when; deleted on restore.
 * - `process_withdrawal_changes`: every withdrawal and restore, who, when and how (`via`:
 *   `request`, or `deploy` when a new version restored the key, `version` its number), written
 *   in the transaction of the change.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('process_withdrawals', (t) => {
    t.string('key').notNullable()
    t.string('tenant').notNullable()
    t.string('withdrawn_at').notNullable()
    t.string('withdrawn_by').notNullable()
    t.primary(['key', 'tenant'])
  })
  await knex.schema.createTable('process_withdrawal_changes', (t) => {
    t.string('id').primary()
    t.string('key').notNullable()
    t.string('tenant').notNullable()
    t.string('action').notNullable()
    t.string('via').notNullable()
    t.integer('version').nullable()
    t.string('by').notNullable()
    t.string('at').notNullable()
    t.index(['key', 'tenant', 'at'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('process_withdrawal_changes')
  await knex.schema.dropTableIfExists('process_withdrawals')
}
