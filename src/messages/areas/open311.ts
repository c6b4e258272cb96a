/**
 * Open311 GeoReport v2 (src/open311/): the errors its outside clients read in the standard's
 * `description` (the bilingual `message`), and the POST's `service_notice`. Field names of the
 * standard (`jurisdiction_id`, `api_key`, `lat`) are codes and stay as written in both languages;
 * what a client sent (a service code, an id, an attribute) is a parameter, never spliced in.
 */
export const zh = {
  'error.open311.jurisdictionRequired': '请提供 jurisdiction_id',
  'error.open311.jurisdictionNotFound': '管辖区 {{jurisdiction}} 不存在（应为市或县的区域代码）',
  'error.open311.otherJurisdiction': '此 api_key 只能用于管辖区 {{jurisdiction}}',
  'error.open311.keyInvalid': 'api_key 无效或已吊销',
  'error.open311.keyRequired': '提交服务请求需要 api_key',
  'error.open311.serviceNotFound': '服务 {{service}} 不存在',
  'error.open311.requestNotFound': '服务请求 {{id}} 不存在',
  'error.open311.tokenNotFound': '此 token 不存在',
  'error.open311.unknownAttribute': '没有属性 {{attribute}}',
  'error.open311.attributeOneValue': '属性 {{attribute}} 只取一个值',
  'error.open311.attributeNotListed': '属性 {{attribute}} 的值不在列表中',
  'error.open311.titleTooLong': '标题（attribute[title]）最多 {{max}} 个字符',
  'error.open311.latLong': 'lat 与 long 须同时提供',
  'error.open311.locationRequired': '请提供位置：lat/long、address_string 或 address_id',
  'error.open311.mediaUrl': 'media_url 须为 http(s) 地址',
  'error.open311.nameTooLong': '姓名（first_name 与 last_name）合计最多 {{max}} 个字符',
  'error.open311.tooManyIds': 'service_request_id 最多 {{max}} 个',
  'error.open311.badStatus': 'status 只能是 open 或 closed，不能是 {{status}}',
  'error.open311.endBeforeStart': 'end_date 早于 start_date',
  'error.open311.windowTooLong': 'start_date 到 end_date 不能超过 {{days}} 天',
  'error.open311.badForm': '表单无法解析',
  'open311.serviceNotice': '已受理，预计 {{due, datetime}} 前办结',
} as const

export const en: { readonly [K in keyof typeof zh]: string } = {
  'error.open311.jurisdictionRequired': 'jurisdiction_id is required',
  'error.open311.jurisdictionNotFound': 'jurisdiction {{jurisdiction}} not found (a city or county region code)',
  'error.open311.otherJurisdiction': 'this api_key is for jurisdiction {{jurisdiction}} only',
  'error.open311.keyInvalid': 'api_key is invalid or revoked',
  'error.open311.keyRequired': 'submitting a service request needs an api_key',
  'error.open311.serviceNotFound': 'service {{service}} not found',
  'error.open311.requestNotFound': 'service request {{id}} not found',
  'error.open311.tokenNotFound': 'token not found',
  'error.open311.unknownAttribute': 'unknown attribute {{attribute}}',
  'error.open311.attributeOneValue': 'attribute {{attribute}} takes one value',
  'error.open311.attributeNotListed': 'the value of attribute {{attribute}} is not one of the listed values',
  'error.open311.titleTooLong': 'the title (attribute[title]) may be at most {{max}} characters',
  'error.open311.latLong': 'lat and long go together',
  'error.open311.locationRequired': 'a location is required: lat/long, address_string or address_id',
  'error.open311.mediaUrl': 'media_url must be an http(s) URL',
  'error.open311.nameTooLong': 'first_name and last_name together may be at most {{max}} characters',
  'error.open311.tooManyIds': 'at most {{max}} service_request_id values',
  'error.open311.badStatus': 'status is open or closed, not {{status}}',
  'error.open311.endBeforeStart': 'end_date is before start_date',
  'error.open311.windowTooLong': 'start_date to end_date may span at most {{days}} days',
  'error.open311.badForm': 'the form body cannot be parsed',
  'open311.serviceNotice': 'received; expected to be resolved by {{due, datetime}}',
}
