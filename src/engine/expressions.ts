import type { ElementMessageContent, Environment } from 'bpmn-elements'
import { expressionBody, evalFeel, FeelRefused, resolveValue } from './feel.js'

/** Keys bpmn-elements puts on a loop iteration's content that are not user data. */
const internalContentKeys = new Set([
  'id',
  'type',
  'name',
  'executionId',
  'parent',
  'index',
  'isMultiInstance',
  'isRootScope',
  'isSequential',
  'loopCardinality',
  'state',
  'inbound',
  'outbound',
  'attachedTo',
  'output',
  'input',
  'settings',
  'isSubProcess',
])

/** What bpmn-elements hands an expression: an element's environment and the message content. */
export interface FeelScope {
  environment?: Environment
  content?: ElementMessageContent
}

/**
 * The FEEL evaluation context for an engine message: process variables, the loop
 * iteration's element variable, and `content` / `environment.variables` as bpmn-engine exposes them.
 */
export function feelContext(context: FeelScope | undefined): Record<string, unknown> {
  const environment = context?.environment
  const variables = environment?.variables ?? {}
  const content = context?.content ?? {}
  const ctx: Record<string, unknown> = { ...variables }
  // Inside a multi-instance subprocess: bpmn-elements puts the iteration's execute message on
  // the subprocess's own environment (variables.content), its element variable among it, so
  // the children's conditions can read it (`${score > 5}` in the loan-granting sample).
  const scope = variables.content
  if (scope?.isMultiInstance && scope !== content) {
    for (const [k, v] of Object.entries(scope)) if (!internalContentKeys.has(k)) ctx[k] = v
  }
  if (content.isMultiInstance) {
    for (const [k, v] of Object.entries(content)) if (!internalContentKeys.has(k)) ctx[k] = v
    ctx.loopCounter = content.index
  }
  ctx.content = content
  ctx.environment = { variables, services: environment?.services }
  return ctx
}

/**
 * bpmn-engine's `expressions` option, evaluating FEEL instead of its property lookups. A body
 * the engine does not run (FeelRefused) is handed to `refused` with the element that asked, so
 * the step fails there and then: bpmn-elements would otherwise take the error as the element's
 * own and may carry on.
 */
export function feelExpressions(refused: (err: FeelRefused) => never) {
  return {
    resolveExpression(text: unknown, context?: FeelScope) {
      if (typeof text !== 'string') return text
      if (expressionBody(text) == null && !/[$#]\{/.test(text)) return text
      try {
        return resolveValue(text, feelContext(context))
      } catch (err) {
        if (!(err instanceof FeelRefused)) throw err
        err.elementId ??= typeof context?.content?.id === 'string' ? context.content.id : null
        return refused(err)
      }
    },
    isExpression(text: unknown) {
      return typeof text === 'string' && expressionBody(text) != null
    },
    hasExpression(text: unknown) {
      return typeof text === 'string' && (expressionBody(text) != null || /[$#]\{/.test(text))
    },
  }
}

export { evalFeel }
