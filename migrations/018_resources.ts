import type { Knex } from 'knex'

/**
 * Deployed resources other than BPMN: form-js forms (`kind` 'form') and DMN decisions (`kind`
 * 'decision'), versioned exactly like process definitions (immutable versions per key and tenant,
 * '' = the city's, a county code = that county's override; unchanged source is not a new version),
 * so that forms and decision tables are "deployed with the procedure" and edited without code.
 * One table for both: the store (src/engine/resources.ts), the download and bundle routes and the
 * version history read them the same way; what differs per kind is only the validator.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('resource_definitions', (t) => {
    t.string('id').primary()
    t.string('kind', 16).notNullable()
    t.string('key', 255).notNullable()
    t.string('tenant').notNullable().defaultTo('')
    t.integer('version').notNullable()
    t.string('name')
    t.text('source').notNullable()
    t.string('source_hash', 64).notNullable()
    t.string('deployed_at').notNullable()
    t.string('deployed_by')
    t.unique(['kind', 'key', 'tenant', 'version'])
    t.index(['kind', 'tenant', 'key'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('resource_definitions')
}
