import type { ElementBase, ElementBrokerMessage, EventDefinition } from 'bpmn-elements'
import { msg } from '../lib/errors.js'
import type { EngineHolder } from './step-context.js'
import { cardinalityProblem, LIMITS, timerLimitProblem, type LimitProblem } from './validate-limits.js'

/**
 * A step's budget where bpmn-elements would run away before any event reaches the step:
 * timer values and multi-instance counts from expressions (StepContext.charge does the rest).
 */

/**
 * The fields of an activity event's content (bpmn-elements publishes it) that a step's budget
 * reads: who entered, where, how often it loops, and an armed timer's value and due time.
 */
export interface ChargedContent {
  id?: string
  type: string
  isMultiInstance?: boolean
  loopCardinality?: unknown
  parent?: { executionId?: string }
  timerType?: string
  expireAt?: string | number | Date
  [key: string]: unknown
}

/**
 * The limit an armed timer breaks (its value may come from an expression, so deploy could
 * not check it): the same rules as a literal, plus a due time within the sane date range.
 */
export function runtimeTimerProblem(c: ChargedContent): LimitProblem | null {
  const kind = c.timerType
  const value = kind ? c[kind] : undefined
  const p = kind && typeof value === 'string' ? safeTimerProblem(kind, value) : null
  if (p) return p
  const expireAt = c.expireAt == null ? NaN : new Date(c.expireAt).getTime()
  if (c.expireAt != null && (Number.isNaN(expireAt) || expireAt < LIMITS.dateMin || expireAt >= LIMITS.dateMax)) {
    // The instant as ISO (the sentence writes it in the reader's time); String(Date) was English.
    return msg('step.dueOutOfRange', { due: Number.isNaN(expireAt) ? String(c.expireAt) : new Date(expireAt).toISOString() })
  }
  return null
}

export function safeTimerProblem(kind: string, value: string): LimitProblem | null {
  if (kind !== 'timeDuration' && kind !== 'timeDate' && kind !== 'timeCycle') return null
  try {
    return value.trim() ? timerLimitProblem(kind, value.trim()) : null
  } catch {
    return null // not ISO-8601: bpmn-elements reports that itself
  }
}

/**
 * Wires an activity into its step's budget (StepContext.charge): its broker's events are
 * charged as they happen, and a timer's value is checked before bpmn-elements' parser
 * sees it — piso's next-due-time search never ends for a zero period (`R/PT0S`), so an
 * expression yielding one would hang the thread before any event is published. Likewise
 * a multi-instance count from an expression is checked as the activity enters, before
 * bpmn-elements starts iterating (10,000,000 iterations ran inside one call). bpmn-elements
 * extends processes too: they have no event definitions of their own.
 */
export function budget(activity: ElementBase & { eventDefinitions?: EventDefinition[] }, holder: EngineHolder) {
  const broker = activity.broker
  if (!broker) return undefined
  // Charged as each event is published on the activity's own broker, not through a queue
  // subscribed to it: a queue and consumer more per activity, built every step, and a copy of
  // every event message through smqp cost measurable CPU on every step
  // (bench/steps.ts). A process or subprocess broker also carries its children's events:
  // charge each once, where it happens.
  const publish = broker.publish
  broker.publish = function publishCharged(
    this: unknown,
    exchange: string,
    routingKey: string,
    content: ChargedContent | undefined,
    ...rest: [options?: Parameters<typeof publish>[3]]
  ) {
    if (exchange === 'event' && content?.id === activity.id && routingKey.startsWith('activity.')) holder.ctx?.charge(routingKey, content)
    return publish.call(this, exchange, routingKey, content, ...rest)
  }
  for (const ed of activity.eventDefinitions ?? []) {
    if (ed?.type !== 'bpmn:TimerEventDefinition' || typeof ed.parse !== 'function') continue
    const parse = ed.parse
    ed.parse = function guardedParse(this: unknown, timerType: string, value: unknown) {
      const problem = typeof value === 'string' ? safeTimerProblem(timerType, value) : null
      if (problem) holder.ctx.fail(activity.id, problem)
      return parse.call(this, timerType, value)
    }
  }
  const loop = activity.behaviour?.loopCharacteristics?.behaviour
  if (!loop || (!loop.loopCardinality && !loop.collection)) return undefined
  return {
    activate(message: ElementBrokerMessage) {
      let n: number | undefined
      try {
        const env = activity.environment
        if (loop.collection) {
          const list = env.resolveExpression(loop.collection, message)
          if (Array.isArray(list)) n = list.length
        }
        if (loop.loopCardinality) {
          const value = Number(env.resolveExpression(loop.loopCardinality, message))
          if (!Number.isNaN(value)) n = value
        }
      } catch {
        return // bpmn-elements reports an expression that fails
      }
      const problem = n === undefined ? null : cardinalityProblem(n)
      if (problem) holder.ctx.fail(activity.id, problem)
    },
    deactivate() {},
  }
}
