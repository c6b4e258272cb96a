/**
 * Rendering catalogue messages on the server. Answers carry `key` + `params` for the UI, which
 * translates them with i18next (ui/src/lib/i18n.ts), and a bilingual `message` ("中文 / English")
 * for outside clients (../shared/api.md), rendered here from the same templates. The syntax is
 * the subset of i18next the catalogue uses: `{{name}}`, `{{name, datetime}}` (an instant, written
 * in the platform's zone here and in the reader's in the UI: formats.ts) and `$t(other.key)`
 * (nesting, resolved after interpolation, as i18next does), so both sides read one catalogue the
 * same way.
 */
import { catalogue, en, zh, type MessageKey } from './catalogue.js'
import { fillPlaceholders, formatInstant, isFormat, placeholders, PLATFORM_TIME_ZONE } from './formats.js'
import { paramText } from './param-text.js'
import { pluralCount } from './plurals.js'

export { catalogue, zh, en, type MessageKey } from './catalogue.js'
export { paramText } from './param-text.js'
export { PLATFORM_TIME_ZONE } from './formats.js'
export type Lang = keyof typeof catalogue
export type ParamValue = string | number | boolean | null | undefined | readonly (string | number)[]
export type Params = Record<string, ParamValue>

const PLURAL_RULES: Record<Lang, Intl.PluralRules> = { 'zh-CN': new Intl.PluralRules('zh-CN'), en: new Intl.PluralRules('en') }

const LIST_SEPARATOR: Record<Lang, string> = { 'zh-CN': '、', en: ', ' }

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(zh, key)
}

/** The `{{name}}` parameters a message uses in either language. */
export function templateParams(key: MessageKey): string[] {
  return [...new Set(placeholders(`${zh[key]} ${en[key]}`).map((p) => p.name))]
}

/** A unit's (region's) name parameters: `unitName` and `unitNameEn`, for `prefix` "unit". */
export function names(prefix: string, u: { name: string; name_en?: string | null } | null | undefined): Params {
  return u ? { [`${prefix}Name`]: u.name, [`${prefix}NameEn`]: u.name_en || u.name } : {}
}

function value(v: ParamValue, lang: Lang, format: string | undefined): string {
  if (isFormat(format)) return paramText(formatInstant(v, format, PLATFORM_TIME_ZONE))
  if (v === null || v === undefined) return ''
  return paramText(Array.isArray(v) ? v.join(LIST_SEPARATOR[lang]) : String(v))
}

/**
 * A message in one language. Nested labels (`$t(valueType.{{type}})`) are resolved in the
 * template before the values go in, so a value reading "$t(…)" stays text (i18next's
 * `skipOnVariables`, which the UI has by default); a value's bidi and control characters are
 * neutralised (`paramText`).
 */
export function render(lang: Lang, key: MessageKey, params: Params = {}): string {
  const table = catalogue[lang] as Record<string, string>
  const fill = (text: string) => fillPlaceholders(text, (name, format) => value(params[name], lang, format))
  // The plural form i18next would pick (plurals.ts): `<key>_one` for 1 in English, else the key.
  const count = pluralCount(key, params)
  const form = count === undefined ? undefined : table[`${key}_${PLURAL_RULES[lang].select(count)}`]
  const nested = (form ?? table[key]).replace(/\$t\(([^()]*)\)/g, (_m, inner: string) => {
    const k = fill(inner)
    return Object.prototype.hasOwnProperty.call(table, k) ? table[k] : k.slice(k.lastIndexOf('.') + 1)
  })
  return fill(nested)
}

/** "中文 / English": the `message` every answer and case event keeps for outside clients. */
export function bilingual(key: MessageKey, params?: Params): string {
  return `${render('zh-CN', key, params)} / ${render('en', key, params)}`
}

/** Case event types the catalogue names (`event.<type>`); the UI falls back to `event.unknown` for others. */
export type EventType = MessageKey extends infer K ? (K extends `event.${infer T}` ? T : never) : never

/**
 * The data field holding what a person wrote for an event (shown verbatim under the sentence,
 * never inside it), and whether a citizen tracking the case sees it.
 */
export const EVENT_TEXT: Record<string, { field: string; public: boolean }> = {
  signed_for: { field: 'reply', public: true },
  feedback: { field: 'result', public: true },
  resolved: { field: 'result', public: false },
  escalation_sent_back: { field: 'comment', public: true },
  returned: { field: 'reason', public: false },
  extension_requested: { field: 'reason', public: false },
  extension_refused: { field: 'comment', public: false },
  procedure_switch: { field: 'reason', public: false },
  escalation_requested: { field: 'reason', public: false },
  escalation_at_top: { field: 'reason', public: false },
  dispatched: { field: 'note', public: false },
  evaluated: { field: 'comment', public: false },
  return_rejected: { field: 'reason', public: false },
  return_accepted: { field: 'reason', public: false },
  exclusion_requested: { field: 'reason', public: false },
  exclusion_approved: { field: 'note', public: false },
  exclusion_refused: { field: 'note', public: false },
  exclusion_reversed: { field: 'note', public: false },
  // the order's text, kept under the name the order record and the API give it
  supervision_order: { field: 'message', public: false },
  supervision_reply: { field: 'reply', public: false },
  duplicate_linked: { field: 'note', public: false },
  duplicate_added: { field: 'note', public: false },
  cluster_root: { field: 'note', public: false },
}

/**
 * The bilingual `message` column of a case event (kept for API clients): the sentence in both
 * languages, then the person's own text once, unchanged.
 */
export function eventMessage(type: EventType, data: Params = {}): string {
  const text = EVENT_TEXT[type] ? data[EVENT_TEXT[type].field] : null
  return bilingual(`event.${type}`, data) + (text ? `：${String(text)}` : '')
}

/**
 * The stored `message` of a notification: `notification.<kind>` with its parameters (kept beside
 * it in `notifications.params`: the case number and what the kind names) in both languages, then
 * what a person wrote (a reason, an order, a reply) once, whole; `notificationText` gives the
 * person's text back to the API.
 */
export function notificationMessage(kind: string, params: Params & { caseNo: string }, text?: string | null): string {
  const key = `notification.${kind}`
  return bilingual(isMessageKey(key) ? key : 'notification.unknown', params) + (text ? `：${text}` : '')
}

/** The person's text of a notification written by `notificationMessage` with these parameters, or null (none, or an older row). */
export function notificationText(kind: string, params: Params & { caseNo: string }, message: string | null | undefined): string | null {
  const prefix = notificationMessage(kind, params) + '：'
  return message && message.startsWith(prefix) ? message.slice(prefix.length) : null
}

/**
 * The `message` of a public event as a citizen or an Open311 client may read it: the sentence
 * from its public data and the public text only. The stored message also holds a staff-only text
 * (a dispatch note, a return's reason) and must not leave the staff side.
 */
export function publicEventMessage(type: string, data: Record<string, unknown> | null): string {
  return isMessageKey(`event.${type}`) ? eventMessage(type as EventType, publicEventData(type, data)) : bilingual('event.unknown', { type })
}

/**
 * What a citizen may see of a public event's data: the parameters its sentence uses and its
 * public text; nothing else (internal notes, unit codes, rule ids stay with staff).
 */
export function publicEventData(type: string, data: Record<string, unknown> | null): Params {
  if (!data) return {}
  const key = `event.${type}`
  const names = isMessageKey(key) ? templateParams(key) : []
  const text = EVENT_TEXT[type]?.public ? [EVENT_TEXT[type].field] : []
  const out: Params = {}
  for (const n of [...names, ...text]) if (n in data) out[n] = data[n] as Params[string]
  return out
}
