import type { Knex } from 'knex'

/**
 * Open311 GeoReport v2 (src/open311/README.md). `open311_keys`: the API keys an administrator
 * issues per client application, stored as the SHA-256 of the key (a key is 32 random bytes, so
 * a fast hash is enough: there is nothing to brute-force that a slow one would protect), with the
 * first characters kept to tell keys apart in the list, an optional jurisdiction the key is bound
 * to and the client's own rate limit. `open311_requests`: what a request brought that a case has
 * no column for (the client key, the token, media URL, address id, the attributes as given), one row per
 * case made through Open311, written in the intake's transaction.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('open311_keys', (t) => {
    t.string('id').primary()
    t.string('name', 200).notNullable()
    t.string('key_hash', 64).notNullable().unique()
    t.string('key_prefix', 16).notNullable()
    /** A region code (city or county) the key may submit to; null: every jurisdiction. */
    t.string('jurisdiction')
    /** Requests per minute this client may make. */
    t.integer('rate_limit').notNullable()
    t.string('created_at').notNullable()
    t.string('created_by').notNullable()
    t.string('revoked_at')
    t.string('revoked_by')
  })
  await knex.schema.createTable('open311_requests', (t) => {
    t.string('case_id').primary()
    /** The key's id, or `demo` for the demo key. */
    t.string('key_id').notNullable()
    /** The standard's `token` (GET /tokens/{token}): random, resolves to the case number only. */
    t.string('token', 64).notNullable().unique()
    t.string('jurisdiction').notNullable()
    t.text('media_url')
    t.string('address_id', 255)
    /** The attributes as submitted (JSON object). */
    t.text('attributes')
    t.string('created_at').notNullable()
    t.index(['key_id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('open311_requests')
  await knex.schema.dropTableIfExists('open311_keys')
}
