import type { Knex } from 'knex'

/**
 * Text search (`q`) over a case's title, description and number without reading every row:
 * `LIKE '%…%'` scanned the whole table (1M cases: 1.3 s on SQLite). Both databases get a
 * trigram index, which answers any substring of three characters or more — Chinese has no
 * spaces to split words on, so word indexes do not fit; shorter queries still scan.
 *
 * SQLite: an FTS5 table with the trigram tokenizer, filled by triggers in the same
 * transaction as the case row. It keeps its own copy of the text and the case id rather than
 * pointing at cases' rowid, which VACUUM may renumber. The app never edits or deletes a
 * case's text; the update and delete triggers are there so that whoever does by hand stays
 * consistent.
 *
 * PostgreSQL: pg_trgm (installed into public when the role may; without it search still
 * works, by scanning) and one GIN index over the same expression the search uses.
 */
export const CASE_TEXT_PG = "(coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || case_no)"

export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') {
    if (!(await hasTrgm(knex))) {
      try {
        // In a savepoint: a failure must not abort the migration's transaction.
        await knex.transaction((t) => t.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public'))
      } catch {
        // Another node created it at the same moment, or this role may not: checked below.
      }
    }
    if (await hasTrgm(knex)) await knex.raw(`CREATE INDEX IF NOT EXISTS cases_text_trgm_index ON cases USING gin (${CASE_TEXT_PG} public.gin_trgm_ops)`)
    return
  }
  await knex.raw(`CREATE VIRTUAL TABLE cases_text USING fts5(case_id UNINDEXED, title, description, case_no, tokenize = 'trigram')`)
  await knex.raw(`INSERT INTO cases_text (case_id, title, description, case_no) SELECT id, title, description, case_no FROM cases`)
  await knex.raw(`CREATE TRIGGER cases_text_insert AFTER INSERT ON cases BEGIN
    INSERT INTO cases_text (case_id, title, description, case_no) VALUES (new.id, new.title, new.description, new.case_no);
  END`)
  await knex.raw(`CREATE TRIGGER cases_text_update AFTER UPDATE OF id, title, description, case_no ON cases BEGIN
    DELETE FROM cases_text WHERE case_id = old.id;
    INSERT INTO cases_text (case_id, title, description, case_no) VALUES (new.id, new.title, new.description, new.case_no);
  END`)
  await knex.raw(`CREATE TRIGGER cases_text_delete AFTER DELETE ON cases BEGIN
    DELETE FROM cases_text WHERE case_id = old.id;
  END`)
}

async function hasTrgm(knex: Knex): Promise<boolean> {
  const r = await knex.raw(`SELECT 1 FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm' AND n.nspname = 'public'`)
  return r.rows.length > 0
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') {
    await knex.raw('DROP INDEX IF EXISTS cases_text_trgm_index')
    return
  }
  for (const t of ['cases_text_insert', 'cases_text_update', 'cases_text_delete']) await knex.raw(`DROP TRIGGER IF EXISTS ${t}`)
  await knex.raw('DROP TABLE IF EXISTS cases_text')
}
