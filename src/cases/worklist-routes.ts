import type { FastifyInstance } from 'fastify'
import { nowIso } from '../lib/db.js'
import { msg, notFound } from '../lib/errors.js'
import { isMessageKey, notificationText } from '../messages/index.js'
import { bearer, errorSchema as errorRef, idParams } from '../lib/schemas.js'
import type { Actor } from '../org/index.js'
import type { CaseService } from './service.js'
import { dispatchTargets } from './dispatch-targets.js'

/** A notification reaches its username and each plain group it names (a unit's inbox). */
export const notificationRecipients = (actor: Actor) => [actor.username, ...actor.groups.filter((g) => !g.startsWith('role:'))]

/** Within this long of its deadline a task of mine shows in the bell. */
const DEADLINE_NOTICE_MS = 24 * 3600_000

const targetSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    name: { type: 'string' },
    nameEn: { type: ['string', 'null'] },
    kind: { type: 'string' },
    level: { type: 'string' },
    regionCode: { type: 'string' },
    regionName: { type: 'string' },
    regionNameEn: { type: ['string', 'null'] },
    suggested: { type: 'boolean' },
  },
} as const

export const notificationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    caseId: { type: ['string', 'null'] },
    caseNo: { type: ['string', 'null'] },
    kind: { type: 'string' },
    message: { type: 'string' },
    key: { type: 'string' },
    params: { type: 'object', additionalProperties: true },
    text: { type: ['string', 'null'] },
    recipient: { type: 'string' },
    createdAt: { type: 'string' },
    readAt: { type: ['string', 'null'] },
  },
} as const

/**
 * A notification row (joined with its case's `case_no`) as every route answers it: the UI reads
 * `notification.<kind>` with the case number (the table keeps no other parameter), then `text`,
 * what a person wrote with it (a reason, an order, a reply), whole.
 */
export function notificationView(n: any) {
  const key = `notification.${n.kind}`
  const caseNo: string | null = n.case_no ?? null
  return {
    id: n.id,
    caseId: n.case_id,
    caseNo,
    kind: n.kind,
    message: n.message,
    key: isMessageKey(key) ? key : 'notification.unknown',
    params: { caseNo: caseNo ?? '' },
    text: notificationText(n.kind, caseNo ?? '', n.message),
    recipient: n.recipient,
    createdAt: n.created_at,
    readAt: n.read_at ?? null,
  }
}

/**
 * The dispatcher's and handler's working day (issue 12): the units a case can go to, and the
 * header bell (unread notifications and my deadlines within a day).
 */
export default async function worklistRoutes(app: FastifyInstance, opts: { cases: CaseService }) {
  const cases = opts.cases

  app.get(
    '/api/cases/:id/dispatch-targets',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '可派单位（按规则建议优先，可按名称搜索）/ units this case can go to, the rule’s suggestion first',
        security: bearer,
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { q: { type: 'string', maxLength: 64 }, limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
        },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: targetSchema } } }, 404: errorRef },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string }
      const { q, limit } = request.query as { q?: string; limit?: number }
      // Outside the caller's scope the case does not exist (404), as everywhere else.
      const row = await cases.visible(request.actor, id)
      return { items: await dispatchTargets(app.db, app.org, row, { q, limit, decisions: app.decisions }) }
    },
  )

  app.get(
    '/api/notifications/bell',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '通知铃：未读通知与 24 小时内到期的任务 / the bell: unread notifications and my tasks due within 24 h',
        security: bearer,
        response: {
          200: {
            type: 'object',
            properties: {
              unread: { type: 'integer' },
              notifications: { type: 'array', items: notificationSchema },
              deadlines: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    taskId: { type: 'string' },
                    caseId: { type: ['string', 'null'] },
                    caseNo: { type: ['string', 'null'] },
                    name: { type: ['string', 'null'] },
                    dueAt: { type: 'string' },
                    overdue: { type: 'boolean' },
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
      const recipients = notificationRecipients(actor)
      const unreadQ = app.db('notifications').whereIn('recipient', recipients).whereNull('read_at')
      const [countRow, rows] = await Promise.all([
        unreadQ.clone().count({ n: '*' }).first(),
        unreadQ
          .clone()
          .leftJoin('cases', 'cases.id', 'notifications.case_id')
          .orderBy([{ column: 'notifications.created_at', order: 'desc' }, { column: 'notifications.id', order: 'desc' }])
          .limit(20)
          .select('notifications.*', 'cases.case_no'),
      ])
      // Deadlines are computed now, not stored: a task due within a day, mine or my groups'
      // (an administrator's own only: "all" would be every task of the city).
      const now = nowIso()
      const soon = new Date(Date.now() + DEADLINE_NOTICE_MS).toISOString()
      const tasks = await app.tasks.list(actor, { assigned: actor.roles.includes('admin') ? 'me' : 'all', sort: 'due', limit: 20 })
      const deadlines = tasks.items
        .filter((x) => x.dueAt && x.dueAt < soon)
        .map((x) => ({ taskId: x.id, caseId: x.caseId, caseNo: ((x as any).facts?.caseNo as string) ?? null, name: x.name, dueAt: x.dueAt!, overdue: x.dueAt! < now }))
      return {
        unread: Number(countRow?.n ?? 0) + deadlines.length,
        notifications: rows.map(notificationView),
        deadlines,
      }
    },
  )

  app.post(
    '/api/notifications/:id/read',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '标为已读（发给单位的通知对单位全体已读）/ mark read (a unit’s notification is read for the unit)',
        security: bearer,
        params: idParams,
        response: { 200: notificationSchema, 404: errorRef },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string }
      const recipients = notificationRecipients(request.actor)
      return app.db.transaction(async (trx) => {
        const n = await trx('notifications as n').leftJoin('cases as c', 'c.id', 'n.case_id').where('n.id', id).whereIn('n.recipient', recipients).first('n.*', 'c.case_no')
        // Someone else's notification: nothing to learn about it.
        if (!n) throw notFound(msg('error.notification.notFound', { id }))
        const readAt = n.read_at ?? nowIso()
        if (!n.read_at) await trx('notifications').where({ id }).whereNull('read_at').update({ read_at: readAt })
        return notificationView({ ...n, read_at: readAt })
      })
    },
  )

  app.post(
    '/api/notifications/read-all',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '全部标为已读 / mark all my notifications read',
        security: bearer,
        response: { 200: { type: 'object', properties: { read: { type: 'integer' } } } },
      },
    },
    async (request) => {
      const n = await app.db('notifications').whereIn('recipient', notificationRecipients(request.actor)).whereNull('read_at').update({ read_at: nowIso() })
      return { read: Number(n) }
    },
  )
}
