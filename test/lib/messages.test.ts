// @sqlite-only: the catalogue and its rendering; the database only carries the text
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, petition, step } from '../api.js'
import { bilingual, en, EVENT_TEXT, isMessageKey, render, templateParams, zh, type MessageKey } from '../../src/messages/index.js'
import { isFormat, placeholders } from '../../src/messages/formats.js'
import { projectRoot } from '../../src/lib/paths.js'
import { validationMsg } from '../../src/lib/errors.js'
import { tsFiles } from '../sources.js'

/**
 * Messages are codes with parameters (src/messages/catalogue.ts), translated by the UI; answers
 * keep `error` and the bilingual `message` for outside clients; what a person wrote is never cut.
 */

/**
 * All of `src/`, Open311 GeoReport included: its errors answer outside clients in the standard's
 * `[{code, description}]`, `description` the bilingual message of a catalogue key like any other
 * (it was left out of this scan once, and its 404s spliced "服务 nope / service_code" into
 * "… 不存在 / not found").
 */
const SRC = tsFiles(path.join(projectRoot(), 'src')).map((f) => ({ f, text: fs.readFileSync(f, 'utf8') }))

t.test('every catalogue key is in both languages with the same parameters', async (t) => {
  t.same(Object.keys(en).sort(), Object.keys(zh).sort(), 'the same keys')
  for (const key of Object.keys(zh) as MessageKey[]) {
    // A name may be asked for in its English form in English (unitName → unitNameEn); an instant
    // is put in with the same format in both (`{{replyDue, datetime}}`).
    const params = (s: string) => placeholders(s).map((p) => `${p.name.replace(/En$/, '')}${p.format ? `, ${p.format}` : ''}`)
    t.same([...new Set(params(en[key]))].sort(), [...new Set(params(zh[key]))].sort(), `${key}: the same parameters`)
    for (const p of placeholders(`${zh[key]} ${en[key]}`))
      if (p.format) t.ok(isFormat(p.format), `${key}: ${p.name} is put in as ${p.format}, a format both the server and the UI know`)
    t.ok(zh[key].trim() && en[key].trim(), `${key}: not empty`)
  }
  // `$t(prefix.{{x}})` nests a label: the prefix must name labels in the catalogue.
  for (const [key, text] of [...Object.entries(zh), ...Object.entries(en)]) {
    for (const m of text.matchAll(/\$t\(([\w.]+)\.\{\{/g))
      t.ok(
        Object.keys(zh).some((k) => k.startsWith(`${m[1]}.`)),
        `${key}: labels ${m[1]}.* exist`,
      )
  }
})

t.test('every key the server emits is in the catalogue', async (t) => {
  // msg('…') calls are typed (MessageKey: a missing key fails tsc); this also catches keys built
  // at run time, the event types handlers write, and a bilingual literal thrown without a key.
  let calls = 0
  for (const { f, text } of SRC) {
    for (const m of text.matchAll(/\bmsg\(\s*'([^']+)'/g)) {
      calls++
      t.ok(isMessageKey(m[1]), `${path.basename(f)}: ${m[1]}`)
    }
    for (const m of text.matchAll(/\b(?:event|this\.event|cases\.event)\((?:ctx|trx), (?:row|id|row\.id|task\.case_id), '(\w+)'/g))
      t.ok(isMessageKey(`event.${m[1]}`), `${path.basename(f)}: event ${m[1]}`)
    for (const m of text.matchAll(/\bnotify\([^)]*?'(\w+)', message\)/g))
      t.ok(isMessageKey(`notification.${m[1]}`), `${path.basename(f)}: notification ${m[1]}`)
    const thrown = [
      ...text.matchAll(/\b(?:badRequest|conflict|forbidden|unprocessable|notFound|unauthorized)\(\s*['`][^'`]*\p{Script=Han}/gu),
      ...text.matchAll(/\bnew HttpError\(\s*\d+,\s*'\w+',\s*['`][^'`]*\p{Script=Han}/gu),
    ]
    t.equal(thrown.length, 0, `${path.relative(projectRoot(), f)}: no error thrown as a bare bilingual string`)
  }
  t.ok(calls > 80, `the server's messages are catalogue keys (${calls} msg() calls)`)
  for (const kw of [
    'required',
    'type',
    'enum',
    'minLength',
    'maxLength',
    'minimum',
    'maximum',
    'pattern',
    'format',
    'additionalProperties',
    'minItems',
    'maxItems',
    'const',
    'exclusiveMinimum',
    'exclusiveMaximum',
  ]) {
    t.ok(isMessageKey(`error.validation.${kw}`), `ajv keyword ${kw}`)
  }
  // Event types other branches add, named now so they read well when they land.
  for (const type of [
    'return_rejected',
    'return_accepted',
    'exclusion_requested',
    'exclusion_approved',
    'exclusion_refused',
    'exclusion_reversed',
    'supervision_order',
    'supervision_reply',
    'co_units_added',
    'duplicate_linked',
  ]) {
    t.ok(isMessageKey(`event.${type}`), `event.${type}`)
  }
})

t.test('rendering: parameters, nested labels, lists', async (t) => {
  // Worked out by hand from the catalogue entries.
  t.equal(render('zh-CN', 'event.received', { channel: 'web' }), '已受理（网站）')
  t.equal(render('en', 'event.received', { channel: 'web' }), 'Received via the website')
  t.equal(
    render('zh-CN', 'event.escalation_accepted', { level: 'city', unitName: '廊坊市综治中心', unitNameEn: 'Langfang Governance Centre' }),
    '市级综治中心已接收，转 廊坊市综治中心 办理',
  )
  t.equal(render('en', 'event.joint_organised', { unitNameEn: 'A', coUnitNamesEn: ['B', 'C'] }), 'Lead unit A, co-organisers B, C')
  t.equal(render('zh-CN', 'event.joint_organised', { unitName: '甲', coUnitNames: ['乙', '丙'] }), '牵头单位 甲，协办单位 乙、丙')
  t.equal(bilingual('error.case.closed'), '案件已办结 / the case is closed')
  t.same(templateParams('event.dispatched').sort(), ['unitName', 'unitNameEn'])
})

t.test('error answers carry key and params beside error and message', async (t) => {
  const app = await build(t)
  const wrong = await call(app, null, 'GET', '/api/public/track/XH20260101-0001?code=WRONGCODE')
  t.equal(wrong.status, 404)
  t.equal(wrong.body.error, 'not_found')
  t.equal(wrong.body.key, 'error.case.trackingNotFound')
  t.same(wrong.body.params, { caseNo: 'XH20260101-0001' })
  t.match(
    wrong.body.message,
    /^没有找到案件 XH20260101-0001.* \/ No case XH20260101-0001 with this tracking code/,
    'a whole sentence in each language, not just the case number',
  )

  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'nope' } })
  t.equal(login.statusCode, 401)
  t.match(login.json(), { error: 'unauthorized', key: 'error.auth.badLogin', params: {}, message: '用户名或密码错误 / invalid username or password' })

  const invalid = await call(app, null, 'POST', '/api/public/petitions', { description: 'x' })
  t.equal(invalid.status, 400)
  t.equal(invalid.body.error, 'validation_failed')
  t.equal(invalid.body.key, 'error.validationFailed')
  t.ok(invalid.body.details.length > 0)
  for (const d of invalid.body.details) {
    t.match(d.key, /^error\.validation\./, 'each problem has a key per ajv keyword')
    t.type(d.messageParams.field, 'string', 'with the field as a parameter')
    t.ok(d.params, "ajv's own params stay")
  }

  const noRoute = await call(app, 'admin', 'GET', '/api/nowhere')
  t.match(noRoute.body, { error: 'not_found', key: 'error.noRoute', params: { method: 'GET', path: '/api/nowhere' } })

  const task = await call(app, 'admin', 'GET', '/api/tasks/no-such-task')
  t.match(task.body, {
    error: 'not_found',
    key: 'error.task.notFound',
    params: { id: 'no-such-task' },
    message: '任务 no-such-task 不存在 / task no-such-task not found',
  })

  const rules = await call(app, 'admin', 'PUT', '/api/routing-rules', {
    tenant: null,
    rules: [{ category: 'no.such', owner: '@grid', resolveLimit: '7 days' }],
  })
  t.equal(rules.status, 422)
  t.equal(rules.body.key, 'error.rules.invalid')
  t.same(
    rules.body.details.map((d: any) => [d.index, d.field, d.key]),
    [
      [0, 'category', 'error.rules.unknownCategory'],
      [0, 'resolveLimit', 'error.rules.badDuration'],
    ],
  )
})

t.test('validation type and format words were English inside the Chinese sentence', async (t) => {
  // Before: "limit 的类型不对（应为 integer）" and "from 的格式不对（应为 date-time）". The expected
  // type or format is now a catalogue entry of its own, worked out here from the catalogue by hand.
  const app = await build(t)
  const typeWrong = await call(app, 'admin', 'GET', '/api/cases?limit=abc')
  t.equal(typeWrong.status, 400)
  t.equal(typeWrong.body.error, 'validation_failed')
  t.equal(typeWrong.body.key, 'error.validationFailed')
  t.same(typeWrong.body.details[0].messageParams, { field: 'limit', type: 'integer' })
  t.equal(typeWrong.body.details[0].message, 'limit 的类型不对（应为整数） / limit has the wrong type (expected a whole number)')
  t.equal(typeWrong.body.message, '请求不合法：limit 的类型不对（应为整数） / invalid request: limit has the wrong type (expected a whole number)')

  const formatWrong = await call(app, 'admin', 'GET', '/api/cases?from=yesterday&limit=0')
  t.equal(formatWrong.status, 400)
  const byKey = Object.fromEntries(formatWrong.body.details.map((d: any) => [d.key, d]))
  t.same(byKey['error.validation.format']?.messageParams, { field: 'from', format: 'dateTime' })
  t.equal(byKey['error.validation.format']?.message, 'from 的格式不对（应为日期时间） / from must be a date and time')
  t.match(byKey['error.validation.format']?.params, { format: 'date-time' }, "ajv's own params stay for outside clients")
  t.equal(formatWrong.body.details.length, 2, 'ajv reports every problem (allErrors)')
  t.equal(
    formatWrong.body.message,
    '请求不合法：from 的格式不对（应为日期时间）；limit 不能小于 1 / invalid request: from must be a date and time; limit must be at least 1',
    'every problem, each language whole',
  )

  // A nullable field's "string,null" names the type; a type or format the catalogue does not know
  // gets the general sentence rather than an English word.
  t.equal(render('zh-CN', 'error.validation.type', validationMsg('type', '/x', { type: 'string,null' }).params), '/x 的类型不对（应为文本）')
  t.same(validationMsg('type', '/x', { type: 'null' }), { key: 'error.validation.other', params: { field: '/x' } })
  t.same(validationMsg('format', '/x', { format: 'ipv6' }), { key: 'error.validation.pattern', params: { field: '/x' } })
  for (const lang of ['zh-CN', 'en'] as const) {
    for (const type of ['string', 'number', 'integer', 'boolean', 'array', 'object']) {
      t.notMatch(render(lang, 'error.validation.type', { field: 'f', type }), /valueType|\$t/, `${lang} ${type}`)
    }
  }
  t.notMatch(render('zh-CN', 'error.validation.type', { field: 'f', type: 'integer' }), /[a-z]{2,}/, 'no English word in the Chinese text')
})

t.test('a result text containing " / " reaches the tracking route intact', async (t) => {
  const app = await build(t)
  const result = '已更换路灯 / replaced the lamp；另见 A/B 区 — 2 / 3 completed'
  const reply = '收到 / on my way'
  const p = await petition(app, {
    channel: 'web',
    title: '路灯不亮',
    description: '北吉里小区门口的路灯坏了一个星期。',
    category: 'safety.falling',
    regionCode: 'gy-xinyuan-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  await step(app, c.id, 'ut_signfor', 'grid02', { signOutcome: 'accept', firstReply: reply })
  await step(app, c.id, 'ut_handle', 'grid02', { outcome: 'resolved', result })
  const res = await app.inject({ method: 'GET', url: `/api/public/track/${p.caseNo}`, headers: { 'x-tracking-code': p.trackingCode } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.status, 'awaiting_evaluation')
  t.equal(body.result, result, 'the result as the handler wrote it')
  const feedback = body.timeline.find((e: any) => e.type === 'feedback')
  t.equal(feedback.data.result, result, 'the feedback event carries the result verbatim in its data')
  t.ok(feedback.message.endsWith(`：${result}`), 'and its bilingual message ends with it, whole')
  t.same(Object.keys(feedback.data).sort(), ['result'], 'no internal data (evaluation deadline) beside it')
  const signed = body.timeline.find((e: any) => e.type === 'signed_for')
  t.same(signed.data, { reply }, 'the first reply is public, as the old message made it')
  const received = body.timeline.find((e: any) => e.type === 'received')
  t.same(received.data, { channel: 'web' }, 'received: only the parameters its sentence uses (no rule id, owner)')
  t.equal(received.message, '已受理（网站） / Received via the website')
  const dispatched = body.timeline.find((e: any) => e.type === 'dispatched')
  t.same(Object.keys(dispatched.data).sort(), ['unitName', 'unitNameEn'], 'the unit by name in both languages, not its code')
  t.same(body.categoryNames, { name: '高空坠物隐患', nameEn: 'Risk of falling objects' })
  for (const e of body.timeline) {
    const text = EVENT_TEXT[e.type]
    if (text && !text.public) t.notOk(text.field in e.data, `${e.type}: its ${text.field} stays with staff`)
  }

  // Staff history keeps the whole data and the message.
  const hist = await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)
  const resolved = hist.body.find((e: any) => e.type === 'resolved')
  t.equal(resolved.data.result, result)
})

t.test('notifications carry their kind as a key with the case number', async (t) => {
  const app = await build(t)
  const rows = await call(app, 'grid02', 'GET', '/api/notifications')
  t.equal(rows.status, 200)
  // None yet on a fresh database; the shape is checked on a row made through the handler.
  const p = await petition(app, {
    channel: 'web',
    description: '楼上空调外机罩松动。',
    category: 'safety.falling',
    regionCode: 'gy-xinyuan-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const c = await caseByNo(app, p.caseNo)
  await app.db('notifications').insert({
    id: 'n-test',
    recipient: 'grid02',
    case_id: c.id,
    kind: 'supervision',
    message: bilingual('notification.supervision', { caseNo: p.caseNo }),
    created_at: new Date().toISOString(),
    read_at: null,
  })
  const after = await call(app, 'grid02', 'GET', '/api/notifications')
  const n = after.body.find((x: any) => x.id === 'n-test')
  t.match(n, { kind: 'supervision', key: 'notification.supervision', params: { caseNo: p.caseNo }, caseNo: p.caseNo })
  t.equal(n.message, `督办：案件 ${p.caseNo} 已超时 / Supervision: case ${p.caseNo} is overdue`)
})

t.test('public rates for the citizen page: counts and rates only', async (t) => {
  const app = await build(t)
  await petition(app, {
    channel: 'web',
    description: '路面坑洼积水严重。',
    category: 'roads.damage',
    regionCode: 'gy-xinyuan-v01-g1',
    petitioner: { type: 'person', anonymous: true },
  })
  const r = await call(app, null, 'GET', '/api/public/rates')
  t.equal(r.status, 200)
  t.equal(r.body.received, 1, 'the one case received this year')
  t.equal(r.body.closed, 0)
  t.same(Object.keys(r.body).sort(), ['closed', 'closureRate', 'period', 'received', 'resolutionRate', 'responseRate', 'satisfactionRate'])
})
