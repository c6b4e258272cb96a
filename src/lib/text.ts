/**
 * Cutting and judging a person's text. `.slice(0, n)` counts UTF-16 units: a cut through an
 * emoji left half a surrogate pair, which each database then stored its own way (SQLite
 * `\ufffd\ufffd\ufffd`, PostgreSQL `\ufffd`), and a cut between a letter and its accent or
 * inside a flag changed what the text says.
 */

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
