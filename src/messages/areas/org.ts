/**
 * Regions and org units administered from the web app (src/org/org-admin.ts): the refusals of
 * adding and changing them, and the labels of unit kinds (the page and the refusals name them).
 */
export const zh = {
  'unitKind.centre': '综治中心',
  'unitKind.department': '部门',
  'unitKind.section': '股室',
  'unitKind.station': '站所',
  'unitKind.village_committee': '村（居）委会',
  'unitKind.grid': '网格',
  'error.org.regionOutsideScope': '只能管理本县的区域和单位',
  'error.org.countyNameCityOnly': '县（区）的名称由市级系统管理员修改',
  'error.org.regionCodeTaken': '区域代码 {{code}} 已被使用',
  'error.org.unitCodeTaken': '单位代码 {{code}} 已被使用',
  'error.org.gridNoChildren': '{{regionName}}是网格，网格之下不能再添加区域',
  'error.org.centreExists': '{{regionName}}已有综治中心“{{unitName}}”：一个区域只设一个中心',
  'error.org.blankName': '名称不能为空白',
} as const

export const en: { readonly [K in keyof typeof zh]: string } = {
  'unitKind.centre': 'governance centre',
  'unitKind.department': 'department',
  'unitKind.section': 'section',
  'unitKind.station': 'station',
  'unitKind.village_committee': 'village committee',
  'unitKind.grid': 'grid',
  'error.org.regionOutsideScope': 'you can only administer the regions and units of your county',
  'error.org.countyNameCityOnly': "a county's name is changed by the city's system administrator",
  'error.org.regionCodeTaken': 'region code {{code}} is already in use',
  'error.org.unitCodeTaken': 'unit code {{code}} is already in use',
  'error.org.gridNoChildren': '{{regionNameEn}} is a grid: no region can be added below a grid',
  'error.org.centreExists': '{{regionNameEn}} already has a governance centre, “{{unitNameEn}}”: a region has one centre',
  'error.org.blankName': 'a name cannot be blank',
}
