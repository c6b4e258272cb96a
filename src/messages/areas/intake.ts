/**
 * Messages of the intake branch: text no database can store as sent (a broken character).
 * `field` is the request field's path.
 */
export const zh = {
  'error.input.encoding': '{{field}} 含有无效字符（不成对的代理项或不是 UTF-8 的字节）',
} as const

export const en: { readonly [K in keyof typeof zh]: string } = {
  'error.input.encoding': '{{field}} contains an invalid character (an unpaired surrogate or bytes that are not UTF-8)',
}
