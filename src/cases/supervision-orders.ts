import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { nowIso } from '../lib/db.js'
import { badRequest, conflict, forbidden, msg, notFound, problem } from '../lib/errors.js'
import { eventMessage, names, notificationMessage } from '../messages/index.js'
import { bearer, errorSchema as errorRef, idParams, nullableString, typed } from '../lib/schemas.js'
import type { CaseService } from './service.js'
import { unitGroup, type UnitRow } from './routing.js'
import { concernsActor } from './returns.js'
import { isSystemAdmin } from '../org/policy.js'

/**
 * 督办单: a supervisor (or leader) whose region covers a case orders the unit handling it to
 * report, by a deadline. Stored in `case_supervisions` with `kind = 'manual'` beside the
 * timers' automatic `overdue` rows; an order not replied by `reply_due_at` is overdue (computed
 * when read: nothing fires).
 */
const orderSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    caseId: { type: 'string' },
    caseNo: nullableString,
    unit: nullableString,
    unitName: nullableString,
    message: { type: 'string' },
    issuedBy: { type: 'string' },
    createdAt: { type: 'string' },
    replyDueAt: { type: 'string' },
    status: { type: 'string', enum: ['open', 'replied', 'overdue'] },
    /** Replied after the deadline (or not yet and past it). */
    late: { type: 'boolean' },
    repliedAt: nullableString,
    repliedBy: nullableString,
    reply: nullableString,
    issuedByName: nullableString,
    repliedByName: nullableString,
  },
} as const

/** A manual case_supervisions row as orders() reads it: with the case number and the unit's name. */
interface OrderRow {
  id: string
  case_id: string
  case_no?: string | null
  unit: string | null
  unit_name?: string | null
  message: string
  issued_by: string
  created_at: string
  reply_due_at: string
  replied_at: string | null
  replied_by: string | null
  reply: string | null
}

const view = (r: OrderRow, now = nowIso()) => ({
  id: r.id,
  caseId: r.case_id,
  caseNo: r.case_no ?? null,
  unit: r.unit,
  unitName: r.unit_name ?? null,
  message: r.message,
  issuedBy: r.issued_by,
  createdAt: r.created_at,
  replyDueAt: r.reply_due_at,
  status: r.replied_at ? ('replied' as const) : r.reply_due_at < now ? ('overdue' as const) : ('open' as const),
  late: r.replied_at ? r.replied_at > r.reply_due_at : r.reply_due_at < now,
  repliedAt: r.replied_at,
  repliedBy: r.replied_by,
  reply: r.reply,
})

const text = <N extends number>(max: N) => ({ type: 'string', minLength: 1, maxLength: max, pattern: '\\S' }) as const

export default async function supervisionOrderRoutes(fastify: FastifyInstance, opts: { cases: CaseService }) {
  const app = typed(fastify)
  const { cases } = opts
  const orders = () =>
    app
      .db('case_supervisions as s')
      .join('cases', 'cases.id', 's.case_id')
      .leftJoin('org_units as u', 'u.code', 's.unit')
      .where('s.kind', 'manual')
      .select('s.*', 'cases.case_no', 'u.name as unit_name')

  app.post(
    '/api/cases/:id/supervision-orders',
    {
      onRequest: app.requireRole('supervisor', 'leader'),
      schema: {
        tags: ['cases'],
        summary: '下发督办单 / issue a supervision order to the unit handling the case',
        description:
          'A supervisor or leader whose region covers the case (others: 404). The unit handling the case now is told (notification) and must reply by `replyDue`.',
        security: bearer,
        params: idParams,
        body: {
          type: 'object',
          required: ['message', 'replyDue'],
          additionalProperties: false,
          properties: { message: text(4000), replyDue: { type: 'string', format: 'date-time' } },
        },
        response: { 201: orderSchema, 400: errorRef, 403: errorRef, 404: errorRef, 409: errorRef },
      },
    },
    async (request, reply) => {
      const actor = request.actor
      const body = request.body
      const replyDue = new Date(body.replyDue).toISOString()
      const now = nowIso()
      if (replyDue <= now) throw badRequest(msg('error.supervisionOrder.dueInPast'), [problem(msg('error.supervisionOrder.dueInPast'), { field: 'replyDue' })])
      const id = await app.db.transaction(async (trx) => {
        const caseId = request.params.id
        const row = await cases.visible(actor, caseId, trx)
        // Said as cases.visible says it: the case is not there for this caller.
        if (!app.org.canSeeRegion(actor, row.region_path)) throw notFound(msg('error.case.notFound', { caseNo: caseId }))
        if (row.status === 'closed') throw conflict(msg('error.case.closed'))
        const unit: UnitRow | undefined = row.owner_unit ? await trx('org_units').where({ code: row.owner_unit }).first() : undefined
        if (!unit) throw conflict(msg('error.supervisionOrder.noUnit'))
        const order = {
          id: randomUUID(),
          case_id: row.id,
          stage: 'manual',
          kind: 'manual',
          unit: unit.code,
          due_at: null,
          created_at: now,
          issued_by: actor.username,
          message: body.message,
          reply_due_at: replyDue,
        }
        await trx('case_supervisions').insert(order)
        await trx('notifications').insert({
          id: randomUUID(),
          recipient: unitGroup(unit),
          case_id: row.id,
          kind: 'supervision_order',
          message: notificationMessage('supervision_order', { caseNo: row.case_no }, body.message),
          params: JSON.stringify({ caseNo: row.case_no, ...names('unit', unit), replyDue }),
          created_at: now,
          read_at: null,
        })
        const data = { orderId: order.id, unit: unit.code, ...names('unit', unit), message: body.message, replyDue }
        await cases.event(trx, row.id, 'supervision_order', { actor: actor.username, to: unit.code, message: eventMessage('supervision_order', data), data })
        return order.id
      })
      return reply.status(201).send(view(await orders().where('s.id', id).first()))
    },
  )

  app.post(
    '/api/supervision-orders/:id/reply',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '答复督办单 / the unit replies to a supervision order',
        description: 'A member of the unit the order is addressed to (others who see the case: 403; anyone else: 404). One reply per order (409).',
        security: bearer,
        params: idParams,
        body: { type: 'object', required: ['reply'], additionalProperties: false, properties: { reply: text(4000) } },
        response: { 200: orderSchema, 403: errorRef, 404: errorRef, 409: errorRef },
      },
    },
    async (request) => {
      const actor = request.actor
      const id = request.params.id
      const { reply } = request.body
      await app.db.transaction(async (trx) => {
        const order = await trx('case_supervisions').where({ id, kind: 'manual' }).first()
        const mine = !!order && (order.unit === actor.unitCode || isSystemAdmin(actor))
        if (!order || (!mine && !(await cases.visible(actor, order.case_id, trx).catch(() => null))))
          throw notFound(msg('error.supervisionOrder.notFound', { id }))
        if (!mine) throw forbidden(msg('error.supervisionOrder.notAddressee'))
        const now = nowIso()
        const n = await trx('case_supervisions').where({ id, replied_at: null }).update({ replied_at: now, replied_by: actor.username, reply })
        if (!n) throw conflict(msg('error.supervisionOrder.replied'))
        const { case_no: caseNo } = await trx('cases').where({ id: order.case_id }).first('case_no')
        await trx('notifications').insert({
          id: randomUUID(),
          recipient: order.issued_by,
          case_id: order.case_id,
          kind: 'supervision_reply',
          message: notificationMessage('supervision_reply', { caseNo }, reply),
          params: JSON.stringify({ caseNo }),
          created_at: now,
          read_at: null,
        })
        const data = { orderId: id, unit: order.unit, reply, late: now > order.reply_due_at }
        await cases.event(trx, order.case_id, 'supervision_reply', {
          actor: actor.username,
          from: order.unit,
          message: eventMessage('supervision_reply', data),
          data,
        })
      })
      return view(await orders().where('s.id', id).first())
    },
  )

  app.get(
    '/api/supervision-orders',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '督办单（本辖区的，或发给本单位的）/ supervision orders: of cases in scope, or addressed to the caller’s unit',
        security: bearer,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['open', 'replied', 'overdue'] },
            caseId: { type: 'string', maxLength: 64 },
            unit: { type: 'string', maxLength: 64 },
            limit: { type: 'integer', minimum: 1, maximum: 500 },
          },
        },
        response: { 200: { type: 'array', items: orderSchema } },
      },
    },
    async (request) => {
      const q = request.query
      const now = nowIso()
      const rows = await orders()
        .where(concernsActor(app.db, cases, request.actor, 's.case_id', 's.unit'))
        .modify((b) => {
          if (q.status === 'replied') b.whereNotNull('s.replied_at')
          if (q.status === 'open') b.whereNull('s.replied_at').where('s.reply_due_at', '>=', now)
          if (q.status === 'overdue') b.whereNull('s.replied_at').where('s.reply_due_at', '<', now)
          if (q.caseId) b.where('s.case_id', q.caseId)
          if (q.unit) b.where('s.unit', q.unit)
        })
        .orderBy('s.created_at', 'desc')
        .limit(q.limit ?? 100)
      return app.org.withNames(
        rows.map((r: OrderRow) => view(r, now)),
        ['issuedBy', 'repliedBy'],
      )
    },
  )
}
