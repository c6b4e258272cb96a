/**
 * Messages of deployed task forms (src/tasks/forms.ts, form-store.ts, form-routes.ts) and the
 * form editor page.
 */
export const zh = {
  'error.form.hidden': '此字段当前不显示，不能填写',
  'error.forms.tooLarge': '表单过大（最多 {{limit}} 字节）',
  'error.forms.badJson': '表单不是合法的 JSON',
  'error.forms.notForm': '不是 form-js 表单（应有 components 列表）',
  'error.forms.badId': '表单标识 {{id}} 不合法（应为 shuoshi-名称，名称由字母、数字、下划线、连字符组成）',
  'error.forms.invalid': '表单有问题，未部署',
  'error.forms.tooDeep': '分组嵌套过深（最多 {{limit}} 层）',
  'error.forms.tooMany': '组件过多（最多 {{limit}} 个）',
  'error.forms.unsupported': '不支持的组件类型：{{type}}',
  'error.forms.tooLong': '标签或文字过长',
  'error.forms.badCondition': '显示条件不是合法的 FEEL 表达式',
  'error.forms.slowCondition': '显示条件不能使用循环或正则函数',
  'error.forms.dynamicValues': '选项须在表单中列出，不能来自变量或表达式',
  'error.forms.groupPath': '分组不能设置数据路径',
  'error.forms.badKey': '字段键 {{key}} 不合法（字母或下划线开头，最多 64 个字母、数字、下划线）',
  'error.forms.protectedKey': '字段 {{key}} 是平台变量，只能由平台设置',
  'error.forms.duplicateKey': '字段键 {{key}} 重复',
  'error.forms.badValidate': '校验设置不合法',
  'error.forms.badPattern': '正则表达式不合法或过长（最多 200 个字符）',
  'error.forms.patternExponential': '这个正则表达式在某些输入上耗时成倍增长（指数级回溯），会让填表人的浏览器卡住，请改写',
  'error.forms.patternPolynomial': '这个正则表达式在长文本上耗时按长度的 {{degree}} 次方增长，会让填表人的浏览器卡住，请改写',
  'error.forms.patternSlow': '这个正则表达式在试探输入上耗时过长，会让填表人的浏览器卡住，请改写',
  'error.forms.patternUnchecked': '表单的正则表达式太多或太复杂，{{seconds}} 秒内检查不完，请减少或简化',
  'error.forms.patternTimeout': '{{field}} 无法按表单规定的格式检查：格式规则过于复杂，请联系管理员修改表单',
  'error.forms.badValues': '选项须为 1 到 {{limit}} 个，值为文字、数字或是否',
  'error.forms.notFound': '表单版本 {{id}} 不存在',
} as const

export const en: { readonly [K in keyof typeof zh]: string } = {
  'error.form.hidden': 'This field is not shown now and cannot be filled in',
  'error.forms.tooLarge': 'The form is too large (at most {{limit}} bytes)',
  'error.forms.badJson': 'The form is not valid JSON',
  'error.forms.notForm': 'Not a form-js form (it needs a list of components)',
  'error.forms.badId': 'Form id {{id}} is not valid (shuoshi-<name>, the name in letters, digits, underscores and hyphens)',
  'error.forms.invalid': 'The form has problems and was not deployed',
  'error.forms.tooDeep': 'Groups are nested too deep (at most {{limit}} levels)',
  'error.forms.tooMany': 'Too many components (at most {{limit}})',
  'error.forms.unsupported': 'Component type not supported: {{type}}',
  'error.forms.tooLong': 'A label or text is too long',
  'error.forms.badCondition': 'The show/hide condition is not a valid FEEL expression',
  'error.forms.slowCondition': 'A show/hide condition may not use loops or regular-expression functions',
  'error.forms.dynamicValues': 'Options must be listed in the form, not taken from variables or expressions',
  'error.forms.groupPath': 'A group may not set a data path',
  'error.forms.badKey': 'Field key {{key}} is not valid (a letter or underscore first, up to 64 letters, digits or underscores)',
  'error.forms.protectedKey': 'Field {{key}} is a platform variable, set by the platform only',
  'error.forms.duplicateKey': 'Field key {{key}} is used twice',
  'error.forms.badValidate': 'The validation settings are not valid',
  'error.forms.badPattern': 'The pattern is not valid or too long (at most 200 characters)',
  'error.forms.patternExponential':
    'This pattern takes exponentially longer on some inputs (catastrophic backtracking) and would freeze the browser of whoever fills in the form; please rewrite it',
  'error.forms.patternPolynomial':
    'This pattern takes time growing as the text length to the power {{degree}} and would freeze the browser of whoever fills in the form; please rewrite it',
  'error.forms.patternSlow': 'This pattern takes too long on test inputs and would freeze the browser of whoever fills in the form; please rewrite it',
  'error.forms.patternUnchecked': "The form's patterns are too many or too complex to check within {{seconds}} seconds; please use fewer or simpler ones",
  'error.forms.patternTimeout':
    "{{field}} could not be checked against the form's pattern: the pattern is too complex; ask an administrator to change the form",
  'error.forms.badValues': 'A field needs 1 to {{limit}} options, each a text, number or yes/no',
  'error.forms.notFound': 'Form version {{id}} does not exist',
}
