import type { Activity, ElementBrokerMessage } from 'bpmn-elements'
import type { Trx } from '../lib/db.js'
import { feelContext } from './expressions.js'
import { FeelRefused, resolveValue } from './feel.js'
import type { ElementInfo } from './model.js'
import { cleanVariables, setVariables, StepLimitError, type EngineHolder } from './step-context.js'

export interface HandlerContext {
  trx: Trx
  instanceId: string
  caseId: string | null
  tenant: string | null
  elementId: string
  variables: Readonly<Record<string, unknown>>
  inputs: Record<string, unknown>
  actor: string | null
}
export type Handler = (ctx: HandlerContext) => Promise<Record<string, unknown> | void> | Record<string, unknown> | void

/**
 * The service-task handlers registry: named handlers (`camunda:topic`), the business rule
 * runner (`camunda:decisionRef`), and the Service each service task runs in a step.
 */
export class ServiceTasks {
  private handlers = new Map<string, Handler>()

  /** Runs business rule tasks (camunda:decisionRef): set by the decisions module (business-rule.ts). */
  private ruleTask: ((info: ElementInfo) => Handler) | null = null
  setBusinessRuleHandler(fn: (info: ElementInfo) => Handler) {
    this.ruleTask = fn
  }

  registerHandler(name: string, handler: Handler) {
    this.handlers.set(name, handler)
  }

  handlerNames(): ReadonlySet<string> {
    return new Set(this.handlers.keys())
  }

  /** The Service of a service task: a FEEL `camunda:expression`, or a named handler. */
  serviceFor(info: ElementInfo, holder: EngineHolder) {
    const runtime = this
    return function Service(activity: Activity) {
      return {
        execute(message: ElementBrokerMessage & { content: { executionId: string } }, callback: (err: Error | null, output?: unknown) => void) {
          const ctx = holder.ctx
          const variables = activity.environment.variables
          const fctx = feelContext({ environment: activity.environment, content: message.content })
          try {
            if (info.expression) {
              const value = resolveValue(info.expression, fctx)
              if (info.resultVariable) setVariables(ctx, activity.environment, { [info.resultVariable]: value })
              return callback(null, value)
            }
            const handler = info.decisionRef ? runtime.ruleTask?.(info) : runtime.handlers.get(info.topic!)
            if (!handler && info.decisionRef) throw new Error(`no decision runner for ${info.decisionRef}`)
            if (!handler) {
              // No in-process handler: an external task. The activity waits for a worker; the
              // callback is kept for the step that completes it (a resumed engine calls execute again).
              const executionId: string = message.content.executionId
              holder.externalSeen.add(executionId)
              holder.externalWaits.set(executionId, (err, out) => {
                if (!err && out) setVariables(holder.ctx, activity.environment, out)
                callback(err, out ?? null)
              })
              // What the task's own scope adds to the process variables (a multi-instance
              // iteration's element variable): a worker reads those too, as in Camunda.
              const local: Record<string, unknown> = {}
              const processVars = ctx.variables()
              for (const [k, v] of Object.entries(cleanVariables(fctx))) {
                if (k !== 'content' && k !== 'environment' && processVars[k] !== v) local[k] = v
              }
              ctx.externalCreated.set(executionId, { elementId: info.id, name: info.name ?? null, topic: info.topic!, local })
              return
            }
            const inputs: Record<string, unknown> = {}
            for (const p of info.inputs ?? []) inputs[p.name] = p.value == null ? null : resolveValue(p.value, fctx)
            const result = Promise.resolve(
              handler({
                trx: ctx.trx,
                instanceId: ctx.instance.id,
                caseId: ctx.instance.case_id,
                tenant: ctx.instance.tenant || null,
                elementId: info.id,
                variables: cleanVariables(variables),
                inputs,
                actor: ctx.actor,
              }),
            )
            ctx.track(
              result.then(
                (out) => {
                  if (out && typeof out === 'object') setVariables(ctx, activity.environment, out)
                  callback(null, out ?? null)
                },
                (err) => {
                  ctx.failedIn(info.id, err)
                  callback(err)
                },
              ),
            )
          } catch (err) {
            const failed = err instanceof FeelRefused ? new StepLimitError(err.elementId ?? info.id, err.problem) : (err as Error)
            ctx.failedIn(info.id, failed)
            callback(failed)
          }
        },
      }
    }
  }
}
