import type { Knex } from 'knex'

/**
 * The records the monthly assessment (一月一通报) counts besides the case row itself:
 *
 * - `case_returns`: every return (退单) by a unit and the dispatcher's review of it. A rejected
 *   return is penalised, so each one is a row of its own rather than a case event to parse.
 * - `case_exclusions`: a unit's request to exclude a case from assessment (剔单) and the
 *   supervisor's decision or reversal. `cases.excluded_at` is set while an approved exclusion
 *   stands, so the figures can leave the case out without a join.
 * - `case_supervisions` gains the manual supervision order (督办单): who issued it, its text, the
 *   deadline for the unit's reply and the reply.
 * - `cases.duplicate_of`: a case linked as a duplicate of another (issue 11) counts once.
 *
 * Both case columns join the covering index of the monthly figures (012), so a month's rates
 * stay an index-only scan.
 */
const COVERED = [
  'created_at',
  'status',
  'department',
  'category',
  'responded_at',
  'response_due_at',
  'closed_at',
  'resolve_due_at',
  'resolved_level',
  'evaluated_at',
  'eval_resolved',
  'eval_satisfaction',
  'resolved_at',
  'evaluation_expired_at',
  'excluded_at',
  'duplicate_of',
]

async function cover(knex: Knex, columns: string[]) {
  await knex.raw('DROP INDEX IF EXISTS cases_metrics_cover_index')
  if (knex.client.config.client === 'pg') {
    await knex.raw(`CREATE INDEX cases_metrics_cover_index ON cases (month, region_path text_pattern_ops) INCLUDE (${columns.join(', ')})`)
  } else {
    await knex.raw(`CREATE INDEX cases_metrics_cover_index ON cases (month, region_path, ${columns.join(', ')})`)
  }
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cases', (t) => {
    t.string('excluded_at')
    t.string('duplicate_of')
    t.index(['duplicate_of'])
  })

  await knex.schema.createTable('case_returns', (t) => {
    t.string('id').primary()
    t.string('case_id').notNullable()
    t.string('tenant')
    /** The unit that returned the case (its owner at the time) and the month of the return (China time). */
    t.string('unit').notNullable()
    t.string('month').notNullable()
    t.text('reason')
    t.string('returned_by')
    t.string('returned_at').notNullable()
    /** `pending` until the dispatcher decides: `accepted` (re-dispatched) or `rejected` (sent back to the unit). */
    t.string('status').notNullable().defaultTo('pending')
    t.string('decided_by')
    t.string('decided_at')
    t.text('decision_reason')
    t.index(['case_id', 'returned_at'])
    t.index(['unit', 'month'])
  })

  await knex.schema.createTable('case_exclusions', (t) => {
    t.string('id').primary()
    t.string('case_id').notNullable()
    t.string('tenant')
    /** `duplicate` | `malicious` | `harassment` | `outside_remit` | `force_majeure`. */
    t.string('reason_code').notNullable()
    t.text('reason').notNullable()
    /** JSON array of evidence items (text, attachment references). */
    t.text('evidence')
    t.string('requested_by').notNullable()
    t.string('requested_unit')
    t.string('requested_at').notNullable()
    /** `pending` → `approved` | `refused`; `approved` → `reversed`. */
    t.string('status').notNullable().defaultTo('pending')
    t.string('decided_by')
    t.string('decided_at')
    t.text('decision_note')
    t.string('reversed_by')
    t.string('reversed_at')
    t.text('reversal_note')
    t.index(['case_id'])
    t.index(['status', 'requested_at'])
  })

  await knex.schema.alterTable('case_supervisions', (t) => {
    /** `overdue` (the timers' automatic supervision) or `manual` (a supervisor's 督办单). */
    t.string('kind').notNullable().defaultTo('overdue')
    t.string('issued_by')
    t.text('message')
    t.string('reply_due_at')
    t.string('replied_at')
    t.string('replied_by')
    t.text('reply')
    t.index(['unit', 'created_at'])
  })
  await cover(knex, COVERED)
}

export async function down(knex: Knex): Promise<void> {
  await cover(knex, COVERED.slice(0, -2))
  await knex.schema.alterTable('case_supervisions', (t) => {
    t.dropIndex(['unit', 'created_at'])
    for (const c of ['kind', 'issued_by', 'message', 'reply_due_at', 'replied_at', 'replied_by', 'reply']) t.dropColumn(c)
  })
  await knex.schema.dropTableIfExists('case_exclusions')
  await knex.schema.dropTableIfExists('case_returns')
  await knex.schema.alterTable('cases', (t) => {
    t.dropIndex(['duplicate_of'])
    t.dropColumn('excluded_at')
    t.dropColumn('duplicate_of')
  })
}
