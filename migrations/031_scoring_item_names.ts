import type { Knex } from 'knex'

/**
 * The city's default item `returned` was seeded (014_bulletin) with the English name
 * "Returned (退单)": the English bulletin showed Chinese in a column header. Its English name
 * becomes "Returned", where the stored name is still the seeded one (an administrator's own
 * name for it stays). A county's override with its own English name is left as it is.
 * Bulletins already published keep the names they were published with (snapshots).
 */
const SEEDED = 'Returned (退单)'
const FIXED = 'Returned'

export async function up(knex: Knex): Promise<void> {
  await knex('scoring_items').where({ tenant: '', code: 'returned', name_en: SEEDED }).update({ name_en: FIXED })
}

export async function down(knex: Knex): Promise<void> {
  await knex('scoring_items').where({ tenant: '', code: 'returned', name_en: FIXED }).update({ name_en: SEEDED })
}
