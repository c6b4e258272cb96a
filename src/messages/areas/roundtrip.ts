/**
 * Messages of the round trips (src/engine/camunda-rest.ts, src/engine/resource-routes.ts):
 * Camunda Modeler's deployment bundles and file downloads.
 */
export const zh = {
  'error.bundle.notMultipart': '请以 multipart/form-data 上传部署文件',
  'error.bundle.empty': '部署包中没有文件',
  'error.bundle.tooMany': '部署包中的文件过多（最多 {{max}} 个）',
  'error.bundle.unknownType': '{{file}}：不支持此类文件（可部署 .bpmn、.bpmn20.xml、.dmn、.form）',
  'error.bundle.notText': '{{file}}：不是 UTF-8 文本，或含有空字符',
  'error.bundle.badName': '文件名不合法：{{file}}',
  'error.bundle.duplicateName': '部署包中有两个同名文件：{{file}}',
  'error.bundle.file': '{{file}} 未能部署，整个部署包均未部署',
} as const

export const en: { readonly [K in keyof typeof zh]: string } = {
  'error.bundle.notMultipart': 'Upload the deployment as multipart/form-data',
  'error.bundle.empty': 'The deployment has no files',
  'error.bundle.tooMany': 'Too many files in one deployment (at most {{max}})',
  'error.bundle.unknownType': '{{file}}: this kind of file cannot be deployed (.bpmn, .bpmn20.xml, .dmn and .form can)',
  'error.bundle.notText': '{{file}}: not UTF-8 text, or it contains a NUL character',
  'error.bundle.badName': 'File name not valid: {{file}}',
  'error.bundle.duplicateName': 'Two files of the deployment have the same name: {{file}}',
  'error.bundle.file': '{{file}} could not be deployed, so nothing of the deployment was',
}
