import type { Knex } from 'knex'

/**
 * Photos and files on cases (src/files/README.md). The bytes live in the database, not on a
 * node's disk: several nodes over one PostgreSQL then see the same files with nothing else to
 * share, back up or keep in step, and an upload commits with its case event in one transaction.
 * Metadata and bytes are two tables so that listing a case's files never reads the bytes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('case_attachments', (t) => {
    t.string('id').primary()
    t.string('case_id').notNullable().references('cases.id')
    // petition (the citizen's, by tracking code) | intake (staff) | before | after | result (a handling task's)
    t.string('kind', 16).notNullable()
    t.string('task_id')
    t.string('uploaded_by') // a user id; null = the citizen holding the tracking code
    t.string('file_name', 255).notNullable()
    t.string('media_type', 64).notNullable() // sniffed from the content, never the declared type
    t.integer('size').notNullable()
    t.string('sha256', 64).notNullable()
    t.integer('width')
    t.integer('height')
    t.boolean('published').notNullable().defaultTo(false)
    t.string('created_at').notNullable()
    t.index(['case_id', 'created_at'])
  })
  await knex.schema.createTable('case_attachment_data', (t) => {
    t.string('attachment_id').primary().references('case_attachments.id')
    t.binary('bytes').notNullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('case_attachment_data')
  await knex.schema.dropTableIfExists('case_attachments')
}
