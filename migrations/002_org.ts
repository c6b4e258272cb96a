import type { Knex } from 'knex'

/**
 * The organisation: the region tree (city → county → township → village → grid) with a
 * materialised `path` so a subtree is one `path LIKE 'prefix%'`, the org units that work in
 * those regions (centres, departments, sections, village committees, grids), and the staff.
 * Roles and explicit groups are JSON text lists; they are matched with LIKE '%"x"%'.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('regions', (t) => {
    t.string('code').primary()
    t.string('name').notNullable()
    t.string('name_en')
    /** city | county | township | village | grid */
    t.string('level').notNullable()
    t.string('parent_code')
    /** '/langfang/xianghe/xh-anping/' — ends with '/', so a prefix never matches a sibling. */
    t.string('path').notNullable()
    /** County code; '' for the city itself. */
    t.string('tenant').notNullable().defaultTo('')
    t.integer('sort').notNullable().defaultTo(0)
    t.index(['parent_code', 'sort'])
    t.index(['path'])
  })

  await knex.schema.createTable('org_units', (t) => {
    t.string('code').primary()
    t.string('name').notNullable()
    t.string('name_en')
    /** centre | department | section | station | village_committee | grid */
    t.string('kind').notNullable()
    /** Level of the region it serves: city | county | township | village | grid */
    t.string('level').notNullable()
    t.string('region_code').notNullable()
    t.string('parent_code')
    /** Functional area ('land', 'environment', 'safety', 'general' for centres …), for routing. */
    t.string('duty')
    t.integer('sort').notNullable().defaultTo(0)
    t.index(['region_code', 'kind'])
    t.index(['duty', 'region_code'])
  })

  await knex.schema.createTable('users', (t) => {
    t.string('id').primary()
    t.string('username').notNullable().unique()
    t.string('display_name').notNullable()
    t.string('password_hash').notNullable()
    t.text('roles').notNullable().defaultTo('[]')
    t.string('unit_code')
    t.string('region_code')
    /** County code of region_code, kept here so a county's users are one indexed query. */
    t.string('tenant').notNullable().defaultTo('')
    /** Explicit plain candidate groups (e.g. Camunda samples' `accounting`). */
    t.text('groups').notNullable().defaultTo('[]')
    t.boolean('active').notNullable().defaultTo(true)
    t.string('created_at').notNullable()
    t.index(['unit_code'])
    t.index(['tenant'])
  })
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['users', 'org_units', 'regions']) await knex.schema.dropTableIfExists(t)
}
