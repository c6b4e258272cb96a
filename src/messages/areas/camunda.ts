/**
 * Messages of external tasks and worker accounts (src/engine/external-tasks.ts,
 * src/engine/external-routes.ts): the Camunda 7 external-task REST API.
 */
export const zh = {
  'error.externalTask.notFound': '外部任务 {{id}} 不存在',
  'error.externalTask.notWaiting': '外部任务 {{element}} 已不在等待',
  'error.externalTask.uncaughtError': '没有边界事件捕获 BPMN 错误 {{code}}（{{element}}）',
  'error.externalTask.notLockedBy': '外部任务 {{id}} 不是由工作者 {{workerId}} 锁定的',
  'error.externalTask.lockExpired': '外部任务 {{id}} 的锁已过期',
  'error.externalTask.alreadyLocked': '外部任务 {{id}} 已被其他工作者锁定',
  'error.externalTask.badVariable': '变量 {{name}} 不合法：{{detail}}',
  'error.externalTask.unsupportedType':
    '变量 {{name}} 的类型 {{type}} 不受支持（支持 String、Boolean、Integer、Short、Long、Double、Date、Json、Object/JSON、Null）',
  'error.externalTask.incident': '外部任务 {{topic}} 失败，重试次数已用完：{{message}}',
  'error.externalTask.forbidden': '只有管理员、县级管理员或工作者账号可以使用外部任务接口',
  'error.workerAccount.notFound': '工作者账号 {{id}} 不存在',
  'error.workerAccount.badTenant': '{{tenant}} 不是县（区）代码',
} as const

export const en: { readonly [K in keyof typeof zh]: string } = {
  'error.externalTask.notFound': 'External task {{id}} does not exist',
  'error.externalTask.notWaiting': 'External task {{element}} is no longer waiting',
  'error.externalTask.uncaughtError': 'No boundary event catches the BPMN error {{code}} ({{element}})',
  'error.externalTask.notLockedBy': 'External task {{id}} is not locked by worker {{workerId}}',
  'error.externalTask.lockExpired': 'The lock of external task {{id}} has expired',
  'error.externalTask.alreadyLocked': 'External task {{id}} is locked by another worker',
  'error.externalTask.badVariable': 'Variable {{name}} is not valid: {{detail}}',
  'error.externalTask.unsupportedType':
    'Variable {{name}} has the type {{type}}, which is not supported (String, Boolean, Integer, Short, Long, Double, Date, Json, Object as JSON, Null are)',
  'error.externalTask.incident': 'External task {{topic}} failed with no retries left: {{message}}',
  'error.externalTask.forbidden': 'Only administrators, county administrators and worker accounts may use the external-task API',
  'error.workerAccount.notFound': 'Worker account {{id}} does not exist',
  'error.workerAccount.badTenant': '{{tenant}} is not a county code',
}
