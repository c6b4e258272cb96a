/**
 * Messages of the a11y branch: what the citizen is told (`notice.*`, src/notify/messages.ts), one
 * sentence per kind and shape (told alone, or with the main case a duplicate is handled with;
 * with or without a result; asked to evaluate or not), so that no sentence is glued from parts.
 * A notice goes to an SMS/WeChat gateway as one text: the unit's result is its `result`
 * parameter, put in whole (the one place a person's text is a parameter: a text message cannot
 * carry it beside the sentence). The day to evaluate by is `evaluationDue` (the instant) put in
 * as a date: China time in the text the server sends (src/messages/formats.ts).
 */
export const zh = {
  'notice.accepted': '您反映的问题 {{caseNo}} 已受理，正在办理。',
  'notice.acceptedTogether': '您反映的问题 {{caseNo}}（与 {{mainCaseNo}} 合并办理）已受理，正在办理。',
  'notice.result': '您反映的问题 {{caseNo}} 已办理：{{result}}。',
  'notice.resultTogether': '您反映的问题 {{caseNo}}（与 {{mainCaseNo}} 合并办理）已办理：{{result}}。',
  'notice.resultEvaluate': '您反映的问题 {{caseNo}} 已办理：{{result}}。请在 {{evaluationDue, date}} 前评价。',
  'notice.done': '您反映的问题 {{caseNo}} 已办结。',
  'notice.doneTogether': '您反映的问题 {{caseNo}}（与 {{mainCaseNo}} 合并办理）已办结。',
  'notice.doneEvaluate': '您反映的问题 {{caseNo}} 已办结。请在 {{evaluationDue, date}} 前评价。',
  'notice.evaluationDue': '请在 {{evaluationDue, date}} 前对 {{caseNo}} 的办理结果进行评价。',
  'notice.duplicateLinked': '您反映的问题 {{caseNo}} 与 {{mainCaseNo}} 为同一问题，将合并办理，结果一并告知。',
} as const

export const en: { readonly [K in keyof typeof zh]: string } = {
  'notice.accepted': 'Your petition {{caseNo}} has been accepted and is being handled.',
  'notice.acceptedTogether': 'Your petition {{caseNo}} (handled together with {{mainCaseNo}}) has been accepted and is being handled.',
  'notice.result': 'Your petition {{caseNo}} has been handled: {{result}}.',
  'notice.resultTogether': 'Your petition {{caseNo}} (handled together with {{mainCaseNo}}) has been handled: {{result}}.',
  'notice.resultEvaluate': 'Your petition {{caseNo}} has been handled: {{result}}. Please evaluate it by {{evaluationDue, date}}.',
  'notice.done': 'Your petition {{caseNo}} has been resolved.',
  'notice.doneTogether': 'Your petition {{caseNo}} (handled together with {{mainCaseNo}}) has been resolved.',
  'notice.doneEvaluate': 'Your petition {{caseNo}} has been resolved. Please evaluate it by {{evaluationDue, date}}.',
  'notice.evaluationDue': 'Please evaluate the result of {{caseNo}} by {{evaluationDue, date}}.',
  'notice.duplicateLinked': 'Your petition {{caseNo}} is the same matter as {{mainCaseNo}}: they are handled together and you will be told its result.',
}
