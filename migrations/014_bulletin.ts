import type { Knex } from 'knex'

/**
 * The monthly bulletin (一月一通报):
 *
 * - `scoring_items`: the reward and penalty items, as data. `tenant` '' is the city's list;
 *   a county's rows (tenant = county code) override the city's item of the same code field by
 *   field (a null field inherits), disable it (`enabled` false) or add an item of its own.
 * - `bulletin_publications`: a month's bulletin of one region frozen when an administrator
 *   publishes it (公示); the public page serves only these snapshots, so it cannot change after
 *   publication.
 *
 * The default items are copied here (not imported from src/) so this migration stays what it
 * was when it shipped; src/bulletin/README.md lists them.
 */
const DEFAULT_ITEMS: Array<[string, string, string, string, number, string]> = [
  // code, name, English, appliesTo, points per count, count (a named fact or `=FEEL`)
  ['respondedInTime', '按时响应', 'Responded within the limit', 'both', 1, 'respondedInTime'],
  ['responseOverdue', '超时响应', 'Response overdue', 'both', -1, 'responseOverdue'],
  ['closedOnTime', '按期办结', 'Finished on time', 'both', 1, 'closedOnTime'],
  ['resolvedOverdue', '超期办理', 'Handling overdue', 'both', -2, 'resolvedOverdue'],
  ['returned', '退单', 'Returned (退单)', 'both', 0, 'returned'],
  ['returnRejected', '退单被驳回', 'Return rejected', 'both', -1, 'returnRejected'],
  ['satisfied', '群众满意', 'Citizen satisfied', 'both', 1, 'satisfied'],
  ['dissatisfied', '群众不满意', 'Citizen dissatisfied', 'both', -1, 'dissatisfied'],
  ['unresolved', '群众评价未解决', 'Citizen says unresolved', 'both', -1, 'unresolved'],
  ['dissatisfiedAfterRehandle', '重办后仍不满意', 'Dissatisfied after re-handling', 'both', -3, 'dissatisfiedAfterRehandle'],
  ['notEvaluated', '逾期未评价', 'Not evaluated in time', 'both', 0, 'notEvaluated'],
  ['supervisionOrder', '被督办', 'Supervision order received', 'both', -1, 'supervisionOrder'],
  ['supervisionReplyLate', '督办逾期未回复', 'Supervision reply late', 'both', -2, 'supervisionReplyLate'],
  ['atOrBelowTownship', '乡镇及以下解决', 'Resolved at township or below', 'township', 1, 'atOrBelowTownship'],
  ['excluded', '剔除案件', 'Excluded from assessment', 'both', 0, 'excluded'],
]

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('scoring_items', (t) => {
    t.string('id').primary()
    /** '' = the city's list; a county code = that county's overrides and additions. */
    t.string('tenant').notNullable().defaultTo('')
    t.string('code').notNullable()
    t.string('name')
    t.string('name_en')
    /** `township` | `department` | `both`. */
    t.string('applies_to')
    /** Points per count (negative: a penalty). */
    t.double('points')
    /** A named fact (src/bulletin/facts.ts) or a FEEL expression written `=…` over the facts. */
    t.text('count')
    t.boolean('enabled')
    t.integer('position').notNullable().defaultTo(0)
    t.string('updated_at').notNullable()
    t.string('updated_by')
    t.unique(['tenant', 'code'])
  })
  await knex.schema.createTable('bulletin_publications', (t) => {
    t.string('id').primary()
    t.string('month', 7).notNullable()
    t.string('region_code').notNullable()
    t.string('region_path').notNullable()
    t.string('tenant').notNullable().defaultTo('')
    t.string('published_at').notNullable()
    t.string('published_by')
    /** The bulletin as served at publication (JSON); the public page reads only its rates. */
    t.text('data').notNullable()
    t.unique(['month', 'region_code'])
    t.index(['tenant', 'month'])
  })
  const now = new Date().toISOString()
  await knex('scoring_items').insert(
    DEFAULT_ITEMS.map(([code, name, nameEn, appliesTo, points, count], i) => ({
      id: `default-${code}`,
      tenant: '',
      code,
      name,
      name_en: nameEn,
      applies_to: appliesTo,
      points,
      count,
      enabled: true,
      position: (i + 1) * 10,
      updated_at: now,
      updated_by: null,
    })),
  )
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('bulletin_publications')
  await knex.schema.dropTableIfExists('scoring_items')
}
