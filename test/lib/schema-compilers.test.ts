// @sqlite-only: Fastify's schema compilers on a bare Fastify instance; no database is opened.
/**
 * The tests' shared schema compilers compile a route's schema when it is first used
 * (`sharedSchemaCompilers({ lazy: true })`, test/helper.ts): requests must be validated, coerced,
 * defaulted and serialised exactly as by Fastify's eager compilers, and the compile must really
 * wait for the first use (a schema that cannot compile lets the app start, then fails its route).
 */
import t from 'tap'
import Fastify, { type FastifyServerOptions } from 'fastify'
import { sharedSchemaCompilers } from '../../src/lib/schema-compilers.js'

type Factory = NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']

function appWith(compilers: ReturnType<typeof sharedSchemaCompilers> | undefined, extraRoute?: object) {
  const app = Fastify({
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
    ...(compilers && { schemaController: { compilersFactory: compilers as unknown as Factory } }),
  })
  app.post(
    '/items/:id',
    {
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
        querystring: { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' } }, limit: { type: 'integer', default: 20 } } },
        body: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 2 }, urgent: { type: 'boolean', default: false } },
          required: ['name'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              id: { type: 'integer' },
              tags: { type: 'array', items: { type: 'string' } },
              limit: { type: 'integer' },
              name: { type: 'string' },
              urgent: { type: 'boolean' },
            },
          },
        },
      },
    },
    async (req) => ({ ...(req.params as object), ...(req.query as object), ...(req.body as object), secret: 'left out by the response schema' }),
  )
  if (extraRoute) app.get('/broken', { schema: { querystring: extraRoute } }, async () => ({ ok: true }))
  return app
}

const requests = [
  { method: 'POST' as const, url: '/items/7?tags=a&limit=3', payload: { name: '路灯' } },
  { method: 'POST' as const, url: '/items/7?tags=a&tags=b', payload: { name: '路灯', urgent: true } },
  { method: 'POST' as const, url: '/items/0', payload: { name: 'x', extra: 1 } },
  { method: 'POST' as const, url: '/items/abc?limit=many', payload: {} },
  { method: 'POST' as const, url: '/items/2', payload: '"not an object"', headers: { 'content-type': 'application/json' } },
]

t.test('validated, coerced, defaulted and serialised as by the eager compilers', async (t) => {
  const eager = appWith(undefined)
  const lazy = appWith(sharedSchemaCompilers({ lazy: true }))
  t.teardown(() => Promise.all([eager.close(), lazy.close()]))
  for (const r of requests) {
    const [a, b] = await Promise.all([eager.inject(r), lazy.inject(r)])
    t.equal(b.statusCode, a.statusCode, `${r.url}: status ${a.statusCode}`)
    t.same(b.json(), a.json(), `${r.url}: same answer`)
  }
  // Worked out by hand: the path's id and the query's limit coerced to numbers, one tag made a
  // list, urgent defaulted, the handler's extra field left out by the response schema.
  t.same((await lazy.inject(requests[0])).json(), { id: 7, tags: ['a'], limit: 3, name: '路灯', urgent: false })
  const bad = (await lazy.inject(requests[2])).json()
  t.equal(bad.statusCode, 400)
  t.match(bad.message, /must be >= 1/, 'every error reported (allErrors), the first one the params')
})

t.test('a schema is compiled when first used, not when the app starts', async (t) => {
  // `type: 'nope'` makes ajv throw at compile: eagerly, the app cannot start.
  const broken = { type: 'object', properties: { q: { type: 'nope' } } }
  const eager = appWith(undefined, broken)
  await t.rejects(async () => eager.ready(), /type/, 'eager: the start fails')
  const lazy = appWith(sharedSchemaCompilers({ lazy: true }), broken)
  t.teardown(() => lazy.close())
  await lazy.ready()
  t.equal((await lazy.inject({ method: 'POST', url: '/items/1', payload: { name: '路灯' } })).statusCode, 200, 'lazy: the app starts and other routes answer')
  t.equal((await lazy.inject({ method: 'GET', url: '/broken?q=1' })).statusCode, 500, 'the broken route fails when first called')
})
