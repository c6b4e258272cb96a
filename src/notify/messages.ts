/**
 * What the citizen is told, as a catalogue key and its parameters (`notice.*`,
 * src/messages/areas/a11y.ts): the outbox row keeps both, and its `text` (what a gateway that
 * takes text sends) is the catalogue's sentence in both languages. The unit's result goes whole
 * into its parameter, never cut or translated.
 */
import { bilingual, PLATFORM_TIME_ZONE, type MessageKey, type Params } from '../messages/index.js'
import { formatInstant } from '../messages/formats.js'

export type NoticeKind = 'accepted' | 'result' | 'evaluation_due' | 'duplicate_linked'

export interface NoticeParams {
  caseNo: string
  /** The main case, when the citizen's case is linked to it as a duplicate. */
  mainCaseNo?: string | null
  result?: string | null
  evaluationDue?: string | null
}

/**
 * The day (China time) of an ISO instant. The sentences put `evaluationDue` in as a date
 * themselves; `evaluateBy` stays in the parameters for gateways that fill their own templates
 * (src/notify/README.md documents it in the webhook's body).
 */
const day = (iso: string | null | undefined) => (iso ? formatInstant(iso, 'date', PLATFORM_TIME_ZONE) : '-')

/** The sentence for a notice of this kind and shape, and the parameters it reads. */
export function noticeMessage(kind: NoticeKind, p: NoticeParams): { key: MessageKey; params: Params } {
  const together = !!p.mainCaseNo
  const base: Params = { caseNo: p.caseNo, ...(p.mainCaseNo && { mainCaseNo: p.mainCaseNo }) }
  switch (kind) {
    case 'accepted':
      return { key: together ? 'notice.acceptedTogether' : 'notice.accepted', params: base }
    case 'result': {
      const evaluate = !together && !!p.evaluationDue
      const withEval: Params = evaluate ? { ...base, evaluationDue: p.evaluationDue, evaluateBy: day(p.evaluationDue) } : base
      if (p.result)
        return { key: evaluate ? 'notice.resultEvaluate' : together ? 'notice.resultTogether' : 'notice.result', params: { ...withEval, result: p.result } }
      return { key: evaluate ? 'notice.doneEvaluate' : together ? 'notice.doneTogether' : 'notice.done', params: withEval }
    }
    case 'evaluation_due':
      return { key: 'notice.evaluationDue', params: { ...base, evaluationDue: p.evaluationDue ?? null, evaluateBy: day(p.evaluationDue) } }
    case 'duplicate_linked':
      return { key: 'notice.duplicateLinked', params: base }
  }
}

/** The text a gateway sends: the sentence in Chinese, then in English. */
export function noticeText(kind: NoticeKind, p: NoticeParams): string {
  const m = noticeMessage(kind, p)
  return bilingual(m.key, m.params)
}
