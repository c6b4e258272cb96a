/**
 * Withdrawing a process key for a tenant and restoring it (src/engine/withdrawals.ts): the
 * refusals, and the processes page's words for it (ui/src/pages/processes.ts). `key` is the
 * process key (a code), `tenantName` / `tenantNameEn` the county's name, `by` a display name.
 */
export const zh = {
  'error.engine.processKeyWithdrawn': '流程 {{key}} 已停用，不能启动新的实例',
  'error.engine.noCityVersion': '流程 {{key}} 没有市级版本',
  'error.engine.noCountyVersion': '流程 {{key}} 没有 {{tenant}} 的县级版本',
  'error.case.procedureNeededByIntake': '不能停用流程 {{key}}：受理新案件时要启动它，停用后没有别的版本可用，案件将无法登记。请先部署或恢复可用的版本',
  'withdrawal.inForce': '生效中',
  'withdrawal.withdrawn': '已停用',
  'withdrawal.withdraw': '停用',
  'withdrawal.restore': '恢复',
  'withdrawal.withdrawnBy': '{{by}} 于 {{at, datetime}} 停用。',
  'withdrawal.countyUsesCity': '该县的新案件使用市级默认版本。',
  'withdrawal.cannotStart': '新的实例不能启动。',
  'withdrawal.confirmCounty': '停用{{tenantName}}的流程 {{key}}？该县的新案件将改用市级默认版本；已在办理的案件按原版本办完。之后可以恢复。',
  'withdrawal.confirmCountyNoCity': '停用{{tenantName}}的流程 {{key}}？没有市级默认版本可用，该县将不能再启动它；已在运行的实例按原版本运行完。之后可以恢复。',
  'withdrawal.confirmCity': '停用流程 {{key}} 的市级默认版本？没有本县版本的县和市级将不能再启动它；已在运行的实例按原版本运行完。之后可以恢复。',
  'withdrawal.withdrawnToast': '已停用流程 {{key}}',
  'withdrawal.restoredToast': '已恢复流程 {{key}}',
} as const

export const en: { readonly [K in keyof typeof zh]: string } = {
  'error.engine.processKeyWithdrawn': 'the process {{key}} is withdrawn: no new instance of it can start',
  'error.engine.noCityVersion': 'the process {{key}} has no city version',
  'error.engine.noCountyVersion': 'the process {{key}} has no version of {{tenant}}',
  'error.case.procedureNeededByIntake':
    'the process {{key}} cannot be withdrawn: intake starts it for new cases, and with no other version to fall back on no case could be filed any more. Deploy or restore a version to use first',
  'withdrawal.inForce': 'in force',
  'withdrawal.withdrawn': 'Withdrawn',
  'withdrawal.withdraw': 'Withdraw',
  'withdrawal.restore': 'Restore',
  'withdrawal.withdrawnBy': 'Withdrawn by {{by}} on {{at, datetime}}.',
  'withdrawal.countyUsesCity': 'New cases of this county use the city default.',
  'withdrawal.cannotStart': 'No new instance can start.',
  'withdrawal.confirmCounty':
    "Withdraw {{tenantNameEn}}'s versions of the process {{key}}? New cases there will use the city default; cases under way finish on their version. You can restore it later.",
  'withdrawal.confirmCountyNoCity':
    "Withdraw {{tenantNameEn}}'s versions of the process {{key}}? There is no city default to use, so it can no longer start there; instances running now finish on their version. You can restore it later.",
  'withdrawal.confirmCity':
    'Withdraw the city default of the process {{key}}? It can no longer start for the city, nor in any county without a version of its own; instances running now finish on their version. You can restore it later.',
  'withdrawal.withdrawnToast': 'Process {{key}} withdrawn',
  'withdrawal.restoredToast': 'Process {{key}} restored',
}
