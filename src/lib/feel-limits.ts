import { cutText } from './text.js'

/**
 * FEEL that could hold the server, refused wherever a person's expression is run on the server:
 * a diagram's conditions and values (src/engine/validate-feel.ts), a decision table's cells
 * (src/decisions/dmn.ts), a form's conditions (src/tasks/forms.ts) and a bulletin item's count
 * (src/bulletin/items.ts). feelin runs each synchronously on the one thread, and none of these
 * stops by itself:
 * - loops and quantifiers over a range (`for i in 1..1e9 return i`: 90 s at deploy, where the
 *   check evaluates the body once, and as long in every step that reads it);
 * - function definitions, which can recurse;
 * - the built-ins that take a JavaScript regular expression from the expression and apply it to
 *   a citizen's or a handler's text (`matches(description, "^(a|a)*$")` backtracks for hours
 *   on 40 characters).
 * A condition compares values; a table, a form and an item do not need any of these.
 */
export const SLOW_FEEL_NODES: ReadonlySet<string> = new Set(['ForExpression', 'QuantifiedExpression', 'FunctionDefinition'])
export const SLOW_FEEL_FUNCTIONS: ReadonlySet<string> = new Set(['matches', 'replace', 'split'])

/** The part of a node of feelin's parse tree (lezer's) that slowFeelAt reads. */
interface FeelNode {
  name: string
  from: number
  to: number
  node: { firstChild: { name: string; from: number; to: number } | null }
}

/**
 * The construct at one node of a body's parse tree that could hold the server, as the person
 * wrote it (a loop's text, up to 60 characters, or `matches()`), or null: the check each walker
 * of a FEEL tree makes at every node. A function is named by its callee, the node's first child.
 */
export function slowFeelAt(ref: FeelNode, body: string): string | null {
  if (SLOW_FEEL_NODES.has(ref.name)) return cutText(body.slice(ref.from, ref.to).replace(/\s+/g, ' ').trim(), { codePoints: 60 })
  if (ref.name !== 'FunctionInvocation') return null
  const callee = ref.node.firstChild
  const name = callee?.name === 'VariableName' ? body.slice(callee.from, callee.to).replace(/\s+/g, ' ').trim() : ''
  return SLOW_FEEL_FUNCTIONS.has(name) ? `${name}()` : null
}
