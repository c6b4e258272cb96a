import type { FastifyInstance } from 'fastify'
import { badRequest, conflict, forbidden, msg, problem as problemDetail } from '../lib/errors.js'
import { names } from '../messages/index.js'
import { bearer, errorSchema as errorRef, idParams, typed } from '../lib/schemas.js'
import type { CaseService } from './service.js'
import { modelOfInstance } from './markers.js'
import { unitProblem } from './dispatch-targets.js'
import { isSystemAdmin } from '../org/policy.js'

/**
 * 加派: a dispatcher whose region covers a joint case adds co-organisers while the lead works.
 * The running instance's lead task carries a `shuoshi:addCoUnits` boundary; the units are
 * checked here (the case's county, someone to receive the task) before its message is
 * delivered, and again by `case.addCoUnits`: message variables are hostile, and `addedCoUnits`
 * is a platform variable nobody else may send.
 */
export default async function coUnitRoutes(fastify: FastifyInstance, opts: { cases: CaseService }) {
  const app = typed(fastify)
  const { cases } = opts

  app.post(
    '/api/cases/:id/co-units',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '加派协办单位（联合办理中）/ add co-organisers to a running joint case',
        description:
          'A dispatcher whose region covers the case. Each unit gets a co-organiser task in the running instance. 409 when the lead is not at work (or units were already added in this handling round: bpmn-engine does not re-arm the boundary).',
        security: bearer,
        params: idParams,
        body: {
          type: 'object',
          required: ['units'],
          additionalProperties: false,
          properties: { units: { type: 'array', minItems: 1, maxItems: 20, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 64 } } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              caseId: { type: 'string' },
              units: { type: 'array', items: { type: 'string' } },
              taskIds: { type: 'array', items: { type: 'string' } },
            },
          },
          400: errorRef,
          403: errorRef,
          404: errorRef,
          409: errorRef,
        },
      },
    },
    async (request) => {
      const actor = request.actor
      const { units } = request.body
      return app.db.transaction(async (trx) => {
        const row = await cases.visible(actor, request.params.id, trx)
        if (!isSystemAdmin(actor) && !(actor.roles.includes('dispatcher') && app.org.canSeeRegion(actor, row.region_path))) {
          throw forbidden(msg('error.coUnits.notDispatcher'))
        }
        const notRunning = () => conflict(msg('error.coUnits.notRunning'))
        const inst = row.instance_id ? await trx('process_instances').where({ id: row.instance_id, status: 'running' }).first('id') : null
        if (!inst) throw notRunning()
        const model = await modelOfInstance(app.engine.definitions, inst.id, trx)
        const open: { element_id: string }[] = await trx('tasks').where({ instance_id: inst.id, status: 'open' }).select('element_id')
        const at = open.map((t) => model?.addCoUnits.get(t.element_id)).find(Boolean)
        if (!at) throw notRunning()
        const sub = await trx('subscriptions').where({ instance_id: inst.id, kind: 'message', element_id: at.boundary }).first('id')
        if (!sub) throw conflict(msg('error.coUnits.alreadyAdded'))
        const details: unknown[] = []
        for (const code of units) {
          if (code === row.owner_unit) {
            const lead = await trx('org_units').where({ code }).first('name', 'name_en')
            details.push(problemDetail(msg('error.coUnits.isLead', { unit: code, ...names('unit', lead ?? { name: code }) }), { field: 'units' }))
          } else {
            const m = await unitProblem(trx, app.org, row, code, actor)
            if (m) details.push(problemDetail(m, { field: 'units' }))
          }
        }
        if (details.length) throw badRequest(msg('error.case.badTarget'), details)
        const before = new Set((await trx('tasks').where({ instance_id: inst.id, status: 'open' }).select('id')).map((t: { id: string }) => t.id))
        await app.engine.correlateMessage(at.message, { instanceId: inst.id, variables: { addedCoUnits: units }, actor, trx })
        const after: { id: string }[] = await trx('tasks').where({ instance_id: inst.id, status: 'open' }).select('id')
        return { caseId: row.id, units, taskIds: after.map((t) => t.id).filter((id) => !before.has(id)) }
      })
    },
  )
}
