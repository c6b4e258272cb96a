import type { FastifyInstance } from 'fastify'
import type { EngineActor } from './access.js'
import { engineAuth } from './http-auth.js'
import { tenantNames } from './named.js'
import { forbidden, msg } from '../lib/errors.js'
import { bearer, typed } from '../lib/schemas.js'
import { errorSchema, keyParams, withdrawalChangeSchema, withdrawalStateSchema, withdrawBody, withdrawQuery } from './schemas.js'
import type { WithdrawalState } from './withdrawals.js'

/**
 * Withdrawing a process key for a tenant and restoring it (withdrawals.ts), as this API's
 * actions on a key (`…/key/:key/start` beside them) rather than Camunda's
 * `PUT …/suspended {suspended}`: `POST …/withdraw`, `POST …/restore`, and the record of both.
 * Who may: `access.mayAdminister(actor, tenant)` — the domain says (the city's administrator
 * any tenant, a county administrator their county's versions only).
 */
export default async function withdrawalRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  const { access, withdrawals } = app.engine
  const { administrators: admins } = engineAuth(access)

  /**
   * Whose versions a request means, as the store keys them ('' the city's): `tenant` as given
   * (null: the city's), else the actor's own scope. Outside what they administer: 403.
   */
  function tenantOf(actor: EngineActor, given: { tenant?: string | null } | null | undefined): string {
    const tenant = given && 'tenant' in given && given.tenant !== undefined ? (given.tenant ?? '') : (access.tenantScope(actor) ?? '')
    if (!access.mayAdminister(actor, tenant)) throw forbidden(msg('error.engine.countyOnly', { tenant: actor.tenant ?? '' }))
    return tenant
  }

  async function named(state: WithdrawalState) {
    const names = await app.engine.directory.names(state.withdrawnBy ? [state.withdrawnBy] : [], state.tenant ? [state.tenant] : [])
    return {
      ...state,
      ...tenantNames(names.tenants, state.tenant ?? ''),
      withdrawnByName: state.withdrawnBy ? (names.users.get(state.withdrawnBy) ?? null) : null,
    }
  }

  const stateResponses = { 200: withdrawalStateSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema }

  app.post(
    '/api/process-definitions/key/:key/withdraw',
    {
      onRequest: admins,
      schema: {
        tags: ['process-definitions'],
        summary: '停用一个范围的流程 / withdraw a key for a tenant: none of its versions there starts a new instance',
        description:
          '停用后该范围的版本不再用于新实例：县的案件改用市级默认版本，没有可用版本时启动答 409；正在运行的实例按原版本运行完。部署新版本即恢复。' +
          " While withdrawn, the tenant's versions are not chosen for new instances: a county's cases get the city default again; with nothing to fall back on a start is a 409." +
          ' Instances already running finish on their version. A new version deployed for the tenant restores the key. Withdrawing again changes nothing.' +
          " 403 outside the actor's scope; 404 when the tenant has no version of the key; 409 when a procedure intake starts would be left with no version.",
        security: bearer,
        params: keyParams,
        body: withdrawBody,
        response: stateResponses,
      },
    },
    async (request) => {
      const actor = request.engineActor
      const tenant = tenantOf(actor, request.body)
      return named(await withdrawals.withdraw(request.params.key, tenant, actor.username))
    },
  )

  app.post(
    '/api/process-definitions/key/:key/restore',
    {
      onRequest: admins,
      schema: {
        tags: ['process-definitions'],
        summary: '恢复已停用的流程 / restore a withdrawn key for a tenant: its newest version serves new instances again',
        security: bearer,
        params: keyParams,
        body: withdrawBody,
        response: stateResponses,
      },
    },
    async (request) => {
      const actor = request.engineActor
      const tenant = tenantOf(actor, request.body)
      return named(await withdrawals.restore(request.params.key, tenant, actor.username))
    },
  )

  app.get(
    '/api/process-definitions/key/:key/withdrawals',
    {
      onRequest: admins,
      schema: {
        tags: ['process-definitions'],
        summary: '停用与恢复的记录 / who withdrew and restored a key for a tenant, and when, newest first',
        security: bearer,
        params: keyParams,
        querystring: withdrawQuery,
        response: { 200: { type: 'array', items: withdrawalChangeSchema }, 403: errorSchema },
      },
    },
    async (request) => {
      const actor = request.engineActor
      const tenant = request.query.tenant ?? ''
      // What they may read: the city's and their own county's, as the version list.
      if (!access.canSeeTenantVersion(actor, tenant)) throw forbidden(msg('error.engine.countyOnly', { tenant: actor.tenant ?? '' }))
      const changes = await withdrawals.changes(request.params.key, tenant)
      const names = await app.engine.directory.names([...new Set(changes.map((c) => c.by))], [])
      return changes.map((c) => ({ ...c, byName: names.users.get(c.by) ?? null }))
    },
  )
}
