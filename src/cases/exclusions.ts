import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Actor } from '../org/service.js'
import { isPostgres, nowIso, type Trx } from '../lib/db.js'
import { badRequest, conflict, forbidden, msg, notFound, problem } from '../lib/errors.js'
import { eventMessage } from '../messages/index.js'
import { bearer, errorSchema as errorRef, idParams, nullableString, typed } from '../lib/schemas.js'
import type { CaseRow, CaseService } from './service.js'
import { concernsActor } from './returns.js'
import { isSystemAdmin } from '../org/policy.js'

/**
 * 剔单: a unit asks to exclude a case from assessment; a supervisor whose region covers the case
 * approves or refuses, and may later reverse an approval. While an approved exclusion stands,
 * `cases.excluded_at` is set: the case stays in the record and in "received", and the rates
 * leave it out when exclusions apply (src/metrics). Every step is a case event (not public).
 */
export const REASON_CODES = ['duplicate', 'malicious', 'harassment', 'outside_remit', 'force_majeure'] as const

const exclusionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    caseId: { type: 'string' },
    caseNo: nullableString,
    reasonCode: { type: 'string' },
    reason: { type: 'string' },
    evidence: { type: 'array', items: { type: 'string' } },
    status: { type: 'string', enum: ['pending', 'approved', 'refused', 'reversed'] },
    requestedBy: { type: 'string' },
    requestedUnit: nullableString,
    requestedAt: { type: 'string' },
    decidedBy: nullableString,
    decidedAt: nullableString,
    decisionNote: nullableString,
    reversedBy: nullableString,
    reversedAt: nullableString,
    reversalNote: nullableString,
    requestedByName: nullableString,
    decidedByName: nullableString,
    reversedByName: nullableString,
  },
} as const

/** A case_exclusions row (migrations/013_assessment.ts), with the case number the routes add. */
export interface ExclusionRow {
  id: string
  case_id: string
  case_no?: string | null
  tenant?: string | null
  reason_code: string
  reason: string
  /** A JSON array of evidence items. */
  evidence: string | null
  requested_by: string
  requested_unit: string | null
  requested_at: string
  status: 'pending' | 'approved' | 'refused' | 'reversed'
  decided_by?: string | null
  decided_at?: string | null
  decision_note?: string | null
  reversed_by?: string | null
  reversed_at?: string | null
  reversal_note?: string | null
}

const view = (r: ExclusionRow) => ({
  id: r.id,
  caseId: r.case_id,
  caseNo: r.case_no ?? null,
  reasonCode: r.reason_code,
  reason: r.reason,
  evidence: r.evidence ? (JSON.parse(r.evidence) as string[]) : [],
  status: r.status,
  requestedBy: r.requested_by,
  requestedUnit: r.requested_unit,
  requestedAt: r.requested_at,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  decisionNote: r.decision_note,
  reversedBy: r.reversed_by,
  reversedAt: r.reversed_at,
  reversalNote: r.reversal_note,
})

const text = <N extends number>(max: N) => ({ type: 'string', minLength: 1, maxLength: max, pattern: '\\S' }) as const

export default async function exclusionRoutes(fastify: FastifyInstance, opts: { cases: CaseService }) {
  const app = typed(fastify)
  const { cases } = opts

  /** Locks the case row for the check-then-write below (PostgreSQL; SQLite has one writer). */
  const lockCase = (trx: Trx, id: string) => {
    const q = trx('cases').where({ id })
    return (isPostgres(app.db) ? q.forUpdate() : q).first() as Promise<CaseRow>
  }

  /**
   * The exclusion and its case, for a supervisor whose region covers the case: anyone else
   * learns nothing of it (404), as for the case itself.
   */
  async function forSupervisor(actor: Actor, id: string, trx: Trx) {
    const ex = await trx('case_exclusions').where({ id }).first()
    const row = ex ? await cases.visible(actor, ex.case_id, trx).catch(() => null) : null
    if (!ex || !row || !app.org.canSeeRegion(actor, row.region_path)) throw notFound(msg('error.exclusion.notFound', { id }))
    return { ex, row }
  }

  app.post(
    '/api/cases/:id/exclusions',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '申请剔单（不计入考核）/ ask to exclude the case from assessment',
        description: 'A member of the unit that owns the case now, or a dispatcher whose region covers it. One pending request per case (409).',
        security: bearer,
        params: idParams,
        body: {
          type: 'object',
          required: ['reasonCode', 'reason'],
          additionalProperties: false,
          properties: {
            reasonCode: { type: 'string', enum: [...REASON_CODES] },
            reason: text(2000),
            evidence: { type: 'array', maxItems: 20, items: text(2000) },
          },
        },
        response: { 201: exclusionSchema, 403: errorRef, 404: errorRef, 409: errorRef },
      },
    },
    async (request, reply) => {
      const actor = request.actor
      const body = request.body
      const created = await app.db.transaction(async (trx) => {
        const seen = await cases.visible(actor, request.params.id, trx)
        const row = await lockCase(trx, seen.id)
        const ownUnit = !!actor.unitCode && actor.unitCode === row.owner_unit
        const dispatcher = actor.roles.includes('dispatcher') && app.org.canSeeRegion(actor, row.region_path)
        if (!ownUnit && !dispatcher && !isSystemAdmin(actor)) throw forbidden(msg('error.exclusion.notAllowed'))
        if (row.excluded_at) throw conflict(msg('error.exclusion.alreadyExcluded'))
        if (await trx('case_exclusions').where({ case_id: row.id, status: 'pending' }).first('id')) throw conflict(msg('error.exclusion.pending'))
        const ex = {
          id: randomUUID(),
          case_id: row.id,
          tenant: row.tenant,
          reason_code: body.reasonCode,
          reason: body.reason,
          evidence: JSON.stringify(body.evidence ?? []),
          requested_by: actor.username,
          requested_unit: actor.unitCode,
          requested_at: nowIso(),
          status: 'pending' as const,
        }
        await trx('case_exclusions').insert(ex)
        // The reason code names its label in the sentence; the reason itself follows it whole.
        const data = { exclusionId: ex.id, reasonCode: body.reasonCode, reason: body.reason, evidence: body.evidence ?? [], unit: actor.unitCode }
        await cases.event(trx, row.id, 'exclusion_requested', { actor: actor.username, message: eventMessage('exclusion_requested', data), data })
        return { ...ex, case_no: row.case_no }
      })
      return reply.status(201).send(view(created))
    },
  )

  app.get(
    '/api/exclusions',
    {
      onRequest: app.requireRole('supervisor', 'leader', 'county_admin', 'dispatcher'),
      schema: {
        tags: ['cases'],
        summary: '剔单申请（本辖区）/ exclusion requests of cases in scope',
        security: bearer,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['pending', 'approved', 'refused', 'reversed'] },
            caseId: { type: 'string', maxLength: 64 },
            limit: { type: 'integer', minimum: 1, maximum: 500 },
          },
        },
        response: { 200: { type: 'array', items: exclusionSchema }, 403: errorRef },
      },
    },
    async (request) => {
      const q = request.query
      const rows = await app
        .db('case_exclusions as x')
        .join('cases', 'cases.id', 'x.case_id')
        .where(concernsActor(app.db, cases, request.actor, 'x.case_id', null))
        .modify((b) => {
          if (q.status) b.where('x.status', q.status)
          if (q.caseId) b.where('x.case_id', q.caseId)
        })
        .orderBy('x.requested_at', 'desc')
        .limit(q.limit ?? 100)
        .select('x.*', 'cases.case_no')
      return rows.map(view)
    },
  )

  app.get(
    '/api/cases/:id/exclusions',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['cases'],
        summary: '本案的剔单申请 / the case’s exclusion requests',
        security: bearer,
        params: idParams,
        response: { 200: { type: 'array', items: exclusionSchema }, 404: errorRef },
      },
    },
    async (request) => {
      const row = await cases.visible(request.actor, request.params.id)
      const rows = await app.db('case_exclusions').where({ case_id: row.id }).orderBy('requested_at', 'desc')
      return app.org.withNames(
        rows.map((r: ExclusionRow) => view({ ...r, case_no: row.case_no })),
        ['requestedBy', 'decidedBy', 'reversedBy'],
      )
    },
  )

  app.post(
    '/api/exclusions/:id/decision',
    {
      onRequest: app.requireRole('supervisor'),
      schema: {
        tags: ['cases'],
        summary: '审核剔单申请 / approve or refuse an exclusion request',
        description: 'A supervisor whose region covers the case (others: 404); not the requester (403). A refusal needs a note.',
        security: bearer,
        params: idParams,
        body: {
          type: 'object',
          required: ['approve'],
          additionalProperties: false,
          properties: { approve: { type: 'boolean' }, note: { type: 'string', maxLength: 2000 } },
        },
        response: { 200: exclusionSchema, 400: errorRef, 403: errorRef, 404: errorRef, 409: errorRef },
      },
    },
    async (request) => {
      const actor = request.actor
      const { approve, note } = request.body
      const done = await app.db.transaction(async (trx) => {
        const { ex } = await forSupervisor(actor, request.params.id, trx)
        const row = await lockCase(trx, ex.case_id)
        if (ex.requested_by === actor.username) throw forbidden(msg('error.exclusion.ownRequest'))
        const trimmed = note?.trim() ? note : null
        if (!approve && !trimmed)
          throw badRequest(msg('error.exclusion.refusalNote'), [problem(msg('error.validation.required', { field: 'note' }), { field: 'note' })])
        const now = nowIso()
        const status = approve ? 'approved' : 'refused'
        const n = await trx('case_exclusions')
          .where({ id: ex.id, status: 'pending' })
          .update({ status, decided_by: actor.username, decided_at: now, decision_note: trimmed })
        if (!n) throw conflict(msg('error.exclusion.notPending'))
        if (approve) await trx('cases').where({ id: row.id }).update({ excluded_at: now, updated_at: now })
        const type = approve ? 'exclusion_approved' : 'exclusion_refused'
        const data = { exclusionId: ex.id, reasonCode: ex.reason_code, note: trimmed, requestedBy: ex.requested_by }
        await cases.event(trx, row.id, type, { actor: actor.username, message: eventMessage(type, data), data })
        return { ...(await trx('case_exclusions').where({ id: ex.id }).first()), case_no: row.case_no }
      })
      return view(done)
    },
  )

  app.post(
    '/api/exclusions/:id/reversal',
    {
      onRequest: app.requireRole('supervisor'),
      schema: {
        tags: ['cases'],
        summary: '撤销已批准的剔单 / reverse an approved exclusion',
        description: 'A supervisor whose region covers the case; the case counts in the assessment again.',
        security: bearer,
        params: idParams,
        body: { type: 'object', required: ['note'], additionalProperties: false, properties: { note: text(2000) } },
        response: { 200: exclusionSchema, 403: errorRef, 404: errorRef, 409: errorRef },
      },
    },
    async (request) => {
      const actor = request.actor
      const { note } = request.body
      const done = await app.db.transaction(async (trx) => {
        const { ex } = await forSupervisor(actor, request.params.id, trx)
        const row = await lockCase(trx, ex.case_id)
        const now = nowIso()
        const n = await trx('case_exclusions')
          .where({ id: ex.id, status: 'approved' })
          .update({ status: 'reversed', reversed_by: actor.username, reversed_at: now, reversal_note: note })
        if (!n) throw conflict(msg('error.exclusion.notApproved'))
        await trx('cases').where({ id: row.id }).update({ excluded_at: null, updated_at: now })
        const data = { exclusionId: ex.id, reasonCode: ex.reason_code, note }
        await cases.event(trx, row.id, 'exclusion_reversed', { actor: actor.username, message: eventMessage('exclusion_reversed', data), data })
        return { ...(await trx('case_exclusions').where({ id: ex.id }).first()), case_no: row.case_no }
      })
      return view(done)
    },
  )
}
