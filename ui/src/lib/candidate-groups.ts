/**
 * A user task's `camunda:candidateGroups` as the picker's chips, and back. A literal list is
 * comma-separated tokens (`role:leader,unit:xianghe-water`). A FEEL value (`=…`) must stay one
 * valid expression: the shipped tasks' `=handlerGroup`, or `=gridGroup + "," + handlerGroup`,
 * split on its commas made chips of fragments, and joining the chips with commas deployed
 * `=handlerGroup,role:leader`, which is not FEEL (deploy refused every group added this way).
 * So a FEEL value is read as the parts of a `+ "," +` concatenation, and chips that include an
 * expression are written back as one.
 */

const SEPARATOR = /^\+\s*","\s*\+/
const QUOTED = /^"((?:[^"\\]|\\.)*)"$/

/** The chips of a stored value: literal tokens, and `=expression` for each expression part. */
export function groupChips(raw: string | null | undefined): string[] {
  const value = (raw ?? '').trim()
  if (!value) return []
  if (!value.startsWith('=')) {
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  }
  const parts = splitTopLevel(value.slice(1).trim())
  if (!parts) return [value]
  const chips: string[] = []
  for (const part of parts) {
    const quoted = QUOTED.exec(part)
    if (quoted) {
      for (const token of (JSON.parse(part) as string).split(',')) if (token.trim()) chips.push(token.trim())
    } else chips.push(`=${unwrap(part)}`)
  }
  return chips
}

/** The stored value for `chips`: a comma list, or one FEEL concatenation when an expression is among them. */
export function groupValue(chips: string[]): string | undefined {
  if (!chips.length) return undefined
  // A JUEL value (`${…}`) is left as the list it came as: it is not FEEL and cannot join one.
  if (!chips.some((c) => c.startsWith('=')) || chips.some((c) => c.includes('${'))) return chips.join(',')
  if (chips.length === 1) return chips[0]
  return '=' + chips.map((c) => (c.startsWith('=') ? `(${c.slice(1).trim()})` : JSON.stringify(c))).join(' + "," + ')
}

/** `a + "," + (b) + "," + "c"` as its parts, split only outside strings and brackets; null if it is not that shape. */
function splitTopLevel(body: string): string[] | null {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]
    if (ch === '"') {
      // Skip the string, escapes included.
      for (i++; i < body.length && body[i] !== '"'; i++) if (body[i] === '\\') i++
    } else if (ch === '(' || ch === '[' || ch === '{') depth++
    else if (ch === ')' || ch === ']' || ch === '}') depth--
    else if (depth === 0 && ch === '+') {
      const m = SEPARATOR.exec(body.slice(i))
      if (m) {
        parts.push(body.slice(start, i).trim())
        i += m[0].length - 1
        start = i + 1
      }
    }
  }
  parts.push(body.slice(start).trim())
  return parts.every(Boolean) && depth === 0 ? parts : null
}

/** `(x)` → `x` when the brackets enclose the whole part. */
function unwrap(part: string): string {
  if (!part.startsWith('(') || !part.endsWith(')')) return part
  let depth = 0
  for (let i = 0; i < part.length; i++) {
    if (part[i] === '(') depth++
    else if (part[i] === ')' && --depth === 0 && i < part.length - 1) return part
  }
  return part.slice(1, -1).trim()
}
