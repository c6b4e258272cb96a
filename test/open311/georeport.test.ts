import t from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { build, onPostgres } from '../helper.js'
import { call } from '../api.js'
import { fromXml, problems } from './schemas.js'

/**
 * Open311 GeoReport v2 (src/open311/README.md): every endpoint in both formats against the
 * standard's schemas (test/fixtures/open311/), the XML answer read back equal to the JSON one,
 * requests made into cases, public fields only, the standard's errors, and the API keys.
 */
const db = onPostgres ? 'PostgreSQL' : 'SQLite'
const V2 = '/open311/v2'

// Six apps and some 200 requests: minutes on a machine shared with other runs.
t.setTimeout(600_000)

const form = (fields: Record<string, string | number | undefined>) =>
  new URLSearchParams(
    Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  ).toString()

async function post(app: FastifyInstance, format: 'json' | 'xml', fields: Record<string, string | number | undefined>, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: `${V2}/requests.${format}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: form(fields),
  })
}

/** GET in both formats: the JSON answer, after checking the XML answer says the same. */
async function both(t: any, app: FastifyInstance, pathNoExt: string, query = '', status = 200): Promise<any> {
  const json = await app.inject({ method: 'GET', url: `${pathNoExt}.json${query}` })
  const xml = await app.inject({ method: 'GET', url: `${pathNoExt}.xml${query}` })
  t.equal(json.statusCode, status, `${pathNoExt}.json${query}: ${status}`)
  t.equal(xml.statusCode, status, `${pathNoExt}.xml${query}: ${status}`)
  t.match(json.headers['content-type'], /application\/json/)
  t.match(xml.headers['content-type'], /text\/xml/)
  const parsed = fromXml(xml.body) as { root: string; value: unknown }
  t.same(parsed.value, json.json(), `${pathNoExt}: the XML answer reads back as the JSON answer`)
  return { body: json.json(), root: parsed.root }
}

const POLLUTION = {
  api_key: 'demo',
  jurisdiction_id: 'xianghe',
  service_code: 'environment.pollution',
  lat: 39.7631,
  long: 117.0063,
  address_string: '安平镇安平村东口',
  description: '河边工厂夜里排放黑烟',
  media_url: 'https://photos.example.org/p/123.jpg',
  first_name: '雷',
  last_name: '李',
  phone: '13800000011',
  'attribute[region]': 'xh-anping-v01-g1',
  'attribute[urgency]': 'urgent',
}

t.test(`every endpoint answers schema-valid JSON and XML, and a request becomes a case (${db})`, async (t) => {
  const app = await build(t)

  // Services: the category tree's leaves.
  const services = await both(t, app, `${V2}/services`)
  t.equal(services.root, 'services')
  t.equal(problems('services', services.body), null, 'services.json validates against services.json')
  const codes = services.body.map((s: any) => s.service_code)
  t.ok(codes.includes('environment.pollution'), 'a leaf category is a service')
  t.notOk(codes.includes('environment'), 'a category with children is not')
  t.ok(codes.includes('other'), 'a top category without children is')
  const pollution = services.body.find((s: any) => s.service_code === 'environment.pollution')
  t.same(
    [pollution.service_name, pollution.group, pollution.metadata, pollution.type],
    ['污染排放 / Pollution', '环境卫生 / Environment and sanitation', true, 'realtime'],
  )

  // A service definition: the form's fields, the region list of the jurisdiction.
  const def = await both(t, app, `${V2}/services/environment.pollution`, '?jurisdiction_id=xianghe')
  t.equal(def.root, 'service_definition')
  t.equal(problems('serviceDefinition', def.body), null, 'the definition validates against service-definition.json')
  t.same(
    def.body.attributes.map((a: any) => a.code),
    ['region', 'title', 'urgency', 'petitioner_type'],
  )
  const regions = def.body.attributes[0].values.map((v: any) => v.key)
  t.ok(regions.includes('xh-anping-v01-g1'), 'a Xianghe grid is offered')
  t.notOk(
    regions.some((r: string) => r.startsWith('gy-')),
    'no Guangyang region is',
  )
  t.notOk(regions.includes('xianghe'), 'nor the jurisdiction itself (the default)')

  // POST, form-encoded as the standard has it, with a name: a case like the citizens' form makes.
  const created = await post(app, 'json', POLLUTION)
  t.equal(created.statusCode, 200, `POST requests.json: ${created.body}`)
  const answer = created.json()
  t.equal(problems('submitted', answer), null, 'the answer validates against RequestResponse')
  const [{ service_request_id: id, token, tracking_code: code }] = answer
  t.match(id, /^XH\d{8}-\d{4}$/, 'service_request_id is the case number')
  const listed = (await call(app, 'admin', 'GET', `/api/cases?q=${id}`)).body.items
  t.equal(listed.length, 1, 'one case')
  const c = (await call(app, 'admin', 'GET', `/api/cases/${listed[0].id}`)).body
  t.same(
    [c.channel, c.category, c.regionCode, c.urgency, c.address, c.lat, c.lng, c.description, c.petitioner],
    [
      'open311',
      'environment.pollution',
      'xh-anping-v01-g1',
      'urgent',
      '安平镇安平村东口',
      39.7631,
      117.0063,
      '河边工厂夜里排放黑烟',
      { type: 'person', name: '雷 李', phone: '13800000011', anonymous: false },
    ],
    'the case holds what was sent, the petitioner as the form stores one',
  )
  // Routed by the Xianghe rule for pollution in a grid (test/authz/matrix.ts PLACE.xh.routed).
  t.equal(c.ownerUnit, 'xianghe-environment', 'routed as any intake')
  t.same(
    c.activeTasks.map((x: any) => x.elementId),
    ['ut_signfor'],
    'its procedure started',
  )
  const tracked = await app.inject({ method: 'GET', url: `/api/public/track/${id}`, headers: { 'x-tracking-code': code } })
  t.equal(tracked.statusCode, 200, 'the tracking code in the answer opens the citizen’s tracking page')

  // POST in XML, anonymous (no name, no phone), located by address only.
  const anon = await post(app, 'xml', { api_key: 'demo', jurisdiction_id: 'xianghe', service_code: 'roads.lighting', address_string: '淑阳镇城内社区北街' })
  t.equal(anon.statusCode, 200, `POST requests.xml: ${anon.body}`)
  const anonXml = fromXml(anon.body) as { root: string; value: any }
  t.equal(anonXml.root, 'service_requests')
  t.equal(problems('submitted', anonXml.value), null, 'the XML answer validates against RequestResponse')
  const anonId = anonXml.value[0].service_request_id
  const anonCase = (await call(app, 'admin', 'GET', `/api/cases?q=${anonId}`)).body.items[0]
  t.same(
    [anonCase.petitioner.anonymous, anonCase.petitioner.name, anonCase.regionCode, anonCase.description],
    [true, null, 'xianghe', '路灯照明 / Street lighting'],
    'anonymous, at the jurisdiction, the service’s name as description',
  )

  // Reads: the list, one request, a token.
  const all = await both(t, app, `${V2}/requests`, '?jurisdiction_id=xianghe')
  t.equal(all.root, 'service_requests')
  t.equal(problems('requests', all.body), null, 'the list validates against requests.json')
  t.same(
    all.body.map((r: any) => r.service_request_id),
    [anonId, id],
    'both requests, newest first',
  )
  const one = await both(t, app, `${V2}/requests/${id}`, '?jurisdiction_id=xianghe')
  t.equal(problems('requests', one.body), null, 'one request validates against requests.json')
  const r = one.body[0]
  t.same(
    [
      r.status,
      r.service_code,
      r.service_name,
      r.description,
      r.agency_responsible,
      r.address,
      r.lat,
      r.long,
      r.media_url,
      r.expected_datetime,
      r.requested_datetime,
    ],
    [
      'open',
      'environment.pollution',
      '污染排放 / Pollution',
      '河边工厂夜里排放黑烟',
      '香河县生态环境分局',
      '安平镇安平村东口',
      39.7631,
      117.0063,
      POLLUTION.media_url,
      c.resolveDueAt,
      c.createdAt,
    ],
  )
  const timeline = tracked.json().timeline
  t.equal(r.status_notes, timeline[timeline.length - 1].message, 'status_notes: the latest public event (here the dispatch)')
  for (const body of [JSON.stringify(all.body), JSON.stringify(one.body)]) {
    t.notOk(body.includes('13800000011') || body.includes('雷 李') || body.includes(code), 'no phone, name or tracking code in any read')
  }
  const tok = await both(t, app, `${V2}/tokens/${token}`, '?jurisdiction_id=xianghe')
  t.equal(problems('token', tok.body), null, 'the token answer validates against TokenResponse')
  t.same(tok.body, [{ service_request_id: id, token }])

  // Without jurisdiction_id: the one city (Langfang) holds both.
  t.equal((await both(t, app, `${V2}/requests`)).body.length, 2, 'the default jurisdiction is the city')
  t.equal((await both(t, app, `${V2}/requests`, '?jurisdiction_id=guangyang')).body.length, 0, 'Guangyang has none of them')
  await both(t, app, `${V2}/requests/${id}`, '?jurisdiction_id=guangyang', 404)
  await both(t, app, `${V2}/tokens/${token}`, '?jurisdiction_id=guangyang', 404)
})

t.test(`errors are the standard's [{code, description}] in both formats (${db})`, async (t) => {
  const app = await build(t)
  const errorCase = async (what: string, res: LightMyRequestResponse, status: number, format: 'json' | 'xml') => {
    t.equal(res.statusCode, status, `${what}: ${status}`)
    const body = format === 'json' ? res.json() : (fromXml(res.body) as any)
    if (format === 'xml') t.equal(body.root, 'errors', `${what}: <errors>`)
    const value = format === 'json' ? body : body.value
    t.equal(problems('errors', value), null, `${what}: the error format`)
    t.equal(value[0]?.code, status, `${what}: the code is the status`)
    t.match(value[0]?.description, / \/ /, `${what}: a 中文 / English description`)
    return value[0]?.description as string
  }
  for (const f of ['json', 'xml'] as const) {
    await errorCase(`${f}: POST without api_key`, await post(app, f, { service_code: 'other', address_string: 'x' }), 403, f)
    await errorCase(`${f}: POST with an unknown api_key`, await post(app, f, { api_key: 'nope', service_code: 'other', address_string: 'x' }), 403, f)
    t.match(await errorCase(`${f}: POST without a location`, await post(app, f, { api_key: 'demo', service_code: 'other' }), 400, f), /location/)
    t.match(await errorCase(`${f}: POST with lat only`, await post(app, f, { api_key: 'demo', service_code: 'other', lat: 39.7 }), 400, f), /long/)
    t.match(
      await errorCase(`${f}: POST an unknown service`, await post(app, f, { api_key: 'demo', service_code: 'nope', address_string: 'x' }), 400, f),
      /service_code/,
    )
    t.match(
      await errorCase(`${f}: POST a category with children`, await post(app, f, { api_key: 'demo', service_code: 'environment', address_string: 'x' }), 400, f),
      /service_code/,
    )
    t.match(
      await errorCase(
        `${f}: POST an unknown attribute`,
        await post(app, f, { api_key: 'demo', service_code: 'other', address_string: 'x', 'attribute[colour]': 'red' }),
        400,
        f,
      ),
      /colour/,
    )
    t.match(
      await errorCase(
        `${f}: POST a region of another county`,
        await post(app, f, { api_key: 'demo', jurisdiction_id: 'xianghe', service_code: 'other', address_string: 'x', 'attribute[region]': 'gy-xinyuan' }),
        400,
        f,
      ),
      /region/,
    )
    t.match(
      await errorCase(
        `${f}: POST a javascript: media_url`,
        await post(app, f, { api_key: 'demo', service_code: 'other', address_string: 'x', media_url: 'javascript:alert(1)' }),
        400,
        f,
      ),
      /media_url/,
    )
    t.match(
      await errorCase(
        `${f}: POST an unknown field`,
        await post(app, f, { api_key: 'demo', service_code: 'other', address_string: 'x', colour: 'red' }),
        400,
        f,
      ),
      /colour/,
    )
    t.match(await errorCase(`${f}: POST lat 91`, await post(app, f, { api_key: 'demo', service_code: 'other', lat: 91, long: 0 }), 400, f), /lat/)
    await errorCase(
      `${f}: POST to an unknown jurisdiction`,
      await post(app, f, { api_key: 'demo', jurisdiction_id: 'atlantis', service_code: 'other', address_string: 'x' }),
      404,
      f,
    )
    await errorCase(
      `${f}: POST to a township as jurisdiction`,
      await post(app, f, { api_key: 'demo', jurisdiction_id: 'xh-anping', service_code: 'other', address_string: 'x' }),
      404,
      f,
    )
    await errorCase(`${f}: an unknown service definition`, await app.inject({ method: 'GET', url: `${V2}/services/nope.${f}` }), 404, f)
    await errorCase(`${f}: an unknown request`, await app.inject({ method: 'GET', url: `${V2}/requests/XH20260101-0001.${f}` }), 404, f)
    await errorCase(`${f}: an unknown token`, await app.inject({ method: 'GET', url: `${V2}/tokens/nope.${f}` }), 404, f)
    await errorCase(`${f}: an unknown jurisdiction`, await app.inject({ method: 'GET', url: `${V2}/requests.${f}?jurisdiction_id=atlantis` }), 404, f)
    t.match(
      await errorCase(
        `${f}: a window of 91 days`,
        await app.inject({ method: 'GET', url: `${V2}/requests.${f}?start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z` }),
        400,
        f,
      ),
      /90/,
    )
    t.match(
      await errorCase(
        `${f}: an end before the start`,
        await app.inject({ method: 'GET', url: `${V2}/requests.${f}?start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z` }),
        400,
        f,
      ),
      /end_date/,
    )
    t.match(
      await errorCase(`${f}: a status that is not open or closed`, await app.inject({ method: 'GET', url: `${V2}/requests.${f}?status=pending` }), 400, f),
      /status/,
    )
    await errorCase(`${f}: a date that is not a date`, await app.inject({ method: 'GET', url: `${V2}/requests.${f}?start_date=yesterday` }), 400, f)
    await errorCase(`${f}: a NUL in the query`, await app.inject({ method: 'GET', url: `${V2}/requests.${f}?service_code=a%00b` }), 400, f)
  }
  await errorCase('a format the standard has not', await app.inject({ method: 'GET', url: `${V2}/services.html` }), 400, 'json')
  await errorCase('a path that is no endpoint', await app.inject({ method: 'GET', url: `${V2}/discovery.xml` }), 404, 'xml')
  t.equal(
    await app
      .db('cases')
      .count({ n: '*' })
      .first()
      .then((r: any) => Number(r.n)),
    0,
    'no refused request made a case',
  )
})

t.test(`Open311 404s read "服务 nope / service_code 不存在 / not found": bilingual arguments inside the bilingual wrapper (${db})`, async (t) => {
  // Each description is one sentence per language, the client's value a parameter in both; written
  // out by hand from src/messages/areas/open311.ts.
  const app = await build(t)
  const description = async (res: LightMyRequestResponse, format: 'json' | 'xml', status: number) => {
    t.equal(res.statusCode, status)
    const value = format === 'json' ? res.json() : (fromXml(res.body) as any).value
    return value[0].description as string
  }
  for (const f of ['json', 'xml'] as const) {
    t.equal(
      await description(await app.inject({ method: 'GET', url: `${V2}/services/nope.${f}` }), f, 404),
      '服务 nope 不存在 / service nope not found',
      `${f}: an unknown service`,
    )
    t.equal(
      await description(await app.inject({ method: 'GET', url: `${V2}/services.${f}?jurisdiction_id=nowhere` }), f, 404),
      '管辖区 nowhere 不存在（应为市或县的区域代码） / jurisdiction nowhere not found (a city or county region code)',
      `${f}: an unknown jurisdiction`,
    )
    t.equal(
      await description(await app.inject({ method: 'GET', url: `${V2}/requests/XH20260101-0001.${f}` }), f, 404),
      '服务请求 XH20260101-0001 不存在 / service request XH20260101-0001 not found',
      `${f}: an unknown request`,
    )
    t.equal(await description(await app.inject({ method: 'GET', url: `${V2}/tokens/nope.${f}` }), f, 404), '此 token 不存在 / token not found', `${f}: a token`)
    t.equal(
      await description(await app.inject({ method: 'GET', url: `${V2}/requests.${f}?status=pending` }), f, 400),
      'status 只能是 open 或 closed，不能是 pending / status is open or closed, not pending (status)',
      `${f}: a status`,
    )
    t.equal(
      await description(await post(app, f, { api_key: 'demo', service_code: 'other', address_string: 'x', 'attribute[colour]': 'red' }), f, 400),
      '没有属性 attribute[colour] / unknown attribute attribute[colour] (attribute/colour)',
      `${f}: an unknown attribute`,
    )
  }
  const ids = Array.from({ length: 1001 }, (_, i) => `XH20260101-${String(i).padStart(4, '0')}`).join(',')
  t.equal(
    await description(await app.inject({ method: 'GET', url: `${V2}/requests.json?service_request_id=${ids}` }), 'json', 400),
    'service_request_id 最多 1000 个 / at most 1000 service_request_id values (service_request_id)',
    'the cap on ids, a number in each language',
  )
  // Fastify's own refusals answer in the standard's format with the app's sentences, not "请求不合法 / invalid request: Body is not valid JSON…".
  const truncated = await app.inject({
    method: 'POST',
    url: `${V2}/requests.json`,
    headers: { 'content-type': 'application/json' },
    payload: '{"api_key": "de',
  })
  t.equal(await description(truncated, 'json', 400), '请求内容无法按 JSON 读取 / the request body cannot be read as JSON', 'truncated JSON')
  const noRoute = await app.inject({ method: 'GET', url: `${V2}/discovery.json` })
  t.equal(await description(noRoute, 'json', 404), '没有此路径：GET /open311/v2/discovery.json / no route GET /open311/v2/discovery.json', 'no such endpoint')
  // The rate limit (120 reads a minute per address without a key): the wait in seconds, no English in the Chinese.
  let limited = await app.inject({ method: 'GET', url: `${V2}/services.xml` })
  for (let i = 0; i < 130 && limited.statusCode !== 429; i++) limited = await app.inject({ method: 'GET', url: `${V2}/services.xml` })
  const seconds = Number(limited.headers['retry-after'])
  t.equal(await description(limited, 'xml', 429), `请求过于频繁，请 ${seconds} 秒后再试 / too many requests, retry in ${seconds}s`, 'the 429 in XML')
})

t.test(`what reads show: a jurisdiction's cases, public fields only, the standard's filters (${db})`, async (t) => {
  const app = await build(t)
  const mine = (await post(app, 'json', POLLUTION)).json()[0].service_request_id
  // Staff intake from the hotline: listed without its text or place; a family conflict not at all.
  const staff = async (category: string, regionCode: string) => {
    const res = await call(app, 'dispatcher', 'POST', '/api/cases', {
      channel: 'hotline',
      description: `热线反映：王五家 13900000000 ${category}`,
      category,
      regionCode,
      address: '王五家',
      petitioner: { type: 'person', name: '王五', phone: '13900000000', anonymous: false },
    })
    t.equal(res.status, 201, `staff intake ${category}`)
    return res.body.caseNo as string
  }
  const hotline = await staff('roads.damage', 'xh-anping-v01-g1')
  const family = await staff('neighbour.family', 'xh-anping-v01-g1')
  const guangyang = await staff('urban.stall', 'gy-xinyuan-v01-g1')

  const list = (await both(t, app, `${V2}/requests`, '?jurisdiction_id=xianghe')).body
  t.same(
    list.map((r: any) => r.service_request_id).sort(),
    [hotline, mine].sort(),
    'Xianghe lists its Open311 request and the hotline case; not the family conflict, not Guangyang’s',
  )
  const h = list.find((r: any) => r.service_request_id === hotline)
  t.same(
    [h.description, h.address, h.lat, h.long, h.media_url, h.status_notes],
    [null, null, null, null, null, '已受理 / Received'],
    'a case from another channel: no text, no place, the status name as notes',
  )
  t.notOk(JSON.stringify(list).includes('王五') || JSON.stringify(list).includes('13900000000'), 'nothing of the hotline caller')
  await both(t, app, `${V2}/requests/${family}`, '?jurisdiction_id=xianghe', 404)
  t.equal((await both(t, app, `${V2}/requests/${guangyang}`, '?jurisdiction_id=guangyang')).body.length, 1, 'Guangyang’s case in Guangyang')

  // Filters.
  const ids = async (q: string) => (await both(t, app, `${V2}/requests`, `?jurisdiction_id=xianghe&${q}`)).body.map((r: any) => r.service_request_id).sort()
  t.same(await ids('service_code=roads.damage'), [hotline], 'service_code')
  t.same(await ids('service_code=roads.damage,environment.pollution'), [hotline, mine].sort(), 'service_code, comma list')
  t.same(await ids('status=closed'), [], 'status=closed: none is closed')
  t.same(await ids('status=open'), [hotline, mine].sort(), 'status=open')
  t.same(await ids('status=open,closed'), [hotline, mine].sort(), 'status=open,closed')
  // Move the hotline case 100 days back: out of the default 90-day window.
  const longAgo = new Date(Date.now() - 100 * 86_400_000).toISOString()
  await app.db('cases').where({ case_no: hotline }).update({ created_at: longAgo })
  t.same(await ids(''), [mine], 'the default window is the last 90 days')
  const start = new Date(Date.now() - 101 * 86_400_000).toISOString()
  t.same(await ids(`start_date=${encodeURIComponent(start)}`), [hotline], 'start_date alone: 90 days from it')
  t.same(await ids(`end_date=${encodeURIComponent(new Date(Date.now() - 99 * 86_400_000).toISOString())}`), [hotline], 'end_date alone: 90 days up to it')
  t.same(
    await ids(`service_request_id=${hotline},${mine},${family}&service_code=other&status=closed`),
    [hotline, mine].sort(),
    'service_request_id overrides the other filters (and not the visibility)',
  )
})

t.test(`API keys: issued and revoked by an administrator, hashed, per jurisdiction and rate (${db})`, async (t) => {
  const app = await build(t)
  t.equal((await call(app, null, 'POST', '/api/open311/keys', { name: 'x' })).status, 401, 'a citizen may not issue')
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/open311/keys', { name: 'x' })).status, 403, 'a county administrator may not')
  t.equal((await call(app, 'dispatcher', 'GET', '/api/open311/keys')).status, 403, 'nor list')
  t.equal((await call(app, 'admin', 'POST', '/api/open311/keys', { name: 'x', jurisdiction: 'xh-anping' })).status, 422, 'a township is no jurisdiction')
  const issued = await call(app, 'admin', 'POST', '/api/open311/keys', { name: '香河随手拍 App', jurisdiction: 'xianghe', rateLimit: 4 })
  t.equal(issued.status, 201)
  const key = issued.body.apiKey as string
  t.match(key, /^[A-Za-z0-9_-]{43}$/, '32 random bytes')
  const stored = await app.db('open311_keys').where({ id: issued.body.id }).first()
  t.not(stored.key_hash, key, 'stored hashed')
  t.notOk(JSON.stringify(stored).includes(key), 'the key is nowhere in its row')
  const listed = (await call(app, 'admin', 'GET', '/api/open311/keys')).body
  t.same(
    listed.map((k: any) => [k.name, k.prefix, k.jurisdiction, k.rateLimit, k.revokedAt]),
    [['香河随手拍 App', key.slice(0, 8), 'xianghe', 4, null]],
  )
  t.notOk(JSON.stringify(listed).includes(key), 'the list does not show the key')

  const ok = await post(app, 'json', { api_key: key, service_code: 'other', address_string: '蒋辛屯村' })
  t.equal(ok.statusCode, 200, 'the key submits; without jurisdiction_id its own jurisdiction')
  t.match(ok.json()[0].service_request_id, /^XH/, 'a Xianghe case')
  t.equal((await app.db('open311_requests').first('key_id')).key_id, issued.body.id, 'the request records its client')
  const other = await post(app, 'json', { api_key: key, jurisdiction_id: 'guangyang', service_code: 'other', address_string: 'x' })
  t.equal(other.statusCode, 403, 'not into another county')
  t.equal(
    (await app.inject({ method: 'GET', url: `${V2}/requests.json?jurisdiction_id=guangyang&api_key=${key}` })).statusCode,
    200,
    'while reading another county is public',
  )
  // The key's limit is 4 a minute: the two POSTs and the read above count, this is the fourth.
  const fourth = await app.inject({ method: 'GET', url: `${V2}/services.json?api_key=${key}` })
  t.equal(fourth.statusCode, 200, 'the fourth request is within the limit')
  const fifth = await app.inject({ method: 'GET', url: `${V2}/services.xml?api_key=${key}` })
  t.equal(fifth.statusCode, 429, 'the fifth is over it')
  t.equal((fromXml(fifth.body) as any).value[0].code, 429, 'in the standard’s error format')
  t.equal((await app.inject({ method: 'GET', url: `${V2}/services.json` })).statusCode, 200, 'other clients are not held back by it')

  const revoked = await call(app, 'admin', 'POST', `/api/open311/keys/${issued.body.id}/revoke`)
  t.equal(revoked.status, 200)
  t.ok(revoked.body.revokedAt, 'revoked, with when')
  t.equal((await call(app, 'admin', 'POST', '/api/open311/keys/nope/revoke')).status, 404)
  const after = await post(app, 'json', { api_key: key, service_code: 'other', address_string: 'x' })
  t.equal(after.statusCode, 403, 'a revoked key is refused')
  t.equal(
    await app
      .db('cases')
      .count({ n: '*' })
      .first()
      .then((r: any) => Number(r.n)),
    1,
    'one case in all',
  )
})

t.test(`Idempotency-Key on the Open311 POST answers the first request again (${db})`, async (t) => {
  const app = await build(t)
  const headers = { 'idempotency-key': 'open311-retry-0000000001' }
  const first = await post(app, 'json', POLLUTION, headers)
  const again = await post(app, 'json', POLLUTION, headers)
  t.equal(again.statusCode, 200)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.same(again.json(), first.json(), 'the same answer')
  const changed = await post(app, 'json', { ...POLLUTION, description: '另一件事' }, headers)
  t.equal(changed.statusCode, 422, 'the key with another body')
  t.equal(changed.json()[0].code, 422)
  t.equal(
    await app
      .db('cases')
      .count({ n: '*' })
      .first()
      .then((r: any) => Number(r.n)),
    1,
    'one case',
  )
  // A JSON body is taken as well as a form.
  const json = await app.inject({ method: 'POST', url: `${V2}/requests.json`, payload: { api_key: 'demo', service_code: 'other', lat: 39.7, long: 117 } })
  t.equal(json.statusCode, 200, 'a JSON body')
  // api_key and jurisdiction_id in the URL, as the swagger lists them for the POST.
  const inUrl = await app.inject({
    method: 'POST',
    url: `${V2}/requests.json?api_key=demo&jurisdiction_id=guangyang`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ service_code: 'other', address_string: '新源里' }),
  })
  t.equal(inUrl.statusCode, 200, 'the key and jurisdiction in the query')
  t.match(inUrl.json()[0].service_request_id, /^GY/, 'a Guangyang case')
})

t.test(`outside demo mode the key demo is refused (${db})`, async (t) => {
  const app = await build(t, { config: { demo: false } })
  const res = await post(app, 'json', { api_key: 'demo', service_code: 'other', address_string: 'x' })
  t.equal(res.statusCode, 403)
  t.equal(res.json()[0].code, 403)
})
