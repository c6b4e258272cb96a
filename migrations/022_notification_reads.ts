import type { Knex } from 'knex'

/**
 * Notifications as messages, read per person.
 * - `notifications.params`: the JSON parameters of its catalogue sentence (`notification.<kind>`):
 *   the case number and what the kind names (units, deadlines…); rows written before keep
 *   NULL and are read with the case number alone.
 * - `notification_reads`: who read which notification. A notification goes to a unit's group
 *   (`unit:…`), and one member reading it used to mark it read for all (`notifications.read_at`):
 *   now each member's bell keeps its own state. `read_at` stays for rows read before this
 *   migration (read for everyone, as they were) and is no longer written.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notifications', (t) => {
    t.text('params')
  })
  await knex.schema.createTable('notification_reads', (t) => {
    t.string('notification_id').notNullable().references('id').inTable('notifications').onDelete('CASCADE')
    t.string('user_id').notNullable()
    t.string('read_at').notNullable()
    t.primary(['notification_id', 'user_id'])
    t.index(['user_id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('notification_reads')
  await knex.schema.alterTable('notifications', (t) => {
    t.dropColumn('params')
  })
}
