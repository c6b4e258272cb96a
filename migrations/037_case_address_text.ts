import type { Knex } from 'knex'

/**
 * A case's address as long as intake accepts it (300 characters: the petition schemas, Open311's
 * `address_string`). Created as `varchar(255)`, an address of 256–300 characters passed
 * validation and failed the insert on PostgreSQL (a 500); SQLite does not hold a varchar to its
 * length, so nothing changes there (and knex's table rebuild would trip over the generated
 * `township_path`, migration 028).
 */
export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') await knex.raw('alter table "cases" alter column "address" type text')
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') await knex.raw('alter table "cases" alter column "address" type varchar(255) using left("address", 255)')
}
