import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { forbidden, HttpError, msg, notFound, unauthorized, type Msg } from '../lib/errors.js'
import { REGION_LEVELS, type Region } from './service.js'
import { bearer, nullableString, stringList, typed } from '../lib/schemas.js'

export const actorSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    displayName: { type: 'string' },
    roles: stringList,
    unitCode: nullableString,
    regionCode: nullableString,
    regionPath: { type: 'string' },
    tenant: nullableString,
    groups: stringList,
  },
} as const

const publicRegionSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    name: { type: 'string' },
    nameEn: nullableString,
    level: { type: 'string', enum: [...REGION_LEVELS] },
    parentCode: nullableString,
    hasChildren: { type: 'boolean' },
  },
} as const

const regionSchema = {
  type: 'object',
  properties: {
    ...publicRegionSchema.properties,
    path: { type: 'string' },
    tenant: nullableString,
    children: { type: 'array', items: publicRegionSchema },
  },
} as const

const unitSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    name: { type: 'string' },
    nameEn: nullableString,
    kind: { type: 'string' },
    level: { type: 'string' },
    regionCode: { type: 'string' },
    parentCode: nullableString,
    duty: nullableString,
  },
} as const

const code = { type: 'string', minLength: 1, maxLength: 64 } as const

/** Failed logins per IP and username before that pair is refused for the rest of the minute. */
const LOGIN_FAILURES_PER_MINUTE = 10

type FailureLimit = ReturnType<FastifyInstance['createRateLimit']>

/**
 * 429 with Retry-After once `limit`'s failures are used up, looked up without counting this
 * request (only a failure counts, by the caller, after the check it guards).
 */
async function refuseWhileLimited(limit: FailureLimit, request: FastifyRequest, reply: FastifyReply, message: (seconds: number) => Msg) {
  const seen = await limit(request, { increment: false })
  if (!seen.isAllowed && seen.remaining <= 0) {
    reply.header('retry-after', seen.ttlInSeconds)
    throw new HttpError(429, 'too_many_requests', message(seen.ttlInSeconds))
  }
}

export default async function orgRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  const org = app.org

  // Only failures count: a hotline desk logging in again and again is not an attack, while
  // guesses are; once the failures are used up the pair is refused even with the right
  // password, so the limit is not a password oracle.
  const loginFailures = app.createRateLimit({
    max: LOGIN_FAILURES_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: (req) => `${req.ip}|${String((req.body as { username?: string })?.username ?? '').toLowerCase()}`,
  })

  app.post(
    '/api/auth/login',
    {
      // Per IP, every attempt: bounds the scrypt work one client can ask for.
      config: { rateLimit: { max: 300, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: '登录 / log in',
        body: {
          type: 'object',
          required: ['username', 'password'],
          properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 256 } },
        },
        response: { 200: { type: 'object', properties: { token: { type: 'string' }, user: actorSchema } } },
      },
    },
    async (request, reply) => {
      await refuseWhileLimited(loginFailures, request, reply, (s) => msg('error.auth.loginLimited', { seconds: s }))
      const result = await org.login(request.body.username, request.body.password)
      if (!result) {
        await loginFailures(request)
        throw unauthorized(msg('error.auth.badLogin'))
      }
      return result
    },
  )

  // Revokes every token of the user, not only the one presented: tokens are stateless, so the
  // user's token_version is what can be taken back (a lost device is signed out too).
  app.post(
    '/api/auth/logout',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: "退出登录（作废该用户的全部令牌）/ log out (revokes all of the user's tokens)",
        security: bearer,
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      await org.revokeTokens(request.actor.id)
      // Returning nothing after 204 sends the empty reply (Fastify's rule for 204); the typed
      // reply of a `{ type: 'null' }` schema would otherwise ask for a body.
      reply.status(204)
    },
  )

  // Wrong current passwords count like failed logins: a stolen token must not become a way to
  // guess the password behind it.
  const passwordFailures = app.createRateLimit({
    max: LOGIN_FAILURES_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: (req) => `${req.ip}|${req.actor?.id ?? ''}`,
  })

  app.post(
    '/api/auth/password',
    {
      onRequest: app.authenticate,
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: '修改密码（作废旧令牌，返回新令牌）/ change the password (revokes old tokens, returns a new one)',
        security: bearer,
        body: {
          type: 'object',
          required: ['currentPassword', 'newPassword'],
          additionalProperties: false,
          properties: { currentPassword: { type: 'string', minLength: 1, maxLength: 256 }, newPassword: { type: 'string', minLength: 8, maxLength: 256 } },
        },
        response: { 200: { type: 'object', properties: { token: { type: 'string' }, user: actorSchema } } },
      },
    },
    async (request, reply) => {
      await refuseWhileLimited(passwordFailures, request, reply, (s) => msg('error.auth.passwordLimited', { seconds: s }))
      const result = await org.changePassword(request.actor.id, request.body.currentPassword, request.body.newPassword)
      if (!result) {
        await passwordFailures(request)
        throw forbidden(msg('error.auth.wrongPassword'))
      }
      return result
    },
  )

  app.get(
    '/api/me',
    {
      onRequest: app.authenticate,
      schema: { tags: ['auth'], summary: '当前用户 / the signed-in user', security: bearer, response: { 200: actorSchema } },
    },
    async (request) => request.actor,
  )

  /** Regions plus whether each has children, so a cascading picker knows where to stop. */
  async function withChildFlag(regions: Region[]) {
    if (regions.length === 0) return []
    const rows = await app
      .db('regions')
      .whereIn(
        'parent_code',
        regions.map((r) => r.code),
      )
      .groupBy('parent_code')
      .select('parent_code')
    const parents = new Set(rows.map((r: { parent_code: string }) => r.parent_code))
    return regions.map((r) => ({ ...r, hasChildren: parents.has(r.code) }))
  }

  app.get(
    '/api/public/regions',
    {
      schema: {
        tags: ['public'],
        summary: '下级区域 / children of a region (top level without parent)',
        querystring: { type: 'object', properties: { parent: code } },
        response: { 200: { type: 'array', items: publicRegionSchema } },
      },
    },
    async (request, reply) => {
      const parent = request.query.parent ?? null
      if (parent !== null && !(await org.getRegion(parent))) throw notFound(msg('error.org.unknownRegion', { region: parent }))
      reply.header('cache-control', 'public, max-age=300')
      return withChildFlag(await org.regionChildren(parent))
    },
  )

  app.get(
    '/api/org/regions/:code',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['org'],
        summary: '区域 / a region with its children',
        security: bearer,
        params: { type: 'object', required: ['code'], properties: { code } },
        response: { 200: regionSchema },
      },
    },
    async (request) => {
      const region = await org.getRegion(request.params.code)
      if (!region) throw notFound(msg('error.org.unknownRegion', { region: request.params.code }))
      return { ...region, children: await withChildFlag(await org.regionChildren(region.code)) }
    },
  )

  app.get(
    '/api/org/units',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['org'],
        summary: '组织单位 / org units in a region subtree',
        security: bearer,
        querystring: { type: 'object', properties: { region: code, kind: code, duty: code } },
        response: { 200: { type: 'array', items: unitSchema } },
      },
    },
    async (request) => {
      const { region, kind, duty } = request.query
      if (region && !(await org.getRegion(region))) throw notFound(msg('error.org.unknownRegion', { region }))
      return org.listUnits({ region, kind, duty })
    },
  )
}
