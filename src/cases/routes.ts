import { deployRules, routingInForce } from './routing-decision.js'
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { nowIso, type Trx } from '../lib/db.js'
import type { Actor } from '../org/index.js'
import { conflict, forbidden, msg, problem, unprocessable } from '../lib/errors.js'
import { eventMessage } from '../messages/index.js'
import { myNotifications, notificationColumns, notificationSchema, notificationView, unreadOnly } from './worklist-routes.js'
import type { TaskRow } from '../engine/runtime.js'
import { taskView } from '../tasks/service.js'
import type { CaseRow, CaseService } from './service.js'
import type { Duplicates } from './duplicates.js'
import type { Clusters, Share } from './clusters.js'
import { IdempotencyStore, idempotencyKeyHeader } from './idempotency.js'
import { CITIZEN_ACTOR } from './service.js'
import { taskActions } from './markers.js'
import { servesCounty } from './dispatch-targets.js'
import { durationProblem, ruleRow, type CategoryRow, type RuleInput, type RuleRow } from './routing.js'
import { inForce } from './category-tree.js'
import {
  caseListQuery,
  caseSchema,
  categorySchema,
  duplicateBody,
  similarSchema,
  errorRef,
  evaluationBody,
  extensionBody,
  historyItemSchema,
  idParams,
  intakeBody,
  publicEvaluationBody,
  publicPetitionBody,
  PUBLIC_PETITION_BODY_LIMIT,
  returnBody,
  ruleSchema,
  rulesPutBody,
  trackParams,
  trackSchema,
} from './schemas.js'
import { bearer, pageSchema, typed } from '../lib/schemas.js'
import { canAdministerTenant, isSystemAdmin } from '../org/policy.js'

const ruleView = (r: RuleRow) => ({
  id: r.id,
  tenant: r.tenant || null,
  category: r.category,
  region: r.region,
  owner: r.owner,
  level: r.level,
  procedure: r.procedure,
  responseLimit: r.response_limit,
  resolveLimit: r.resolve_limit,
  sort: r.sort,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
})

export default async function caseRoutes(fastify: FastifyInstance, opts: { cases: CaseService; duplicates: Duplicates; clusters: Clusters }) {
  const app = typed(fastify)
  const cases = opts.cases
  const duplicates = opts.duplicates
  const keys = new IdempotencyStore(app.db)
  /**
   * An intake places its new case in the recurring problems in its own transaction (`place`,
   * Clusters.placeFresh); after the commit, `placeLeft` places any case left unplaced (the new
   * one too when its placing failed; older ones a failure or another path left; the latter at
   * most every CATCH_UP_MS, Clusters.catchUpAfterIntake): a failure
   * there must not fail the intake, and the next run places what was left. `share` carries the
   * new case's township as its placing read it and what placing wrote on its row: the
   * suggestions and the answer reuse them.
   */
  const placing = () => {
    const share: Share = { caseId: '' }
    return {
      share,
      place: (trx: Trx, row: CaseRow) => opts.clusters.placeFresh(trx, row, share),
      placeLeft: async (committed: CaseRow | undefined) => {
        if (committed && share.placed) opts.clusters.remember(committed)
        try {
          await opts.clusters.catchUpAfterIntake(share)
        } catch (err) {
          app.log.warn({ err }, 'placing cases in clusters failed; retried at the next intake or listing')
        }
      },
    }
  }

  // ── citizens (no login) ─────────────────────────────────────────────────────

  app.get(
    '/api/public/categories',
    {
      config: { rateLimit: { max: 300, timeWindow: '1 minute' } },
      schema: { tags: ['public'], summary: '事项类别树 / the category tree', response: { 200: { type: 'array', items: categorySchema } } },
    },
    async (_request, reply) => {
      const all: CategoryRow[] = await app.db('categories').orderBy([{ column: 'sort' }, { column: 'code' }])
      // Without the categories withdrawn, each with those under it (an inactive parent's
      // sub-categories had come back as top-level ones).
      const shown = inForce(all)
      const rows = all.filter((r) => shown.has(r.code))
      type Node = { code: string; name: string; nameEn: string | null; parentCode: string | null; children: Node[] }
      const nodes = new Map<string, Node>(rows.map((r) => [r.code, { code: r.code, name: r.name, nameEn: r.name_en, parentCode: r.parent_code, children: [] }]))
      const roots: Node[] = []
      for (const n of nodes.values()) {
        const parent = n.parentCode ? nodes.get(n.parentCode) : undefined
        if (parent) parent.children.push(n)
        else roots.push(n)
      }
      reply.header('cache-control', 'public, max-age=300')
      return roots
    },
  )

  app.post(
    '/api/public/petitions',
    {
      bodyLimit: PUBLIC_PETITION_BODY_LIMIT,
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['public'],
        summary: '群众提交诉求（无需登录，可匿名）/ submit a petition (no login, anonymous allowed)',
        headers: idempotencyKeyHeader,
        body: publicPetitionBody,
        response: { 201: { type: 'object', properties: { caseNo: { type: 'string' }, trackingCode: { type: 'string' } } }, 422: errorRef },
      },
    },
    async (request, reply) => {
      const body = request.body
      const { place, placeLeft } = placing()
      const done = await keys.run(
        { scope: 'public', key: request.headers['idempotency-key'], body },
        (row) => ({ caseNo: row.case_no, trackingCode: row.tracking_code }),
        (hooks) => cases.intake({ ...body, channel: body.channel ?? 'web' }, { actor: null, hooks, place }),
      )
      await placeLeft(done.row)
      if (done.replayed) reply.header('idempotent-replayed', 'true')
      return reply.status(201).send(done.answer)
    },
  )

  app.get(
    '/api/public/track/:caseNo',
    {
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags: ['public'],
        summary: '查询办理进度（不含个人信息）/ track progress (no personal data)',
        params: trackParams,
        // The code in a header keeps it out of URLs (history, access logs, referrers); the
        // query form is still answered for links handed out before.
        headers: { type: 'object', properties: { 'x-tracking-code': { type: 'string', maxLength: 16 } } },
        querystring: { type: 'object', properties: { code: { type: 'string', maxLength: 16, deprecated: true } } },
        response: { 200: trackSchema, 404: errorRef },
      },
    },
    async (request, reply) => {
      const { caseNo } = request.params
      const code = request.headers['x-tracking-code'] ?? request.query.code
      // What the code unlocks is not for shared caches.
      reply.header('cache-control', 'no-store')
      return cases.track(caseNo, code)
    },
  )

  app.post(
    '/api/public/track/:caseNo/evaluation',
    {
      bodyLimit: 8 * 1024,
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['public'],
        summary: '群众评价 / the citizen evaluates the result',
        params: trackParams,
        body: publicEvaluationBody,
        response: { 200: trackSchema, 404: errorRef, 409: errorRef },
      },
    },
    async (request) => {
      const { caseNo } = request.params
      const body = request.body
      const row = await cases.byTrackingCode(caseNo, body.code)
      await cases.evaluate(row, CITIZEN_ACTOR, body, 'citizen')
      return cases.track(caseNo, body.code)
    },
  )

  // ── staff ───────────────────────────────────────────────────────────────────

  app.post(
    '/api/cases',
    {
      onRequest: app.requireRole('dispatcher', 'grid_worker', 'grid_leader', 'callback', 'handler'),
      bodyLimit: 64 * 1024,
      schema: {
        tags: ['cases'],
        summary: '登记案件（任一渠道），附相似案件 / register a case from any channel, with similar cases',
        security: bearer,
        headers: idempotencyKeyHeader,
        body: intakeBody,
        response: {
          201: { ...caseSchema, properties: { ...caseSchema.properties, similar: { type: 'array', items: similarSchema } } },
          403: errorRef,
          422: errorRef,
        },
      },
    },
    async (request, reply) => {
      let opened: TaskRow[] | undefined
      const { share, place, placeLeft } = placing()
      const done = await keys.run(
        { scope: `user:${request.actor.id}`, key: request.headers['idempotency-key'], body: request.body },
        (row) => ({ id: row.id, caseNo: row.case_no }),
        (hooks) => cases.intake(request.body, { actor: request.actor, hooks, place, opened: (tasks) => (opened = tasks) }),
      )
      await placeLeft(done.row)
      if (done.replayed) reply.header('idempotent-replayed', 'true')
      // The row as the intake committed it, placed in its transaction or by placeLeft after it;
      // read again when neither placed it (another node's placing may have changed it) or on a replay.
      const known = done.row && share.placed ? { ...done.row, ...share.placed } : undefined
      // 重复件: the open or recent cases this one may repeat, among those the registrar sees.
      const { receipt, row } = await cases.receiptAndRow(request.actor, done.caseId, known, opened)
      return reply.status(201).send({ ...receipt, similar: await duplicates.similar(request.actor, row, undefined, share.found) })
    },
  )

  app.get(
    '/api/cases',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '案件列表 / list cases in scope',
        security: bearer,
        querystring: caseListQuery,
        response: { 200: pageSchema(caseSchema) },
      },
    },
    async (request) => cases.list(request.actor, request.query),
  )

  app.get(
    '/api/cases/:id',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '案件详情 / a case with its active tasks',
        security: bearer,
        params: idParams,
        response: { 200: caseSchema, 404: errorRef },
      },
    },
    async (request) => cases.detail(request.actor, request.params.id),
  )

  app.get(
    '/api/cases/:id/history',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '案件全过程记录 / ordered audit events',
        security: bearer,
        params: idParams,
        response: { 200: { type: 'array', items: historyItemSchema }, 404: errorRef },
      },
    },
    async (request) => cases.history(request.actor, request.params.id),
  )

  app.get(
    '/api/cases/:id/diagram',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '流程图与各环节状态 / the diagram and the state of each activity',
        security: bearer,
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: {
              key: { type: 'string' },
              version: { type: 'integer' },
              xml: { type: 'string' },
              activities: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { id: { type: 'string' }, state: { type: 'string', enum: ['completed', 'active', 'overdue', 'cancelled'] } },
                },
              },
            },
          },
          404: errorRef,
        },
      },
    },
    async (request) => cases.diagram(request.actor, request.params.id),
  )

  app.get(
    '/api/cases/:id/similar',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '相似案件（可能的重复件）/ similar cases: possible duplicates',
        security: bearer,
        params: idParams,
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: similarSchema } } }, 404: errorRef },
      },
    },
    async (request) => {
      const row = await cases.visible(request.actor, request.params.id)
      return { items: await duplicates.similar(request.actor, row) }
    },
  )

  app.post(
    '/api/cases/:id/duplicate-of',
    {
      onRequest: app.requireRole('dispatcher', 'grid_worker', 'grid_leader', 'callback', 'handler', 'leader', 'supervisor'),
      bodyLimit: 8 * 1024,
      schema: {
        tags: ['cases'],
        summary: '关联为重复件：本案程序结束，随主案件办理 / link as a duplicate: the case follows its main case',
        security: bearer,
        params: idParams,
        body: duplicateBody,
        response: { 200: caseSchema, 403: errorRef, 404: errorRef, 409: errorRef, 422: errorRef },
      },
    },
    async (request) => {
      const { id } = request.params
      const body = request.body
      await duplicates.link(request.actor, id, body.mainCaseId, body.note ?? null)
      return cases.receipt(request.actor, id)
    },
  )

  app.post(
    '/api/cases/:id/evaluation',
    {
      onRequest: app.requireRole('callback'),
      schema: {
        tags: ['cases'],
        summary: '回访员记录群众评价 / callback staff record the evaluation',
        security: bearer,
        params: idParams,
        body: evaluationBody,
        response: { 200: caseSchema, 404: errorRef, 409: errorRef },
      },
    },
    async (request) => {
      const { id } = request.params
      const row = await cases.visible(request.actor, id)
      await cases.evaluate(row, request.actor, request.body, 'callback')
      return cases.detail(request.actor, id)
    },
  )

  // ── task actions: 退单 and 延期 ──────────────────────────────────────────────

  /** The open task, if `actor` may act on it (assignee, or an unclaimed candidate). */
  async function actionable(actor: Actor, id: string, trx: Trx): Promise<TaskRow> {
    const task = await app.tasks.get(actor, id, trx)
    if (task.status !== 'open') throw conflict(msg(task.status === 'completed' ? 'error.task.completed' : 'error.task.cancelled'))
    const admin = isSystemAdmin(actor)
    if (task.assignee && task.assignee !== actor.username && !admin) throw conflict(msg('error.task.claimedBy', { assignee: task.assignee }))
    return task
  }

  app.post(
    '/api/tasks/:id/return',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['tasks'],
        summary: '退单（非本单位职责）/ return: not our remit',
        security: bearer,
        params: idParams,
        body: returnBody,
        response: { 200: { type: 'object', additionalProperties: true }, 404: errorRef, 409: errorRef, 422: errorRef },
      },
    },
    async (request) => {
      const { id } = request.params
      const { reason } = request.body
      const done = await app.db.transaction(async (trx) => {
        const task = await actionable(request.actor, id, trx)
        // The diagram says which tasks may be returned (shuoshi:return, src/cases/markers.ts).
        if (!(await taskActions(app.engine.definitions, task, trx)).returnable) throw unprocessable(msg('error.case.notReturnable'))
        return app.tasks.complete(request.actor, id, { signOutcome: 'return', outcome: 'return', returnReason: reason }, { trx, skipForm: true })
      })
      return taskView(done)
    },
  )

  app.post(
    '/api/tasks/:id/extension',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['tasks'],
        summary: '申请延期（由领导审批）/ ask for more time (decided by an approval task)',
        security: bearer,
        params: idParams,
        body: extensionBody,
        response: {
          202: { type: 'object', properties: { taskId: { type: 'string' }, approvalTaskId: { type: ['string', 'null'] }, status: { type: 'string' } } },
          404: errorRef,
          409: errorRef,
          422: errorRef,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const { days, reason } = request.body
      const result = await app.db.transaction(async (trx) => {
        const task = await actionable(request.actor, id, trx)
        if (!task.assignee && !isSystemAdmin(request.actor) && !(await app.tasks.isCandidate(request.actor, task, trx))) {
          throw forbidden(msg('error.task.notCandidate'))
        }
        // The diagram's extension boundary (shuoshi:extension, src/cases/markers.ts) names the message and the approval.
        const { extension } = await taskActions(app.engine.definitions, task, trx)
        if (!extension) throw unprocessable(msg('error.case.notExtendable'))
        const approvalTask = () => trx('tasks').where({ instance_id: task.instance_id, status: 'open' }).whereIn('element_id', extension.approvals).first('id')
        if (await approvalTask()) throw conflict(msg('error.case.extensionPending'))
        const sub = await trx('subscriptions').where({ instance_id: task.instance_id, kind: 'message', element_id: extension.boundary }).first()
        // The boundary event catches one request per handling round (bpmn-engine does not re-arm it).
        if (!sub) throw conflict(msg('error.case.extensionUsed'))
        await app.engine.correlateMessage(extension.message, {
          instanceId: task.instance_id,
          variables: {
            extensionDays: days,
            extensionReason: reason,
            extensionRequestedBy: request.actor.username,
            extensionTaskId: task.id,
            extensionDecision: null,
          },
          actor: request.actor,
          trx,
        })
        if (task.case_id)
          await cases.event(trx, task.case_id, 'extension_requested', {
            actor: request.actor.username,
            message: eventMessage('extension_requested', { days, reason }),
            data: { days, reason, taskId: task.id },
          })
        const approval = await approvalTask()
        return { taskId: task.id, approvalTaskId: approval?.id ?? null, status: 'requested' }
      })
      return reply.status(202).send(result)
    },
  )

  // ── routing rules (data, not code) ──────────────────────────────────────────

  app.get(
    '/api/routing-rules',
    {
      onRequest: app.requireRole('county_admin'),
      schema: {
        tags: ['cases'],
        summary: '分派规则（县级规则优先于市级）/ routing rules (a county’s own override the city’s)',
        security: bearer,
        querystring: { type: 'object', properties: { tenant: { type: 'string', maxLength: 64 } } },
        response: { 200: { type: 'array', items: ruleSchema } },
      },
    },
    async (request) => {
      const actor = request.actor
      const { tenant } = request.query
      const q = app.db('routing_rules').orderBy([{ column: 'tenant' }, { column: 'sort' }])
      if (!isSystemAdmin(actor)) q.whereIn('tenant', ['', actor.tenant ?? ''])
      else if (tenant !== undefined) q.whereIn('tenant', ['', tenant])
      return (await q).map(ruleView)
    },
  )

  app.get(
    '/api/routing-rules/in-force',
    {
      onRequest: app.requireRole('county_admin'),
      schema: {
        tags: ['cases'],
        summary:
          '某范围派单实际使用的决策版本（按派单尝试的顺序：本县最新，然后全市最新），及其是否即本范围的规则列表 / the routing decision versions a scope’s cases meet, in the order routing tries them, each with whether it is that scope’s rule list',
        security: bearer,
        querystring: { type: 'object', properties: { tenant: { type: 'string', maxLength: 64 } } },
        response: {
          200: {
            type: 'object',
            properties: {
              tenant: { type: ['string', 'null'] },
              versions: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    tenant: { type: ['string', 'null'], description: '版本的范围（null 为全市）/ the version’s scope (null: the city’s)' },
                    version: { type: 'integer' },
                    name: { type: ['string', 'null'] },
                    deployedAt: { type: 'string' },
                    deployedBy: { type: ['string', 'null'] },
                    deployedByName: { type: ['string', 'null'] },
                    fromRules: { type: 'boolean', description: '与该范围的规则列表一致 / it decides as that scope’s rule list does' },
                    usable: { type: 'boolean', description: '未通过当前检查时为 false，派单跳过它 / false when it fails today’s checks: routing skips it' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const actor = request.actor
      // As the list: a county administrator reads their own county, whatever they ask.
      const tenant = isSystemAdmin(actor) ? (request.query.tenant ?? '') : (actor.tenant ?? '')
      const versions = await routingInForce(app.db, app.decisions, tenant)
      const names = await app.org.displayNames(versions.map((v) => v.deployedBy))
      return { tenant: tenant || null, versions: versions.map((v) => ({ ...v, deployedByName: (v.deployedBy && names.get(v.deployedBy)) || null })) }
    },
  )

  app.put(
    '/api/routing-rules',
    {
      onRequest: app.requireRole('county_admin'),
      bodyLimit: 512 * 1024,
      schema: {
        tags: ['cases'],
        summary: '替换某一级的分派规则 / replace the rule set of the city or of a county',
        security: bearer,
        body: rulesPutBody,
        response: { 200: { type: 'array', items: ruleSchema }, 403: errorRef, 422: errorRef },
      },
    },
    async (request) => {
      const actor = request.actor
      const body = request.body
      const isAdmin = isSystemAdmin(actor)
      const tenant = body.tenant ?? (isAdmin ? '' : (actor.tenant ?? ''))
      if (!canAdministerTenant(actor, tenant)) throw forbidden(msg('error.rules.countyOnly'))
      if (tenant && !(await app.db('regions').where({ code: tenant, level: 'county' }).first('code')))
        throw unprocessable(msg('error.rules.unknownCounty', { county: tenant }))
      const problems: { index: number; field: string; message: string }[] = []
      const countyPath = tenant ? (await app.db('regions').where({ code: tenant }).first('path')).path : null
      for (const [index, r] of body.rules.entries()) {
        if (r.category && !(await app.db('categories').where({ code: r.category }).first('code')))
          problems.push(problem(msg('error.rules.unknownCategory'), { index, field: 'category' }))
        if (r.region) {
          const reg = await app.db('regions').where({ code: r.region }).first('path')
          if (!reg) problems.push(problem(msg('error.rules.unknownRegion'), { index, field: 'region' }))
          else if (countyPath && !reg.path.startsWith(countyPath)) problems.push(problem(msg('error.rules.regionOutside'), { index, field: 'region' }))
        }
        const owner = String(r.owner)
        const token = /^@(grid|village|centre|(township|county|city):[a-z0-9_-]+)$/.test(owner)
        if (!token) {
          const unit = await app.db('org_units as u').join('regions as g', 'g.code', 'u.region_code').where('u.code', owner).first('g.path')
          if (!unit) problems.push(problem(msg('error.rules.unknownUnit'), { index, field: 'owner' }))
          // A county's rules keep its cases in the county (or send them up to the city).
          else if (countyPath && !servesCounty(unit.path, countyPath)) problems.push(problem(msg('error.rules.unitOutside'), { index, field: 'owner' }))
        }
        // A limit is no longer than a diagram's timer may be: a case's deadlines come from it.
        for (const f of ['responseLimit', 'resolveLimit'] as const) {
          const bad = r[f] ? durationProblem(r[f]) : null
          if (bad) problems.push(problem(bad.key === 'error.case.badDuration' ? msg('error.rules.badDuration') : bad, { index, field: f }))
        }
      }
      if (problems.length) throw unprocessable(msg('error.rules.invalid'), problems)
      const now = nowIso()
      await app.db.transaction(async (trx) => {
        await trx('routing_rules').where({ tenant }).delete()
        const rows = body.rules.map((r, i) => ruleRow(r as RuleInput, tenant, i, actor.username, now))
        const seen = new Set<string>()
        for (const row of rows) {
          if (seen.has(row.id)) row.id = randomUUID()
          seen.add(row.id)
        }
        for (let i = 0; i < rows.length; i += 100) await trx('routing_rules').insert(rows.slice(i, i + 100))
        // Routing reads the `routing` decision: the rules become the scope's next version with them.
        await deployRules(trx, app.decisions, tenant, rows, actor.username)
      })
      return (await app.db('routing_rules').where({ tenant }).orderBy('sort')).map(ruleView)
    },
  )

  // ── notifications (督办 and follow-ups) ──────────────────────────────────────

  app.get(
    '/api/notifications',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '我的通知（督办、跟进）/ my notifications (supervision, follow-ups)',
        security: bearer,
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 200 }, unread: { type: 'boolean' } } },
        response: {
          200: {
            type: 'array',
            items: notificationSchema,
          },
        },
      },
    },
    async (request) => {
      const actor = request.actor
      const { limit, unread } = request.query
      // Read or unread for me (a unit's notification is read per member since migration 022).
      const q = myNotifications(app.db, actor)
      if (unread === true) unreadOnly(q)
      if (unread === false) q.where((w) => w.whereNotNull('r.read_at').orWhereNotNull('n.read_at'))
      const rows = await q
        .orderBy('n.created_at', 'desc')
        .limit(limit ?? 50)
        .select(...notificationColumns)
      return rows.map(notificationView)
    },
  )
}
