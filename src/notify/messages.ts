/**
 * What the citizen is told, as a message key and its parameters (the message catalogue being
 * introduced elsewhere renders keys; until then, and for gateways that take text, each notice
 * also stores the bilingual sentence built here). User text (a unit's result) goes verbatim
 * into a named parameter and is never cut or translated.
 */
export type NoticeKind = 'accepted' | 'result' | 'evaluation_due' | 'duplicate_linked'

export const NOTICE_KEYS: Record<NoticeKind, string> = {
  accepted: 'notice.accepted',
  result: 'notice.result',
  evaluation_due: 'notice.evaluationDue',
  duplicate_linked: 'notice.duplicateLinked',
}

export interface NoticeParams {
  caseNo: string
  /** The main case, when the citizen's case is linked to it as a duplicate. */
  mainCaseNo?: string | null
  result?: string | null
  evaluationDue?: string | null
}

/** The day (China time) of an ISO instant, for a sentence. */
const day = (iso: string | null | undefined) => (iso ? new Date(new Date(iso).getTime() + 8 * 3600e3).toISOString().slice(0, 10) : '-')

export function noticeText(kind: NoticeKind, p: NoticeParams): string {
  const via = p.mainCaseNo ? `（与 ${p.mainCaseNo} 合并办理）` : ''
  const viaEn = p.mainCaseNo ? ` (handled together with ${p.mainCaseNo})` : ''
  switch (kind) {
    case 'accepted':
      return `您反映的问题 ${p.caseNo}${via} 已受理，正在办理。/ Your petition ${p.caseNo}${viaEn} has been accepted and is being handled.`
    case 'result':
      return p.evaluationDue
        ? `您反映的问题 ${p.caseNo}${via} 已办理：${p.result ?? '已办结'}。请在 ${day(p.evaluationDue)} 前评价。/ Your petition ${p.caseNo}${viaEn} has been handled: ${p.result ?? 'resolved'}. Please evaluate it by ${day(p.evaluationDue)}.`
        : `您反映的问题 ${p.caseNo}${via} 已办理：${p.result ?? '已办结'}。/ Your petition ${p.caseNo}${viaEn} has been handled: ${p.result ?? 'resolved'}.`
    case 'evaluation_due':
      return `请在 ${day(p.evaluationDue)} 前对 ${p.caseNo}${via} 的办理结果进行评价。/ Please evaluate the result of ${p.caseNo}${viaEn} by ${day(p.evaluationDue)}.`
    case 'duplicate_linked':
      return `您反映的问题 ${p.caseNo} 与 ${p.mainCaseNo} 为同一问题，将合并办理，结果一并告知。/ Your petition ${p.caseNo} is the same matter as ${p.mainCaseNo}: they are handled together and you will be told its result.`
  }
}
