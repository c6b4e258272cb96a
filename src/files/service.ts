import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Actor } from '../org/service.js'
import { hasRole } from '../org/policy.js'
import type { CaseRow, CaseService } from '../cases/service.js'
import type { TaskRow } from '../engine/runtime.js'
import { isPostgres, nowIso, type Trx } from '../lib/db.js'
import { conflict, forbidden, HttpError, msg, notFound, unprocessable } from '../lib/errors.js'
import { eventMessage } from '../messages/index.js'
import { isImage, type CheckedFile } from './check.js'

/** Who put a file on a case and at which step: the citizen, staff at intake, or a handling task. */
export const KINDS = ['petition', 'intake', 'before', 'after', 'result'] as const
export type Kind = (typeof KINDS)[number]
export const TASK_KINDS: readonly Kind[] = ['before', 'after', 'result']

/**
 * Bounds per case and per request. A case holds at most 20 files and 60 MB, of which the
 * citizen's own at most 6: enough for a petition and a handling round with before/after photos,
 * while one case cannot fill the database.
 */
export const CASE_LIMITS = { maxFiles: 20, maxBytes: 60 * 1024 * 1024, maxCitizenFiles: 6, filesPerRequest: 6 } as const

/** Staff who may add files at intake (those who may register a case), besides the system administrator. */
const INTAKE_ROLES = ['dispatcher', 'grid_worker', 'grid_leader', 'callback', 'handler']
/** Staff who may publish or withdraw a file other than their own (in their scope), besides the system administrator. */
const PUBLISH_ROLES = ['dispatcher', 'leader', 'supervisor']

export interface AttachmentRow {
  id: string
  case_id: string
  kind: Kind
  task_id: string | null
  uploaded_by: string | null
  file_name: string
  media_type: string
  size: number
  sha256: string
  width: number | null
  height: number | null
  published: boolean | number
  created_at: string
}

const META = [
  'id',
  'case_id',
  'kind',
  'task_id',
  'uploaded_by',
  'file_name',
  'media_type',
  'size',
  'sha256',
  'width',
  'height',
  'published',
  'created_at',
] as const

/** Photos and documents on cases: checks who may add, see and publish them; bytes and metadata in the database. */
export class Attachments {
  constructor(
    private app: FastifyInstance,
    private cases: CaseService,
  ) {}

  private get db() {
    return this.app.db
  }

  /**
   * Who may add files, decided before the bytes are read: 404 for a case the actor does not see,
   * 409 once closed; with `taskId`, the task must be open on this case and held by the actor
   * (before/after/result photos belong to the handling step); without, an intake role.
   */
  async staffTarget(actor: Actor, caseId: string, opts: { taskId?: string; kind?: string }): Promise<{ row: CaseRow; kind: Kind; task: TaskRow | null }> {
    const row = await this.cases.visible(actor, caseId)
    if (row.status === 'closed') throw conflict(msg('error.attachment.caseClosed'))
    if (opts.taskId) {
      const task: TaskRow | undefined = await this.db('tasks').where({ id: opts.taskId }).first()
      // Whoever may complete the task may attach to it (the rule of TaskService.complete):
      // its assignee, or, while nobody holds it, a candidate.
      const mine =
        !!task &&
        task.case_id === row.id &&
        task.status === 'open' &&
        (task.assignee ? task.assignee === actor.username : await this.app.tasks.canSee(actor, task))
      if (!mine) throw forbidden(msg('error.attachment.notYourTask'))
      const kind = (opts.kind ?? 'result') as Kind
      if (!TASK_KINDS.includes(kind)) throw unprocessable(msg('error.attachment.badKind'))
      return { row, kind, task }
    }
    if (!hasRole(actor, INTAKE_ROLES)) throw forbidden()
    if (opts.kind !== undefined && opts.kind !== 'intake') throw unprocessable(msg('error.attachment.badKind'))
    return { row, kind: 'intake', task: null }
  }

  /**
   * Stores checked files and their case event in one transaction. The limits are counted under
   * a lock of the case row on PostgreSQL, so two uploads at once cannot both take the last place.
   */
  async add(
    row: CaseRow,
    files: CheckedFile[],
    opts: { kind: Kind; actor: Actor | null; task: TaskRow | null; published?: boolean },
  ): Promise<AttachmentRow[]> {
    const published = !!opts.published && opts.kind !== 'petition'
    return this.db.transaction(async (trx) => {
      const lock = trx('cases').where({ id: row.id }).first('status')
      const current = await (isPostgres(this.db) ? lock.forUpdate() : lock)
      if (current?.status === 'closed') throw conflict(msg('error.attachment.caseClosed'))
      const have = await trx('case_attachments').where({ case_id: row.id }).select('kind', 'size')
      const bytes = have.reduce((s: number, a: { size: number }) => s + Number(a.size), 0) + files.reduce((s, f) => s + f.size, 0)
      if (have.length + files.length > CASE_LIMITS.maxFiles) throw unprocessable(msg('error.attachment.tooMany', { limit: CASE_LIMITS.maxFiles }))
      if (opts.kind === 'petition' && have.filter((a: { kind: string }) => a.kind === 'petition').length + files.length > CASE_LIMITS.maxCitizenFiles) {
        throw unprocessable(msg('error.attachment.tooMany', { limit: CASE_LIMITS.maxCitizenFiles }))
      }
      if (bytes > CASE_LIMITS.maxBytes)
        throw new HttpError(413, 'payload_too_large', msg('error.attachment.caseFull', { limitMb: CASE_LIMITS.maxBytes / 1024 / 1024 }))
      const at = nowIso()
      const rows: AttachmentRow[] = files.map((f) => ({
        id: randomUUID(),
        case_id: row.id,
        kind: opts.kind,
        task_id: opts.task?.id ?? null,
        uploaded_by: opts.actor?.id ?? null,
        file_name: f.fileName,
        media_type: f.mediaType,
        size: f.size,
        sha256: f.sha256,
        width: f.width,
        height: f.height,
        published: published && isImage(f.mediaType),
        created_at: at,
      }))
      for (const [i, r] of rows.entries()) {
        await trx('case_attachments').insert(r)
        await trx('case_attachment_data').insert({ attachment_id: r.id, bytes: files[i].bytes })
      }
      const data = { count: rows.length, kind: opts.kind }
      // The citizen's own upload is on their timeline; staff files reach it only when published.
      await this.cases.event(trx, row.id, 'attachments_added', {
        actor: opts.actor?.username ?? null,
        message: eventMessage('attachments_added', data),
        data,
        public: opts.kind === 'petition',
      })
      const shown = rows.filter((r) => r.published).length
      if (shown) await this.published(trx, row.id, opts.actor, shown, true)
      return rows
    })
  }

  private async published(trx: Trx, caseId: string, actor: Actor | null, count: number, on: boolean) {
    const type = on ? 'attachments_published' : 'attachments_withdrawn'
    await this.cases.event(trx, caseId, type, { actor: actor?.username ?? null, message: eventMessage(type, { count }), data: { count }, public: on })
  }

  async list(caseId: string): Promise<AttachmentRow[]> {
    return this.db('case_attachments')
      .where({ case_id: caseId })
      .orderBy([{ column: 'created_at' }, { column: 'id' }])
      .select(...META)
  }

  /** One file of the case, with its bytes; 404 when the case has no such file. */
  async file(caseId: string, id: string): Promise<AttachmentRow & { bytes: Buffer }> {
    const row = await this.db('case_attachments')
      .join('case_attachment_data', 'case_attachment_data.attachment_id', 'case_attachments.id')
      .where({ 'case_attachments.id': id, 'case_attachments.case_id': caseId })
      .first(...META.map((c) => `case_attachments.${c}`), 'case_attachment_data.bytes')
    if (!row) throw notFound(msg('error.attachment.notFound'))
    return { ...row, bytes: Buffer.from(row.bytes) }
  }

  /** Publishes (or withdraws) an image for the citizen: its uploader, or a dispatcher, leader or supervisor who sees the case. */
  async setPublished(actor: Actor, caseId: string, id: string, on: boolean): Promise<AttachmentRow> {
    const row = await this.cases.visible(actor, caseId)
    return this.db.transaction(async (trx) => {
      const a: AttachmentRow | undefined = await trx('case_attachments')
        .where({ id, case_id: row.id })
        .first(...META)
      if (!a) throw notFound(msg('error.attachment.notFound'))
      if (a.uploaded_by !== actor.id && !hasRole(actor, PUBLISH_ROLES)) throw forbidden()
      if (a.kind === 'petition') throw unprocessable(msg('error.attachment.citizenOwn'))
      if (!isImage(a.media_type)) throw unprocessable(msg('error.attachment.onlyImages'))
      if (!!a.published !== on) {
        await trx('case_attachments').where({ id }).update({ published: on })
        await this.published(trx, row.id, actor, 1, on)
      }
      return { ...a, published: on }
    })
  }

  async uploaders(rows: AttachmentRow[]): Promise<Map<string, { username: string; displayName: string }>> {
    const ids = [...new Set(rows.map((r) => r.uploaded_by).filter((x): x is string => !!x))]
    const users: { id: string; username: string; display_name: string }[] = ids.length
      ? await this.db('users').whereIn('id', ids).select('id', 'username', 'display_name')
      : []
    return new Map(users.map((u) => [u.id, { username: u.username, displayName: u.display_name }]))
  }
}
