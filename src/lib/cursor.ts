import { badRequest, msg } from './errors.js'

/** Keyset paging cursor: base64url of the last row's sort value and id (stable under inserts). */
export function encodeCursor(sortValue: string, id: string): string {
  return Buffer.from(JSON.stringify([sortValue, id])).toString('base64url')
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return v as [string, string]
  } catch {
    /* fall through */
  }
  throw badRequest(msg('error.cursor'))
}

/** Lists count their matches exactly up to here; past it they say "more than this". */
export const TOTAL_CAP = 1000

/**
 * The paging fields for a count from `countUpTo`: `total` when exact, `totalAtLeast` (cap + 1)
 * when there are more, neither on a later page (null: not counted).
 */
export function totalFields(n: number | null, cap = TOTAL_CAP): { total?: number; totalAtLeast?: number } {
  if (n === null) return {}
  return n > cap ? { totalAtLeast: cap + 1 } : { total: n }
}
