import { randomUUID } from 'node:crypto'
import type { Db, Trx } from '../lib/db.js'
import { nowIso } from '../lib/db.js'
import { parseStoredJson } from '../lib/stored-json.js'
import { insertRows, sqlRows } from '../lib/hot-sql.js'
import { noticeMessage, type NoticeKind, type NoticeParams } from './messages.js'
import { bilingual } from '../messages/index.js'

/** The columns of a case the outbox reads. */
export interface NoticeCase {
  id: string
  case_no: string
  tenant: string
  channel: string
  duplicate_of?: string | null
}

export interface NoticeRow {
  id: string
  case_id: string
  about_case_id: string
  tenant: string | null
  kind: NoticeKind
  channel: string
  message_key: string
  params: string
  text: string
  status: string
  attempts: number
  next_attempt_at: string
  claimed_by: string | null
  claimed_until: string | null
  sent_at: string | null
  last_error: string | null
  created_at: string
}

/**
 * Writes the notices of one case event into the outbox, in the caller's transaction (the
 * engine step's `ctx.trx`): the notice exists exactly when the event commits. The citizen of
 * every case linked to this one as a duplicate is told too (they follow this case).
 * `opts.once`: skip a citizen who already has a notice of this kind (acceptance is told once,
 * whether by the first dispatch or the sign-for, and not again to a duplicate's citizen when
 * the main case is signed for).
 * `opts.notBefore`: deliver no earlier than this (the evaluation reminder).
 */
export async function writeNotices(
  trx: Db | Trx,
  about: NoticeCase,
  kind: NoticeKind,
  params: Omit<NoticeParams, 'caseNo' | 'mainCaseNo'>,
  opts: { once?: boolean; notBefore?: string } = {},
): Promise<number> {
  // The duplicates and, with `once`, whether each citizen (this case's too) was told already,
  // in one read (it was one for the duplicates and one per citizen).
  const found: (NoticeCase & { told?: unknown })[] = opts.once
    ? await sqlRows<NoticeCase & { told?: unknown }>(
        trx,
        'select "id", "case_no", "tenant", "channel", exists (select 1 from citizen_notices n where n.case_id = cases.id and n.kind = ?) as told from "cases" where ("id" = ? or "duplicate_of" = ?)',
        [kind, about.id, about.id],
      )
    : await sqlRows<NoticeCase>(trx, 'select "id", "case_no", "tenant", "channel" from "cases" where "duplicate_of" = ?', [about.id])
  const told = new Set(found.filter((r) => r.told === true || Number(r.told) === 1).map((r) => r.id))
  const recipients: NoticeCase[] = [about, ...found.filter((r) => r.id !== about.id)]
  const now = nowIso()
  const rows = []
  for (const r of recipients) {
    const duplicate = r.id !== about.id
    // A duplicate's citizen has no evaluation of their own to give (their procedure ended at
    // the link): they are told the result, not asked to evaluate it.
    if (duplicate && kind === 'evaluation_due') continue
    if (told.has(r.id)) continue
    const p: NoticeParams = duplicate
      ? { ...params, evaluationDue: null, caseNo: r.case_no, mainCaseNo: about.case_no }
      : { ...params, caseNo: r.case_no, mainCaseNo: null }
    const m = noticeMessage(kind, p)
    rows.push({
      id: randomUUID(),
      case_id: r.id,
      about_case_id: about.id,
      tenant: r.tenant ?? null,
      kind,
      channel: r.channel,
      message_key: m.key,
      params: JSON.stringify(m.params),
      text: bilingual(m.key, m.params),
      status: 'pending',
      attempts: 0,
      next_attempt_at: opts.notBefore && opts.notBefore > now ? opts.notBefore : now,
      created_at: now,
    })
  }
  if (rows.length) await insertRows(trx, 'citizen_notices', rows)
  return rows.length
}

/** One notice written to one case's citizen (the duplicate's own `duplicate_linked`). */
export async function writeNotice(trx: Db | Trx, to: NoticeCase, kind: NoticeKind, params: NoticeParams) {
  const now = nowIso()
  const m = noticeMessage(kind, params)
  await trx('citizen_notices').insert({
    id: randomUUID(),
    case_id: to.id,
    about_case_id: to.duplicate_of ?? to.id,
    tenant: to.tenant ?? null,
    kind,
    channel: to.channel,
    message_key: m.key,
    params: JSON.stringify(m.params),
    text: bilingual(m.key, m.params),
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    created_at: now,
  })
}

/** What the tracking page shows the citizen: the notices of their case that are due. */
export async function noticesOfCase(db: Db | Trx, caseId: string) {
  const now = nowIso()
  // A reminder written ahead (the evaluation reminder) shows once it is due.
  const rows: NoticeRow[] = await db('citizen_notices')
    .where({ case_id: caseId })
    .whereNot('status', 'skipped')
    .where((w) => w.where('next_attempt_at', '<=', now).orWhereIn('status', ['sent', 'failed']).orWhere('attempts', '>', 0))
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
  return rows.map((r) => ({
    at: r.created_at,
    kind: r.kind,
    key: r.message_key,
    // Written by writeNotice from the notice's parameters: an object.
    params: parseStoredJson(r.params) as Record<string, unknown>,
    text: r.text,
    delivered: r.status === 'sent',
  }))
}

export const noticeView = (r: NoticeRow) => ({
  id: r.id,
  caseId: r.case_id,
  aboutCaseId: r.about_case_id,
  tenant: r.tenant || null,
  kind: r.kind,
  channel: r.channel,
  key: r.message_key,
  params: parseStoredJson(r.params) as Record<string, unknown>,
  text: r.text,
  status: r.status,
  attempts: Number(r.attempts),
  nextAttemptAt: r.next_attempt_at,
  claimedBy: r.claimed_by,
  sentAt: r.sent_at,
  lastError: r.last_error,
  createdAt: r.created_at,
})
