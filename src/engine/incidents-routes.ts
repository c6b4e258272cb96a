import type { FastifyInstance } from 'fastify'
import { bearer, errorSchema, idParams, typed } from '../lib/schemas.js'
import { Incidents, incidentView, type IncidentRow } from './incidents.js'
import { engineAuth } from './http-auth.js'
import { tenantNames } from './named.js'
import type { LoadedDefinition } from './definitions.js'

const incidentSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    instanceId: { type: 'string' },
    caseId: { type: ['string', 'null'] },
    tenant: { type: ['string', 'null'] },
    tenantName: { type: ['string', 'null'], description: "县名 / the county's name (null for the city's)" },
    tenantNameEn: { type: ['string', 'null'] },
    processKey: { type: 'string' },
    processName: { type: ['string', 'null'], description: '流程名称（"中文 / English"，如图中所写）/ the process name as its diagram writes it' },
    caseNo: { type: ['string', 'null'], description: '案件编号 / the case number, when the instance carries a case' },
    kind: { type: 'string', enum: ['timer', 'step', 'external'] },
    element: { type: ['string', 'null'], description: '失败的活动 / the activity that failed (a timer’s step: the task it reached)' },
    elementName: { type: ['string', 'null'], description: '失败活动的名称（如图中所写）/ its name as the diagram writes it' },
    trigger: { type: ['string', 'null'], description: '触发此步骤的定时器 / the timer whose step failed, when it is another element' },
    triggerName: { type: ['string', 'null'] },
    message: { type: 'string', description: '双语文本 / the text in both languages' },
    key: { type: 'string', description: '界面翻译用的消息代码（有时）/ the catalogue message, when the failure is one' },
    params: { type: 'object', additionalProperties: true },
    time: { type: 'string' },
    createdAt: { type: 'string' },
    attempts: { type: 'integer' },
    status: { type: 'string', enum: ['open', 'resolved'] },
    resolvedAt: { type: ['string', 'null'] },
    resolvedBy: { type: ['string', 'null'] },
    resolvedByName: { type: ['string', 'null'], description: '处理人姓名 / who resolved it, by display name' },
    resolution: { type: ['string', 'null'] },
  },
} as const

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['open', 'resolved', 'all'], default: 'open' },
    instanceId: { type: 'string', minLength: 1, maxLength: 64 },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  },
} as const

const cancelBody = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' } },
} as const

/** /api/incidents and instance cancellation (../shared/api.md), for administrators in their scope. */
export default async function incidentRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  const incidents = new Incidents(app.db, app.engine.runtime, app.engine.access)
  /**
   * Incidents as an operator reads them: who resolved them by display name, the county by name,
   * the process and the failed activity by their names in the instance's version, the case by
   * its number, and the timer that started the step when it is not what failed.
   */
  async function named(rows: IncidentRow[]) {
    const { users, tenants } = await app.engine.directory.names(
      rows.flatMap((r) => (r.resolved_by ? [r.resolved_by] : [])),
      [...new Set(rows.flatMap((r) => (r.tenant ? [r.tenant] : [])))],
    )
    const [versions, caseNos, triggers] = await Promise.all([
      instanceVersions(rows),
      app.engine.labelBusinessKeys([...new Set(rows.flatMap((r) => (r.case_id ? [r.case_id] : [])))]),
      timerElements(rows),
    ])
    return rows.map((r) => {
      const def = versions.get(r.instance_id)
      const nameOf = (id: string | null) => (id && def?.elements.get(id)?.name) || null
      const trigger = r.timer_id ? (triggers.get(r.timer_id) ?? null) : null
      const shownTrigger = trigger && trigger !== r.element_id ? trigger : null
      return {
        ...incidentView(r),
        processName: def?.row.name || null,
        caseNo: (r.case_id && caseNos.get(r.case_id)) || null,
        elementName: nameOf(r.element_id),
        trigger: shownTrigger,
        triggerName: nameOf(shownTrigger),
        resolvedByName: (r.resolved_by && users.get(r.resolved_by)) || null,
        ...tenantNames(tenants, r.tenant),
      }
    })
  }
  /** Each incident's instance's version, parsed (cached by the definition store). */
  async function instanceVersions(rows: IncidentRow[]) {
    const ids = [...new Set(rows.map((r) => r.instance_id))]
    const instances: { id: string; definition_id: string }[] = ids.length
      ? await app.db('process_instances').whereIn('id', ids).select('id', 'definition_id')
      : []
    const byInstance = new Map<string, LoadedDefinition>()
    for (const i of instances) {
      const def = await app.engine.definitions.load(i.definition_id).catch(() => null)
      if (def) byInstance.set(i.id, def)
    }
    return byInstance
  }
  async function timerElements(rows: IncidentRow[]) {
    const ids = [...new Set(rows.flatMap((r) => (r.timer_id ? [r.timer_id] : [])))]
    const timers: { id: string; element_id: string | null }[] = ids.length ? await app.db('timers').whereIn('id', ids).select('id', 'element_id') : []
    return new Map(timers.map((x) => [x.id, x.element_id]))
  }
  const admins = engineAuth(app.engine.access).administrators
  const tags = ['incidents']

  app.get(
    '/api/incidents',
    {
      onRequest: admins,
      schema: {
        tags,
        summary: '失败的定时器与步骤 / failed timers and steps in the caller’s scope',
        security: bearer,
        querystring: listQuery,
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: incidentSchema } } } },
      },
    },
    async (request) => {
      return { items: await named(await incidents.list(request.engineActor, request.query)) }
    },
  )

  app.get(
    '/api/incidents/:id',
    { onRequest: admins, schema: { tags, security: bearer, params: idParams, response: { 200: incidentSchema, 404: errorSchema } } },
    async (request) => (await named([await incidents.get(request.engineActor, request.params.id)]))[0],
  )

  app.post(
    '/api/incidents/:id/retry',
    {
      onRequest: admins,
      schema: {
        tags,
        summary: '重试失败的定时器或步骤 / re-run what failed; still `open` with the new message if it fails again',
        security: bearer,
        params: idParams,
        response: { 200: incidentSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => (await named([await incidents.retry(request.engineActor, request.params.id)]))[0],
  )

  app.post(
    '/api/process-instances/:id/cancel',
    {
      onRequest: admins,
      schema: {
        tags: ['process-instances'],
        summary: '撤销流程实例 / end an instance: tasks, timers and subscriptions cancelled, incidents resolved',
        security: bearer,
        params: idParams,
        body: cancelBody,
        response: {
          200: {
            type: 'object',
            properties: { id: { type: 'string' }, status: { type: 'string' }, endedAt: { type: ['string', 'null'] }, error: { type: ['string', 'null'] } },
          },
          404: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (request) => {
      const { reason } = request.body
      const row = await incidents.cancelInstance(request.engineActor, request.params.id, reason.trim())
      return { id: row.id, status: row.status, endedAt: row.ended_at, error: row.error }
    },
  )
}
