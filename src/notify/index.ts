import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { NotifyWorker } from './worker.js'
import { WebhookSender, type Sender } from './senders.js'
import notifyRoutes from './routes.js'

export class NotifyService {
  /** Senders by channel; `*` serves every channel without one of its own. */
  readonly senders = new Map<string, Sender>()
  constructor(readonly worker: NotifyWorker) {}
}

declare module 'fastify' {
  interface FastifyInstance {
    notify: NotifyService
  }
}

/**
 * Telling the citizen (办结告知): the case handlers write notices into the outbox
 * (src/notify/outbox.ts) in their step's transaction; this module delivers them and lets an
 * administrator see the outbox. See src/notify/README.md.
 */
export default fp<{ background: boolean }>(
  async function notifyModule(app: FastifyInstance, opts) {
    const url = async () => {
      const row = await app.db('settings').where({ key: 'notify.webhook_url' }).first('value')
      return row?.value || app.config.notifyWebhookUrl || null
    }
    let service: NotifyService | null = null
    const worker = new NotifyWorker(
      app.db,
      (channel) => service!.senders.get(channel) ?? service!.senders.get('*')!,
      {
        nodeId: app.config.nodeId,
        pollMs: app.config.notifyPollMs,
        leaseMs: app.config.notifyLeaseMs,
        maxAttempts: app.config.notifyMaxAttempts,
        backoffMs: app.config.notifyBackoffMs,
        configured: async () => !!(await url()),
      },
      app.log,
    )
    service = new NotifyService(worker)
    service.senders.set('*', new WebhookSender(url, app.config.notifyTimeoutMs))
    app.decorate('notify', service)
    await app.register(notifyRoutes)
    app.addHook('onReady', async () => {
      // Without a gateway the worker attempts nothing: notices wait in the outbox (and show on
      // the tracking page) until one is configured, and no attempt is used up.
      if (opts.background) worker.start()
    })
    app.addHook('preClose', async () => {
      await worker.stop()
    })
  },
  { name: 'notify', dependencies: ['cases'] },
)
