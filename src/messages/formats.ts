/**
 * Parameters that are instants. A sentence names the format where it puts one
 * (`{{replyDue, datetime}}`, `{{evaluationDue, date}}`: i18next's own interpolation format
 * syntax), so the stored parameter stays the ISO instant (data) and each reader gets it in their
 * time: the UI registers these formatters with i18next (ui/src/lib/i18n.ts) and shows the
 * browser's zone; the server (`render`, src/messages/index.ts) writes the platform's zone. Only
 * these names are known: the catalogue test refuses any other, so a sentence cannot rely on one
 * side's formatter the other lacks.
 */

/**
 * The zone of every time the server writes into a sentence (Open311 notes, citizens' notices,
 * stored event messages): the platform serves Chinese counties, and China has one zone (the case
 * numbers' and the rates' day is China time too, src/cases/numbering.ts).
 */
export const PLATFORM_TIME_ZONE = 'Asia/Shanghai'

export const FORMATS = ['datetime', 'date'] as const
export type Format = (typeof FORMATS)[number]
export const isFormat = (f: string | undefined): f is Format => (FORMATS as readonly string[]).includes(f ?? '')

const PLACEHOLDER = /\{\{\s*(\w+)\s*(?:,\s*(\w+)\s*)?\}\}/g

/** The placeholders of a template: each parameter's name and the format it is put in, if any. */
export function placeholders(text: string): { name: string; format?: string }[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => ({ name: m[1], ...(m[2] && { format: m[2] }) }))
}

/** A template with each placeholder replaced by what `fill` makes of its parameter. */
export function fillPlaceholders(text: string, fill: (name: string, format: string | undefined) => string): string {
  return text.replace(PLACEHOLDER, (_m, name: string, format: string | undefined) => fill(name, format))
}

const pad = (n: number) => String(n).padStart(2, '0')
// Building an Intl.DateTimeFormat costs far more than using one; a process sees one or two zones.
const formatters = new Map<string, Intl.DateTimeFormat>()
function partsIn(d: Date, timeZone: string | undefined): Record<string, string> {
  // The runtime's own zone is what Date's getters read, without Intl (the UI's long lists).
  if (timeZone === undefined)
    return { year: String(d.getFullYear()), month: pad(d.getMonth() + 1), day: pad(d.getDate()), hour: pad(d.getHours()), minute: pad(d.getMinutes()) }
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    formatters.set(timeZone, f)
  }
  const p: Record<string, string> = {}
  for (const { type, value } of f.formatToParts(d)) p[type] = value
  return p
}

/**
 * An instant as people here write it, the same in both languages: `2026-12-05 10:00`
 * (`datetime`) or `2026-12-05` (`date`), in `timeZone` (the runtime's own when undefined: the
 * browser's). No instant reads "—"; a value that is not one is left as it came.
 */
export function formatInstant(value: unknown, format: Format, timeZone?: string): string {
  if (value === null || value === undefined || value === '') return '—'
  const d = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : null
  if (!d || Number.isNaN(d.getTime())) return String(value)
  const p = partsIn(d, timeZone)
  const day = `${p.year}-${p.month}-${p.day}`
  return format === 'date' ? day : `${day} ${p.hour}:${p.minute}`
}
