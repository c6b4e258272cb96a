import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { CaseService } from './service.js'
import { Duplicates } from './duplicates.js'
import { Clusters } from './clusters.js'
import { CaseFacts } from './case-facts.js'
import { ConfigReads } from './config-reads.js'
import { GramCache } from './similar.js'
import clusterRoutes from './cluster-routes.js'
import caseRoutes from './routes.js'
import returnRoutes, { returnView } from './returns.js'
import exclusionRoutes from './exclusions.js'
import supervisionOrderRoutes from './supervision-orders.js'
import coUnitRoutes from './co-units.js'
import { checkPlatformMarkers, deliveredByPlatform, modelOfInstance, taskActions } from './markers.js'
import { registerCaseHandlers, returnReason } from './handlers.js'
import { evaluationReceiversCheck } from './evaluation-receivers.js'
import { receivers } from '../org/receivers.js'
import { DEFAULT_RULES, seedCases } from './seed.js'
import { ROUTING_KEY, checkRoutingDecision, convertRoutingRules } from './routing-decision.js'
import { inSlices } from '../lib/db.js'
import { ASSESSMENT_VARIABLES, FORM_CHOICES, PLATFORM_VARIABLES } from './variables.js'
import { UNIT_FIELDS, servesCounty, unitCodes, unitProblem } from './dispatch-targets.js'
import { badRequest, conflict, msg, problem } from '../lib/errors.js'
import { taskDetails, taskListFacts } from './task-context.js'
import worklistRoutes from './worklist-routes.js'
import categoryRoutes from './category-routes.js'
import { intakeNeedsCheck } from './withdraw-check.js'
import type { Actor } from '../org/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    cases: CaseService
  }
}

/**
 * Cases (案件): intake from every channel, routing, the four handling procedures' handlers,
 * scoped reads, public tracking and evaluation. See src/cases/README.md.
 */
export default fp(
  async function casesModule(app: FastifyInstance) {
    // This node's writes to the configuration intake reads empty its caches at once (src/lib/write-invalidated.ts).
    const cases = new CaseService(app, new ConfigReads(app.tableWatch))
    app.decorate('cases', cases)
    // Handlers and the marker check first: the processes seeded on ready name the one and need the other.
    registerCaseHandlers(app, cases)
    app.engine.addDeployCheck(checkPlatformMarkers)
    // An evaluation only callback staff may record (case.evaluate) must be offered to them.
    app.engine.addDeployCheck(evaluationReceiversCheck((tenant) => receivers(app.db, tenant, 'callback')))
    // The procedures intake starts cannot be withdrawn where nothing would be left to start.
    app.engine.addWithdrawCheck(intakeNeedsCheck)
    app.engine.protectVariables([...PLATFORM_VARIABLES, ...ASSESSMENT_VARIABLES, ...FORM_CHOICES])
    // The extension request and 加派 boundaries are delivered by this module's routes only, with
    // what they check and set: the engine API's /api/messages refuses them (422).
    app.engine.protectMessages(async (trx, sub) => {
      const model = await modelOfInstance(app.engine.definitions, sub.instance_id, trx)
      return !!model && deliveredByPlatform(model, sub.element_id)
    })
    // An instance started through the engine API may carry a case only if the caller sees the
    // case and it belongs to the instance's tenant (handlers act on that case alone) — and only
    // when nothing carries it: a case is carried by one procedure at a time, and a closed case's
    // record (what the rates count) is not reopened by a second instance's handlers.
    app.engine.setBusinessKeyCheck(async (caseId, tenant, actor) => {
      // The engine hands back the request's actor it was given (org's Actor; the engine types it narrower).
      const row = await cases.visible(actor as Actor, caseId).catch(() => null)
      if (!row || row.tenant !== (tenant ?? '')) return false
      if (row.status === 'closed') throw conflict(msg('error.case.closed'))
      const carrier = row.instance_id ? await app.db('process_instances').where({ id: row.instance_id }).first('status') : null
      if (carrier?.status === 'running') throw conflict(msg('error.case.carried'))
      return true
    })
    app.engine.setBusinessKeyLabels(async (caseIds) => {
      const rows = await inSlices(caseIds, (ids) => app.db('cases').whereIn('id', ids).select<{ id: string; case_no: string }[]>('id', 'case_no'))
      return new Map(rows.map((r) => [r.id, r.case_no]))
    })
    if (app.config.demo && (await seedCases(app.db))) app.log.info('seeded case categories and routing rules')
    // Routing is the `routing` decision: its deploys are checked against the organisation, and
    // rules an administrator set before decisions existed become decision versions (once, before
    // the shipped decisions seed on ready).
    app.decisions.addCheck(ROUTING_KEY, (drg, ctx) => checkRoutingDecision(drg, ctx, servesCounty))
    const converted = await convertRoutingRules(app.db, app.decisions, DEFAULT_RULES)
    if (converted) app.log.info({ converted }, 'converted routing rules into routing decision versions')

    // A dispatch, an escalation review or a joint assignment names units: each must be able to
    // take this case (its county, someone to sign for it). 400 naming the field, before the engine moves.
    app.tasks.addDataCheck(async (trx, task, data, actor) => {
      const fields = UNIT_FIELDS.filter((f) => unitCodes(data[f]).length)
      if (!fields.length || !task.case_id) return
      const row = await trx('cases').where({ id: task.case_id }).first('region_path', 'tenant')
      if (!row) return
      const details: ReturnType<typeof problem>[] = []
      for (const field of fields) {
        for (const code of unitCodes(data[field])) {
          const bad = await unitProblem(trx, app.org, row, code, actor)
          if (bad) details.push(problem(bad, { field }))
        }
      }
      if (details.length) throw badRequest(msg('error.case.badTarget'), details)
    })

    // 退单 needs its reason, whichever way it is asked: the return route's schema requires one, and
    // a form's "return" outcome (sign-for's signOutcome, handling's outcome) without its reason
    // is a 400 naming the field, whatever version of the form the database holds (an older
    // sign-for form left the reason optional, and the dispatcher read 退单理由：—).
    app.tasks.addDataCheck(async (trx, task, data) => {
      const asked = data.signOutcome === 'return' ? 'returnReason' : data.outcome === 'return' ? 'reason' : null
      if (!asked || !(await taskActions(app.engine.definitions, task, trx)).returnable) return
      if (returnReason(data)) return
      throw badRequest(msg('error.return.reasonRequired'), [problem(msg('error.return.reasonRequired'), { field: asked })])
    })

    // The dispatch form reviews a return only when there is one (`conditional.hide` on
    // `=pendingReturn != true`): whether one awaits is the server's to say, in the browser as the
    // form's initial data and in the server's check of the form alike (TaskService.addFormFacts).
    app.tasks.addFormFacts(['pendingReturn'], async (trx, task) => ({
      pendingReturn: !!task.case_id && !!(await trx('case_returns').where({ case_id: task.case_id, status: 'pending' }).first('id')),
    }))

    app.tasks.setCaseSummaryProvider(async (caseId, actor) => {
      try {
        const row = await cases.visible(actor, caseId)
        const personal = await cases.seesPersonalData(actor, row)
        // The dispatch task after a return is its review: the dispatcher reads why here.
        const pending = await app.db('case_returns').where({ case_id: row.id, status: 'pending' }).orderBy('returned_at', 'desc').first()
        // By name, as the case page's list of returns gives them (the notice showed the username).
        const [pendingReturn] = pending ? await app.org.withNames([returnView({ ...pending, case_no: row.case_no })], ['returnedBy', 'decidedBy']) : [null]
        // Named as GET /api/cases/:id names them: without names the same fields came back null.
        return { ...(await cases.namedView(row, personal)), pendingReturn }
      } catch {
        return null
      }
    })
    app.tasks.addActionProvider(async (task) => {
      const { returnable, extension } = await taskActions(app.engine.definitions, task, app.db)
      return [...(returnable ? ['return'] : []), ...(extension ? ['extension'] : [])]
    })

    app.tasks.setListFacts(taskListFacts(cases))
    app.tasks.addDetailProvider(taskDetails(app, cases))

    // One bigram cache and one copy of the cases' facts for both comparisons an intake makes
    // (clusters, then suggestions).
    const grams = new GramCache()
    const facts = new CaseFacts()
    const clusters = new Clusters(app, cases, facts, grams)
    await app.register(caseRoutes, { cases, duplicates: new Duplicates(app, cases, facts, grams), clusters })
    await app.register(clusterRoutes, { clusters })
    await app.register(returnRoutes, { cases })
    await app.register(exclusionRoutes, { cases })
    await app.register(supervisionOrderRoutes, { cases })
    await app.register(coUnitRoutes, { cases })
    await app.register(worklistRoutes, { cases })
    await app.register(categoryRoutes)
  },
  { name: 'cases', dependencies: ['engine', 'tasks', 'org'] },
)
