import { randomUUID } from 'node:crypto'
import multipart from '@fastify/multipart'
import type { FastifyError, FastifyInstance } from 'fastify'
import type { EngineActor } from './access.js'
import type { Trx } from '../lib/db.js'
import { isUniqueViolation, withRetry } from '../lib/retry.js'
import { badRequest, forbidden, HttpError, msg } from '../lib/errors.js'
import { bearer } from '../lib/schemas.js'
import { camundaError, toHttpError } from './http-errors.js'
import { engineAuth } from './http-auth.js'
import type { CheckedDefinition, DefinitionRow } from './definitions.js'
import type { ResourceKind, ResourceRow } from './resources.js'
import { cutText } from '../lib/text.js'

/**
 * Camunda 7's deployment REST, the part Camunda Modeler's "Deploy" button and Camunda's clients
 * use (https://docs.camunda.org/manual/7.18/reference/rest/deployment/post-deployment/): a base
 * URL of `http://host:port/engine-rest`, `POST /deployment/create` with the files of a bundle,
 * `GET /version`. Errors answer Camunda's shape `{ type, message }` (plus this API's `key`,
 * `params` and `problems`, which the web UI translates).
 *
 * A bundle is all or nothing: every file is validated first (outside any transaction: bpmnlint
 * takes CPU, and on SQLite a transaction holds the only connection), then every file is written in
 * one transaction. Unchanged source is never a new version, whatever the flags say (the stores'
 * rule); `deploy-changed-only` / `enable-duplicate-filtering` leave unchanged files out of the answer.
 */

/** The Camunda 7 release whose REST layout this follows (Camunda Modeler reads it to pick its lint rules). */
export const CAMUNDA_VERSION = '7.21.0'
export const MAX_BUNDLE_FILES = 20
export const MAX_FILE_BYTES = 1_000_000

type FileKind = { kind: 'bpmn' } | { kind: 'resource'; resource: ResourceKind }

/** What a file is, by its name (Camunda decides by extension too); null: not deployable. */
export function fileKind(name: string): FileKind | null {
  const n = name.toLowerCase()
  if (n.endsWith('.bpmn') || n.endsWith('.bpmn20.xml')) return { kind: 'bpmn' }
  if (n.endsWith('.dmn') || n.endsWith('.dmn11.xml')) return { kind: 'resource', resource: 'decision' }
  if (n.endsWith('.form')) return { kind: 'resource', resource: 'form' }
  return null
}

// A process id as the bundle's other files may call it (only a hint for call activities: the
// file that declares it is validated in full anyway).
const PROCESS_ID = /<(?:[A-Za-z_][\w.-]*:)?process\b[^>]*?\sid\s*=\s*["']([^"']+)["']/g

interface BundleFile {
  name: string
  text: string
  kind: FileKind
}

const deploymentSchema = {
  type: 'object',
  properties: {
    links: { type: 'array', items: { type: 'object', additionalProperties: true } },
    id: { type: 'string' },
    name: { type: ['string', 'null'] },
    source: { type: ['string', 'null'] },
    tenantId: { type: ['string', 'null'] },
    deploymentTime: { type: 'string' },
    deployedProcessDefinitions: { type: ['object', 'null'], additionalProperties: { type: 'object', additionalProperties: true } },
    deployedCaseDefinitions: { type: 'null' },
    deployedDecisionDefinitions: { type: ['object', 'null'], additionalProperties: { type: 'object', additionalProperties: true } },
    deployedDecisionRequirementsDefinitions: { type: 'null' },
    deployedFormDefinitions: {
      type: ['object', 'null'],
      description: "本系统的扩展：部署的表单 / this server's addition: the forms deployed",
      additionalProperties: { type: 'object', additionalProperties: true },
    },
  },
} as const

const camundaErrorSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    message: { type: 'string' },
    error: { type: 'string', description: "本系统的错误码 / this API's error code, beside Camunda's type" },
    key: { type: 'string' },
    params: { type: 'object', additionalProperties: true },
    file: { type: 'string' },
    problems: { type: 'array', items: { type: 'object', additionalProperties: true } },
    details: { type: 'object', additionalProperties: true },
  },
} as const

/** An error of one file of a bundle: the file is named, the store's own problems kept. */
class BundleFileError extends HttpError {
  constructor(
    readonly file: string,
    readonly inner: HttpError,
    readonly bpmn: boolean,
  ) {
    super(inner.statusCode, inner.code, msg('error.bundle.file', { file }), inner.details)
  }
}

/** The deployment route's exception types: a bundle's BPMN problem is a ParseException. */
function deploymentType(status: number, err: unknown): string {
  if (err instanceof BundleFileError && err.bpmn && status === 400) return 'ParseException'
  if (status === 401 || status === 403) return 'AuthorizationException'
  return status >= 500 ? 'RestException' : 'InvalidRequestException'
}

// Camunda's timestamps carry an offset and milliseconds: 2013-01-23T13:59:43.000+0000.
const camundaTime = (iso: string) => iso.replace(/Z$/, '+0000')

export default async function camundaRest(app: FastifyInstance) {
  // Scoped to this plugin (not fastify-plugin): the multipart parser and Camunda's error shape
  // apply to /engine-rest only, beside other modules' own uploads.
  await app.register(multipart, {
    limits: { files: MAX_BUNDLE_FILES, fileSize: MAX_FILE_BYTES, fields: 10, fieldSize: 1000, parts: MAX_BUNDLE_FILES + 10 },
  })

  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    const { status, body: base } = camundaError(err, deploymentType)
    if (status >= 500) request.log.error({ err }, 'unhandled error')
    if (err instanceof BundleFileError) {
      const problems = [{ message: err.inner.message, key: err.inner.key, params: err.inner.params ?? {} }, ...((err.inner.details as object[]) ?? [])]
      const errors = ((err.inner.details as { elementId?: string | null; message: string }[]) ?? []).map((p) => ({
        message: p.message,
        mainElementId: p.elementId ?? null,
        elementIds: p.elementId ? [p.elementId] : [],
      }))
      // `details` as Camunda's ParseException gives it: per resource, its errors and warnings.
      return reply.status(status).send({ ...base, file: err.file, problems, details: { [err.file]: { errors, warnings: [] } } })
    }
    return reply.status(status).send(base)
  })

  const admins = engineAuth(app.engine.access).administrators

  app.get(
    '/engine-rest/version',
    {
      schema: {
        tags: ['camunda'],
        summary: 'Camunda 7 兼容版本 / the Camunda 7 REST version this server follows (Camunda Modeler probes it)',
        response: { 200: { type: 'object', properties: { version: { type: 'string' } } } },
      },
    },
    async () => ({ version: CAMUNDA_VERSION }),
  )

  app.post(
    '/engine-rest/deployment/create',
    {
      onRequest: admins,
      bodyLimit: MAX_BUNDLE_FILES * MAX_FILE_BYTES + 100_000,
      schema: {
        tags: ['camunda'],
        summary:
          '部署文件包 / deploy a bundle (multipart: deployment-name, deployment-source, tenant-id, enable-duplicate-filtering, deploy-changed-only, then .bpmn/.dmn/.form files): all files or none',
        security: bearer,
        consumes: ['multipart/form-data'],
        response: { 200: deploymentSchema, 400: camundaErrorSchema, 401: camundaErrorSchema, 403: camundaErrorSchema, 413: camundaErrorSchema },
      },
    },
    async (request) => {
      if (!request.isMultipart()) throw badRequest(msg('error.bundle.notMultipart'))
      const fields: Record<string, string> = {}
      const files: BundleFile[] = []
      const decoder = new TextDecoder('utf-8', { fatal: true })
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          fields[part.fieldname] = typeof part.value === 'string' ? part.value : String(part.value ?? '')
          continue
        }
        const bytes = await part.toBuffer()
        // Camunda Modeler names each part after its file; the file name decides the kind.
        const name = (part.filename || part.fieldname || '').replace(/^.*[\\/]/, '')
        if (!name || name.length > 255 || /[\u0000-\u001f\u007f]/.test(name))
          throw badRequest(msg('error.bundle.badName', { file: cutText(name, { codePoints: 255 }).replace(/[\u0000-\u001f\u007f]/g, '?') }))
        if (files.some((f) => f.name === name)) throw badRequest(msg('error.bundle.duplicateName', { file: name }))
        const kind = fileKind(name)
        if (!kind) throw badRequest(msg('error.bundle.unknownType', { file: name }))
        let text: string
        try {
          text = decoder.decode(bytes)
        } catch {
          throw badRequest(msg('error.bundle.notText', { file: name }))
        }
        // PostgreSQL text cannot hold NUL, SQLite would keep it: refuse it the same on both.
        if (text.includes('\u0000')) throw badRequest(msg('error.bundle.notText', { file: name }))
        files.push({ name, text, kind })
      }
      if (!files.length) throw badRequest(msg('error.bundle.empty'))
      const actor = request.engineActor
      const tenant = await bundleTenant(actor, fields['tenant-id'])
      const changedOnly = [fields['deploy-changed-only'], fields['enable-duplicate-filtering']].some((v) => v === 'true')

      // 1. Validate every BPMN file before writing anything.
      const knownKeys = new Set<string>()
      for (const f of files) if (f.kind.kind === 'bpmn') for (const m of f.text.matchAll(PROCESS_ID)) knownKeys.add(m[1])
      const checked = new Map<string, CheckedDefinition>()
      for (const f of files) {
        if (f.kind.kind !== 'bpmn') continue
        checked.set(f.name, await perFile(f, () => app.engine.checkDefinition(f.text, { tenant, knownKeys })))
      }
      // Two files of one bundle declaring one process would make two versions in one go.
      const seen = new Map<string, string>()
      for (const [name, c] of checked) {
        if (seen.has(c.key)) throw badRequest(msg('error.bundle.duplicateName', { file: `${seen.get(c.key)}, ${name} (${c.key})` }))
        seen.set(c.key, name)
      }

      // 2. Write every file in one transaction: one failure (a form or decision its validator
      // refuses, a kind nobody registered) rolls back every version of the bundle.
      const write = (trx: Trx) => {
        return (async () => {
          const out: { file: BundleFile; created: boolean; definition?: DefinitionRow; resource?: ResourceRow }[] = []
          for (const f of files) {
            if (f.kind.kind === 'bpmn') {
              const r = await app.engine.definitions.store(checked.get(f.name)!, { actor: actor.username, trx })
              out.push({ file: f, created: r.created, definition: r.definition })
            } else {
              const kind = f.kind.resource
              const r = await perFile(f, () => app.engine.resources.deploy(kind, f.text, { tenant, actor: actor.username, trx }))
              out.push({ file: f, created: r.created, resource: r.resource })
            }
          }
          return out
        })()
      }
      // Another deploy took the next version number of a key first: run the bundle again.
      const results = await withRetry(app.db, write, { retryOn: isUniqueViolation, attempts: 4 })

      const id = randomUUID()
      const deployedAt = new Date().toISOString()
      const processDefs: Record<string, object> = {}
      const decisionDefs: Record<string, object> = {}
      const formDefs: Record<string, object> = {}
      for (const r of results) {
        if (changedOnly && !r.created) continue
        if (r.definition) {
          const d = r.definition
          processDefs[d.id] = {
            id: d.id,
            key: d.key,
            category: null,
            description: null,
            name: d.name,
            version: d.version,
            resource: r.file.name,
            deploymentId: id,
            diagram: null,
            suspended: false,
            tenantId: d.tenant || null,
            versionTag: null,
            historyTimeToLive: null,
            startableInTasklist: true,
          }
        } else if (r.resource) {
          const v = r.resource
          const def = {
            id: v.id,
            key: v.key,
            name: v.name,
            version: v.version,
            resource: r.file.name,
            deploymentId: id,
            tenantId: v.tenant || null,
            versionTag: null,
          }
          if (v.kind === 'decision')
            decisionDefs[v.id] = {
              ...def,
              category: null,
              decisionRequirementsDefinitionId: null,
              decisionRequirementsDefinitionKey: null,
              historyTimeToLive: null,
            }
          else formDefs[v.id] = def
        }
      }
      return {
        links: [],
        id,
        name: fields['deployment-name'] ?? null,
        source: fields['deployment-source'] ?? null,
        tenantId: tenant,
        deploymentTime: camundaTime(deployedAt),
        deployedProcessDefinitions: Object.keys(processDefs).length ? processDefs : null,
        deployedCaseDefinitions: null,
        deployedDecisionDefinitions: Object.keys(decisionDefs).length ? decisionDefs : null,
        deployedDecisionRequirementsDefinitions: null,
        deployedFormDefinitions: Object.keys(formDefs).length ? formDefs : null,
      }
    },
  )

  /**
   * The tenant a bundle lands in. One who acts on every tenant names it (`tenant-id`, a county;
   * empty: the city); one who administers a single tenant lands there whatever `tenant-id` says,
   * since Camunda Modeler may keep a tenant from another connection.
   */
  async function bundleTenant(actor: EngineActor, requested: string | undefined): Promise<string | null> {
    const scope = app.engine.access.tenantScope(actor)
    if (scope !== undefined) {
      if (!scope || !app.engine.access.mayAdminister(actor, scope)) throw forbidden()
      return scope
    }
    const t = requested?.trim() || null
    if (!t) return null
    if (t.length > 64 || !(await app.engine.access.isTenant(t)))
      throw forbidden(msg('error.engine.tenantNotCounty', { tenant: cutText(t, { codePoints: 64 }) }))
    return t
  }
}

/** Runs one file's step; its 4xx becomes the bundle's, naming the file. */
async function perFile<T>(f: BundleFile, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    const e = toHttpError(err)
    if (e instanceof HttpError && e.statusCode < 500) throw new BundleFileError(f.name, e, f.kind.kind === 'bpmn')
    throw e
  }
}

/**
 * Any path under /engine-rest that is no route: a 404 in Camunda's shape, as the routes' own
 * errors, for every method. Registered with the prefix `/engine-rest`, so that its not-found
 * handler is the one for those paths; the GET routes here are needed because the web UI's
 * catch-all `GET /*` is a route, which answered unknown GETs with the app's HTML (a 200 a
 * Camunda client cannot parse), and a route calls its own context's not-found handler.
 */
export async function camundaNotFound(app: FastifyInstance) {
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]
    const { status, body } = camundaError(new HttpError(404, 'not_found', msg('error.noRoute', { method: request.method, path })))
    // A Buffer, as the external-task routes answer: camunda-external-task-client-js parses a body
    // only when the content type is exactly application/json.
    return reply
      .status(status)
      .header('content-type', 'application/json')
      .send(Buffer.from(JSON.stringify(body)))
  })
  for (const url of ['/', '/*']) app.get(url, { schema: { hide: true } }, (_request, reply) => reply.callNotFound())
}
