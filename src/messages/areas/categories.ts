/**
 * The category tree administered from the web app (src/cases/category-admin.ts): its refusals,
 * and the labels they nest (the urgencies and the two time limits each category sets).
 */
export const zh = {
  'urgency.emergency': '特急',
  'urgency.urgent': '紧急',
  'urgency.normal': '一般',
  'timeLimit.response': '响应时限',
  'timeLimit.resolve': '办结时限',
  'error.category.cityOnly': '事项类别全市通用，只有系统管理员可以修改',
  'error.category.notFound': '类别 {{category}} 不存在',
  'error.category.codeTaken': '类别代码 {{category}} 已被使用',
  'error.category.invalid': '类别的设置有误，请改正以下各项',
  'error.category.unknownParent': '上级类别 {{parent}} 不存在',
  'error.category.blankName': '类别的中文名称不能为空白',
  'error.category.blankNameEn': '类别的英文名称不能为空白',
  'error.category.unknownProcedure': '全市没有已部署的办理程序 {{procedure}}',
  'error.category.badDuration': '$t(urgency.{{urgency}})事项的$t(timeLimit.{{limit}})不是 ISO-8601 时长：{{value}}',
  'error.category.calendarUnit':
    '$t(urgency.{{urgency}})事项的$t(timeLimit.{{limit}})以年或月计（{{value}}）：年、月的长短随日历而变，请改用周、天、小时或分钟',
  'error.category.durationShort': '$t(urgency.{{urgency}})事项的$t(timeLimit.{{limit}})短于 {{minutes}} 分钟',
  'error.category.durationLong': '$t(urgency.{{urgency}})事项的$t(timeLimit.{{limit}})长于 {{days}} 天',
  'error.category.responseAfterResolve': '$t(urgency.{{urgency}})事项的响应时限长于办结时限',
} as const

export const en: { readonly [K in keyof typeof zh]: string } = {
  'urgency.emergency': 'emergency',
  'urgency.urgent': 'urgent',
  'urgency.normal': 'normal',
  'timeLimit.response': 'response limit',
  'timeLimit.resolve': 'resolution limit',
  'error.category.cityOnly': 'categories are city-wide: only the system administrator can change them',
  'error.category.notFound': 'no category {{category}}',
  'error.category.codeTaken': 'the category code {{category}} is already in use',
  'error.category.invalid': "the category's settings need correcting: see each item",
  'error.category.unknownParent': 'there is no parent category {{parent}}',
  'error.category.blankName': "the category's Chinese name must not be blank",
  'error.category.blankNameEn': "the category's English name must not be blank",
  'error.category.unknownProcedure': 'no procedure {{procedure}} is deployed for the city',
  'error.category.badDuration': 'the $t(timeLimit.{{limit}}) of $t(urgency.{{urgency}}) matters is not an ISO-8601 duration: {{value}}',
  'error.category.calendarUnit':
    'the $t(timeLimit.{{limit}}) of $t(urgency.{{urgency}}) matters is given in years or months ({{value}}): their length varies with the calendar, so use weeks, days, hours or minutes',
  'error.category.durationShort': 'the $t(timeLimit.{{limit}}) of $t(urgency.{{urgency}}) matters is shorter than {{minutes}} minutes',
  'error.category.durationLong': 'the $t(timeLimit.{{limit}}) of $t(urgency.{{urgency}}) matters is longer than {{days}} days',
  'error.category.responseAfterResolve': 'the response limit of $t(urgency.{{urgency}}) matters is longer than its resolution limit',
}
