/**
 * Rendering catalogue messages on the server. Answers carry `key` + `params` for the UI, which
 * translates them with i18next (ui/src/lib/i18n.ts), and a bilingual `message` ("中文 / English")
 * for outside clients (../shared/api.md), rendered here from the same templates. The syntax is
 * the subset of i18next the catalogue uses: `{{name}}` and `$t(other.key)` (nesting, resolved
 * after interpolation, as i18next does), so both sides read one catalogue the same way.
 */
import { catalogue, zh, type MessageKey } from './catalogue.js'

export { catalogue, zh, en, type MessageKey } from './catalogue.js'
export type Lang = keyof typeof catalogue
export type ParamValue = string | number | boolean | null | undefined | readonly (string | number)[]
export type Params = Record<string, ParamValue>

const LIST_SEPARATOR: Record<Lang, string> = { 'zh-CN': '、', en: ', ' }

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(zh, key)
}

/** The `{{name}}` parameters a template uses (the UI checks old events against them). */
export function templateParams(key: MessageKey): string[] {
  return [...zh[key].matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1])
}

function value(v: ParamValue, lang: Lang): string {
  if (v === null || v === undefined) return ''
  if (Array.isArray(v)) return v.join(LIST_SEPARATOR[lang])
  return String(v)
}

export function render(lang: Lang, key: MessageKey, params: Params = {}): string {
  const table = catalogue[lang] as Record<string, string>
  const text = table[key].replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => value(params[name], lang))
  return text.replace(/\$t\(([\w.-]+)\)/g, (_m, nested: string) => table[nested] ?? nested.slice(nested.lastIndexOf('.') + 1))
}

/** "中文 / English": the `message` every answer and case event keeps for outside clients. */
export function bilingual(key: MessageKey, params?: Params): string {
  return `${render('zh-CN', key, params)} / ${render('en', key, params)}`
}
