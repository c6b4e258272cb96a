import type { Knex } from 'knex'

/**
 * An incident's message as a catalogue key and its parameters, beside the bilingual text
 * (`message`, kept for outside clients and for failures that are not catalogue messages, such
 * as a handler's own error). The administration page showed that text as it was, "中文 / English"
 * in either language; with the key it shows one sentence in the reader's language.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('incidents', (t) => {
    t.string('message_key', 80)
    t.text('message_params')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('incidents', (t) => {
    t.dropColumn('message_key')
    t.dropColumn('message_params')
  })
}
