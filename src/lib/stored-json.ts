/**
 * JSON text read back from a column. Rows written before history stopped being cut hold
 * invalid JSON (a variable change sliced at 4,000 characters); one such row made the whole
 * case history a 500 for everyone. Such text comes back as `{ unreadable: <the text> }`.
 */
export function parseStoredJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === '') return null
  try {
    return JSON.parse(text)
  } catch {
    return { unreadable: text }
  }
}
