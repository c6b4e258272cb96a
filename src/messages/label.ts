/**
 * A label an administrator wrote in a diagram as "中文 / English" (a task's or a gateway's name),
 * as its two halves; a label without the separator is both. Shared by the UI (`serverText`) and
 * the server, which puts a label into a sentence as one parameter per language (`element`,
 * `elementEn`), as names are (catalogue.ts).
 */
export function labelHalves(label: string): { zh: string; en: string } {
  // After a full-width bracket the separator has no leading space: "已受理（web）/ received".
  const m = /\s?\/ /.exec(label)
  if (!m) return { zh: label, en: label }
  return { zh: label.slice(0, m.index), en: label.slice(m.index + m[0].length) }
}
