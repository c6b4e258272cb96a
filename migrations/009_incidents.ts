import type { Knex } from 'knex'

/**
 * Incidents: a timer or background step of a process instance that failed (an engine error,
 * or a step over its budget — see src/engine/validate-limits.ts). An administrator lists,
 * retries or cancels them (/api/incidents); an instance with an open incident has status
 * 'failed' and its `error`. `tenant` is copied from the instance so a county's list is one
 * indexed read.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('incidents', (t) => {
    t.string('id').primary()
    t.string('instance_id').notNullable()
    t.string('case_id')
    t.string('tenant').notNullable().defaultTo('')
    t.string('process_key').notNullable()
    /** 'timer' (a due timer that could not fire) or 'step' (another background step). */
    t.string('kind', 16).notNullable()
    t.string('timer_id')
    t.string('element_id')
    t.text('message').notNullable()
    t.string('status', 16).notNullable()
    t.integer('attempts').notNullable().defaultTo(1)
    t.string('created_at').notNullable()
    t.string('updated_at').notNullable()
    t.string('resolved_at')
    t.string('resolved_by')
    t.string('resolution', 16)
    t.index(['status', 'tenant', 'created_at'])
    t.index(['instance_id', 'status'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('incidents')
}
