import { evaluate, parseExpression } from 'feelin'
import { feelSyntaxError } from './feel.js'
import { msg, type Msg } from '../lib/errors.js'
import { slowFeelAt } from '../lib/feel-limits.js'

/**
 * Deploy-time checks of one FEEL body beyond "does it parse": every function it calls must be
 * a FEEL built-in (JUEL `dateTime().plusWeeks(1)` and bean calls `svc.find(x)` parse as FEEL
 * but name functions nobody provides), and bpmn-engine's `environment.services` (JavaScript
 * functions) does not exist in Shuoshi's evaluation context.
 */

const builtinCache = new Map<string, boolean>()

/** True when `name` (e.g. `sum`, `string length`) is a function FEEL (feelin) provides. */
export function isFeelBuiltin(name: string): boolean {
  const key = name.replace(/\s+/g, ' ').trim()
  let known = builtinCache.get(key)
  if (known === undefined) {
    // Invoking an unknown name warns NO_VARIABLE_FOUND / NO_FUNCTION_FOUND; a built-in called
    // with no arguments at most warns about its arguments.
    try {
      const { warnings } = evaluate(`${key}()`, {})
      known = !warnings.some((w) => w.type === 'NO_VARIABLE_FOUND' || w.type === 'NO_FUNCTION_FOUND')
    } catch {
      known = false
    }
    builtinCache.set(key, known)
  }
  return known
}

/** A catalogue message (`deploy.feel.*`) with `body`; the caller adds `what` (where the body is). */
export type FeelIssue = Msg

/** Returns what is wrong with a FEEL body, or null when it may be deployed. */
export function feelIssue(body: string): FeelIssue | null {
  let tree
  try {
    tree = parseExpression(body, {}, undefined)
  } catch (err) {
    return msg('deploy.feel.syntax', { body, error: feelSyntaxError(body) ?? (err as Error).message })
  }
  const unknown: Array<{ at: number; name: string }> = []
  let services = false
  let doubled: string | null = null
  let slow: string | null = null
  const text = (from: number, to: number) => body.slice(from, to).replace(/\s+/g, ' ').trim()
  tree.iterate({
    enter(ref) {
      slow ??= slowFeelAt(ref, body)
      if (ref.name === 'FunctionInvocation') {
        const callee = ref.node.firstChild
        if (!callee) return
        if (callee.name === 'VariableName') {
          const name = text(callee.from, callee.to)
          if (!isFeelBuiltin(name)) unknown.push({ at: callee.to, name })
        } else if (callee.name === 'PathExpression') {
          const full = text(callee.from, callee.to)
          const last = callee.lastChild
          unknown.push({ at: callee.to, name: !full.includes('(') ? full : last ? `.${text(last.from, last.to)}` : full })
        } else {
          unknown.push({ at: callee.to, name: text(callee.from, callee.to) })
        }
      } else if (ref.name === 'SimplePositiveUnaryTest' && !doubled) {
        // `x == 1` parses in feelin as `x = (= 1)` and is always null: JUEL's `==` is not FEEL.
        const prev = ref.node.prevSibling
        if (ref.node.parent?.name === 'Comparison' && prev?.name === 'CompareOp') {
          doubled = text(prev.from, ref.node.firstChild?.to ?? ref.to)
        }
      } else if (ref.name === 'PathExpression' && !services) {
        const first = ref.node.firstChild
        const last = ref.node.lastChild
        if (
          first?.name === 'VariableName' &&
          text(first.from, first.to) === 'environment' &&
          last?.name === 'PathName' &&
          text(last.from, last.to) === 'services'
        ) {
          services = true
        }
      }
    },
  })
  // Before anything evaluates the body: the syntax check runs it once.
  if (slow) return msg('deploy.feel.slow', { body, construct: slow })
  const syntax = feelSyntaxError(body)
  if (syntax) {
    return msg('deploy.feel.syntax', { body, error: syntax })
  }
  if (doubled) {
    return msg('deploy.feel.doubled', { body, op: doubled })
  }
  if (unknown.length) {
    const names = [...new Set(unknown.sort((a, b) => a.at - b.at).map((u) => u.name))]
    return msg('deploy.feel.unknownFunctions', { body, names })
  }
  if (services) {
    return msg('deploy.feel.services', { body })
  }
  return null
}
