import type { Knex } from 'knex'

/**
 * The version of its form a completed task was answered with (a `resource_definitions` id; null
 * for a task without a deployed form, and for tasks completed before this column). A case's
 * earlier steps and a completed task's own answers are shown by that version's labels and
 * options: an administrator who deploys a new version of a form, relabelling or reusing a key,
 * does not rewrite what the record says an earlier person was asked.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tasks', (t) => {
    t.string('form_version', 64).nullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tasks', (t) => {
    t.dropColumn('form_version')
  })
}
