import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import knexFactory from 'knex'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { isPostgresUrl, openDb, type Db } from '../src/lib/db.js'
import { projectRoot } from '../src/lib/paths.js'

/**
 * The per-test database, made from a template instead of from nothing.
 *
 * A fresh app's start migrates, seeds the demo organisation and case categories and deploys the
 * shipped diagrams through bpmnlint: 0.5–1.4 s for every `build()`. The template is that state,
 * made once by the production start itself (`buildApp` + `ready` on an empty database) and then
 * copied per test. Each test's app then starts on the copy through the same production path,
 * which finds the work done: migrations applied, seeds present (they only fill what is
 * absent), every shipped key deployed.
 *
 * The template is keyed by a hash of everything that shapes that state — the sources (seeds,
 * deploy checks, handlers), the migrations, the processes folder the app deploys, the locked
 * library versions, the demo switch — and the UTC day (seeded rows carry their creation time;
 * a day bounds how old they can look). Change a migration or a diagram and the next test
 * process builds a new one.
 *
 * SQLite: a serialized database image in a file under os.tmpdir(), shared by the test processes
 * of a run (written to a temporary name, then renamed, so a reader never sees half a file); each
 * test opens an in-memory copy of it (`openDb(':memory:', { image })`), a few milliseconds.
 * PostgreSQL: a schema `shuoshi_tpl_<key>` in the test database, built under an advisory lock by
 * the first process that needs it; each test's schema is cloned from it with one server-side
 * block (`CREATE TABLE … (LIKE … INCLUDING ALL)`, `INSERT … SELECT`, own sequences, foreign keys).
 */

/** What of the configuration shapes the database at start: only these select a template. */
export interface TemplateSpec {
  demo: boolean
  /** The demo's year of history (src/demo/): a template of its own, built once a day like the others. */
  demoHistory?: boolean
  processesDir: string
}

export function templateSpec(config: Config): TemplateSpec {
  return { demo: config.demo, demoHistory: config.demo && config.demoHistory, processesDir: path.resolve(config.processesDir) }
}

/** Every file under `dir` (sorted, relative names), for the hash; a missing folder is empty. */
function filesUnder(dir: string): string[] {
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const out: string[] = []
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...filesUnder(full))
    else if (e.isFile()) out.push(full)
  }
  return out
}

export interface KeyInputs {
  /** Folders whose every file counts (default: the project's src/ and migrations/). */
  codeDirs?: string[]
  /** Single files that count (default: package-lock.json). */
  files?: string[]
  /** The day the template is for (default: today, UTC). */
  day?: string
  /** Database kind, so SQLite and PostgreSQL never share a key. */
  kind?: 'sqlite' | 'pg'
}

/** The template's key: a hash of what its content depends on (see the module comment). */
export function templateKey(spec: TemplateSpec, inputs: KeyInputs = {}): string {
  const root = projectRoot()
  const codeDirs = inputs.codeDirs ?? [path.join(root, 'src'), path.join(root, 'migrations')]
  const files = inputs.files ?? [path.join(root, 'package-lock.json')]
  const hash = createHash('sha256')
  const add = (label: string, content: string | Buffer) => {
    hash.update(`${label}\0${content.length}\0`)
    hash.update(content)
  }
  add('kind', inputs.kind ?? 'sqlite')
  add('day', inputs.day ?? new Date().toISOString().slice(0, 10))
  add('demo', String(spec.demo))
  if (spec.demoHistory) add('demoHistory', 'true')
  add('processesDir', spec.processesDir)
  for (const dir of [...codeDirs, spec.processesDir]) {
    for (const file of filesUnder(dir)) add(`${dir}:${path.relative(dir, file)}`, fs.readFileSync(file))
  }
  for (const file of files) if (fs.existsSync(file)) add(file, fs.readFileSync(file))
  return hash.digest('hex').slice(0, 20)
}

function templateConfig(base: Config, spec: TemplateSpec): Config {
  return { ...base, demo: spec.demo, demoHistory: !!spec.demoHistory, processesDir: spec.processesDir, logLevel: 'silent', serveUi: false }
}

/** Runs the production start on `db` (which it closes): migrations, seeds, shipped diagrams. */
async function startOnce(db: Db, spec: TemplateSpec, base: Config, onReady?: (db: Db) => Promise<void>) {
  const app = await buildApp({ config: templateConfig(base, spec), db, background: false })
  try {
    await app.ready()
    if (onReady) await onReady(db)
  } finally {
    await app.close()
  }
}

// ---------------------------------------------------------------- SQLite

const images = new Map<string, Promise<Buffer>>()

export function sqliteTemplatePath(key: string, dir = os.tmpdir()): string {
  return path.join(dir, `shuoshi-test-template-${key}.sqlite`)
}

/**
 * The serialized template database for `spec`: read from its file when a process of this run
 * (or an earlier one, same key) made it, else made now and written there.
 */
export function sqliteTemplate(spec: TemplateSpec, opts: { dir?: string; key?: string } = {}): Promise<Buffer> {
  const key = opts.key ?? templateKey(spec, { kind: 'sqlite' })
  const file = sqliteTemplatePath(key, opts.dir)
  let image = images.get(file)
  if (!image) {
    image = makeSqliteTemplate(spec, file)
    images.set(file, image)
    image.catch(() => images.delete(file))
  }
  return image
}

async function makeSqliteTemplate(spec: TemplateSpec, file: string): Promise<Buffer> {
  try {
    return fs.readFileSync(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const db = await openDb(':memory:')
  let image: Buffer | undefined
  await startOnce(db, spec, loadConfig({ NODE_ENV: 'test' }), async (db) => {
    const conn: any = await db.client.acquireConnection()
    try {
      image = conn.serialize() as Buffer
    } finally {
      await db.client.releaseConnection(conn)
    }
  })
  const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}`
  fs.writeFileSync(tmp, image!)
  fs.renameSync(tmp, file)
  // Templates of other keys (earlier code, earlier days) untouched for two days are no one's;
  // a younger one may belong to a run of other code (another checkout) going on now.
  const dir = path.dirname(file)
  for (const name of fs.readdirSync(dir)) {
    if (!/^shuoshi-test-template-[0-9a-f]+\.sqlite$/.test(name) || path.join(dir, name) === file) continue
    try {
      if (Date.now() - fs.statSync(path.join(dir, name)).mtimeMs > 2 * 86400e3) fs.rmSync(path.join(dir, name), { force: true })
    } catch {
      // another process removed it first
    }
  }
  return image!
}

// ---------------------------------------------------------------- PostgreSQL

const schemas = new Map<string, Promise<string>>()

/** The template schema for `spec` in the database at `url`, built if no process built it yet. */
export function pgTemplate(url: string, spec: TemplateSpec, opts: { key?: string } = {}): Promise<string> {
  const key = opts.key ?? templateKey(spec, { kind: 'pg' })
  const schema = `shuoshi_tpl_${key}`
  let done = schemas.get(schema)
  if (!done) {
    done = makePgTemplate(url, spec, schema)
    schemas.set(schema, done)
    done.catch(() => schemas.delete(schema))
  }
  return done
}

const schemaExists = async (db: Db, schema: string) => (await db.raw('SELECT 1 FROM pg_namespace WHERE nspname = ?', [schema])).rows.length > 0

async function makePgTemplate(url: string, spec: TemplateSpec, schema: string): Promise<string> {
  const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 1, max: 1 } })
  try {
    if (await schemaExists(admin, schema)) return schema
    // One builder per key across the run's parallel test processes (and other runs on the same
    // database); the others wait here and then find the schema.
    const lock = parseInt(createHash('sha256').update(schema).digest('hex').slice(0, 12), 16)
    await admin.raw('SELECT pg_advisory_lock(?)', [lock])
    try {
      if (await schemaExists(admin, schema)) return schema
      const building = `${schema}_b`
      await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [building])
      await startOnce(await openDb(url, { schema: building }), spec, loadConfig({ NODE_ENV: 'test' }))
      const extra = await admin.raw(
        `SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ? AND c.relkind NOT IN ('r', 'i', 'S')
         UNION ALL SELECT t.tgname, 't' FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ? AND NOT t.tgisinternal
         UNION ALL SELECT p.proname, 'f' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ?`,
        [building, building, building],
      )
      // The clone copies tables, their indexes, defaults, sequences and foreign keys; a view,
      // trigger or function in the schema would be silently missing from every test database.
      if (extra.rows.length) {
        throw new Error(`test/template.ts cannot clone ${extra.rows.map((r: any) => `${r.relname} (${r.relkind})`).join(', ')}: teach cloneSchema`)
      }
      // COMMENT takes no bind parameters; an ISO time needs no escaping.
      await admin.raw(`COMMENT ON SCHEMA ?? IS 'shuoshi test template, built ${new Date().toISOString()}'`, [building])
      await admin.raw('ALTER SCHEMA ?? RENAME TO ??', [building, schema])
      // Templates of other keys (earlier code, earlier days) from two days back are no one's.
      const old = await admin.raw(
        `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'shuoshi\\_tpl\\_%' AND nspname <> ?
            AND obj_description(oid, 'pg_namespace') < ?`,
        [schema, `shuoshi test template, built ${new Date(Date.now() - 2 * 86400e3).toISOString()}`],
      )
      for (const r of old.rows) await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [r.nspname])
      return schema
    } finally {
      await admin.raw('SELECT pg_advisory_unlock(?)', [lock])
    }
  } finally {
    await admin.destroy()
  }
}

/**
 * Makes schema `dst` a copy of schema `src`, in one statement run on the server: tables with
 * their columns, defaults, constraints and indexes (LIKE … INCLUDING ALL), their rows (all
 * columns but the generated ones, which the copy derives itself and refuses to be given:
 * cases.township_path), a sequence of its own for each serial column (LIKE would share the
 * template's), and the foreign keys (which LIKE leaves out).
 */
export async function cloneSchema(db: Db, src: string, dst: string): Promise<void> {
  const ident = /^[a-z0-9_]+$/
  if (!ident.test(src) || !ident.test(dst)) throw new Error(`schema names must be [a-z0-9_]: ${src}, ${dst}`)
  await db.raw(`DO $clone$
DECLARE
  src text := '${src}';
  dst text := '${dst}';
  r record;
  seq text;
  cols text;
BEGIN
  EXECUTE format('CREATE SCHEMA %I', dst);
  FOR r IN SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = src AND c.relkind = 'r' ORDER BY c.relname LOOP
    EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING ALL)', dst, r.relname, src, r.relname);
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO cols FROM pg_attribute a
     WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';
    EXECUTE format('INSERT INTO %I.%I (%s) SELECT %s FROM %I.%I', dst, r.relname, cols, cols, src, r.relname);
  END LOOP;
  FOR r IN SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = dst AND column_default LIKE 'nextval(%' LOOP
    seq := r.table_name || '_' || r.column_name || '_seq';
    EXECUTE format('CREATE SEQUENCE %I.%I OWNED BY %I.%I.%I', dst, seq, dst, r.table_name, r.column_name);
    EXECUTE format('ALTER TABLE %I.%I ALTER COLUMN %I SET DEFAULT nextval(%L::regclass)', dst, r.table_name, r.column_name, format('%I.%I', dst, seq));
    EXECUTE format('SELECT setval(%L::regclass, COALESCE((SELECT max(%I) FROM %I.%I), 0) + 1, false)', format('%I.%I', dst, seq), r.column_name, dst, r.table_name);
  END LOOP;
  FOR r IN SELECT con.conname, cl.relname, pg_get_constraintdef(con.oid) AS def
             FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
            WHERE n.nspname = src AND con.contype = 'f' LOOP
    EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', dst, r.relname, r.conname,
      replace(r.def, 'REFERENCES ' || quote_ident(src) || '.', 'REFERENCES ' || quote_ident(dst) || '.'));
  END LOOP;
END
$clone$`)
}

/** Whether a test database URL names PostgreSQL (re-exported for the helper). */
export { isPostgresUrl }
