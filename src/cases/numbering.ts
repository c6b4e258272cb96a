import { randomInt } from 'node:crypto'
import type { Trx } from '../lib/db.js'
import { sqlRows } from '../lib/hot-sql.js'

/**
 * Case numbers read over the phone: county prefix + China-time date + daily sequence,
 * e.g. `XH20261122-0042`. The sequence is a counter row incremented inside the intake
 * transaction, so two nodes on one PostgreSQL never hand out the same number (the row lock
 * serialises them; the unique case_no is the last line of defence).
 */

/** Spoken prefixes of the demo counties; other tenants use the first letters of their code. */
const PREFIXES: Record<string, string> = { '': 'LF', langfang: 'LF', xianghe: 'XH', guangyang: 'GY' }

export function prefixFor(tenant: string): string {
  if (PREFIXES[tenant]) return PREFIXES[tenant]
  const letters = tenant.replace(/[^a-z]/gi, '').toUpperCase()
  return (letters.slice(0, 2) || 'LF').padEnd(2, 'X')
}

/** YYYYMMDD and YYYY-MM in China Standard Time (UTC+8), the day a petitioner would say. */
export function chinaDay(date = new Date()): { day: string; month: string } {
  const iso = new Date(date.getTime() + 8 * 3600e3).toISOString()
  return { day: iso.slice(0, 10).replace(/-/g, ''), month: iso.slice(0, 7) }
}

export async function nextCaseNo(trx: Trx, tenant: string, date = new Date()): Promise<string> {
  const prefix = prefixFor(tenant)
  const { day } = chinaDay(date)
  const key = `${prefix}${day}`
  // The day's first case inserts the counter row; a concurrent first insert is ignored and both
  // then increment the one row. RETURNING (SQLite ≥ 3.35, PostgreSQL) hands back the value the
  // increment wrote, under the same row lock: no second statement to read it.
  const draw = async () =>
    (await sqlRows(trx, 'update "case_counters" set "value" = "value" + 1 where "key" = ? returning "value"', [key]))[0] as
      { value: number | string } | undefined
  let row = await draw()
  if (!row) {
    await trx('case_counters').insert({ key, value: 0 }).onConflict('key').ignore()
    row = await draw()
  }
  return `${key}-${String(row!.value).padStart(4, '0')}`
}

/** No 0/O, 1/I/L: a code a citizen can read out or type from a text message. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'

export function trackingCode(length = 8): string {
  let s = ''
  for (let i = 0; i < length; i++) s += ALPHABET[randomInt(ALPHABET.length)]
  return s
}
