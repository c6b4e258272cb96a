import type { FastifyInstance } from 'fastify'
import type { Knex } from 'knex'
import type { Actor } from '../org/service.js'
import { bearer, errorSchema as errorRef, idParams, nullableString, typed } from '../lib/schemas.js'
import type { CaseService } from './service.js'

/**
 * The records of the assessment disputes (退单 review, 剔单, 督办单) are read by who handles the
 * case's region and by the unit they concern: a unit sees its own returns and orders even
 * where it does not see the region (a department sees only the cases it works on).
 */
export function concernsActor(db: Knex, cases: CaseService, actor: Actor, caseColumn: string, unitColumn: string | null) {
  return (w: Knex.QueryBuilder) => {
    w.whereIn(caseColumn, cases.scope(db('cases').select('cases.id'), actor))
    if (unitColumn && actor.unitCode) w.orWhere(unitColumn, actor.unitCode)
  }
}

const MONTH = '^\\d{4}-(0[1-9]|1[0-2])$'

export const returnSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    caseId: { type: 'string' },
    caseNo: nullableString,
    unit: { type: 'string' },
    month: { type: 'string' },
    reason: nullableString,
    returnedBy: nullableString,
    returnedAt: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'accepted', 'rejected'] },
    decidedBy: nullableString,
    returnedByName: nullableString,
    decidedByName: nullableString,
    decidedAt: nullableString,
    decisionReason: nullableString,
  },
} as const

/** A case_returns row (migrations/013_assessment.ts), with the case number the routes add. */
export interface ReturnRow {
  id: string
  case_id: string
  case_no?: string | null
  tenant?: string | null
  unit: string
  month: string
  reason: string | null
  returned_by: string | null
  returned_at: string
  status: 'pending' | 'accepted' | 'rejected'
  decided_by: string | null
  decided_at: string | null
  decision_reason: string | null
}

export const returnView = (r: ReturnRow) => ({
  id: r.id,
  caseId: r.case_id,
  caseNo: r.case_no ?? null,
  unit: r.unit,
  month: r.month,
  reason: r.reason,
  returnedBy: r.returned_by,
  returnedAt: r.returned_at,
  status: r.status,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  decisionReason: r.decision_reason,
})

/**
 * Returns (退单) and the dispatcher's review of them, as records: the review itself happens at
 * the dispatch task (see handlers.ts: case.return, case.assign, case.returnRejected).
 */
export default async function returnRoutes(fastify: FastifyInstance, opts: { cases: CaseService }) {
  const app = typed(fastify)
  const { cases } = opts

  app.get(
    '/api/returns',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '退单记录（本辖区或本单位）/ returns: of cases in scope, or by the caller’s unit',
        security: bearer,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['pending', 'accepted', 'rejected'] },
            month: { type: 'string', pattern: MONTH },
            unit: { type: 'string', maxLength: 64 },
            caseId: { type: 'string', maxLength: 64 },
            limit: { type: 'integer', minimum: 1, maximum: 500 },
          },
        },
        response: { 200: { type: 'array', items: returnSchema } },
      },
    },
    async (request) => {
      const q = request.query
      const rows = await app
        .db('case_returns as r')
        .join('cases', 'cases.id', 'r.case_id')
        .where(concernsActor(app.db, cases, request.actor, 'r.case_id', 'r.unit'))
        .modify((b) => {
          if (q.status) b.where('r.status', q.status)
          if (q.month) b.where('r.month', q.month)
          if (q.unit) b.where('r.unit', q.unit)
          if (q.caseId) b.where('r.case_id', q.caseId)
        })
        .orderBy('r.returned_at', 'desc')
        .limit(q.limit ?? 100)
        .select('r.*', 'cases.case_no')
      return app.org.withNames(rows.map(returnView), ['returnedBy', 'decidedBy'])
    },
  )

  app.get(
    '/api/returns/by-unit',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '各单位退单与被驳回退单数（按退单月份）/ returns and rejected returns per unit (by the month of the return)',
        description: 'Counts the returns the caller may see (as GET /api/returns). `rejected` returns are the penalised ones (repeated wrong returns).',
        security: bearer,
        querystring: { type: 'object', additionalProperties: false, properties: { month: { type: 'string', pattern: MONTH } } },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                unit: { type: 'string' },
                unitName: nullableString,
                returns: { type: 'integer' },
                pending: { type: 'integer' },
                accepted: { type: 'integer' },
                rejected: { type: 'integer' },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { month } = request.query
      const sum = (status: string) => app.db.raw(`SUM(CASE WHEN r.status = ? THEN 1 ELSE 0 END) AS ${status}`, [status])
      const rows = await app
        .db('case_returns as r')
        .leftJoin('org_units as u', 'u.code', 'r.unit')
        .where(concernsActor(app.db, cases, request.actor, 'r.case_id', 'r.unit'))
        .modify((b) => {
          if (month) b.where('r.month', month)
        })
        .groupBy('r.unit', 'u.name')
        .select('r.unit', 'u.name as unit_name', app.db.raw('COUNT(*) AS n'), sum('pending'), sum('accepted'), sum('rejected'))
      // The sums come back as numbers (SQLite) or numeric strings (PostgreSQL's bigint).
      type Counts = {
        unit: string
        unit_name: string | null
        n: number | string
        pending: number | string
        accepted: number | string
        rejected: number | string
      }
      return (rows as Counts[])
        .map((r): { unit: string; unitName: string | null; returns: number; pending: number; accepted: number; rejected: number } => ({
          unit: r.unit,
          unitName: r.unit_name ?? null,
          returns: Number(r.n),
          pending: Number(r.pending),
          accepted: Number(r.accepted),
          rejected: Number(r.rejected),
        }))
        .sort((a, b) => b.rejected - a.rejected || b.returns - a.returns || a.unit.localeCompare(b.unit))
    },
  )

  app.get(
    '/api/cases/:id/returns',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '本案的退单与审核 / the case’s returns and their review',
        security: bearer,
        params: idParams,
        response: { 200: { type: 'array', items: returnSchema }, 404: errorRef },
      },
    },
    async (request) => {
      const row = await cases.visible(request.actor, request.params.id)
      const rows = await app.db('case_returns').where({ case_id: row.id }).orderBy('returned_at', 'desc')
      return app.org.withNames(
        rows.map((r: ReturnRow) => returnView({ ...r, case_no: row.case_no })),
        ['returnedBy', 'decidedBy'],
      )
    },
  )
}
