import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { tsFiles } from '../sources.js'

/** One HTTP call the web UI makes: method and path, `{}` where the path takes a value. */
export interface UiCall {
  method: string
  path: string
  file: string
  line: number
}

const HELPERS: Record<string, string> = { get: 'GET', post: 'POST', put: 'PUT', patch: 'PATCH', del: 'DELETE' }

/** The .ts sources under `dir`, without declaration files. */
const files = (dir: string) => tsFiles(dir).filter((f) => !f.endsWith('.d.ts'))

/**
 * The path template of a URL argument: a string literal as written, a template literal with each
 * `${…}` that fills a path segment as `{}`; a substitution glued to the path (`/api/tasks${qs(…)}`)
 * or anything after `?` is a query string and is dropped. Null: not a literal path.
 */
function pathOf(node: ts.Expression): string | null {
  let text: string
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text
  else if (ts.isTemplateExpression(node)) {
    text = node.head.text
    for (const span of node.templateSpans) {
      if (text.includes('?')) break
      const next = span.literal.text
      // A value standing for a whole segment: after a slash, before a slash, `?` or the end.
      if (text.endsWith('/') && (next === '' || next.startsWith('/') || next.startsWith('?'))) text += '{}' + next
      else break
    }
  } else return null
  if (!text.startsWith('/')) return null
  return text.split('?')[0]
}

/**
 * Every call of the API helpers (`get`, `post`, `put`, `patch`, `del`, `api(method, …)`) and of `fetch`
 * in `ui/src/**` whose URL is a literal path, found with the TypeScript parser (a regular
 * expression would also catch `map.get('x')`: only bare helper calls count here).
 */
export function uiCalls(root: string): UiCall[] {
  const out: UiCall[] = []
  for (const file of files(root)) {
    const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true)
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
        const name = node.expression.text
        const [a0, a1] = node.arguments
        let method: string | null = null
        let url: ts.Expression | undefined
        if (HELPERS[name]) [method, url] = [HELPERS[name], a0]
        else if (name === 'api' && a0 && ts.isStringLiteral(a0)) [method, url] = [a0.text.toUpperCase(), a1]
        else if (name === 'fetch' && a0) {
          url = a0
          method = 'GET'
          const init = a1 && ts.isObjectLiteralExpression(a1) ? a1 : undefined
          const m = init?.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText(sf) === 'method') as ts.PropertyAssignment | undefined
          if (m && ts.isStringLiteral(m.initializer)) method = m.initializer.text.toUpperCase()
        }
        const p = url && pathOf(url)
        if (method && p)
          out.push({ method, path: p, file: path.relative(process.cwd(), file), line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1 })
      }
      ts.forEachChild(node, visit)
    }
    visit(sf)
  }
  return out
}

/**
 * The OpenAPI path (`/api/cases/{id}`) a UI path (`/api/cases/{}`) calls: literal segments first.
 * A UI value may also stand for a literal segment (`/api/tasks/${id}/${action}` calls
 * `/api/tasks/{id}/extension`, …): some documented route must fit.
 */
export function matchPath(docPaths: string[], uiPath: string): string | undefined {
  const segs = uiPath.split('/')
  const fits = (p: string) => {
    const ds = p.split('/')
    return ds.length === segs.length && ds.every((d, i) => d === segs[i] || segs[i] === '{}' || (/^\{.+\}$/.test(d) && segs[i] !== ''))
  }
  const score = (p: string) => p.split('/').filter((d) => !d.startsWith('{')).length
  return docPaths.filter(fits).sort((a, b) => score(b) - score(a))[0]
}
