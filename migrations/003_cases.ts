import type { Knex } from 'knex'

/**
 * Cases (案件): one row per citizen matter, whatever channel it came by. The columns the
 * rates need (responded_at, closed_at, due times, evaluation, resolved_level, month) are
 * plain columns, so the three rates are one indexed aggregate query.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cases', (t) => {
    t.string('id').primary()
    t.string('case_no').notNullable().unique()
    t.string('tracking_code').notNullable()
    t.string('channel').notNullable()
    t.string('petitioner_type').notNullable()
    t.string('petitioner_name')
    t.string('petitioner_phone')
    t.boolean('anonymous').notNullable().defaultTo(false)
    t.string('title')
    t.text('description').notNullable()
    t.string('category').notNullable()
    t.string('region_code').notNullable()
    t.string('region_path').notNullable()
    /** County code: the tenant whose process versions this case runs. '' for city level. */
    t.string('tenant').notNullable().defaultTo('')
    t.string('address')
    t.double('lat')
    t.double('lng')
    t.string('urgency').notNullable().defaultTo('normal')
    t.string('procedure').notNullable().defaultTo('ordinary')
    t.string('status').notNullable()
    /** Level now handling the case: grid | village | township | county | city. */
    t.string('level')
    /** Level at which it was finally resolved (set on closure). */
    t.string('resolved_level')
    t.string('owner_unit')
    t.string('department')
    t.string('response_due_at')
    t.string('resolve_due_at')
    t.string('responded_at')
    t.string('resolved_at')
    t.string('closed_at')
    t.boolean('overdue').notNullable().defaultTo(false)
    t.string('created_at').notNullable()
    t.string('updated_at').notNullable()
    /** YYYY-MM in China Standard Time, for monthly figures without date functions. */
    t.string('month', 7).notNullable()
    t.boolean('eval_resolved')
    t.string('eval_satisfaction')
    t.text('eval_comment')
    t.string('evaluated_at')
    t.string('evaluated_by')
    t.string('instance_id')
    t.string('created_by')
    /** Where an imported case came from (e.g. baltimore-311) and its id there. */
    t.string('source')
    t.string('external_id')
    t.integer('revision').notNullable().defaultTo(0)
    t.index(['status', 'created_at'])
    t.index(['region_path', 'created_at'])
    t.index(['month', 'region_path'])
    t.index(['tenant', 'month'])
    t.index(['department', 'month'])
    t.index(['category', 'month'])
    t.index(['created_at', 'id'])
    t.index(['overdue', 'status'])
    t.index(['source', 'external_id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('cases')
}
