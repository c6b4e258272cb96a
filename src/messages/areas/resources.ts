/**
 * Messages of the resource store (src/engine/resources.ts): deployed forms and decisions.
 * An area file keeps a capability's keys apart from the core catalogue (catalogue.ts composes
 * them), so branches adding messages do not edit one long object side by side.
 */
export const zh = {
  'error.resource.notFound': '{{kind}} {{key}} 不存在',
  'error.resource.versionNotFound': '版本 {{id}} 不存在',
  'error.resource.noValidator': '不支持部署此类资源：{{kind}}',
  'error.resource.badKey': '资源标识 {{key}} 不合法（字母开头，最多 255 个字母、数字、._-）',
  'resourceKind.form': '表单',
  'resourceKind.decision': '决策表',
} as const

export const en: { readonly [K in keyof typeof zh]: string } = {
  'error.resource.notFound': '{{kind}} {{key}} does not exist',
  'error.resource.versionNotFound': 'Version {{id}} does not exist',
  'error.resource.noValidator': 'This kind of resource cannot be deployed: {{kind}}',
  'error.resource.badKey': 'Resource key {{key}} is not valid (a letter first, then up to 255 letters, digits or ._-)',
  'resourceKind.form': 'form',
  'resourceKind.decision': 'decision table',
}
