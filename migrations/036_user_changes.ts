import type { Knex } from 'knex'

/**
 * What administrators did to users (`POST /api/org/users`, `PATCH /api/org/users/:username`,
 * `POST /api/org/users/:username/password`): who, to whom, when, and which fields went from
 * what to what. A user's roles, unit and groups decide what they may see and do, so a
 * question about either (a leak, a task gone to the wrong person) starts with who changed them;
 * the request log alone named the fields and was gone with the log. Written in the change's
 * own transaction (src/org/user-changes.ts). A password reset is a row without fields: never a
 * password or its hash.
 * - `username`: the user changed (usernames never change); `by`: the administrator's username.
 * - `action`: `created`, `changed` or `passwordReset`; `changes`: JSON `{ field: { from, to } }`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('user_changes', (t) => {
    t.string('id').primary()
    t.string('username').notNullable()
    t.string('by').notNullable()
    t.string('at').notNullable()
    t.string('action').notNullable()
    t.text('changes').notNullable()
    t.index(['username', 'at'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('user_changes')
}
