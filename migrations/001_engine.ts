import type { Knex } from 'knex'

/**
 * The durable engine: definitions, instances (engine state without the BPMN source),
 * user tasks as queryable rows, due timers, message/signal subscriptions and history.
 * Times are ISO-8601 UTC text of fixed width, so they sort and compare the same on
 * SQLite and PostgreSQL. `tenant` is '' for the city default (NULL would not be unique).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('settings', (t) => {
    t.string('key').primary()
    t.text('value').notNullable()
  })

  await knex.schema.createTable('process_definitions', (t) => {
    t.string('id').primary()
    t.string('key').notNullable()
    t.string('tenant').notNullable().defaultTo('')
    t.integer('version').notNullable()
    t.string('name')
    t.text('xml').notNullable()
    t.string('xml_hash').notNullable()
    t.string('deployed_at').notNullable()
    t.string('deployed_by')
    t.unique(['key', 'tenant', 'version'])
    t.index(['key', 'tenant', 'xml_hash'])
  })

  await knex.schema.createTable('process_instances', (t) => {
    t.string('id').primary()
    t.string('definition_id').notNullable().references('process_definitions.id')
    t.string('key').notNullable()
    t.string('tenant').notNullable().defaultTo('')
    t.string('case_id')
    t.string('parent_id')
    t.string('parent_execution_id')
    t.string('parent_element_id')
    t.string('status').notNullable()
    t.text('state')
    t.text('variables').notNullable()
    /** Waiting activities after the last step, so reads need not recover the engine. */
    t.text('activities')
    t.integer('revision').notNullable()
    t.string('started_at').notNullable()
    t.string('started_by')
    t.string('ended_at')
    t.text('error')
    t.index(['case_id'])
    t.index(['parent_id'])
    t.index(['status', 'key'])
  })

  await knex.schema.createTable('tasks', (t) => {
    t.string('id').primary()
    t.string('instance_id').notNullable()
    t.string('case_id')
    t.string('process_key').notNullable()
    t.string('tenant').notNullable().defaultTo('')
    t.string('element_id').notNullable()
    t.string('execution_id').notNullable()
    t.string('name')
    t.string('assignee')
    t.text('candidate_users')
    t.text('candidate_groups')
    t.string('due_at')
    t.integer('priority').notNullable().defaultTo(50)
    t.string('form_key')
    t.string('status').notNullable()
    t.string('created_at').notNullable()
    t.string('claimed_at')
    t.string('ended_at')
    t.string('completed_by')
    t.text('data')
    t.index(['instance_id', 'status'])
    t.index(['case_id', 'status'])
    t.index(['status', 'assignee', 'due_at'])
    t.index(['status', 'due_at'])
  })

  await knex.schema.createTable('task_candidates', (t) => {
    t.string('task_id').notNullable()
    t.string('kind', 8).notNullable()
    t.string('value').notNullable()
    t.primary(['task_id', 'kind', 'value'])
    t.index(['kind', 'value', 'task_id'])
  })

  await knex.schema.createTable('timers', (t) => {
    t.string('id').primary()
    t.string('instance_id').notNullable()
    t.string('element_id').notNullable()
    t.string('execution_id').notNullable()
    /** The timer event's own execution: when it leaves, its timer is cancelled. */
    t.string('parent_execution_id')
    t.string('timer_type')
    t.string('value')
    t.string('due_at').notNullable()
    t.string('status').notNullable()
    t.string('claimed_by')
    t.string('claimed_until')
    t.integer('attempts').notNullable().defaultTo(0)
    t.text('error')
    t.string('created_at').notNullable()
    t.string('fired_at')
    t.index(['status', 'due_at'])
    t.index(['instance_id', 'status'])
  })

  await knex.schema.createTable('subscriptions', (t) => {
    t.string('id').primary()
    t.string('instance_id').notNullable()
    t.string('kind', 8).notNullable()
    t.string('name').notNullable()
    /** The message or signal element id the engine correlates on. */
    t.string('ref_id').notNullable()
    t.string('element_id').notNullable()
    t.string('execution_id').notNullable()
    t.string('case_id')
    t.string('created_at').notNullable()
    t.index(['kind', 'name'])
    t.index(['instance_id'])
  })

  await knex.schema.createTable('history', (t) => {
    t.bigIncrements('id').primary()
    t.string('instance_id')
    t.string('case_id')
    t.string('type').notNullable()
    t.string('element_id')
    t.string('element_type')
    t.string('name')
    t.string('actor')
    t.string('at').notNullable()
    t.text('data')
    t.index(['instance_id', 'id'])
    t.index(['case_id', 'id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['history', 'subscriptions', 'timers', 'task_candidates', 'tasks', 'process_instances', 'process_definitions', 'settings']) {
    await knex.schema.dropTableIfExists(t)
  }
}
