/**
 * English singulars: "1 day", not "1 days". i18next picks a plural form by the `count` parameter
 * and the language's plural rules (Intl.PluralRules: English has `one` and `other`, Chinese only
 * `other`), looking for `<key>_<form>` and falling back to the key itself; so the catalogue's
 * entries stay the `other` form and only the singulars are added here, in English alone. The
 * server's renderer (index.ts) picks the same way, so a message reads alike in `message` and on
 * screen.
 *
 * A few messages count by another parameter (`days` of an extension, kept in case events written
 * before this file): `PLURAL_PARAM` names it, and both sides pass it as `count` too.
 */
import type { MessageKey } from './catalogue.js'

export const enSingulars = {
  'duration.days_one': '{{count}} day',
  'duration.hours_one': '{{count}} hour',
  'duration.minutes_one': '{{count}} minute',
  'duration.weeks_one': '{{count}} week',
  'duration.months_one': '{{count}} month',
  'duration.years_one': '{{count}} year',
  'error.engine.definitionProblems_one': 'the definition has {{count}} problem',
  'error.engine.definitionLacks_one': 'the definition lacks what the platform needs ({{count}} problem)',
  'event.cluster_root_one': 'Root-cause case of {{count}} report',
  'event.extension_requested_one': 'Extension of {{days}} day requested',
  'event.extension_approved_one': 'Extension of {{days}} day approved',
} as const satisfies Partial<Record<`${MessageKey}_one`, string>>

/** Messages whose number is not called `count`. */
export const PLURAL_PARAM: Partial<Record<MessageKey, string>> = {
  'event.extension_requested': 'days',
  'event.extension_approved': 'days',
}

/** The number a message's plural form follows, when it has one. */
export function pluralCount(key: string, params: Record<string, unknown> | undefined): number | undefined {
  const v = params?.[PLURAL_PARAM[key as MessageKey] ?? 'count']
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}
