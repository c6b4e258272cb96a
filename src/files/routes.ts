import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import multipart from '@fastify/multipart'
import type { CaseService } from '../cases/service.js'
import { HttpError, msg } from '../lib/errors.js'
import { toHttpError } from '../engine/http-errors.js'
import { bearer, errorSchema, typed } from '../lib/schemas.js'
import { checkFile, contentDisposition, FILE_LIMITS, isImage, type CheckedFile } from './check.js'
import { CASE_LIMITS, KINDS, type Attachments, type AttachmentRow } from './service.js'

const attachmentSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: [...KINDS] },
    taskId: { type: ['string', 'null'] },
    taskName: { type: ['string', 'null'] },
    fileName: { type: ['string', 'null'] },
    mediaType: { type: 'string' },
    image: { type: 'boolean' },
    size: { type: 'integer' },
    sha256: { type: 'string' },
    width: { type: ['integer', 'null'] },
    height: { type: ['integer', 'null'] },
    published: { type: 'boolean' },
    own: { type: 'boolean' },
    createdAt: { type: 'string' },
    uploadedBy: { type: ['object', 'null'], properties: { username: { type: 'string' }, displayName: { type: 'string' } } },
  },
} as const
const listSchema = { type: 'object', properties: { items: { type: 'array', items: attachmentSchema } } } as const
const caseParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const
const fileParams = {
  type: 'object',
  required: ['id', 'attachmentId'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 }, attachmentId: { type: 'string', minLength: 1, maxLength: 64 } },
} as const
const trackParams = { type: 'object', required: ['caseNo'], properties: { caseNo: { type: 'string', minLength: 1, maxLength: 40 } } } as const
const trackFileParams = {
  type: 'object',
  required: ['caseNo', 'attachmentId'],
  properties: { caseNo: { type: 'string', minLength: 1, maxLength: 40 }, attachmentId: { type: 'string', minLength: 1, maxLength: 64 } },
} as const
const trackHeaders = { type: 'object', properties: { 'x-tracking-code': { type: 'string', maxLength: 16 } } } as const
const uploadDoc = `multipart/form-data: up to ${CASE_LIMITS.filesPerRequest} parts named \`file\` (≤ ${FILE_LIMITS.maxBytes / 1024 / 1024} MB each; JPEG, PNG, WebP, PDF, DOCX, XLSX judged by content)`

/**
 * Routes of photos and files on cases (src/files/README.md). Multipart parsing is registered
 * here, encapsulated: no other route accepts multipart bodies.
 */
export default async function fileRoutes(fastify: FastifyInstance, opts: { attachments: Attachments; cases: CaseService }) {
  const app = typed(fastify)
  const { attachments, cases } = opts
  await app.register(multipart, {
    throwFileSizeLimit: true,
    limits: {
      fileSize: FILE_LIMITS.maxBytes,
      files: CASE_LIMITS.filesPerRequest,
      fields: 8,
      fieldSize: 256,
      parts: CASE_LIMITS.filesPerRequest + 8,
      fieldNameSize: 32,
      headerPairs: 100,
    },
  })

  /**
   * Reads the form: fields first (the client sends them before the files), then each file,
   * whose content is checked (and images re-encoded) as it arrives; the fields are checked by
   * `fieldsReady` before any byte is kept, so an unauthorised upload is not read into memory.
   */
  async function readUpload(
    request: FastifyRequest,
    fieldsReady: (fields: Record<string, string>) => Promise<void>,
  ): Promise<{ files: CheckedFile[]; fields: Record<string, string> }> {
    if (!request.isMultipart()) throw new HttpError(415, 'unsupported_media_type', msg('error.attachment.notMultipart'))
    const fields: Record<string, string> = {}
    const files: CheckedFile[] = []
    let checked = false
    try {
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          if (checked) continue
          fields[part.fieldname] = String(part.value)
          continue
        }
        if (!checked) {
          await fieldsReady(fields)
          checked = true
        }
        if (part.fieldname !== 'file') {
          part.file.resume()
          throw new HttpError(400, 'bad_request', msg('error.attachment.badField', { field: part.fieldname }))
        }
        files.push(await checkFile(await part.toBuffer(), part.filename))
      }
    } catch (err) {
      throw uploadError(err)
    }
    if (!checked) await fieldsReady(fields)
    if (!files.length) throw new HttpError(400, 'bad_request', msg('error.attachment.noFile'))
    return { files, fields }
  }

  async function send(reply: FastifyReply, a: AttachmentRow & { bytes: Buffer }, name: string) {
    // Only the checked raster types are ever shown inline; everything else is a download, and
    // nosniff stops a browser from second-guessing the stored type.
    reply
      .header('content-type', a.media_type)
      .header('content-length', a.bytes.length)
      .header('content-disposition', contentDisposition(isImage(a.media_type) ? 'inline' : 'attachment', name))
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cross-origin-resource-policy', 'same-origin')
      .header('cache-control', 'private, no-store')
      .header('etag', `"${a.sha256}"`)
    return reply.send(a.bytes)
  }

  /** What staff and the citizen both see of a file; who uploaded it, for which task and its name are each view's own. */
  const fileView = (r: AttachmentRow) => ({
    id: r.id,
    kind: r.kind,
    mediaType: r.media_type,
    image: isImage(r.media_type),
    size: Number(r.size),
    sha256: r.sha256,
    width: r.width,
    height: r.height,
    published: !!r.published,
    createdAt: r.created_at,
  })

  const staffView = async (rows: AttachmentRow[]) => {
    const users = await attachments.uploaders(rows)
    const taskIds = [...new Set(rows.map((r) => r.task_id).filter((x): x is string => !!x))]
    const tasks: { id: string; name: string | null }[] = taskIds.length ? await app.db('tasks').whereIn('id', taskIds).select('id', 'name') : []
    const taskNames = new Map(tasks.map((t) => [t.id, t.name]))
    return rows.map((r) => ({
      ...fileView(r),
      taskId: r.task_id,
      taskName: r.task_id ? (taskNames.get(r.task_id) ?? null) : null,
      fileName: r.file_name,
      uploadedBy: r.uploaded_by ? (users.get(r.uploaded_by) ?? null) : null,
    }))
  }

  // The citizen sees their own files and the published ones; staff names and file names stay with staff.
  const publicView = (rows: AttachmentRow[]) =>
    rows
      .filter((r) => r.kind === 'petition' || !!r.published)
      .map((r) => ({
        ...fileView(r),
        fileName: r.kind === 'petition' ? r.file_name : null,
        own: r.kind === 'petition',
      }))

  // ── staff ───────────────────────────────────────────────────────────────────

  app.post(
    '/api/cases/:id/attachments',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['files'],
        summary: '上传案件附件（登记时或办理任务中）/ attach photos or documents to a case (at intake or on a handling task)',
        description: `${uploadDoc}; fields before the files: \`taskId\` (a task on this case the caller holds: kind \`before\`|\`after\`|\`result\`), \`kind\`, \`published\` (\`true\`: images shown to the citizen)`,
        consumes: ['multipart/form-data'],
        security: bearer,
        params: caseParams,
        response: {
          201: listSchema,
          400: errorSchema,
          403: errorSchema,
          404: errorSchema,
          409: errorSchema,
          413: errorSchema,
          415: errorSchema,
          422: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      let target: Awaited<ReturnType<Attachments['staffTarget']>> | null = null
      const { files, fields } = await readUpload(request, async (f) => {
        target = await attachments.staffTarget(request.actor, id, { taskId: f.taskId || undefined, kind: f.kind || undefined })
      })
      const t = target!
      const rows = await attachments.add(t.row, files, { kind: t.kind, actor: request.actor, task: t.task, published: fields.published === 'true' })
      return reply.status(201).send({ items: await staffView(rows) })
    },
  )

  app.get(
    '/api/cases/:id/attachments',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['files'],
        summary: '案件附件列表 / the files of a case',
        security: bearer,
        params: caseParams,
        response: { 200: listSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const row = await cases.visible(request.actor, request.params.id)
      return { items: await staffView(await attachments.list(row.id)) }
    },
  )

  app.get(
    '/api/cases/:id/attachments/:attachmentId',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['files'],
        summary: '下载附件 / one file (images inline, documents as downloads)',
        security: bearer,
        params: fileParams,
        response: { 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { id, attachmentId } = request.params
      const row = await cases.visible(request.actor, id)
      const a = await attachments.file(row.id, attachmentId)
      return send(reply, a, a.file_name)
    },
  )

  app.patch(
    '/api/cases/:id/attachments/:attachmentId',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['files'],
        summary: '向群众公开或撤回照片 / show a photo to the citizen, or withdraw it',
        security: bearer,
        params: fileParams,
        body: { type: 'object', required: ['published'], additionalProperties: false, properties: { published: { type: 'boolean' } } },
        response: { 200: attachmentSchema, 403: errorSchema, 404: errorSchema, 422: errorSchema },
      },
    },
    async (request) => {
      const { id, attachmentId } = request.params
      const a = await attachments.setPublished(request.actor, id, attachmentId, request.body.published)
      return (await staffView([a]))[0]
    },
  )

  // ── citizens (tracking code) ────────────────────────────────────────────────

  app.post(
    '/api/public/track/:caseNo/attachments',
    {
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['public'],
        summary: '群众上传照片（凭查询码）/ the citizen adds photos (with the tracking code)',
        description: `${uploadDoc}; at most ${CASE_LIMITS.maxCitizenFiles} of the citizen's own per case`,
        consumes: ['multipart/form-data'],
        params: trackParams,
        headers: trackHeaders,
        response: { 201: listSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema, 413: errorSchema, 415: errorSchema, 422: errorSchema },
      },
    },
    async (request, reply) => {
      const { caseNo } = request.params
      const row = await cases.byTrackingCode(caseNo, request.headers['x-tracking-code'])
      if (row.status === 'closed') throw new HttpError(409, 'conflict', msg('error.attachment.caseClosed'))
      const { files } = await readUpload(request, async () => {})
      const rows = await attachments.add(row, files, { kind: 'petition', actor: null, task: null })
      reply.header('cache-control', 'no-store')
      return reply.status(201).send({ items: publicView(rows) })
    },
  )

  app.get(
    '/api/public/track/:caseNo/attachments',
    {
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags: ['public'],
        summary: "群众可见的照片：本人上传的和已公开的 / the citizen's own photos and the published ones",
        params: trackParams,
        headers: trackHeaders,
        response: { 200: listSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { caseNo } = request.params
      const row = await cases.byTrackingCode(caseNo, request.headers['x-tracking-code'])
      reply.header('cache-control', 'no-store')
      return { items: publicView(await attachments.list(row.id)) }
    },
  )

  app.get(
    '/api/public/track/:caseNo/attachments/:attachmentId',
    {
      config: { rateLimit: { max: 120, timeWindow: '1 minute' } },
      schema: {
        tags: ['public'],
        summary: '下载群众可见的照片 / one of the files the citizen may see',
        params: trackFileParams,
        headers: trackHeaders,
        response: { 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { caseNo, attachmentId } = request.params
      const row = await cases.byTrackingCode(caseNo, request.headers['x-tracking-code'])
      const a = await attachments.file(row.id, attachmentId)
      if (a.kind !== 'petition' && !a.published) throw new HttpError(404, 'not_found', msg('error.attachment.notFound'))
      // A staff file's name may say more than its picture: the citizen's copy is named by its id.
      return send(reply, a, a.kind === 'petition' ? a.file_name : `${a.id.slice(0, 8)}.${a.file_name.split('.').pop()}`)
    },
  )
}

/** The multipart library's limit errors as catalogue answers; everything else passes through. */
function uploadError(raw: unknown): unknown {
  const err = toHttpError(raw)
  if (err instanceof HttpError) return err
  const code = (err as { code?: string }).code
  if (code === 'FST_REQ_FILE_TOO_LARGE')
    return new HttpError(413, 'payload_too_large', msg('error.attachment.tooLarge', { limitMb: FILE_LIMITS.maxBytes / 1024 / 1024 }))
  if (code === 'FST_FILES_LIMIT')
    return new HttpError(413, 'payload_too_large', msg('error.attachment.tooManyInRequest', { limit: CASE_LIMITS.filesPerRequest }))
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
    return new HttpError(413, 'payload_too_large', msg('error.attachment.tooManyInRequest', { limit: CASE_LIMITS.filesPerRequest }))
  if (code && code.startsWith('FST_')) return new HttpError(400, 'bad_request', msg('error.attachment.badForm'))
  // busboy's own parse errors (a malformed body) are the client's too.
  if (err instanceof Error && /multipart|boundary|Unexpected end of form|Malformed/i.test(err.message))
    return new HttpError(400, 'bad_request', msg('error.attachment.badForm'))
  return err
}
