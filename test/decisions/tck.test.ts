import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { DmnError, evaluateDecision, parseDmn } from '../../src/decisions/dmn.js'
import { projectRoot } from '../../src/lib/paths.js'

/**
 * The DMN Technology Compatibility Kit's compliance-level-2 cases (test/fixtures/dmn-tck/,
 * SOURCES.md says where from): each model is parsed by the server's evaluator and every test
 * case's expected result (written by the TCK's authors, not derived from this code) is compared
 * with what it computes. Cases outside a FEEL-only decision-table evaluator are skipped, each
 * with its reason (src/decisions/README.md lists them).
 */
const DIR = path.join(projectRoot(), 'test/fixtures/dmn-tck')

const SKIPPED: Record<string, string> = {
  '0009-invocation-arithmetic': 'business knowledge models and invocations are not supported (such a file is refused at deploy)',
}

// ── the TCK's test-case XML: a few element kinds, no CDATA (a small reader is enough) ──
interface Node {
  name: string
  attrs: Record<string, string>
  children: Node[]
  text: string
}
function parseXml(xml: string): Node {
  const root: Node = { name: '#root', attrs: {}, children: [], text: '' }
  const stack = [root]
  const re = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(\/?)([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*"[^"]*")*)\s*(\/?)>|([^<]+)/g
  const decode = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&')
  for (const m of xml.matchAll(re)) {
    if (m[5] !== undefined) {
      stack[stack.length - 1].text += decode(m[5])
      continue
    }
    if (!m[2]) continue
    if (m[1]) {
      stack.pop()
      continue
    }
    const attrs: Record<string, string> = {}
    for (const a of (m[3] ?? '').matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) attrs[a[1]] = decode(a[2])
    const node: Node = { name: m[2].replace(/^.*:/, ''), attrs, children: [], text: '' }
    stack[stack.length - 1].children.push(node)
    if (!m[4]) stack.push(node)
  }
  return root
}
const child = (n: Node, name: string) => n.children.find((c) => c.name === name)

/** A TCK value node (value / list / component) as a plain value. */
function valueOf(n: Node): unknown {
  const v = child(n, 'value')
  if (v) {
    if (v.attrs['xsi:nil'] === 'true') return null
    const type = v.attrs['xsi:type'] ?? ''
    const text = v.text
    if (type.endsWith('decimal') || type.endsWith('double') || type.endsWith('integer') || type.endsWith('long')) return Number(text)
    if (type.endsWith('boolean')) return text.trim() === 'true'
    if (!type && !text.trim()) return null
    return text
  }
  const list = child(n, 'list')
  if (list) return list.children.filter((c) => c.name === 'item').map(valueOf)
  const components = n.children.filter((c) => c.name === 'component')
  if (components.length) return Object.fromEntries(components.map((c) => [c.attrs.name, valueOf(c)]))
  return null
}

const close = (a: unknown, b: unknown): boolean => {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) < 1e-9
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => close(x, b[i]))
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort()
    const kb = Object.keys(b).sort()
    return close(ka, kb) && ka.every((k) => close((a as any)[k], (b as any)[k]))
  }
  return a === b
}

const dirs = fs
  .readdirSync(DIR)
  .filter((d) => fs.statSync(path.join(DIR, d)).isDirectory())
  .sort()
let ran = 0

for (const dir of dirs) {
  if (SKIPPED[dir]) {
    t.test(dir, { skip: SKIPPED[dir] }, () => {})
    continue
  }
  t.test(dir, async (t) => {
    const files = fs.readdirSync(path.join(DIR, dir))
    const dmn = fs.readFileSync(
      path.join(
        DIR,
        dir,
        files.find((f) => f.endsWith('.dmn'))!,
      ),
      'utf8',
    )
    const cases = parseXml(
      fs.readFileSync(
        path.join(
          DIR,
          dir,
          files.find((f) => f.endsWith('-test-01.xml'))!,
        ),
        'utf8',
      ),
    )
    const drg = await parseDmn(dmn)
    const byName = new Map([...drg.decisions.values()].map((d) => [d.name, d.id]))
    for (const tc of child(cases, 'testCases')!.children.filter((c) => c.name === 'testCase')) {
      const inputs: Record<string, unknown> = {}
      for (const i of tc.children.filter((c) => c.name === 'inputNode')) inputs[i.attrs.name] = valueOf(i)
      for (const r of tc.children.filter((c) => c.name === 'resultNode')) {
        const expected = valueOf(child(r, 'expected')!)
        const id = byName.get(r.attrs.name)
        t.ok(id, `${dir} ${tc.attrs.id}: decision ${r.attrs.name} is in the model`)
        let actual: unknown
        try {
          actual = evaluateDecision(drg, inputs, id).result
        } catch (err) {
          // The TCK expects null where a table fails (e.g. two hits on UNIQUE); the server says why.
          if (!(err instanceof DmnError)) throw err
          actual = null
        }
        t.ok(close(actual, expected), `${dir} case ${tc.attrs.id} ${r.attrs.name}`, { actual, expected })
        ran++
      }
    }
  })
}

t.teardown(() => {
  // 27 models of the kit are run; they hold 123 expected results.
  if (ran < 120) throw new Error(`only ${ran} TCK results compared`)
})
