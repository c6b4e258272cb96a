import type { Knex } from 'knex'

/**
 * What the handling procedures need beside the cases table: the category tree and the
 * routing rules (both data, edited by administrators: every deadline lives here, not in
 * code), the daily case-number counters, the case's own audit events (beside the engine's
 * history), overdue supervision records and notifications.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('categories', (t) => {
    t.string('code').primary()
    t.string('parent_code')
    t.string('name').notNullable()
    t.string('name_en')
    /** org_units.duty of the functional area that owns the matter (land, environment, safety …). */
    t.string('duty')
    t.string('default_level')
    t.string('procedure').notNullable().defaultTo('ordinary')
    /** JSON: { <urgency>: { response: ISO duration, resolve: ISO duration } }. */
    t.text('limits').notNullable()
    t.integer('sort').notNullable().defaultTo(0)
    t.boolean('active').notNullable().defaultTo(true)
    t.index(['parent_code', 'sort'])
  })

  await knex.schema.createTable('routing_rules', (t) => {
    t.string('id').primary()
    /** '' = the city's rule set; a county code = that county's overrides. */
    t.string('tenant').notNullable().defaultTo('')
    /** A category code; matches the category and its subtree. NULL = any category. */
    t.string('category')
    /** A region code; matches its subtree. NULL = anywhere. */
    t.string('region')
    /** A unit code, or @grid | @village | @centre | @township:<duty> | @county:<duty> | @city:<duty>. */
    t.string('owner').notNullable()
    t.string('level')
    t.string('procedure')
    t.string('response_limit')
    t.string('resolve_limit')
    t.integer('sort').notNullable().defaultTo(0)
    t.string('updated_at').notNullable()
    t.string('updated_by')
    t.index(['tenant'])
  })

  await knex.schema.createTable('case_counters', (t) => {
    t.string('key').primary()
    t.integer('value').notNullable()
  })

  await knex.schema.createTable('case_events', (t) => {
    t.string('id').primary()
    t.string('case_id').notNullable()
    t.string('type').notNullable()
    t.string('actor')
    t.string('at').notNullable()
    t.string('from_value')
    t.string('to_value')
    t.text('message')
    t.text('data')
    /** Shown on the citizen's tracking page (never carries personal data). */
    t.boolean('public').notNullable().defaultTo(false)
    t.index(['case_id', 'at'])
  })

  await knex.schema.createTable('case_supervisions', (t) => {
    t.string('id').primary()
    t.string('case_id').notNullable()
    t.string('stage').notNullable()
    t.string('unit')
    t.string('due_at')
    t.string('created_at').notNullable()
    t.index(['case_id'])
  })

  await knex.schema.createTable('notifications', (t) => {
    t.string('id').primary()
    /** A candidate-group token (`unit:…`, `supervisor@…`) or a username. */
    t.string('recipient').notNullable()
    t.string('case_id')
    t.string('kind').notNullable()
    t.text('message').notNullable()
    t.string('created_at').notNullable()
    t.string('read_at')
    t.index(['recipient', 'created_at'])
  })

  await knex.schema.alterTable('cases', (t) => {
    t.text('result')
    t.string('dispatcher_group')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cases', (t) => {
    t.dropColumn('result')
    t.dropColumn('dispatcher_group')
  })
  for (const t of ['notifications', 'case_supervisions', 'case_events', 'case_counters', 'routing_rules', 'categories']) {
    await knex.schema.dropTableIfExists(t)
  }
}
