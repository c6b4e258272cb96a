/**
 * Pluggable senders: the worker hands each notice to the sender of its channel. One sender
 * ships: an HTTP webhook for an SMS or WeChat gateway. A deployment may register others
 * (`app.notify.senders.set(channel, sender)`).
 */
export interface OutgoingNotice {
  /** The notice id: sent as the `Idempotency-Key` header, so a gateway drops a repeat. */
  id: string
  channel: string
  caseNo: string
  kind: string
  messageKey: string
  params: Record<string, unknown>
  text: string
  /** The citizen's phone, only when the case stores one and the channel answers by phone/SMS. */
  contact?: string
}

export interface SendResult {
  ok: boolean
  statusCode?: number
  error?: string
  /** A refusal that no retry can change (4xx other than 408/429): the notice fails at once. */
  permanent?: boolean
}

export interface Sender {
  send(n: OutgoingNotice): Promise<SendResult>
}

/**
 * POSTs the notice as JSON to the gateway's URL with an `Idempotency-Key` header (the notice
 * id). Uses Node's fetch (undici) with a timeout: a library would add nothing for one POST.
 */
export class WebhookSender implements Sender {
  constructor(
    private url: () => Promise<string | null>,
    private timeoutMs: number,
  ) {}

  async send(n: OutgoingNotice): Promise<SendResult> {
    const url = await this.url()
    if (!url) return { ok: false, error: '未配置通知网关 / no gateway URL configured' }
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': n.id },
        body: JSON.stringify(n),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
      await res.arrayBuffer().catch(() => null)
      if (res.ok) return { ok: true, statusCode: res.status }
      const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429
      return { ok: false, statusCode: res.status, error: `HTTP ${res.status}`, permanent }
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } }
      return { ok: false, error: `${e.name}: ${e.cause?.code ?? e.message}` }
    }
  }
}
