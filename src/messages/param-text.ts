/**
 * A parameter as it is put into a sentence. A value can come from a request (a case number in a
 * URL, a service code, a path) and is echoed in the answer's message: bidi controls in it
 * (U+202E RIGHT-TO-LEFT OVERRIDE and kin) would reorder the sentence around it, other control
 * characters garble it. Each becomes U+FFFD, visibly something that was there. Tab and line
 * breaks stay (a citizen notice's `result` is a person's text, whole). Used where sentences are
 * rendered from parameters: `render` on the server, `tk` in the UI.
 */
const UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g

export function paramText(text: string): string {
  return text.replace(UNSAFE, '\uFFFD')
}
