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
