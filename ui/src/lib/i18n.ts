/**
 * Chinese first; English through the switch in the header. The UI's own strings are written as
 * t('中文', 'English'); what the server says arrives as a catalogue key + parameters
 * (src/messages/catalogue.ts, bundled here) and is translated with i18next by `tk`.
 */
import i18next from 'i18next'
import { catalogue, zh as zhCatalogue, type MessageKey } from '../../../src/messages/catalogue.js'
import { paramText } from '../../../src/messages/param-text.js'
import { pluralCount } from '../../../src/messages/plurals.js'
import { i18nextOptions } from '../../../src/messages/i18next-options.js'
import { labelHalves } from '../../../src/messages/label.js'
import { FORMATS, formatInstant, placeholders } from '../../../src/messages/formats.js'

export type Lang = 'zh' | 'en'
let lang: Lang = (localStorage.getItem('shuoshi.lang') as Lang) === 'en' ? 'en' : 'zh'
document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en'

const i18n = i18next.createInstance()
void i18n.init({ ...i18nextOptions, lng: lang === 'zh' ? 'zh-CN' : 'en' })
// The catalogue names its instants (`{{replyDue, datetime}}`): shown in the browser's zone. These
// replace i18next's built-in `datetime` (Intl's locale format) with the one the server writes.
for (const f of FORMATS) i18n.services.formatter?.add(f, (value: unknown) => formatInstant(value, f))

export const getLang = () => lang
export function setLang(l: Lang) {
  lang = l
  localStorage.setItem('shuoshi.lang', l)
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en'
  void i18n.changeLanguage(l === 'zh' ? 'zh-CN' : 'en')
}
export function t(zh: string, en: string) {
  return lang === 'zh' ? zh : en
}

export function isKey(key: unknown): key is MessageKey {
  return typeof key === 'string' && Object.prototype.hasOwnProperty.call(zhCatalogue, key)
}
/**
 * Parameters as a reader expects them: lists joined; bidi and control characters of a value
 * echoed from a request neutralised (`paramText`, as the server renders `message`), so it cannot
 * reorder the sentence around it. Instants are left to the sentence's own format (`{{x, datetime}}`):
 * a value that merely looks like one (a person's typed text) stays as written.
 */
function readable(params: Record<string, unknown> = {}) {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) out[k] = paramText(v.join(t('、', ', ')))
    else out[k] = typeof v === 'string' ? paramText(v) : (v ?? '')
  }
  return out
}
/** A catalogue message in the chosen language. */
export function tk(key: MessageKey, params?: Record<string, unknown>): string {
  // i18next picks the plural form by `count` (src/messages/plurals.ts); a few messages count by another name.
  const count = pluralCount(key, params)
  return i18n.t(key, { ...readable(params), ...(count !== undefined && { count }) }) as string
}
/** The `{{name}}` parameters of a catalogue entry. */
export function keyParams(key: MessageKey): string[] {
  return placeholders(zhCatalogue[key]).map((p) => p.name)
}
/** A server answer's text: its key when it has one, else the bilingual message split (older answers). */
export function messageText(m: { key?: string | null; params?: Record<string, unknown> | null; message?: string | null }) {
  if (isKey(m.key)) return tk(m.key, m.params ?? {})
  return serverText(m.message)
}

/**
 * Labels written "中文 / English" by an administrator (task names, form labels in a diagram):
 * the half for the current language. Never for a person's text or a server message.
 */
export function serverText(msg: string | undefined | null) {
  if (!msg) return ''
  return labelHalves(msg)[lang === 'zh' ? 'zh' : 'en']
}
/** A name with an optional English variant (regions, units, categories). */
export function named(o: { name?: string | null; nameEn?: string | null; label?: string | null; labelEn?: string | null } | null | undefined) {
  if (!o) return ''
  if (lang === 'en') return o.nameEn || o.labelEn || o.name || o.label || ''
  return o.name || o.label || o.nameEn || ''
}

/** An instant in the browser's zone, as the catalogue's `{{x, datetime}}` puts it in a sentence. */
export function fmtTime(iso: string | null | undefined) {
  return formatInstant(iso, 'datetime')
}
export function fmtPct(x: number | null | undefined) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—'
  return `${(x * 100).toFixed(1)}%`
}
/** "3 天后" / "overdue 2 h" style relative deadline. */
export function fmtDue(iso: string | null | undefined) {
  if (!iso) return t('无期限', 'no deadline')
  const ms = new Date(iso).getTime() - Date.now()
  const abs = Math.abs(ms)
  const h = Math.round(abs / 3_600_000)
  const span =
    h >= 48
      ? t(`${Math.round(h / 24)} 天`, `${Math.round(h / 24)} d`)
      : h >= 1
        ? t(`${h} 小时`, `${h} h`)
        : t(`${Math.max(1, Math.round(abs / 60_000))} 分钟`, `${Math.max(1, Math.round(abs / 60_000))} min`)
  return ms < 0 ? t(`已超期 ${span}`, `overdue ${span}`) : t(`剩余 ${span}`, `${span} left`)
}

/**
 * The labels of a family of codes (`status.*`, `procedure.*`, `channel.*`, `level.*`), read from
 * the catalogue: the UI keeps no copy that could drift from what the server says (it had, and the
 * case page said 已派遣 where the timeline said 已派单). The catalogue's English names are
 * written to sit in a sentence ("Received via the website"); as a label, a table cell or an
 * option, they lose the article and start with a capital ("Website").
 */
function family(prefix: string): Record<string, [string, string]> {
  const out: Record<string, [string, string]> = {}
  const en = catalogue.en as Record<string, string>
  for (const [key, zh] of Object.entries(zhCatalogue as Record<string, string>)) {
    if (!key.startsWith(`${prefix}.`) || /\{\{|\$t\(/.test(zh)) continue
    const name = en[key].replace(/^(the|an?) (?=\S)/i, '')
    out[key.slice(prefix.length + 1)] = [zh, name.charAt(0).toUpperCase() + name.slice(1)]
  }
  return out
}
export const STATUS = family('status')
export const PROCEDURE = family('procedure')
export const CHANNEL = family('channel')
export const LEVEL = family('level')
export const UNIT_KIND = family('unitKind')
/** A remark in brackets after a value: full-width in Chinese, " (…)" in English. */
export const paren = (s: string) => (lang === 'zh' ? `（${s}）` : ` (${s})`)
/**
 * A name in quotes: full-width in Chinese, ASCII in English (the font stack puts the CJK fonts
 * first, and they draw “ ” full width, with CJK spacing, in an English sentence).
 */
export const quoted = (s: string) => (lang === 'zh' ? `“${s}”` : `"${s}"`)
export const tr = (m: Record<string, [string, string]>, k: string | null | undefined) => (k && m[k] ? t(m[k][0], m[k][1]) : (k ?? '—'))

/** An ISO-8601 duration by name: P7D → 7 天 / 7 days, PT24H → 24 小时, P1DT12H → 1 天 12 小时. */
export function fmtDuration(iso: string | null | undefined): string {
  if (!iso) return '—'
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso)
  if (!m) return iso
  const parts: string[] = []
  const units: [string | undefined, MessageKey][] = [
    [m[1], 'duration.years'],
    [m[2], 'duration.months'],
    [m[3], 'duration.weeks'],
    [m[4], 'duration.days'],
    [m[5], 'duration.hours'],
    [m[6], 'duration.minutes'],
  ]
  for (const [n, key] of units) if (n && Number(n) > 0) parts.push(tk(key, { count: Number(n) }))
  if (m[7] && Number(m[7]) > 0) parts.push(t(`${m[7]} 秒`, `${m[7]} s`))
  return parts.length ? parts.join(t(' ', ' ')) : iso
}
