import t from 'tap'
import { build, onPostgres } from '../helper.js'
import { as, call, caseByNo, garbageReport, petition, streetLight } from '../api.js'
import { cutText } from '../../src/lib/text.js'

/**
 * A petitioner's text at intake, on both databases: kept whole where it is stored, cut only
 * between characters where the platform summarises it (the automatic title), refused with a 400
 * naming the field when no database can store it as sent or it says nothing at all.
 */
const db = onPostgres ? 'PostgreSQL' : 'SQLite'

const ROAD = '路'.repeat(39)

t.test(`the automatic title is cut between characters, not inside an emoji (${db})`, async (t) => {
  const app = await build(t)
  const cases = [
    // 39 + 1 characters: the 40th is the emoji, whose second half was the 41st UTF-16 unit.
    { description: ROAD + '😀后面的内容', title: ROAD + '😀' },
    // A family is one character of five code points (joined by ZWJ), a flag one of two.
    { description: ROAD + '👨‍👩‍👧后面', title: ROAD + '👨‍👩‍👧' },
    { description: ROAD + '🇨🇳后面', title: ROAD + '🇨🇳' },
    // e + a combining accent: the accent stays with its letter.
    { description: 'e\u0301'.repeat(45), title: 'e\u0301'.repeat(40) },
  ]
  for (const c of cases) {
    const p = await petition(app, { ...streetLight, description: c.description })
    const track = await call(app, null, 'GET', `/api/public/track/${p.caseNo}?code=${p.trackingCode}`)
    t.equal(track.body.title, c.title, `public: ${JSON.stringify(c.title.slice(-12))}`)
    t.ok(track.body.title.isWellFormed(), 'a well-formed title')
    t.equal((await caseByNo(app, p.caseNo)).description, c.description, 'the description whole')
  }
  const staff = await call(app, 'dispatcher', 'POST', '/api/cases', { ...garbageReport, title: undefined, description: ROAD + '😀后面的内容' })
  t.equal(staff.status, 201)
  t.equal(staff.body.title, ROAD + '😀', 'staff intake: the same title')
  // One letter under 300 accents is one character: the title still keeps to its 200 code points.
  const heavy = await petition(app, { ...streetLight, description: 'a' + '\u0301'.repeat(300) })
  const title = (await caseByNo(app, heavy.caseNo)).title as string
  t.equal([...title].length, 200, 'at most 200 code points')
})

t.test('cutText keeps whole characters within both limits', async (t) => {
  t.equal(cutText('abc', { graphemes: 5 }), 'abc')
  t.equal(cutText('ab😀c', { graphemes: 3 }), 'ab😀')
  t.equal(cutText('ab😀c', { codePoints: 2 }), 'ab', 'an emoji that does not fit is left out whole')
  t.equal(cutText('a😀', { codePoints: 2 }), 'a😀', 'an emoji is one code point')
  t.equal(cutText('e\u0301e\u0301', { codePoints: 3 }), 'e\u0301', 'a letter keeps its accent')
  t.equal(cutText('🇨🇳🇨🇳', { graphemes: 1 }), '🇨🇳')
  t.equal(cutText('x'.repeat(666) + '😀', { codePoints: 666 }), 'x'.repeat(666))
  t.equal(cutText('x'.repeat(665) + '😀', { codePoints: 666 }), 'x'.repeat(665) + '😀')
})

const json = (app: Awaited<ReturnType<typeof build>>, url: string, payload: string | Buffer) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload })
const petitionJson = (description: string) =>
  `{"description":"${description}","category":"roads.lighting","regionCode":"xh-anping-v01-g1","petitioner":{"type":"person","anonymous":true}}`
const caseCount = async (app: Awaited<ReturnType<typeof build>>) => Number((await app.db('cases').count({ n: '*' }))[0]!.n)

t.test(`a lone surrogate or bytes that are not UTF-8 are a 400 naming the field, not stored differently per database (${db})`, async (t) => {
  const app = await build(t)
  const before = await caseCount(app)
  const refused = async (what: string, payload: string | Buffer, field: string) => {
    const res = await json(app, '/api/public/petitions', payload)
    t.equal(res.statusCode, 400, `${what}: 400`)
    t.equal(res.json().key, 'error.input.encoding', `${what}: the catalogue's sentence`)
    t.match(res.json().message, field, `${what}: names ${field}`)
    t.same(
      res.json().details.map((d: { path: string }) => d.path),
      [`body/${field}`],
      `${what}: the detail's path`,
    )
  }
  await refused('an escaped high surrogate alone', petitionJson('abc\\ud800def'), 'description')
  await refused('an escaped low surrogate alone', petitionJson('abc\\udc00'), 'description')
  await refused('two highs', petitionJson('\\ud83d\\ud83d'), 'description')
  await refused('a lone surrogate in a key', `{"petitioner":{"type":"person","anonymous":true,"n\\ud800":"x"}}`, 'petitioner/n\ud800')
  const bytes = (before: string, bad: number[], after: string) =>
    Buffer.concat([Buffer.from(petitionJson('').split('""')[0] + '"' + before), Buffer.from(bad), Buffer.from(after + '"' + petitionJson('').split('""')[1])])
  await refused('bytes 0xFF 0xFE', bytes('abc', [0xff, 0xfe], 'def'), 'description')
  await refused('a surrogate encoded as UTF-8 (CESU)', bytes('abc', [0xed, 0xa0, 0x80], ''), 'description')
  await refused('an overlong slash', bytes('', [0xc0, 0xaf], ''), 'description')
  await refused('a truncated character', bytes('路', [0xe8, 0xb7], ''), 'description')
  t.equal(await caseCount(app), before, 'nothing was stored')

  // Whole characters, escaped or as bytes, pass and come back exactly.
  for (const [what, payload, text] of [
    ['an escaped pair', petitionJson('abc\\ud83d\\ude00def'), 'abc😀def'],
    ['UTF-8 bytes', Buffer.from(petitionJson('abc😀路\u{10FFFF}def')), 'abc😀路\u{10FFFF}def'],
  ] as const) {
    const res = await json(app, '/api/public/petitions', payload)
    t.equal(res.statusCode, 201, `${what}: 201`)
    t.equal((await caseByNo(app, res.json().caseNo)).description, text, `${what}: stored as sent`)
  }
  // Staff intake goes through the same check.
  const staff = await app.inject({
    method: 'POST',
    url: '/api/cases',
    headers: { 'content-type': 'application/json', ...(await as(app, 'dispatcher')) },
    payload: JSON.stringify({ ...garbageReport, title: 'x' }).replace('"x"', '"x\\udfff"'),
  })
  t.equal(staff.statusCode, 400, 'staff intake: 400')
  t.same(staff.json().details, [{ path: 'body/title' }], 'staff intake: names the title')
})

t.test(`Open311 form bodies whose escapes are not UTF-8 are a 400 naming the field (${db})`, async (t) => {
  const app = await build(t)
  const before = await caseCount(app)
  for (const bad of ['%ED%A0%80', '%FF', 'abc%E8%B7']) {
    for (const format of ['json', 'xml']) {
      const res = await app.inject({
        method: 'POST',
        url: `/open311/v2/requests.${format}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `api_key=demo&service_code=roads.lighting&address_string=x&description=${bad}`,
      })
      t.equal(res.statusCode, 400, `${format} description=${bad}: 400`)
      t.match(res.body, 'description', `${format} description=${bad}: names description`)
    }
  }
  t.equal(await caseCount(app), before, 'nothing was stored')
  const ok = await app.inject({
    method: 'POST',
    url: '/open311/v2/requests.json',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `api_key=demo&service_code=roads.lighting&address_string=x&description=${encodeURIComponent('路灯 😀 100%')}+ok`,
  })
  t.equal(ok.statusCode, 200, 'whole characters: 200')
  t.equal((await caseByNo(app, ok.json()[0].service_request_id)).description, '路灯 😀 100% ok', 'stored as sent')
})

t.test(`a blank description is a 400 on every channel, not a case titled "" (${db})`, async (t) => {
  const app = await build(t)
  const before = await caseCount(app)
  for (const description of ['   ', '\u200b\u200b', '\u3000\t\n', '\ufeff\u2060\u200d', '\u3164']) {
    const what = JSON.stringify(description)
    const pub = await call(app, null, 'POST', '/api/public/petitions', { ...streetLight, description })
    t.equal(pub.status, 400, `public ${what}: 400`)
    t.equal(pub.body.key, 'error.input.blank', `public ${what}: the catalogue's sentence`)
    t.match(pub.body.message, 'description', `public ${what}: names description`)
    const staff = await call(app, 'dispatcher', 'POST', '/api/cases', { ...garbageReport, description })
    t.equal(staff.status, 400, `staff ${what}: 400`)
    t.same(staff.body.details, [{ path: 'body/description' }], `staff ${what}: the detail's path`)
    const open311 = await app.inject({
      method: 'POST',
      url: '/open311/v2/requests.json',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `api_key=demo&service_code=roads.lighting&address_string=x&description=${encodeURIComponent(description)}`,
    })
    // Spaces alone count as no description there (the service's name stands in, as documented).
    if (description.trim()) {
      t.equal(open311.statusCode, 400, `Open311 ${what}: 400`)
      t.match(open311.json()[0].description, 'description', `Open311 ${what}: names description`)
    }
  }
  t.equal(await caseCount(app), before + 2, 'only the two Open311 requests with spaces were stored')
  // Text with something to read passes, and a blank title gives way to the description's start.
  const p = await petition(app, { ...streetLight, title: '\u200b ', description: ' \u200b路灯不亮' })
  t.equal((await caseByNo(app, p.caseNo)).title, '\u200b路灯不亮', 'a blank title: the description is the title')
})

t.test(`half a map point is a 400 on the citizens' form and staff intake, as on Open311 (${db})`, async (t) => {
  const app = await build(t)
  const before = await caseCount(app)
  for (const [given, missing] of [
    [{ lat: 39.76 }, 'lng'],
    [{ lng: 116.98 }, 'lat'],
  ] as const) {
    const pub = await call(app, null, 'POST', '/api/public/petitions', { ...streetLight, ...given })
    t.equal(pub.status, 400, `public ${JSON.stringify(given)}: 400`)
    t.equal(pub.body.key, 'error.case.halfPoint')
    t.same(pub.body.details, [{ path: `body/${missing}` }], `public: names ${missing}`)
    const staff = await call(app, 'dispatcher', 'POST', '/api/cases', { ...garbageReport, ...given })
    t.equal(staff.status, 400, `staff ${JSON.stringify(given)}: 400`)
  }
  t.equal(await caseCount(app), before, 'nothing was stored')
  const both = await call(app, 'dispatcher', 'POST', '/api/cases', { ...garbageReport, lat: 39.76, lng: 116.98 })
  t.equal(both.status, 201, 'both: 201')
  t.same([both.body.lat, both.body.lng], [39.76, 116.98])
  t.equal((await call(app, 'dispatcher', 'POST', '/api/cases', garbageReport)).status, 201, 'neither: 201')
})

t.test(`Open311 attribute[__proto__] is refused as an unknown attribute, not dropped (${db})`, async (t) => {
  const app = await build(t)
  const before = await caseCount(app)
  for (const [field, format] of [
    ['attribute[__proto__]=x', 'json'],
    ['attribute[__proto__]=x', 'xml'],
    ['attribute[__proto__][]=x', 'json'],
    ['attribute[constructor]=x', 'json'],
  ]) {
    const res = await app.inject({
      method: 'POST',
      url: `/open311/v2/requests.${format}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `api_key=demo&service_code=roads.lighting&address_string=x&${field}`,
    })
    t.equal(res.statusCode, 400, `${field} (${format}): 400`)
    t.match(res.body, /unknown attribute/, `${field} (${format}): an unknown attribute`)
    t.match(res.body, /attribute\/(__proto__|constructor)/, `${field} (${format}): named`)
  }
  const top = await app.inject({
    method: 'POST',
    url: '/open311/v2/requests.json',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'api_key=demo&service_code=roads.lighting&address_string=x&__proto__=x',
  })
  t.equal(top.statusCode, 400, '__proto__ as a field: 400')
  t.match(top.json()[0].description, '__proto__', 'named as an unknown field')
  t.equal(await caseCount(app), before, 'nothing was stored')
})

t.test(`a petitioner's name with a direction override is a 400, so it cannot reverse the phone number staff call (${db})`, async (t) => {
  const app = await build(t)
  const person = (name: string) => ({ ...streetLight, petitioner: { type: 'person', anonymous: false, name, phone: '13800138000' } })
  for (const name of ['张三\u202Eevil', '张三\u202Dx', '\u2067李四', '王\u202A五']) {
    const r = await call(app, null, 'POST', '/api/public/petitions', person(name))
    t.equal(r.status, 400, `public form: ${JSON.stringify(name)}`)
    t.match(r.body.details, [{ path: '/petitioner/name', key: 'error.validation.pattern' }])
    const staff = await call(app, 'dispatcher', 'POST', '/api/cases', { ...garbageReport, petitioner: { type: 'person', anonymous: false, name } })
    t.equal(staff.status, 400, `staff intake: ${JSON.stringify(name)}`)
  }
  const o311 = await app.inject({
    method: 'POST',
    url: '/open311/v2/requests.json',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `api_key=demo&service_code=roads.lighting&address_string=x&description=x&first_name=${encodeURIComponent('张三\u202Eevil')}&phone=13800138000`,
  })
  t.equal(o311.statusCode, 400, `Open311: ${o311.body}`)
  // Right-to-left names as people write them (Uyghur, Arabic), a mark included, are kept whole.
  for (const name of ['ئەخمەت ئابدۇللا', 'محمد\u200F', 'Zoë O’Brien']) {
    const p = await petition(app, person(name))
    t.equal((await caseByNo(app, p.caseNo)).petitioner.name, name, `kept: ${name}`)
  }
})
