import type { FastifyInstance } from 'fastify'
import type { Knex } from 'knex'
import { inSlices, nowIso } from '../lib/db.js'
import { msg, notFound } from '../lib/errors.js'
import { isMessageKey, notificationText, type Params } from '../messages/index.js'
import { parseStoredJson } from '../lib/stored-json.js'
import { bearer, errorSchema as errorRef, idParams, typed } from '../lib/schemas.js'
import type { Actor } from '../org/index.js'
import type { CaseService } from './service.js'
import { dispatchTargets } from './dispatch-targets.js'
import { isSystemAdmin } from '../org/policy.js'

/** A notification reaches its username and each plain group it names (a unit's inbox). */
export const notificationRecipients = (actor: Actor) => [actor.username, ...actor.groups.filter((g) => !g.startsWith('role:'))]

/**
 * The notifications addressed to me (my username or a group of mine), each with my own read time
 * as `my_read_at`: a unit's notification is read or unread per member (migration 022), and one
 * read before per-person reads (`n.read_at`) stays read for everyone, as it was.
 */
export function myNotifications(db: Knex | Knex.Transaction, actor: Actor) {
  return db('notifications as n')
    .leftJoin('notification_reads as r', function () {
      this.on('r.notification_id', '=', 'n.id').andOnVal('r.user_id', '=', actor.id)
    })
    .leftJoin('cases as c', 'c.id', 'n.case_id')
    .whereIn('n.recipient', notificationRecipients(actor))
}
export const unreadOnly = (q: Knex.QueryBuilder) => q.whereNull('r.read_at').whereNull('n.read_at')
export const notificationColumns = ['n.*', 'c.case_no', 'r.read_at as my_read_at'] as const

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
/** A notifications row (migrations/004, 022) as the routes read it: with its case's number and the reader's own read time. */
export interface NotificationRow {
  id: string
  recipient: string
  case_id: string | null
  case_no?: string | null
  kind: string
  message: string
  /** JSON: the parameters of its catalogue sentence (since migration 022). */
  params?: string | null
  created_at: string
  read_at?: string | null
  my_read_at?: string | null
}

export function notificationView(n: NotificationRow) {
  const key = `notification.${n.kind}`
  const caseNo: string | null = n.case_no ?? null
  const stored = n.params ? parseStoredJson(n.params) : null
  const params = (stored && typeof stored === 'object' && !Array.isArray(stored) ? stored : {}) as Params
  return {
    id: n.id,
    caseId: n.case_id,
    caseNo,
    kind: n.kind,
    message: n.message,
    key: isMessageKey(key) ? key : 'notification.unknown',
    params: { ...params, caseNo: caseNo ?? '' },
    text: notificationText(n.kind, { ...params, caseNo: caseNo ?? '' }, n.message),
    recipient: n.recipient,
    createdAt: n.created_at,
    // Mine (per person since migration 022), or the unit's from before.
    readAt: n.my_read_at ?? n.read_at ?? null,
  }
}

/**
 * The dispatcher's and handler's working day (issue 12): the units a case can go to, and the
 * header bell (unread notifications and my deadlines within a day).
 */
export default async function worklistRoutes(fastify: FastifyInstance, opts: { cases: CaseService }) {
  const app = typed(fastify)
  const cases = opts.cases

  app.get(
    '/api/cases/:id/dispatch-targets',
    {
      onRequest: app.authenticate,
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
      const { id } = request.params
      const { q, limit } = request.query
      // Outside the caller's scope the case does not exist (404), as everywhere else.
      const row = await cases.visible(request.actor, id)
      return { items: await dispatchTargets(app.db, app.org, row, { q, limit, decisions: app.decisions, by: request.actor }) }
    },
  )

  app.get(
    '/api/notifications/bell',
    {
      onRequest: app.authenticate,
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
      const unreadQ = unreadOnly(myNotifications(app.db, actor))
      const [countRow, rows] = await Promise.all([
        unreadQ.clone().count({ n: '*' }).first(),
        unreadQ
          .clone()
          .orderBy([
            { column: 'n.created_at', order: 'desc' },
            { column: 'n.id', order: 'desc' },
          ])
          .limit(20)
          .select(...notificationColumns),
      ])
      // Deadlines are computed now, not stored: a task due within a day, mine or my groups'
      // (an administrator's own only: "all" would be every task of the city).
      const now = nowIso()
      const soon = new Date(Date.now() + DEADLINE_NOTICE_MS).toISOString()
      const tasks = await app.tasks.list(actor, { assigned: isSystemAdmin(actor) ? 'me' : 'all', sort: 'due', limit: 20 })
      const deadlines = tasks.items
        .filter((x) => x.dueAt && x.dueAt < soon)
        .map((x) => ({
          taskId: x.id,
          caseId: x.caseId,
          caseNo: typeof x.facts?.caseNo === 'string' ? x.facts.caseNo : null,
          name: x.name,
          dueAt: x.dueAt!,
          overdue: x.dueAt! < now,
        }))
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
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '标为已读（仅对本人；单位的其他成员仍为未读）/ mark read, for me only (the unit’s other members still see it unread)',
        security: bearer,
        params: idParams,
        response: { 200: notificationSchema, 404: errorRef },
      },
    },
    async (request) => {
      const { id } = request.params
      const actor = request.actor
      return app.db.transaction(async (trx) => {
        const n = await myNotifications(trx, actor)
          .where('n.id', id)
          .first(...notificationColumns)
        // Someone else's notification: nothing to learn about it.
        if (!n) throw notFound(msg('error.notification.notFound', { id }))
        if (n.my_read_at || n.read_at) return notificationView(n)
        // Read for me only: the other members of the unit still see it (a second click, or a
        // concurrent one, finds the row and keeps the first time).
        const readAt = nowIso()
        await trx('notification_reads').insert({ notification_id: id, user_id: actor.id, read_at: readAt }).onConflict(['notification_id', 'user_id']).ignore()
        const mine = await trx('notification_reads').where({ notification_id: id, user_id: actor.id }).first('read_at')
        return notificationView({ ...n, my_read_at: mine?.read_at ?? readAt })
      })
    },
  )

  app.post(
    '/api/notifications/read-all',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '全部标为已读 / mark all my notifications read',
        security: bearer,
        response: { 200: { type: 'object', properties: { read: { type: 'integer' } } } },
      },
    },
    async (request) => {
      const actor = request.actor
      return app.db.transaction(async (trx) => {
        const ids: string[] = (await unreadOnly(myNotifications(trx, actor)).select('n.id')).map((r: { id: string }) => r.id)
        const readAt = nowIso()
        await inSlices(ids, async (slice) => {
          const rows = slice.map((notification_id) => ({ notification_id, user_id: actor.id, read_at: readAt }))
          await trx('notification_reads').insert(rows).onConflict(['notification_id', 'user_id']).ignore()
        })
        return { read: ids.length }
      })
    },
  )
}
