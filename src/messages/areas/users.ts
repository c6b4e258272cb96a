/**
 * User administration from the web app (src/org/user-admin.ts): the refusals of changing a user,
 * deactivating one and resetting a password, by an administrator inside their scope.
 */
export const zh = {
  'error.org.unknownUser': '没有用户 {{username}}',
  'error.org.adminRole': '县级管理员不能授予、修改或收回系统管理员角色',
  'error.org.moveOutsideCounty': '不能把用户调到本县以外',
  'error.org.selfDeactivate': '不能停用自己的账号',
  'error.org.selfDemote': '不能收回自己的管理员角色',
  'error.org.selfPasswordReset': '不能在这里重设自己的密码：修改自己的密码需要输入当前密码',
} as const

export const en: { readonly [K in keyof typeof zh]: string } = {
  'error.org.unknownUser': 'no user {{username}}',
  'error.org.adminRole': 'a county administrator cannot grant, change or take away the system administrator role',
  'error.org.moveOutsideCounty': 'a user cannot be moved outside your county',
  'error.org.selfDeactivate': 'you cannot deactivate your own account',
  'error.org.selfDemote': 'you cannot take away your own administrator role',
  'error.org.selfPasswordReset': 'you cannot reset your own password here: changing your own password needs the current one',
}
