/**
 * Messages of the intake branch: text no one can store or read (a broken character, a
 * petition that shows nothing) and a half of a map point. `field` is the request field's path.
 */
export const zh = {
  'error.input.encoding': '{{field}} 含有无效字符（不成对的代理项或不是 UTF-8 的字节）',
  'error.input.blank': '{{field}} 不能为空白',
  'error.case.halfPoint': '位置须同时提供 lat 和 lng（缺少 {{field}}）',
} as const

export const en: { readonly [K in keyof typeof zh]: string } = {
  'error.input.encoding': '{{field}} contains an invalid character (an unpaired surrogate or bytes that are not UTF-8)',
  'error.input.blank': '{{field}} must not be blank',
  'error.case.halfPoint': 'a location needs both lat and lng ({{field}} is missing)',
}
