import t from 'tap'
import { buildServingUi, onPostgres } from '../helper.js'
import { fromXml, problems } from '../open311/schemas.js'

/**
 * An unknown path under an API is a 404 in that API's own error format, with the web UI served
 * beside it: Open311 GeoReport's `[{code, description}]` (XML when the path ends in .xml), the
 * Camunda REST's `{type, message}`, the app's `{error, message}` under /api. The UI's catch-all
 * GET answered the first two with a 200 of its HTML.
 */
const db = onPostgres ? 'PostgreSQL' : 'SQLite'

t.test(`unknown Open311 paths are GeoReport 404s, not the web app's HTML (${db})`, async (t) => {
  const app = await buildServingUi(t)
  const xmlPaths = ['/open311/v2/foo.xml', '/open311/v2/requests/XH1/x.xml', '/open311/v2/services/a/b.xml']
  const jsonPaths = ['/open311/v2/requests', '/open311/v2/requests/XH1', '/open311/v2/foo.json', '/open311/v2/foo', '/open311/v2/', '/open311/v2']
  for (const [method, url] of [...[...xmlPaths, ...jsonPaths].map((u) => ['GET', u]), ['HEAD', '/open311/v2/requests'], ['DELETE', '/open311/v2/foo.xml']]) {
    const res = await app.inject({ method: method as 'GET', url })
    const what = `${method} ${url}`
    t.equal(res.statusCode, 404, `${what}: 404`)
    t.notMatch(res.headers['content-type'], /html/, `${what}: not HTML`)
    if (method === 'HEAD') continue
    const xml = url.endsWith('.xml')
    t.match(res.headers['content-type'], xml ? /^text\/xml/ : /^application\/json/, `${what}: ${xml ? 'XML' : 'JSON'}`)
    const value = xml ? (fromXml(res.body) as { value: unknown }).value : res.json()
    t.equal(problems('errors', value), null, `${what}: the standard's error format`)
    t.equal((value as { code: number }[])[0]?.code, 404, `${what}: code 404`)
  }
  // The endpoints themselves still answer.
  t.equal((await app.inject({ method: 'GET', url: '/open311/v2/services.json' })).statusCode, 200, 'services.json')
  t.equal((await app.inject({ method: 'GET', url: '/open311/v2/requests.xml' })).statusCode, 200, 'requests.xml')
})

t.test(`unknown /engine-rest paths are Camunda 404s, not the web app's HTML (${db})`, async (t) => {
  const app = await buildServingUi(t)
  for (const [method, url] of [
    ['GET', '/engine-rest/foo'],
    ['GET', '/engine-rest'],
    ['GET', '/engine-rest/external-task/x/complete'],
    ['POST', '/engine-rest/foo'],
    ['PUT', '/engine-rest/deployment/create'],
  ]) {
    const res = await app.inject({ method: method as 'GET', url, ...(method !== 'GET' && { payload: {} }) })
    const what = `${method} ${url}`
    t.equal(res.statusCode, 404, `${what}: 404`)
    t.equal(res.headers['content-type'], 'application/json', `${what}: exactly application/json, as Camunda clients need`)
    const body = res.json()
    t.type(body.type, 'string', `${what}: Camunda's type`)
    t.match(body.message, / \/ /, `${what}: a 中文 / English message`)
    t.equal(body.key, 'error.noRoute', `${what}: the catalogue's key`)
  }
  t.equal((await app.inject({ method: 'GET', url: '/engine-rest/version' })).statusCode, 200, 'GET /engine-rest/version still answers')
})

t.test(`unknown /api paths stay the app's JSON 404 and UI routes its page (${db})`, async (t) => {
  const app = await buildServingUi(t)
  const api = await app.inject({ method: 'GET', url: '/api/foo' })
  t.equal(api.statusCode, 404)
  t.equal(api.json().key, 'error.noRoute')
  for (const url of ['/tasks/1', '/open311-help', '/engine-restore']) {
    const page = await app.inject({ method: 'GET', url })
    t.equal(page.statusCode, 200, `${url}: the app shell`)
    t.match(page.body, /<title>ui<\/title>/)
  }
})
