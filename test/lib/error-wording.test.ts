// @sqlite-only: these refusals are written before any handler reads the database
import { createRequire } from 'node:module'
import net from 'node:net'
import t from 'tap'
import { build, onPostgres } from '../helper.js'
import { FASTIFY_REFUSALS, frameworkMsg } from '../../src/lib/errors.js'
import { isMessageKey, render } from '../../src/messages/index.js'

/**
 * What the server says when it refuses a request before any handler of ours ran (the rate limit,
 * Fastify's body parsers and router): a catalogue sentence in each language, never the library's
 * English, never a raw code. The expected sentences are written out by hand from the catalogue.
 */
const db = onPostgres ? 'PostgreSQL' : 'SQLite'

const petition = {
  description: '路灯不亮',
  category: 'other',
  regionCode: 'xh-anping',
  petitioner: { type: 'person', anonymous: true },
}

/** The Chinese half of a "中文 / English" message. */
const chinese = (message: string) => message.slice(0, message.indexOf(' / '))

t.test(`a 429 said "请 1 minute 后再试": English inside the Chinese text (${db})`, async (t) => {
  const app = await build(t)
  // The public form takes 10 a minute from one address; the 11th is refused.
  const send = () => app.inject({ method: 'POST', url: '/api/public/petitions', payload: petition })
  const statuses = []
  let res = await send()
  for (let i = 0; i < 11 && res.statusCode !== 429; i++) statuses.push((res = await send()).statusCode)
  t.equal(res.statusCode, 429)
  t.equal(statuses.length, 10, 'the 11th petition is refused')
  const body = res.json()
  t.equal(body.error, 'too_many_requests', 'the error code outside clients read is unchanged')
  const seconds = Number(res.headers['retry-after'])
  t.ok(seconds > 0 && seconds <= 60, `Retry-After is still sent (${seconds})`)
  t.equal(body.key, 'error.tooManyRequests')
  t.same(body.params, { seconds }, 'the wait is a number, the same as Retry-After')
  t.equal(body.message, `请求过于频繁，请 ${seconds} 秒后再试 / too many requests, retry in ${seconds}s`)
  t.notMatch(chinese(body.message), /[A-Za-z]/, 'no English in the Chinese text')
})

t.test(`Fastify's 4xx refusals were its English text, without a key (${db})`, async (t) => {
  const app = await build(t)
  const post = (payload: string, contentType: string) =>
    app.inject({ method: 'POST', url: '/api/public/petitions', headers: { 'content-type': contentType }, payload })
  const cases: [what: string, res: Awaited<ReturnType<typeof post>>, status: number, error: string, key: string, message: string][] = [
    [
      'a petition past its body limit (36 KB: every field full, 6 bytes a character)',
      await post(JSON.stringify({ ...petition, description: '长'.repeat(13000) }), 'application/json'),
      413,
      'payload_too_large',
      'error.payloadTooLarge',
      '请求内容过大 / the request is too large',
    ],
    [
      'truncated JSON',
      await post('{"description": "路灯', 'application/json'),
      400,
      'bad_request',
      'error.request.invalidJson',
      '请求内容无法按 JSON 读取 / the request body cannot be read as JSON',
    ],
    [
      'JSON with __proto__',
      await post(`{"__proto__": {"admin": true}, "description": "x"}`, 'application/json'),
      400,
      'bad_request',
      'error.request.invalidJson',
      '请求内容无法按 JSON 读取 / the request body cannot be read as JSON',
    ],
    [
      'an empty JSON body',
      await post('', 'application/json'),
      400,
      'bad_request',
      'error.request.emptyJson',
      '请求内容为空，但声明为 JSON / the request body is empty but declared as JSON',
    ],
    [
      'a form-encoded petition',
      await post('description=x&category=other', 'application/x-www-form-urlencoded'),
      415,
      'unsupported_media_type',
      'error.unsupportedMediaType',
      '不支持的内容类型 / unsupported content type',
    ],
  ]
  for (const [what, res, status, error, key, message] of cases) {
    t.equal(res.statusCode, status, `${what}: ${status}`)
    t.same(res.json(), { error, message, key, params: {} }, `${what}: the catalogue's sentence`)
  }
})

t.test(`an undecodable URL said "请求地址无效（FST_ERR_BAD_URL）": a raw code on screen (${db})`, async (t) => {
  const app = await build(t)
  for (const url of ['/api/public/track/%ZZ', '/api/cases/%E0%A4%A']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 400, url)
    t.same(res.json(), {
      error: 'bad_request',
      key: 'error.badUrl',
      params: {},
      message: '请求地址中有无法解码的字符 / the request URL contains characters that cannot be decoded',
    })
  }
})

t.test("every 4xx code in Fastify's errors module has a sentence, and no sentence shows a code", async (t) => {
  // Enumerated from the installed Fastify, so a release adding a request error shows up here.
  const errors = createRequire(import.meta.url)('fastify/lib/errors.js') as Record<string, unknown>
  // 4xx by its status, but raised by our own code at start-up (a parser added after listen), never by a request.
  const notARequest = new Set(['FST_ERR_CTP_INSTANCE_ALREADY_STARTED', 'FST_ERR_INVALID_URL'])
  // Answered by their own handlers: schema errors (schemaProblems) and unknown routes (error.noRoute).
  const elsewhere = new Set(['FST_ERR_VALIDATION', 'FST_ERR_NOT_FOUND'])
  const request = { method: 'GET', url: '/x?y=1' }
  let seen = 0
  for (const [code, Ctor] of Object.entries(errors)) {
    if (typeof Ctor !== 'function' || !code.startsWith('FST_ERR_')) continue
    const err = new (Ctor as new (...a: string[]) => { code: string; statusCode: number })('a', 'b', 'c')
    if (err.statusCode < 400 || err.statusCode >= 500) continue
    seen++
    const m = frameworkMsg(err, request)
    if (notARequest.has(code)) t.same(m, { key: 'error.request.other', params: { status: err.statusCode } }, `${code}: the general sentence`)
    else if (code === 'FST_ERR_NOT_FOUND') t.same(m, { key: 'error.noRoute', params: { method: 'GET', path: '/x' } }, code)
    else if (!elsewhere.has(code)) t.ok(FASTIFY_REFUSALS[code], `${code} has a sentence of its own`)
    for (const lang of ['zh-CN', 'en'] as const) {
      const text = render(lang, m.key, m.params)
      t.notMatch(text, /FST_|\{\{|\$t\(/, `${code} ${lang}: no code, no template left: ${text}`)
    }
  }
  t.ok(seen >= 10, `Fastify's 4xx codes were enumerated (${seen})`)
  for (const key of Object.values(FASTIFY_REFUSALS)) t.ok(isMessageKey(key), key)
  // A 4xx of a plugin with a code of its own: the general sentence with its status, or by status.
  t.same(frameworkMsg({ code: 'FST_PROTO_VIOLATION', statusCode: 400 }), { key: 'error.request.other', params: { status: 400 } })
  t.same(frameworkMsg({ code: 'FST_FILES_LIMIT', statusCode: 413 }), { key: 'error.payloadTooLarge' })
  t.equal(render('zh-CN', 'error.request.other', { status: 406 }), '请求未能处理（状态码 406）')
})

t.test(`a URL's bidi control was repeated into the message: "没有找到案件 \u202E，…" (${db})`, async (t) => {
  const app = await build(t)
  // U+202E RIGHT-TO-LEFT OVERRIDE as the case number: shown raw, it reversed the rest of the sentence.
  const res = await app.inject({ method: 'GET', url: '/api/public/track/%E2%80%AE' })
  t.equal(res.statusCode, 404)
  const body = res.json()
  t.equal(body.key, 'error.case.trackingNotFound')
  t.same(body.params, { caseNo: '\u202E' }, 'the parameter is what was asked for (the UI neutralises it as it renders)')
  t.notMatch(body.message, /[\u202A-\u202E\u2066-\u2069]/, 'no bidi control in the message')
  t.equal(chinese(body.message), '没有找到案件 \uFFFD，或查询码不对。请核对案件编号和查询码（在提交成功页或短信中）。', 'shown as U+FFFD, in its place')

  // Where every sentence is rendered from parameters: each bidi control, the other controls; tab and line breaks stay.
  for (const c of [
    '\u202A',
    '\u202B',
    '\u202C',
    '\u202D',
    '\u202E',
    '\u2066',
    '\u2067',
    '\u2068',
    '\u2069',
    '\u200E',
    '\u200F',
    '\u061C',
    '\u0000',
    '\u001B',
    '\u007F',
    '\u0085',
    '\u2028',
  ])
    t.equal(render('en', 'error.case.notFound', { caseNo: `a${c}b` }), 'case a\uFFFDb not found', `U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`)
  t.equal(render('zh-CN', 'error.auth.roles', { roles: ['甲\u202E', '乙'] }), '需要以下角色之一：甲\uFFFD、乙', 'list items too')
})

t.test('a value reading "$t(…)" was expanded as a nested label', async (t) => {
  // The nested label is resolved in the template before values go in (i18next's skipOnVariables).
  t.equal(render('zh-CN', 'error.case.notFound', { caseNo: '$t(error.internal)' }), '案件 $t(error.internal) 不存在')
  t.equal(render('zh-CN', 'error.validation.type', { field: 'limit', type: 'integer' }), 'limit 的类型不对（应为整数）', 'nested labels still resolve')
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/api/$t(error.internal)' })
  t.equal(res.statusCode, 404)
  t.equal(res.json().message, '没有此路径：GET /api/$t(error.internal) / no route GET /api/$t(error.internal)')
})

/** Sends `head` as raw bytes to a listening server and reads the whole answer (the connection closes). */
function raw(port: number, head: Buffer): Promise<{ status: number; type: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head))
    const chunks: Buffer[] = []
    socket.on('data', (c) => chunks.push(c))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const [headers, body] = [text.slice(0, text.indexOf('\r\n\r\n')), text.slice(text.indexOf('\r\n\r\n') + 4)]
      resolve({ status: Number(headers.split(' ')[1]), type: /content-type: *([^\r\n]*)/i.exec(headers)?.[1] ?? '', body: JSON.parse(body) })
    })
  })
}

t.test(`raw UTF-8 in a query got Fastify's {"error":"Bad Request","message":"Client Error"} (${db})`, async (t) => {
  // Node's HTTP parser refuses these before Fastify routes them: only a real socket shows it.
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  const request = (target: Buffer, extra = '') =>
    Buffer.concat([Buffer.from('GET '), target, Buffer.from(` HTTP/1.1\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`)])

  const unencoded = await raw(port, request(Buffer.from('/api/cases?q=垃圾', 'utf8')))
  t.equal(unencoded.status, 400)
  t.match(unencoded.type, /^application\/json/)
  t.same(unencoded.body, {
    error: 'bad_request',
    message:
      '请求地址中有不允许的字符：中文、空格等须先按百分号编码（如 %E5%9E%83） / the request URL contains characters that are not allowed: Chinese characters, spaces and the like must be percent-encoded (e.g. %E5%9E%83)',
    key: 'error.request.urlChars',
    params: {},
  })

  const space = await raw(port, request(Buffer.from('/api/public/regions?parent=a b')))
  t.equal(space.status, 400)
  t.same(space.body, {
    error: 'bad_request',
    message: '请求不是可读的 HTTP 请求 / the request is not a readable HTTP request',
    key: 'error.request.malformed',
    params: {},
  })

  // Node's limit on all headers together is 16 KB by default.
  const huge = await raw(port, request(Buffer.from('/health'), `X-Big: ${'a'.repeat(20_000)}\r\n`))
  t.equal(huge.status, 431)
  t.same(huge.body, { error: 'headers_too_large', message: '请求头过大 / the request headers are too large', key: 'error.request.headersTooLarge', params: {} })

  // The same URL percent-encoded is an ordinary request (a 401: it needs a token).
  t.equal((await raw(port, request(Buffer.from(`/api/cases?q=${encodeURIComponent('垃圾')}`)))).status, 401)
})
