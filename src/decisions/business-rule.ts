import type { Db } from '../lib/db.js'
import { msg, unprocessable } from '../lib/errors.js'
import type { Handler } from '../engine/runtime.js'
import type { ElementInfo, PreparedDefinition } from '../engine/model.js'
import { toProblem, type Problem } from '../engine/validate.js'
import type { DecisionService } from './service.js'

/**
 * `bpmn:businessRuleTask` with `camunda:decisionRef`: evaluates the deployed decision (the
 * instance's county version, else the city's) on the instance's variables inside the step, and
 * writes `camunda:resultVariable` mapped as Camunda 7's `camunda:mapDecisionResult` defines:
 * `singleEntry` (one rule, one output → its value), `singleResult` (one rule → its output
 * context), `collectEntries` (one output → the list of its values), `resultList` (the default:
 * the list of output contexts). Without a result variable nothing is written (Camunda 7 keeps
 * the result for listeners only). The engine knows nothing of DMN: runtime.ts calls the handler
 * made here for an element with a `decisionRef`.
 */
export const MAPPINGS = ['singleEntry', 'singleResult', 'collectEntries', 'resultList'] as const

export function businessRuleHandler(decisions: DecisionService): (info: ElementInfo) => Handler {
  return (info) => async (ctx) => {
    const key = info.decisionRef!
    const out = await decisions.evaluate(key, ctx.tenant, { ...ctx.variables }, ctx.trx)
    if (!info.resultVariable) return
    const mapping = info.mapDecisionResult ?? 'resultList'
    const entries = out.entries
    const fail = () => unprocessable(msg('error.dmn.resultMapping', { element: info.id, mapping, count: entries.length }))
    let value: unknown
    switch (mapping) {
      case 'singleEntry': {
        if (entries.length > 1 || (entries[0] && Object.keys(entries[0]).length !== 1)) throw fail()
        value = entries[0] ? Object.values(entries[0])[0] : null
        break
      }
      case 'singleResult':
        if (entries.length > 1) throw fail()
        value = entries[0] ?? null
        break
      case 'collectEntries':
        if (entries.some((e) => Object.keys(e).length !== 1)) throw fail()
        value = entries.map((e) => Object.values(e)[0])
        break
      default:
        value = entries
    }
    return { [info.resultVariable]: value }
  }
}

/**
 * The deploy check of business rule tasks: a literal `decisionRef` naming a deployed decision
 * (any scope: the version is resolved for each instance's county when it runs), a known result
 * mapping, no `decisionRefTenantId` (an instance reads its own county's decisions, never another's),
 * and a result variable that is not one of the platform's: a decision a county writes must not
 * set routing, deadlines or candidate groups either.
 */
export function businessRuleCheck(db: Db, decisions: DecisionService, isProtected: (name: string) => boolean) {
  return async (def: PreparedDefinition): Promise<Problem[]> => {
    const problems: Problem[] = []
    const add = (elementId: string, m: ReturnType<typeof msg>) => problems.push(toProblem(elementId, m))
    for (const el of def.elements.values()) {
      if (el.type !== 'bpmn:BusinessRuleTask') continue
      const ref = el.decisionRef?.trim() ?? ''
      // A key no version exists for is named by validate.ts, beside the diagram's other problems.
      if (!/^[A-Za-z_][A-Za-z0-9._-]{0,254}$/.test(ref)) add(el.id, msg('error.dmn.refLiteral', { element: el.id }))
      else if (!(await decisions.resources.hasKey('decision', ref, db))) add(el.id, msg('error.dmn.unknownRef', { element: el.id, ref }))
      if (el.mapDecisionResult && !(MAPPINGS as readonly string[]).includes(el.mapDecisionResult))
        add(el.id, msg('error.dmn.mapping', { element: el.id, mapping: el.mapDecisionResult }))
      if (el.decisionRefTenantId) add(el.id, msg('error.dmn.refTenant', { element: el.id }))
      if (el.resultVariable && isProtected(el.resultVariable)) add(el.id, msg('error.dmn.protectedResult', { element: el.id, name: el.resultVariable }))
    }
    return problems
  }
}
