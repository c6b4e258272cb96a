import fs from 'node:fs'
import path from 'node:path'
import { projectRoot } from '../../src/lib/paths.js'
import { ENGINE_TABLES } from '../../src/engine/rows.js'
import t from 'tap'
import { tsFiles } from '../sources.js'

/**
 * The engine depends on nothing of the petition domain (issue 13): every import of a module in
 * src/engine resolves inside src/engine or src/lib, or is a package. Type-only imports count
 * too. The domain gives the engine what it needs through src/engine/access.ts in src/app.ts.
 */
const root = projectRoot()
const engineDir = path.join(root, 'src/engine')
const allowed = [engineDir, path.join(root, 'src/lib')]

/** Every module specifier of a TypeScript source: static imports and exports, `import(...)`. */
function specifiers(source: string): string[] {
  const out: string[] = []
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g]
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1])
  return out
}

/** The imports of `file` that leave the engine's boundary (relative ones outside the allowed folders). */
function outside(file: string, source: string): string[] {
  return specifiers(source).filter((s) => {
    if (!s.startsWith('.') && !s.startsWith('/')) return false // a package (node_modules) or node: builtin
    const target = path.resolve(path.dirname(file), s)
    return !allowed.some((dir) => target === dir || target.startsWith(dir + path.sep))
  })
}

t.test('no module of src/engine imports the petition domain', async (t) => {
  const files = fs.readdirSync(engineDir).filter((f) => f.endsWith('.ts'))
  t.ok(files.length > 20, 'the engine sources are found')
  const offending: string[] = []
  for (const f of files) {
    const file = path.join(engineDir, f)
    for (const s of outside(file, fs.readFileSync(file, 'utf8'))) offending.push(`${f}: ${s}`)
  }
  t.same(offending, [], 'imports outside src/engine, src/lib and packages')
})

t.test('the check finds a domain import, type-only and dynamic ones included', async (t) => {
  const file = path.join(engineDir, 'x.ts')
  t.same(outside(file, "import type { Actor } from '../org/index.js'"), ['../org/index.js'])
  t.same(outside(file, "import {\n  taskView,\n} from '../tasks/service.js'"), ['../tasks/service.js'])
  t.same(outside(file, "export { a } from '../cases/x.js'"), ['../cases/x.js'])
  t.same(outside(file, "const m = await import('../metrics/index.js')"), ['../metrics/index.js'])
  t.same(outside(file, "import '../notify/side-effect.js'"), ['../notify/side-effect.js'])
  t.same(outside(file, "import { msg } from '../lib/errors.js'\nimport { x } from './y.js'\nimport fp from 'fastify-plugin'"), [])
})

/**
 * Engine tables are written only by the engine (issue 13): other modules read them and change
 * them through engine commands. A source scan, like the import check: a chain that starts at an
 * engine table (`trx('tasks')`, `.into('tasks')`, `.table('tasks')`) and calls a write
 * (update, insert, del, …) before the statement ends; a helper whose name says it writes, given
 * an engine table by name; raw SQL that inserts into, updates or deletes from one. A table
 * reached through a variable is beyond it (the review's job).
 */
const WRITE_CALL = /\.(?:update|insert|del|delete|increment|decrement|truncate|upsert|merge)\s*\(/
const tableName = new RegExp(`^(?:${ENGINE_TABLES.join('|')})(?:\\s+as\\s+\\w+)?$`, 'i')
const tableWord = `(?:${ENGINE_TABLES.join('|')})`

/** `source` without comments (a `//` after `:` is a URL in a string, kept). */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:\\])\/\/.*$/gm, '$1')
}

/** The method chain from `from` to the end of its statement: across lines only where the next line continues it with `.`. */
function chainFrom(text: string, from: number): string {
  let depth = 0
  let i = from
  for (; i < text.length; i++) {
    const c = text[i]
    if (c === "'" || c === '"' || c === '`') {
      // Skip the string literal (escapes included).
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++
      continue
    }
    if ('([{'.includes(c)) depth++
    else if (')]}'.includes(c)) {
      if (--depth < 0) break
    } else if (depth === 0 && (c === ',' || c === ';')) break
    else if (depth === 0 && c === '\n' && !/^\s*\./.test(text.slice(i + 1, i + 200))) break
  }
  return text.slice(from, i)
}

/** Every write to an engine table in `source`, as `table: first line of the statement`. */
function engineWrites(source: string): string[] {
  const text = withoutComments(source)
  const out: string[] = []
  const line = (at: number) => text.slice(at, text.indexOf('\n', at) === -1 ? undefined : text.indexOf('\n', at)).trim()
  for (const m of text.matchAll(/\b[A-Za-z_$][\w$]*\(\s*(['"`])([^'"`]+)\1\s*\)/g)) {
    if (!tableName.test(m[2])) continue
    if (WRITE_CALL.test(chainFrom(text, m.index! + m[0].length))) out.push(`${m[2].split(/\s/)[0]}: ${line(m.index!)}`)
  }
  for (const m of text.matchAll(new RegExp(`\\b\\w*(?:insert|update|delete|write|upsert)\\w*\\(\\s*[\\w.]+\\s*,\\s*['"\`](${tableWord})['"\`]`, 'gi')))
    out.push(`${m[1]}: ${line(m.index!)}`)
  for (const m of text.matchAll(new RegExp(`['"\`][^'"\`]*?\\b(?:insert\\s+into|update|delete\\s+from)\\s+["]?(${tableWord})\\b`, 'gi')))
    out.push(`${m[1]}: ${line(m.index!)}`)
  return out
}

t.test('no module outside src/engine writes an engine table', async (t) => {
  const files = tsFiles(path.join(root, 'src')).filter((f) => !f.startsWith(engineDir + path.sep))
  t.ok(files.length > 50, 'the domain sources are found')
  const offending: string[] = []
  for (const f of files) for (const w of engineWrites(fs.readFileSync(f, 'utf8'))) offending.push(`${path.relative(root, f)}: ${w}`)
  t.same(offending, [], 'writes to engine tables outside src/engine (use an engine command)')
  // The scan itself sees the engine's own writes: it would see a domain module's.
  const own = tsFiles(engineDir).flatMap((f) => engineWrites(fs.readFileSync(f, 'utf8')))
  t.ok(own.some((w) => w.startsWith('process_instances:')) && own.some((w) => w.startsWith('tasks:')), 'the engine itself writes its tables')
})

t.test('the write scan finds chained, helper and raw writes and passes reads', async (t) => {
  t.same(engineWrites("await trx('process_instances').where({ id }).update({ started_at: at })"), [
    "process_instances: trx('process_instances').where({ id }).update({ started_at: at })",
  ])
  t.same(engineWrites("await trx('tasks as t')\n  .where({\n    id,\n  })\n  .update({ due_at: x })").length, 1, 'a chain across lines')
  t.same(engineWrites("await db('history').insert(rows)").length, 1)
  t.same(engineWrites("await trx.into('timers').insert(row)").length, 1)
  t.same(engineWrites("await trx('subscriptions').where({ id }).del()").length, 1)
  t.same(engineWrites("await insertChunks(trx, 'external_tasks', rows)"), ["external_tasks: insertChunks(trx, 'external_tasks', rows)"])
  t.same(engineWrites('await trx.raw(`UPDATE process_instances SET status = ?`, [s])').length, 1, 'raw SQL')
  t.same(engineWrites("const open = await trx('tasks').where({ instance_id: id, status: 'open' }).first()"), [], 'a read')
  t.same(engineWrites("const rows = await trx('tasks').where({ id })\nawait trx('cases').where({ id }).update({ x: 1 })"), [], 'a read, then a write elsewhere')
  t.same(engineWrites("await trx('case_events').insert(rows)\n// trx('tasks').update(x)"), [], 'a domain table; a comment')
  t.same(engineWrites("await trx('tasks_archive').update(x)"), [], 'a table that only begins like one')
})

t.test('the engine plugin depends on no plugin of the domain', async (t) => {
  const declared: string[] = []
  for (const f of fs.readdirSync(engineDir).filter((f) => f.endsWith('.ts'))) {
    const text = withoutComments(fs.readFileSync(path.join(engineDir, f), 'utf8'))
    for (const m of text.matchAll(/\bdependencies\s*:\s*\[([^\]]*)\]/g)) for (const d of m[1].matchAll(/['"]([^'"]+)['"]/g)) declared.push(`${f}: ${d[1]}`)
  }
  t.same(
    declared.filter((d) => !/: engine$/.test(d)),
    [],
    'an engine plugin may depend on the engine only; the domain comes in through src/app.ts',
  )
  const index = withoutComments(fs.readFileSync(path.join(engineDir, 'index.ts'), 'utf8'))
  t.match(index, /name:\s*'engine'/, 'src/engine/index.ts is the engine plugin')
  t.notMatch(index, /dependencies\s*:\s*\[[^\]]*'org'/, 'src/engine/index.ts does not depend on org')
})
