import type { Knex } from 'knex'

/**
 * `Idempotency-Key` on intake (../shared/api.md): the key, the hash of the body it came with and
 * the first answer, written in the same transaction as the case. A retry after a lost answer
 * finds the row and gets the first case again; a concurrent duplicate collides on the primary
 * key and waits for (then reads) the first one's row. `scope` keeps one user's keys apart from
 * another's (`user:<id>`, or `public` for the citizens' route, where the body hash guards the
 * answer). Rows expire (`expires_at`) and are deleted on the way by later keyed intakes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('idempotency_keys', (t) => {
    t.string('scope', 80).notNullable()
    t.string('key', 255).notNullable()
    /** SHA-256 (hex) of the canonical JSON of the validated body. */
    t.string('body_hash', 64).notNullable()
    t.string('case_id').notNullable()
    /** The first answer's body (JSON text). */
    t.text('answer').notNullable()
    t.string('created_at').notNullable()
    t.string('expires_at').notNullable()
    t.primary(['scope', 'key'])
    t.index(['expires_at'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('idempotency_keys')
}
