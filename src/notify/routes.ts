import type { FastifyInstance } from 'fastify'
import type { Knex } from 'knex'
import type { Actor } from '../org/index.js'
import { conflict, msg, notFound } from '../lib/errors.js'
import { nowIso } from '../lib/db.js'
import { bearer, typed } from '../lib/schemas.js'
import { errorRef, idParams } from '../cases/schemas.js'
import { noticeView, type NoticeRow } from './outbox.js'
import { isSystemAdmin } from '../org/policy.js'

const nullable = { type: ['string', 'null'] } as const
export const noticeSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    caseId: { type: 'string' },
    aboutCaseId: { type: 'string' },
    tenant: nullable,
    kind: { type: 'string' },
    channel: { type: 'string' },
    key: { type: 'string' },
    params: { type: 'object', additionalProperties: true },
    text: { type: 'string' },
    status: { type: 'string' },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: 'string' },
    claimedBy: nullable,
    sentAt: nullable,
    lastError: nullable,
    createdAt: { type: 'string' },
  },
} as const

const attemptSchema = {
  type: 'object',
  properties: { at: { type: 'string' }, node: nullable, ok: { type: 'boolean' }, statusCode: { type: ['integer', 'null'] }, error: nullable },
} as const

/** The outbox as administrators see it: the city all of it, a county administrator their county's. */
export default async function notifyRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  const scoped = (actor: Actor, q: Knex.QueryBuilder) => (isSystemAdmin(actor) ? q : q.where('tenant', actor.tenant ?? '\u0000'))

  app.get(
    '/api/notify/outbox',
    {
      onRequest: app.requireRole('county_admin'),
      schema: {
        tags: ['notify'],
        summary: '群众告知发件箱（待发、失败）/ the outbox of citizen notices (pending, failed)',
        security: bearer,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['pending', 'sent', 'failed', 'skipped', 'all'], default: 'all' },
            caseId: { type: 'string', maxLength: 64 },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { counts: { type: 'object', additionalProperties: { type: 'integer' } }, items: { type: 'array', items: noticeSchema } },
          },
        },
      },
    },
    async (request) => {
      const { status, caseId, limit } = request.query
      const q = scoped(request.actor, app.db('citizen_notices'))
      if (status !== 'all') q.where({ status })
      if (caseId) q.where({ case_id: caseId })
      const rows: NoticeRow[] = await q
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(limit)
      const counts: Record<string, number> = {}
      for (const r of await scoped(request.actor, app.db('citizen_notices')).select('status').count({ n: '*' }).groupBy('status'))
        counts[r.status] = Number(r.n)
      return { counts, items: rows.map(noticeView) }
    },
  )

  app.get(
    '/api/notify/outbox/:id',
    {
      onRequest: app.requireRole('county_admin'),
      schema: {
        tags: ['notify'],
        summary: '一条告知及其投递记录 / a notice and its delivery attempts',
        security: bearer,
        params: idParams,
        response: { 200: { type: 'object', properties: { ...noticeSchema.properties, log: { type: 'array', items: attemptSchema } } }, 404: errorRef },
      },
    },
    async (request) => {
      const { id } = request.params
      const row: NoticeRow | undefined = await scoped(request.actor, app.db('citizen_notices').where({ id })).first()
      if (!row) throw notFound(msg('error.notice.notFound', { id }))
      type AttemptRow = { at: string; node: string; ok: boolean | number; status_code: number | string | null; error: string | null }
      const log: AttemptRow[] = await app
        .db('citizen_notice_attempts')
        .where({ notice_id: id })
        .orderBy([{ column: 'at' }, { column: 'id' }])
      return {
        ...noticeView(row),
        log: log.map((a) => ({
          at: a.at,
          node: a.node,
          ok: a.ok === true || a.ok === 1,
          statusCode: a.status_code == null ? null : Number(a.status_code),
          error: a.error,
        })),
      }
    },
  )

  app.post(
    '/api/notify/outbox/:id/retry',
    {
      onRequest: app.requireRole('county_admin'),
      schema: {
        tags: ['notify'],
        summary: '重新投递失败的告知 / send a failed notice again',
        security: bearer,
        params: idParams,
        response: { 200: noticeSchema, 404: errorRef, 409: errorRef },
      },
    },
    async (request) => {
      const { id } = request.params
      const row: NoticeRow | undefined = await scoped(request.actor, app.db('citizen_notices').where({ id })).first()
      if (!row) throw notFound(msg('error.notice.notFound', { id }))
      const n = await app
        .db('citizen_notices')
        .where({ id, status: 'failed' })
        .update({ status: 'pending', attempts: 0, next_attempt_at: nowIso(), last_error: null })
      if (!n) throw conflict(msg('error.notice.notFailed', { status: row.status }))
      return noticeView(await app.db('citizen_notices').where({ id }).first())
    },
  )
}
