import type { FastifyInstance } from 'fastify'
import { ROLES } from './service.js'
import { actorSchema } from './routes.js'
import { bearer, errorSchema, typed } from '../lib/schemas.js'
import { isSystemAdmin } from './policy.js'
import { resetPassword, updateUser } from './user-admin.js'
import { RECORDED_FIELDS, userChanges } from './user-changes.js'

/** A user as administrators list them: the actor's fields (without the region path), plus status. */
const { regionPath: _regionPath, ...actorFields } = actorSchema.properties
const userSchema = {
  type: 'object',
  properties: { ...actorFields, active: { type: 'boolean' }, createdAt: { type: 'string' } },
} as const

const code = { type: 'string', minLength: 1, maxLength: 64 } as const

/** What an administrator sets on a user, created or changed: the same rules for both. */
const userFields = {
  // Something besides spaces: a blank name listed the user as nobody on every page that names them.
  displayName: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
  roles: { type: 'array', minItems: 1, maxItems: ROLES.length, items: { type: 'string', enum: [...ROLES] } },
  unitCode: code,
  regionCode: code,
  groups: { type: 'array', maxItems: 50, items: { type: 'string', pattern: '^[^,:@=\\s]{1,64}$' } },
  active: { type: 'boolean' },
} as const

const password = { type: 'string', minLength: 8, maxLength: 256 } as const

/** A field's value before and after (`from` null on creation): a name, a code, a list or a flag. */
const fieldChange = { type: 'object', properties: { from: {}, to: {} } } as const
const userChangeSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    at: { type: 'string' },
    by: { type: 'string', description: '做出修改的管理员 / the administrator who made it' },
    byName: { type: ['string', 'null'] },
    action: { type: 'string', enum: ['created', 'changed', 'passwordReset'] },
    changes: {
      type: 'object',
      description: '改变的字段，原值与新值（重设密码无字段，从不含密码）/ the fields changed, from and to (none for a password reset; never a password)',
      properties: Object.fromEntries(RECORDED_FIELDS.map((f) => [f, fieldChange])),
    },
  },
} as const

/**
 * A user named in the path: any username a row may hold (the operator's command line and older
 * imports were not held to the creation pattern), so an unknown one is a 404, not a 400.
 */
const usernameParams = { type: 'object', required: ['username'], properties: { username: code } } as const

/**
 * Users as their administrators see and change them: the city's administrator everyone, a
 * county administrator their county's (src/org/user-admin.ts for the rules of a change).
 */
export default async function userRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  const org = app.org

  app.get(
    '/api/org/users',
    {
      onRequest: app.requireRole('county_admin'),
      schema: {
        tags: ['org'],
        summary: '用户 / users (a county administrator sees their county)',
        security: bearer,
        querystring: { type: 'object', properties: { unit: code, role: { type: 'string', enum: [...ROLES] } } },
        response: { 200: { type: 'array', items: userSchema } },
      },
    },
    async (request) => {
      const actor = request.actor
      const tenant = isSystemAdmin(actor) ? null : actor.tenant
      return org.listUsers({ tenant, unit: request.query.unit, role: request.query.role })
    },
  )

  app.get(
    '/api/org/users/:username/changes',
    {
      onRequest: app.requireRole('county_admin'),
      schema: {
        tags: ['org'],
        summary: '用户的修改记录（最近 50 条）/ what administrators changed on a user, newest first (the last 50)',
        security: bearer,
        params: usernameParams,
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: userChangeSchema } } }, 404: errorSchema },
      },
    },
    async (request) => ({ items: await org.withNames(await userChanges(app.db, request.actor, request.params.username), ['by']) }),
  )

  app.post(
    '/api/org/users',
    {
      onRequest: app.requireRole('county_admin'),
      schema: {
        tags: ['org'],
        summary: '创建用户 / create a user',
        security: bearer,
        body: {
          type: 'object',
          required: ['username', 'displayName', 'password', 'roles', 'unitCode'],
          additionalProperties: false,
          properties: { username: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$' }, password, ...userFields },
        },
        response: { 201: userSchema },
      },
    },
    async (request, reply) => {
      const user = await org.createUser(request.actor, request.body)
      return reply.status(201).send(user)
    },
  )

  app.patch(
    '/api/org/users/:username',
    {
      onRequest: app.requireRole('county_admin'),
      schema: {
        tags: ['org'],
        summary: '修改用户（停用即作废其全部令牌）/ change a user (deactivating revokes all of their tokens)',
        security: bearer,
        params: usernameParams,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: userFields },
        response: { 200: userSchema, 403: errorSchema, 404: errorSchema, 422: errorSchema },
      },
    },
    async (request) => {
      const user = await updateUser(app.db, request.actor, request.params.username, request.body, {
        onDeactivate: (trx, username) => org.deactivated(trx, username, request.actor.username),
        onWorkChange: (trx, userId) => org.workChanged(trx, userId, request.actor.username),
      })
      request.log.info({ username: user.username, by: request.actor.username, fields: Object.keys(request.body) }, 'user changed')
      return user
    },
  )

  app.post(
    '/api/org/users/:username/password',
    {
      onRequest: app.requireRole('county_admin'),
      // Bounds the scrypt work one client can ask for, as the password change does.
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags: ['org'],
        summary: '重设用户密码（作废其全部令牌）/ reset a user’s password (revokes all of their tokens)',
        security: bearer,
        params: usernameParams,
        body: { type: 'object', required: ['password'], additionalProperties: false, properties: { password } },
        response: { 204: { type: 'null' }, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      await resetPassword(app.db, request.actor, request.params.username, request.body.password)
      request.log.info({ username: request.params.username, by: request.actor.username }, 'password reset')
      reply.status(204)
    },
  )
}
