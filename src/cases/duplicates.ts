import type { FastifyInstance } from 'fastify'
import type { Db, Trx } from '../lib/db.js'
import { isPostgres, nowIso } from '../lib/db.js'
import { conflict, msg, problem, unprocessable } from '../lib/errors.js'
import { eventMessage } from '../messages/index.js'
import type { Actor } from '../org/index.js'
import { cancelInstanceTree } from '../engine/incidents.js'
import type { InstanceRow } from '../engine/runtime.js'
import { writeNotice } from '../notify/outbox.js'
import type { CaseRow, CaseService } from './service.js'
import type { CaseFacts, Narrow } from './case-facts.js'
import { MAX_CANDIDATES, candidateQuery, candidateWindow, newestOf, rank, townshipPath, type GramCache, type Neighbourhood } from './similar.js'

export type SimilarItem = {
  id: string
  caseNo: string
  title: string | null
  status: string
  category: string
  regionCode: string
  createdAt: string
  score: number
  text: number
  place: number
  categoryMatch: number
}

/**
 * 重复件: suggests the open or recent cases a newly registered one may repeat, and links a case
 * to its main case. A linked duplicate's own procedure ends; its citizen follows the main case
 * (tracking, notices) and the rates count the matter once (src/metrics: `duplicate_of IS NULL`).
 */
export class Duplicates {
  constructor(
    private app: FastifyInstance,
    private cases: CaseService,
    private facts: CaseFacts,
    private grams?: GramCache,
  ) {}

  /**
   * Similar cases `actor` may see, best first (src/cases/similar.ts says how). `nearby`: the
   * township as the intake's clustering read it (Clusters.readShared), used instead of a read of
   * its own when it is this case's and the actor sees the whole township by region (its rows
   * are not filtered by who may see them).
   */
  async similar(actor: Actor, row: CaseRow, db: Db | Trx = this.app.db, nearby?: Neighbourhood): Promise<SimilarItem[]> {
    const found = rank(row, await this.candidates(actor, row, db, nearby), 5, this.grams, nearby?.caseId === row.id ? nearby.scores : undefined)
    return found.map(({ c, s }) => ({
      id: c.id,
      caseNo: c.case_no,
      title: c.title,
      status: c.status,
      category: c.category,
      regionCode: c.region_code,
      createdAt: c.created_at,
      score: s.score,
      text: s.text,
      place: s.place,
      categoryMatch: s.category,
    }))
  }

  private async candidates(actor: Actor, row: CaseRow, db: Db | Trx, nearby?: Neighbourhood) {
    // Narrow, as the shared read is: CaseFacts brings what the cases say (case-facts.ts).
    const read = async (now?: Date, older?: { atOrBefore: string; limit: number }) => {
      const q = this.cases.scope(candidateQuery(db, row, now).select(['cases.id', 'cases.updated_at', 'cases.status']), actor)
      if (older) q.where('cases.created_at', '<=', older.atOrBefore).limit(older.limit)
      return this.facts.complete(db, (await q) as Narrow[])
    }
    if (!nearby || nearby.caseId !== row.id || !this.cases.seesSubtree(actor, townshipPath(row.region_path))) return read()
    const mine = newestOf(
      nearby.rows.filter((r) => r.sim),
      nearby.cutAt,
      MAX_CANDIDATES,
      candidateWindow(row).from,
    )
    if (!mine.more) return mine.rows
    const older = await read(nearby.now, mine.more)
    return [...mine.rows, ...older]
  }

  /**
   * Links `dupId` to `mainId`. Both must be visible to the actor (404), of one county, the main
   * case not itself a duplicate and the duplicate not a main case of others (so links are one
   * level deep: no chain, no cycle). One transaction: the duplicate's procedure is cancelled,
   * the case closed as a duplicate, events on both, and its citizen told.
   */
  async link(actor: Actor, dupId: string, mainId: string, note: string | null): Promise<CaseRow> {
    return this.app.db.transaction(async (trx) => {
      const dup = await this.cases.visible(actor, dupId, trx)
      const main = await this.cases.visible(actor, mainId, trx)
      if (dup.id === main.id) throw unprocessable(msg('error.duplicate.self'), [problem(msg('error.duplicate.self'), { field: 'mainCaseId' })])
      // A duplicate follows its main case within one county's assessment.
      if (dup.tenant !== main.tenant)
        throw unprocessable(msg('error.duplicate.otherCounty'), [problem(msg('error.duplicate.otherCounty'), { field: 'mainCaseId' })])
      if (isPostgres(this.app.db)) await trx('cases').whereIn('id', [dup.id, main.id]).orderBy('id').forUpdate().select('id')
      const fresh = async (id: string) => (await trx('cases').where({ id }).first()) as CaseRow
      const [d, m] = [await fresh(dup.id), await fresh(main.id)]
      if (m.duplicate_of)
        throw unprocessable(msg('error.duplicate.mainIsDuplicate', { caseNo: m.case_no }), [
          problem(msg('error.duplicate.mainIsDuplicate', { caseNo: m.case_no }), { field: 'mainCaseId' }),
        ])
      if (d.duplicate_of) throw conflict(msg('error.duplicate.already', { caseNo: d.case_no }))
      if (await trx('cases').where({ duplicate_of: d.id }).first('id')) {
        throw unprocessable(msg('error.duplicate.hasDuplicates', { caseNo: d.case_no }), [
          problem(msg('error.duplicate.hasDuplicates', { caseNo: d.case_no }), { field: 'id' }),
        ])
      }
      if (d.status === 'closed') throw conflict(msg('error.duplicate.closed', { caseNo: d.case_no }))
      const now = nowIso()
      const reason = `重复件，并入 ${m.case_no} / duplicate of ${m.case_no}`
      const instance: InstanceRow | undefined = d.instance_id ? await trx('process_instances').where({ id: d.instance_id }).first() : undefined
      if (instance && (instance.status === 'running' || instance.status === 'failed')) await cancelInstanceTree(trx, instance, reason, actor.username)
      await trx('cases').where({ id: d.id }).update({ duplicate_of: m.id, status: 'closed', closed_at: now, updated_at: now })
      await this.cases.event(trx, d.id, 'duplicate_linked', {
        actor: actor.username,
        from: d.status,
        to: 'closed',
        message: eventMessage('duplicate_linked', { mainCaseNo: m.case_no, note }),
        data: { mainCaseId: m.id, mainCaseNo: m.case_no, note },
        public: true,
      })
      await this.cases.event(trx, m.id, 'duplicate_added', {
        actor: actor.username,
        message: eventMessage('duplicate_added', { duplicateCaseNo: d.case_no, note }),
        data: { duplicateCaseId: d.id, duplicateCaseNo: d.case_no, note },
      })
      const linked = { ...d, duplicate_of: m.id }
      await writeNotice(trx, linked, 'duplicate_linked', { caseNo: d.case_no, mainCaseNo: m.case_no })
      // Linked after the main case's result: the citizen is told that result now (later news
      // about the main case reaches every duplicate's citizen through the outbox fan-out).
      if (m.status === 'awaiting_evaluation' || m.status === 'closed') {
        await writeNotice(trx, linked, 'result', { caseNo: d.case_no, mainCaseNo: m.case_no, result: m.result, evaluationDue: null })
      }
      return fresh(d.id)
    })
  }
}
