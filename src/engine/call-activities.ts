import type { Trx } from '../lib/db.js'
import { msg } from '../lib/errors.js'
import { unprocessable } from './errors.js'
import type { DefinitionStore } from './definitions.js'
import type { InstanceRow } from './rows.js'
import { markFailedElement, type StepContext, type StepRun } from './step-context.js'

export const MAX_CALL_DEPTH = 16

/** How an instance starts: for whom, with what, and, for a call activity's child, its parent. */
export interface StartOptions {
  tenant: string | null
  variables: Record<string, unknown>
  caseId: string | null
  actor: string | null
  parent?: { id: string; executionId: string; elementId: string }
  depth?: number
}

/** What call activities need of the runtime: start a child, step a parent. */
export interface CallHost {
  definitions: DefinitionStore
  startDefinition(trx: Trx, definitionId: string, opts: StartOptions): Promise<InstanceRow>
  step(trx: Trx, instance: InstanceRow, run: StepRun, depth?: number): Promise<InstanceRow>
}

/** Call activities: children start in the same transaction; a finished child resumes its parent. */
export async function runCallActivities(
  host: CallHost,
  trx: Trx,
  ctx: StepContext,
  opts: { insert: boolean; depth: number; ended: boolean; variables: Record<string, unknown> },
) {
  const instance = ctx.instance
  const { ended, variables } = opts
  if (opts.depth > MAX_CALL_DEPTH) throw unprocessable(msg('error.engine.callDepth'))
  if (!ended) {
    // A resumed engine announces its existing calls again: children already started are skipped.
    const knownCalls = new Set<string>(
      opts.insert || !ctx.calls.length
        ? []
        : (await trx('process_instances').where({ parent_id: instance.id, status: 'running' }).select('parent_execution_id')).map(
            (r: Pick<InstanceRow, 'parent_execution_id'>) => r.parent_execution_id ?? '',
          ),
    )
    for (const call of ctx.calls) {
      if (ctx.leftExecutions.has(call.executionId) || knownCalls.has(call.executionId)) continue
      try {
        const childDef = await host.definitions.resolve(call.calledElement, instance.tenant || null, trx)
        await host.startDefinition(trx, childDef.id, {
          tenant: instance.tenant || null,
          variables,
          caseId: instance.case_id,
          actor: ctx.actor,
          parent: { id: instance.id, executionId: call.executionId, elementId: call.elementId },
          depth: opts.depth + 1,
        })
      } catch (err) {
        // A called process missing or failing fails the call activity: the incident names the call.
        markFailedElement(err, call.elementId, true)
        throw err
      }
    }
  }
  if (ended && instance.parent_id) {
    const parent = await trx('process_instances').where({ id: instance.parent_id }).first()
    if (parent?.status === 'running') {
      await host.step(
        trx,
        parent,
        {
          actor: ctx.actor,
          act: (pctx) => {
            Object.assign(pctx.variables(), variables)
            pctx.execution.signal({ executionId: instance.parent_execution_id })
          },
        },
        opts.depth + 1,
      )
    }
  }
}
