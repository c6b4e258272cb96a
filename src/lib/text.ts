/**
 * Cutting and judging a person's text. `.slice(0, n)` counts UTF-16 units: a cut through an
 * emoji left half a surrogate pair, which each database then stored its own way (SQLite
 * `\ufffd\ufffd\ufffd`, PostgreSQL `\ufffd`), and a cut between a letter and its accent or
 * inside a flag changed what the text says.
 */

import { isUtf8 } from 'node:buffer'

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

/**
 * The longest start of `text` made of whole graphemes (what a reader sees as one character)
 * within both limits: `graphemes` of them and `codePoints` in all (what a PostgreSQL
 * varchar(n) counts). A single grapheme longer than `codePoints` on its own (a letter under
 * hundreds of combining marks) is cut between code points, never inside one.
 */
export function cutText(text: string, limits: { graphemes?: number; codePoints?: number }): string {
  const maxGraphemes = limits.graphemes ?? Infinity
  const maxCodePoints = limits.codePoints ?? Infinity
  // Graphemes ≤ code points ≤ UTF-16 units: a text this short is within both limits.
  if (text.length <= Math.min(maxGraphemes, maxCodePoints)) return text
  let end = 0
  let count = 0
  let codePoints = 0
  for (const { segment } of graphemes.segment(text)) {
    const size = [...segment].length
    if (count === maxGraphemes) break
    if (codePoints + size > maxCodePoints) {
      if (count === 0) return [...segment].slice(0, maxCodePoints).join('')
      break
    }
    end += segment.length
    count++
    codePoints += size
  }
  return text.slice(0, end)
}

/**
 * Characters that show nothing: white space, format characters such as the zero-width space
 * and joiners, the other default-ignorable ones (fillers, variation selectors) and controls.
 */
const INVISIBLE = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}]*$/u

/** Whether a text shows nothing at all ("   ", "\u200b\u200b"): no petition can be read from it. */
export const isBlank = (text: string): boolean => INVISIBLE.test(text)

/**
 * Whether a text is valid Unicode: no half of a surrogate pair alone (`"\ud800"` in JSON). Such a
 * text cannot be written as UTF-8, so each database stored its own replacement (SQLite three
 * U+FFFD, PostgreSQL one): the same petition read back differently. (Node 20's
 * `String.prototype.isWellFormed`; TypeScript declares it only from ES2024's library.)
 */
export const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed()

/** What an invalid UTF-8 sequence decodes to in `decodeUtf8`: a lone surrogate, which valid UTF-8 can never give. */
export const INVALID_UTF8 = '\ud800'

/**
 * UTF-8 bytes as text, with each invalid sequence (a stray continuation byte, an overlong or
 * truncated sequence, an encoded surrogate, past U+10FFFF) as INVALID_UTF8 instead of the
 * U+FFFD a decoder puts there silently: the text then fails `isWellFormed`, and the check that
 * refuses lone surrogates names the field the bad bytes were in.
 */
export function decodeUtf8(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8')
  let text = ''
  let start = 0
  let i = 0
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i)
    if (n > 0) {
      i += n
      continue
    }
    text += bytes.toString('utf8', start, i) + INVALID_UTF8
    start = ++i
  }
  return text + bytes.toString('utf8', start)
}

/** The length of the valid UTF-8 sequence at `i` (RFC 3629's table), or 0. */
function sequenceLength(b: Buffer, i: number): number {
  const c = b[i]!
  if (c < 0x80) return 1
  const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0
  if (n === 0 || i + n > b.length) return 0
  for (let k = 1; k < n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return 0
  const c1 = b[i + 1]!
  if ((c === 0xe0 && c1 < 0xa0) || (c === 0xf0 && c1 < 0x90)) return 0 // overlong
  if (c === 0xed && c1 > 0x9f) return 0 // U+D800–U+DFFF
  if (c === 0xf4 && c1 > 0x8f) return 0 // past U+10FFFF
  return n
}
