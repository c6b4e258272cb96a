/**
 * Messages of the operator's command line (src/cli.ts): the first administrator, a password
 * reset and the import of the organisation, printed in both languages on the operator's terminal.
 */
export const zh = {
  'cli.usage':
    '用法：\n' +
    '  npm run admin -- create --username <用户名> [--display-name <姓名>] [--unit <单位代码>]\n' +
    '  npm run admin -- reset-password --username <用户名>\n' +
    '  npm run admin -- import-org <文件.json>\n' +
    '  npm run admin -- seed-categories（写入 12345 标准类别树及时限，仅当还没有类别）\n' +
    '密码从环境变量 ADMIN_PASSWORD 读取，未设置时从标准输入读取（终端中输入两次，不回显）。',
  'cli.unknownCommand': '没有命令 {{command}}',
  'cli.badOption': '无法识别或缺少值的选项：{{option}}',
  'cli.passwordInArgv': '密码不能写在命令行上（进程列表会泄露它）：请用环境变量 ADMIN_PASSWORD 或标准输入',
  'cli.badUsername': '用户名 {{username}} 不合规：2–64 个字符，字母或数字开头，只用字母、数字和 . _ -',
  'cli.badDisplayName': '姓名须为 1–100 个字符',
  'cli.passwordTooShort': '密码太短：至少 {{min}} 个字符',
  'cli.passwordTooLong': '密码太长：最多 {{max}} 个字符',
  'cli.passwordBadChars': '密码含有空字符或不成对的代理字符',
  'cli.passwordsDiffer': '两次输入的密码不一致',
  'cli.noPassword': '没有读到密码：请设置 ADMIN_PASSWORD 或从标准输入提供',
  'cli.passwordPrompt': '密码：',
  'cli.passwordAgain': '再输入一次：',
  'cli.adminCreated': '已创建系统管理员 {{username}}（数据库 {{database}}）',
  'cli.adminExists': '用户 {{username}} 已存在；要重设其密码，请用 reset-password',
  'cli.passwordReset': '已重设 {{username}} 的密码，其所有登录令牌已作废',
  'cli.unknownUser': '没有用户 {{username}}',
  'cli.unitUnknown': '单位 {{unit}} 不存在（先用 import-org 导入组织）',
  'cli.fileUnreadable': '无法读取文件 {{file}}',
  'cli.fileNotJson': '文件 {{file}} 不是有效的 JSON',
  'cli.orgInvalid': '组织文件有误，未导入任何内容：',
  'cli.orgImported': '已导入：新增区域 {{regionsAdded}} 个、单位 {{unitsAdded}} 个；更新名称的区域 {{regionsUpdated}} 个、单位 {{unitsUpdated}} 个',
  'cli.categoriesSeeded': '已写入 12345 标准类别树：{{count}} 个类别及其时限和默认派单规则',
  'cli.categoriesPresent': '数据库已有 {{count}} 个类别，未作改动（类别由管理员维护）',
  'cli.org.duplicate': '代码 {{code}} 出现了不止一次',
  'cli.org.unknownParent': '上级区域 {{parent}} 既不在文件中也不在数据库中',
  'cli.org.parentAfter': '上级区域 {{parent}} 须写在下级之前',
  'cli.org.topNotCity': '没有上级的区域必须是市级',
  'cli.org.levelAfterParent': '{{parent}} 是$t(level.{{parentLevel}})区域，其下级应为$t(level.{{expected}})区域，而不是$t(level.{{level}})区域',
  'cli.org.gridNoChildren': '{{parent}} 是网格，网格之下没有区域',
  'cli.org.moved': '区域 {{code}} 已存在，但上级或级别不同：已有的区域不能移动（案件按其路径归属）',
  'cli.org.unknownRegion': '单位的区域 {{region}} 既不在文件中也不在数据库中',
  'cli.org.unknownUnitParent': '上级单位 {{parent}} 既不在文件中也不在数据库中',
  'cli.org.unitMoved': '单位 {{code}} 已存在，但区域不同：已有的单位不能移到别的区域',
} as const

export const en: { readonly [K in keyof typeof zh]: string } = {
  'cli.usage':
    'Usage:\n' +
    '  npm run admin -- create --username <name> [--display-name <display name>] [--unit <unit code>]\n' +
    '  npm run admin -- reset-password --username <name>\n' +
    '  npm run admin -- import-org <file.json>\n' +
    '  npm run admin -- seed-categories (the 12345 standard category tree and its deadlines, only when there are no categories yet)\n' +
    'The password is read from the ADMIN_PASSWORD environment variable, else from standard input (typed twice, not echoed, at a terminal).',
  'cli.unknownCommand': 'no command {{command}}',
  'cli.badOption': 'unknown option, or an option without its value: {{option}}',
  'cli.passwordInArgv': 'a password may not be given on the command line (process lists show it): use ADMIN_PASSWORD or standard input',
  'cli.badUsername': 'username {{username}} is not allowed: 2–64 characters, a letter or digit first, then letters, digits, . _ -',
  'cli.badDisplayName': 'the display name must have 1–100 characters',
  'cli.passwordTooShort': 'password too short: at least {{min}} characters',
  'cli.passwordTooLong': 'password too long: at most {{max}} characters',
  'cli.passwordBadChars': 'the password contains a NUL or an unpaired surrogate',
  'cli.passwordsDiffer': 'the two passwords differ',
  'cli.noPassword': 'no password read: set ADMIN_PASSWORD or give it on standard input',
  'cli.passwordPrompt': 'Password: ',
  'cli.passwordAgain': 'Again: ',
  'cli.adminCreated': 'system administrator {{username}} created (database {{database}})',
  'cli.adminExists': 'user {{username}} already exists; to set a new password use reset-password',
  'cli.passwordReset': "password of {{username}} reset; all of the user's tokens are revoked",
  'cli.unknownUser': 'no user {{username}}',
  'cli.unitUnknown': 'unit {{unit}} does not exist (import the organisation first with import-org)',
  'cli.fileUnreadable': 'cannot read file {{file}}',
  'cli.fileNotJson': 'file {{file}} is not valid JSON',
  'cli.orgInvalid': 'the organisation file has problems; nothing was imported:',
  'cli.orgImported':
    'imported: {{regionsAdded}} regions and {{unitsAdded}} units added; names of {{regionsUpdated}} regions and {{unitsUpdated}} units updated',
  'cli.categoriesSeeded': 'the 12345 standard category tree written: {{count}} categories with their deadlines and default routing rules',
  'cli.categoriesPresent': 'the database already has {{count}} categories; nothing changed (administrators keep them)',
  'cli.org.duplicate': 'code {{code}} appears more than once',
  'cli.org.unknownParent': 'parent region {{parent}} is neither in the file nor in the database',
  'cli.org.parentAfter': 'parent region {{parent}} must come before its children',
  'cli.org.topNotCity': 'a region without a parent must be a city',
  'cli.org.levelAfterParent': '{{parent}} is a $t(level.{{parentLevel}}) region: its children are $t(level.{{expected}}) regions, not $t(level.{{level}}) ones',
  'cli.org.gridNoChildren': '{{parent}} is a grid: no region lies below a grid',
  'cli.org.moved': 'region {{code}} exists with another parent or level: existing regions do not move (cases belong to their path)',
  'cli.org.unknownRegion': "the unit's region {{region}} is neither in the file nor in the database",
  'cli.org.unknownUnitParent': 'parent unit {{parent}} is neither in the file nor in the database',
  'cli.org.unitMoved': 'unit {{code}} exists in another region: existing units do not move to another region',
}
