import type { Knex } from 'knex'

/**
 * Issue 11: telling the citizen, and the same problem reported many times.
 *
 * - `citizen_notices`: the outbox. A notice is written in the transaction of the case event it
 *   reports (acceptance, result, evaluation due, linked as a duplicate), so it exists exactly
 *   when the event does. The delivery worker (src/notify/) leases rows the way the timer poller
 *   leases timers (`claimed_by`, `claimed_until`), sends, then marks them; `next_attempt_at`
 *   carries both the back-off and a notice that is not due yet (the evaluation reminder).
 * - `citizen_notice_attempts`: one row per delivery attempt (the log of what was sent).
 * - `case_clusters` and `cases.cluster_id`: recurring problems (共性问题), built incrementally:
 *   a case is placed once (`cases.clustered_at`), against the recent cases of its township.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('citizen_notices', (t) => {
    t.string('id').primary()
    /** The case whose citizen is told (a duplicate's own case when the news is its main case's). */
    t.string('case_id').notNullable()
    /** The case the news is about: the same case, or the main case a duplicate follows. */
    t.string('about_case_id').notNullable()
    t.string('tenant')
    /** `accepted` | `result` | `evaluation_due` | `duplicate_linked`. */
    t.string('kind').notNullable()
    t.string('channel').notNullable()
    t.string('message_key').notNullable()
    /** JSON object: every value the message needs (user text verbatim). */
    t.text('params').notNullable()
    /** The bilingual text for senders that cannot render a key (`中文 / English`). */
    t.text('text').notNullable()
    /** `pending` → `sending` (leased) → `sent` | `failed` (attempts used up) | `skipped` (no longer relevant). */
    t.string('status').notNullable().defaultTo('pending')
    t.integer('attempts').notNullable().defaultTo(0)
    t.string('next_attempt_at').notNullable()
    t.string('claimed_by')
    t.string('claimed_until')
    t.string('sent_at')
    t.text('last_error')
    t.string('created_at').notNullable()
    t.index(['status', 'next_attempt_at'])
    t.index(['case_id', 'created_at'])
  })
  await knex.schema.createTable('citizen_notice_attempts', (t) => {
    t.string('id').primary()
    t.string('notice_id').notNullable()
    t.string('node')
    t.string('at').notNullable()
    t.boolean('ok').notNullable()
    t.integer('status_code')
    t.text('error')
    t.index(['notice_id', 'at'])
  })
  await knex.schema.createTable('case_clusters', (t) => {
    t.string('id').primary()
    t.string('tenant')
    /** The township subtree the cluster lives in (clusters never cross townships). */
    t.string('region_path').notNullable()
    t.string('region_code').notNullable()
    t.string('category').notNullable()
    /** The title of the case that started it. */
    t.text('label')
    t.integer('size').notNullable().defaultTo(0)
    t.string('first_at').notNullable()
    t.string('last_at').notNullable()
    /** The root-cause case (举一反三) a supervisor made of it, if any. */
    t.string('root_case_id')
    t.string('root_created_by')
    t.string('created_at').notNullable()
    t.index(['region_path', 'last_at'])
  })
  await knex.schema.alterTable('cases', (t) => {
    t.string('cluster_id')
    t.string('clustered_at')
    t.index(['cluster_id', 'created_at'])
    t.index(['clustered_at', 'created_at'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cases', (t) => {
    t.dropIndex(['cluster_id', 'created_at'])
    t.dropIndex(['clustered_at', 'created_at'])
    t.dropColumn('cluster_id')
    t.dropColumn('clustered_at')
  })
  await knex.schema.dropTableIfExists('case_clusters')
  await knex.schema.dropTableIfExists('citizen_notice_attempts')
  await knex.schema.dropTableIfExists('citizen_notices')
}
