import fs from 'node:fs'
import path from 'node:path'
import { projectRoot } from '../../src/lib/paths.js'
import t from 'tap'

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
