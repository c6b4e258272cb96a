import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../lib/db.js'
import { isPostgres, nowIso } from '../lib/db.js'
import { parseStoredJson } from '../lib/stored-json.js'
import { PollLoop } from '../lib/poll-loop.js'
import type { NoticeRow } from './outbox.js'
import type { OutgoingNotice, Sender } from './senders.js'
import { cutText } from '../lib/text.js'

export interface WorkerOptions {
  nodeId: string
  pollMs: number
  /** How long a node owns a claimed notice; must exceed the sender's timeout. */
  leaseMs: number
  maxAttempts: number
  /** First retry delay; doubled after each failed attempt, capped at an hour. */
  backoffMs: number
  /** False while no gateway is configured: notices then wait, and no attempt is used up. */
  configured?: () => Promise<boolean>
}

const BATCH = 20
/** Channels whose citizen is answered by phone or SMS: only these get the phone number. */
const PHONE_CHANNELS = new Set([
  'hotline',
  '12345',
  '12315',
  'walk_in',
  'letter',
  'visit',
  'grid_report',
  'suggestion_box',
  'secretary_mailbox',
  'secretary_reception',
  'deputy_station',
  'wechat_group',
  'other',
])

/**
 * Delivers the outbox. Modelled on the timer poller (src/engine/timers.ts): a claim leases a
 * batch by a conditional update (FOR UPDATE SKIP LOCKED on PostgreSQL, so two nodes never take
 * the same row); the notice is sent outside any transaction, then marked sent only if this node
 * still holds the lease. A node that dies holding a lease leaves the notice to whichever node
 * sees the lease run out: if it died before sending, the notice goes once; if it died after the
 * gateway took it but before marking, it goes again with the same Idempotency-Key (the notice
 * id), which the gateway uses to drop the repeat. See src/notify/README.md, "Exactly once".
 */
export class NotifyWorker {
  private readonly loop: PollLoop

  constructor(
    private db: Db,
    private sender: (channel: string) => Sender,
    private opts: WorkerOptions,
    private log: FastifyBaseLogger,
  ) {
    this.loop = new PollLoop(
      () => this.poll(),
      opts.pollMs,
      (err) => this.log.error({ err }, 'notice delivery failed'),
    )
  }

  start() {
    this.loop.start()
  }

  /** Stops claiming; waits for the notice in hand; hands the rest of the batch back at once. */
  stop() {
    return this.loop.stop()
  }

  /** Claims the notices due at `now` and sends them; returns how many were delivered. */
  async poll(now = new Date()): Promise<number> {
    let sent = 0
    if (this.opts.configured && !(await this.opts.configured())) return 0
    for (;;) {
      const claimed = await this.claim(now)
      if (!claimed.length) return sent
      for (const n of claimed) {
        if (this.loop.stopping) {
          await this.release(claimed.filter((c) => c.status === 'pending'))
          return sent
        }
        if (await this.deliver(n, now)) sent++
        n.status = 'done'
      }
      if (claimed.length < BATCH) return sent
    }
  }

  private async claim(now: Date): Promise<NoticeRow[]> {
    const nowS = now.toISOString()
    const until = new Date(now.getTime() + this.opts.leaseMs).toISOString()
    return this.db.transaction(async (trx) => {
      const q = trx('citizen_notices')
        .where({ status: 'pending' })
        .where('next_attempt_at', '<=', nowS)
        // The lease is judged by the wall clock, not `now`: a test driving the clock ahead must
        // not take a notice another live node holds.
        .where((w) => w.whereNull('claimed_until').orWhere('claimed_until', '<', nowIso()))
        .orderBy('next_attempt_at')
        .limit(BATCH)
        .select('*')
      if (isPostgres(this.db)) q.forUpdate().skipLocked()
      const rows: NoticeRow[] = await q
      if (!rows.length) return []
      await trx('citizen_notices')
        .whereIn(
          'id',
          rows.map((r) => r.id),
        )
        .update({ claimed_by: this.opts.nodeId, claimed_until: until })
      return rows
    })
  }

  private async release(rows: NoticeRow[]) {
    if (rows.length)
      await this.db('citizen_notices')
        .whereIn(
          'id',
          rows.map((r) => r.id),
        )
        .where({ claimed_by: this.opts.nodeId, status: 'pending' })
        .update({ claimed_by: null, claimed_until: null })
  }

  private async deliver(n: NoticeRow, now: Date): Promise<boolean> {
    const mine = () => this.db('citizen_notices').where({ id: n.id, status: 'pending', claimed_by: this.opts.nodeId })
    const c = await this.db('cases').where({ id: n.case_id }).first('case_no', 'channel', 'anonymous', 'petitioner_phone')
    // The reminder to evaluate is moot once the case is no longer awaiting an evaluation.
    if (n.kind === 'evaluation_due') {
      const about = await this.db('cases').where({ id: n.about_case_id }).first('status')
      if (about?.status !== 'awaiting_evaluation') {
        await mine().update({ status: 'skipped', claimed_by: null, claimed_until: null })
        return false
      }
    }
    const anonymous = c?.anonymous === true || c?.anonymous === 1
    const out: OutgoingNotice = {
      id: n.id,
      channel: n.channel,
      caseNo: c?.case_no ?? '',
      kind: n.kind,
      messageKey: n.message_key,
      params: (parseStoredJson(n.params) as Record<string, unknown>) ?? {},
      text: n.text,
      ...(!anonymous && c?.petitioner_phone && PHONE_CHANNELS.has(n.channel) && { contact: c.petitioner_phone }),
    }
    const result = await this.sender(n.channel).send(out)
    const at = nowIso()
    const attempts = Number(n.attempts) + 1
    await this.db('citizen_notice_attempts').insert({
      id: randomUUID(),
      notice_id: n.id,
      node: this.opts.nodeId,
      at,
      ok: result.ok,
      status_code: result.statusCode ?? null,
      error: result.error == null ? null : cutText(result.error, { codePoints: 2000 }),
    })
    if (result.ok) {
      const marked = await mine().update({ status: 'sent', sent_at: at, attempts, claimed_by: null, claimed_until: null, last_error: null })
      if (!marked) this.log.warn({ notice: n.id }, 'notice delivered after its lease ran out: another node may resend it (same Idempotency-Key)')
      return true
    }
    const failed = result.permanent || attempts >= this.opts.maxAttempts
    const delay = Math.min(this.opts.backoffMs * 2 ** (attempts - 1), 3600_000)
    await mine().update({
      status: failed ? 'failed' : 'pending',
      attempts,
      last_error: result.error == null ? null : cutText(result.error, { codePoints: 2000 }),
      next_attempt_at: new Date(now.getTime() + delay).toISOString(),
      claimed_by: null,
      claimed_until: null,
    })
    this.log.warn({ notice: n.id, attempts, error: result.error }, failed ? 'notice delivery gave up' : 'notice delivery failed; will retry')
    return false
  }
}
