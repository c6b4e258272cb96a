import type { FastifyInstance } from 'fastify'
import { administeredScope, inScope, type EngineActor } from './access.js'
import { engineAuth } from './http-auth.js'
import { withNames } from './named.js'
import { badRequest, forbidden, msg, notFound } from '../lib/errors.js'
import { parseStoredJson } from '../lib/stored-json.js'
import { bearer, typed } from '../lib/schemas.js'
import { definitionView, type DefinitionRow } from './definitions.js'
import { diffProcesses } from './diff.js'
import { shippedDeployBody, shippedSchema } from './shipped.js'
import type { InstanceRow } from './runtime.js'
import type { HistoryRow, TaskRow } from './rows.js'
import { attachment, downloadQuery, wantsDownload } from '../lib/download.js'
import { taskView } from './task-view.js'
import { withWithdrawn } from './withdrawals.js'
import {
  definitionSchema,
  deployBody,
  diffQuery,
  diffSchema,
  errorSchema,
  historyItemSchema,
  idParams,
  instanceSchema,
  keyParams,
  listDefinitionsQuery,
  messageBody,
  signalBody,
  startBody,
} from './schemas.js'

export function historyView(h: HistoryRow) {
  return {
    id: Number(h.id),
    instanceId: h.instance_id,
    caseId: h.case_id,
    type: h.type,
    elementId: h.element_id,
    elementType: h.element_type,
    name: h.name,
    actor: h.actor,
    at: h.at,
    data: parseStoredJson(h.data),
  }
}

export default async function engineRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  const { definitions, runtime, access } = app.engine
  const { administrators: admins, broadcasters } = engineAuth(access)

  async function instanceView(row: InstanceRow) {
    // The version's row comes with its parsed form, kept per version: not its XML read again per view.
    const loaded = await definitions.load(row.definition_id)
    const def = loaded.row
    const tasks: TaskRow[] = await app.db('tasks').where({ instance_id: row.id, status: 'open' }).orderBy('created_at')
    const activities = row.activities ? (JSON.parse(row.activities) as { id: string; type: string; executionId: string }[]) : []
    return {
      id: row.id,
      definition: { id: def.id, key: def.key, version: def.version, tenant: def.tenant || null, name: def.name },
      state: row.status,
      status: row.status,
      caseId: row.case_id,
      parentId: row.parent_id,
      variables: JSON.parse(row.variables),
      activeActivities: activities.map((a) => ({ ...a, name: loaded.elements.get(a.id)?.name ?? null })),
      activeTasks: tasks.map((t) => taskView(t)),
      startedAt: row.started_at,
      endedAt: row.ended_at,
      error: row.error,
    }
  }

  async function visibleInstance(actor: EngineActor, id: string): Promise<InstanceRow> {
    const row: InstanceRow | undefined = await app.db('process_instances').where({ id }).first()
    if (!row || !inScope(administeredScope(access, actor), row.tenant)) throw notFound(msg('error.engine.instanceNotFound', { id }))
    return row
  }

  app.get(
    '/api/process-definitions',
    {
      onRequest: admins,
      schema: {
        tags: ['process-definitions'],
        summary: '流程定义版本列表 / definition versions',
        security: bearer,
        querystring: listDefinitionsQuery,
        response: { 200: { type: 'array', items: definitionSchema } },
      },
    },
    async (request) => {
      const { key, tenant } = request.query
      const rows = await definitions.list({ key, ...(tenant !== undefined && { tenant: tenant || null }) })
      // A county administrator sees the city defaults and their own county's versions.
      const actor = request.engineActor
      return named(rows.filter((r) => access.canSeeTenantVersion(actor, r.tenant)))
    },
  )

  /** Versions as the list shows them: who deployed each (display name), the county's name, and whether the key is withdrawn there. */
  const named = async (rows: DefinitionRow[]) =>
    withWithdrawn(app.db, app.engine.directory, rows, await withNames(app.engine.directory, rows, definitionView, { deployer: true }))

  /** A version the actor may read: any for administrators; the city's and their county's for a county administrator. */
  async function visibleDefinition(actor: EngineActor, id: string): Promise<DefinitionRow> {
    const row = await definitions.get(id)
    if (!access.canSeeTenantVersion(actor, row.tenant)) throw notFound(msg('error.engine.definitionNotFound', { id }))
    return row
  }

  app.get(
    '/api/process-definitions/:id/diff',
    {
      onRequest: admins,
      schema: {
        tags: ['process-definitions'],
        summary: '版本差异 / what changed between a version and the one before (or `against`)',
        description:
          '按 BPMN 语义比较（元素增删、改名，连线，表单、时限、候选组等），不比较布局。' +
          ' A semantic diff of the BPMN (elements added, removed, renamed; flows; form keys, deadlines, candidate groups, …), layout ignored.' +
          " Default `against`: the previous version of the same scope; a county's first version is compared with the city version in force when it was deployed (none: `from` is null and everything is added)." +
          " A county administrator may compare the city's and their own county's versions only (404 otherwise).",
        security: bearer,
        params: idParams,
        querystring: diffQuery,
        response: { 200: diffSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const actor = request.engineActor
      const to = await visibleDefinition(actor, request.params.id)
      const against = request.query.against
      let from: DefinitionRow | null = null
      if (against) {
        from = await visibleDefinition(actor, against)
        if (from.key !== to.key) throw badRequest(msg('error.engine.diffOtherKey', { key: to.key, other: from.key }))
      } else {
        const prev = await app
          .db('process_definitions')
          .where({ key: to.key, tenant: to.tenant })
          .where('version', '<', to.version)
          .orderBy('version', 'desc')
          .first('id')
        const base =
          prev ??
          (to.tenant
            ? await app
                .db('process_definitions')
                .where({ key: to.key, tenant: '' })
                .where('deployed_at', '<=', to.deployed_at)
                .orderBy('version', 'desc')
                .first('id')
            : null)
        if (base) from = await definitions.get(base.id)
      }
      const [toView, fromView] = await named(from ? [to, from] : [to])
      return { from: from ? fromView : null, to: toView, ...(await diffProcesses(from?.xml ?? null, to.xml)) }
    },
  )

  app.post(
    '/api/process-definitions',
    {
      onRequest: admins,
      bodyLimit: 1_200_000,
      schema: {
        tags: ['process-definitions'],
        summary: '部署流程定义 / deploy a BPMN definition (400 lists each problem with its element id)',
        security: bearer,
        body: deployBody,
        response: { 200: definitionSchema, 201: definitionSchema, 400: errorSchema },
      },
    },
    async (request, reply) => {
      const { xml, tenant } = request.body
      const t = access.deployTenant(request.engineActor, tenant)
      if (t && !(await access.isTenant(t))) throw forbidden(msg('error.engine.tenantNotCounty', { tenant: t }))
      const { definition, created } = await app.engine.deploy(xml, { tenant: t, actor: request.engineActor.username })
      // Named as the list names it: the confirmation says 香河县, not xianghe.
      return reply.status(created ? 201 : 200).send((await named([definition]))[0])
    },
  )

  app.get(
    '/api/process-definitions/shipped',
    {
      onRequest: admins,
      schema: {
        tags: ['process-definitions'],
        summary: '随系统提供的流程文件 / the shipped BPMN files (processes/) and whether each differs from the latest city version',
        security: bearer,
        response: { 200: { type: 'array', items: shippedSchema } },
      },
    },
    async () => {
      const out = []
      for (const f of await app.engine.shipped()) {
        const latest = await definitions.latest(f.key, null)
        out.push({ key: f.key, name: f.name, file: f.file, latestCityVersion: latest?.version ?? null, differsFromLatest: latest?.xml_hash !== f.hash })
      }
      return out
    },
  )

  app.post(
    '/api/process-definitions/shipped/:key/deploy',
    {
      onRequest: admins,
      schema: {
        tags: ['process-definitions'],
        summary: '部署随系统提供的版本 / deploy the shipped file of a key as a new version (city: administrator; county: its administrator)',
        security: bearer,
        params: keyParams,
        body: shippedDeployBody,
        response: { 200: definitionSchema, 201: definitionSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { key } = request.params
      const tenant = request.body?.tenant
      const t = access.deployTenant(request.engineActor, tenant)
      if (t && !(await access.isTenant(t))) throw forbidden(msg('error.engine.tenantNotCounty', { tenant: t }))
      const file = (await app.engine.shipped()).find((f) => f.key === key)
      if (!file) throw notFound(msg('error.engine.shippedNotFound', { key }))
      const { definition, created } = await app.engine.deploy(file.xml, { tenant: t, actor: request.engineActor.username })
      return reply.status(created ? 201 : 200).send((await named([definition]))[0])
    },
  )

  app.get(
    '/api/process-definitions/:id',
    { onRequest: admins, schema: { tags: ['process-definitions'], security: bearer, params: idParams, response: { 200: definitionSchema } } },
    async (request) => {
      const row = await visibleDefinition(request.engineActor, request.params.id)
      return (await named([row]))[0]
    },
  )

  app.get(
    '/api/process-definitions/:id/xml',
    {
      onRequest: admins,
      schema: {
        tags: ['process-definitions'],
        summary:
          '流程定义的 BPMN XML / the BPMN XML of a version: JSON by default; the .bpmn file itself with Accept: application/xml or ?download=1 (then as an attachment <key>-v<version>.bpmn)',
        security: bearer,
        params: idParams,
        querystring: downloadQuery,
        response: {
          200: {
            content: {
              'application/json': { schema: { type: 'object', properties: { ...definitionSchema.properties, xml: { type: 'string' } } } },
              'application/xml': { schema: { type: 'string', description: 'BPMN 2.0 XML, byte for byte as deployed' } },
            },
          },
          404: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const row = await visibleDefinition(request.engineActor, request.params.id)
      const download = wantsDownload(request.query)
      // A modeler or a download link may ask for the file itself.
      if (download || /\b(application|text)\/xml\b/.test(request.headers.accept ?? '')) {
        if (download) reply.header('content-disposition', attachment(`${row.key}-v${row.version}.bpmn`))
        return reply.type('application/xml; charset=utf-8').send(row.xml)
      }
      return reply.type('application/json; charset=utf-8').send({ ...(await named([row]))[0], xml: row.xml })
    },
  )

  app.post(
    '/api/process-definitions/key/:key/start',
    {
      onRequest: admins,
      schema: {
        tags: ['process-instances'],
        summary: '启动流程实例 / start an instance of the latest version for the tenant',
        security: bearer,
        params: keyParams,
        body: startBody,
        response: { 201: instanceSchema },
      },
    },
    async (request, reply) => {
      const { key } = request.params
      const body = request.body ?? {}
      const tenant = access.deployTenant(request.engineActor, body.tenant)
      app.engine.checkExternalVariables(body.variables)
      // An instance acts on its business key's case (handlers read only that): the case must be
      // one the caller may act on, in the tenant the instance runs for.
      if (body.caseId && !(await app.engine.mayBindBusinessKey(body.caseId, tenant, request.engineActor)))
        throw notFound(msg('error.case.notFound', { caseNo: body.caseId }))
      const row = await runtime.start(key, { tenant, variables: body.variables ?? {}, caseId: body.caseId ?? null, actor: request.engineActor.username })
      return reply.status(201).send(await instanceView(row))
    },
  )

  app.get(
    '/api/process-instances/:id',
    { onRequest: admins, schema: { tags: ['process-instances'], security: bearer, params: idParams, response: { 200: instanceSchema } } },
    async (request) => instanceView(await visibleInstance(request.engineActor, request.params.id)),
  )

  app.get(
    '/api/process-instances/:id/history',
    {
      onRequest: admins,
      schema: {
        tags: ['process-instances'],
        summary: '实例历史 / instance history, in order',
        security: bearer,
        params: idParams,
        response: { 200: { type: 'array', items: historyItemSchema } },
      },
    },
    async (request) => {
      const row = await visibleInstance(request.engineActor, request.params.id)
      const rows = await app.db('history').where({ instance_id: row.id }).orderBy('id')
      return rows.map(historyView)
    },
  )

  app.post(
    '/api/messages',
    {
      onRequest: admins,
      schema: {
        tags: ['process-instances'],
        summary: '投递消息 / correlate a message to a waiting instance',
        security: bearer,
        body: messageBody,
        response: { 200: { type: 'object', properties: { instanceId: { type: 'string' } } }, 400: errorSchema, 404: errorSchema, 422: errorSchema },
      },
    },
    async (request) => {
      const { name, instanceId, caseId, variables } = request.body
      app.engine.checkExternalVariables(variables)
      const actor = request.engineActor
      // One who administers one tenant reaches only its instances; one who administers all, any.
      const scope = administeredScope(access, actor)
      if (scope === null) throw notFound(msg('error.engine.noWaitingInstance', { name }))
      const tenant = scope
      const instance = await app.engine.correlateMessage(name, { instanceId, caseId, tenant, variables: variables ?? {}, actor, external: true })
      return { instanceId: instance.id }
    },
  )

  app.post(
    '/api/signals',
    {
      onRequest: broadcasters,
      schema: {
        tags: ['process-instances'],
        summary: '广播信号 / broadcast a signal to every waiting instance',
        security: bearer,
        body: signalBody,
        response: { 200: { type: 'object', properties: { delivered: { type: 'integer' } } } },
      },
    },
    async (request) => {
      const { name, variables } = request.body
      app.engine.checkExternalVariables(variables)
      return { delivered: await app.engine.broadcastSignal(name, variables ?? {}, request.engineActor.username) }
    },
  )
}
