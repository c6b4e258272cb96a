import type { Knex } from 'knex'

/**
 * External tasks (src/engine/external-tasks.ts): a service task whose `camunda:topic` no
 * in-process handler serves waits as one row here until a worker fetches and locks it over
 * the Camunda 7 REST API (/engine-rest/external-task), then completes it, reports a failure
 * or a BPMN error. A lock is a lease (`worker_id`, `lock_expires_at`): when it runs out the
 * task is back in the pool. `tenant` is copied from the instance so a county's worker reads
 * one indexed range. `worker_accounts`: the bearer tokens an administrator issues to other
 * systems, stored as SHA-256 (32 random bytes: a fast hash is enough, as for Open311 keys).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('external_tasks', (t) => {
    t.string('id').primary()
    t.string('instance_id').notNullable()
    t.string('case_id')
    t.string('tenant').notNullable().defaultTo('')
    t.string('process_key').notNullable()
    t.string('definition_id').notNullable()
    t.string('element_id').notNullable()
    t.string('execution_id').notNullable()
    t.string('activity_name')
    t.string('topic', 255).notNullable()
    t.integer('priority').notNullable().defaultTo(0)
    /** Variables of the task's own scope (a multi-instance iteration's element variable), JSON. */
    t.text('local_variables')
    /** 'open' (in the pool or locked), 'completed', 'cancelled' (its activity left: boundary event, instance ended). */
    t.string('status', 16).notNullable()
    t.string('worker_id', 255)
    /** Who holds the lock (`user:<id>` or `worker:<account id>`): a workerId string alone is the client's to choose. */
    t.string('lock_owner')
    t.string('lock_expires_at')
    /** Camunda's retries: null until a worker first reports a failure; 0 = an incident waits. */
    t.integer('retries')
    /** Not fetchable before this time (a failure's retryTimeout). */
    t.string('retry_at')
    t.text('error_message')
    t.text('error_details')
    t.string('incident_id')
    t.string('created_at').notNullable()
    t.string('ended_at')
    t.index(['status', 'topic', 'tenant'])
    t.index(['instance_id', 'status'])
  })
  await knex.schema.createTable('worker_accounts', (t) => {
    t.string('id').primary()
    t.string('name', 200).notNullable()
    t.string('token_hash', 64).notNullable().unique()
    t.string('token_prefix', 16).notNullable()
    /** A county code: the worker sees that county's external tasks only; null: the city's, all. */
    t.string('tenant')
    t.string('created_at').notNullable()
    t.string('created_by').notNullable()
    t.string('revoked_at')
    t.string('revoked_by')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('worker_accounts')
  await knex.schema.dropTableIfExists('external_tasks')
}
