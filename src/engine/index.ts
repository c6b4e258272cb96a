import fs from 'node:fs'
import path from 'node:path'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Trx } from '../lib/db.js'
import { notFound } from '../lib/errors.js'
import { computeGroups, type Actor } from '../org/index.js'
import { DefinitionStore, type DefinitionRow } from './definitions.js'
import { Runtime, type InstanceRow } from './runtime.js'
import { TimerPoller } from './timers.js'
import engineRoutes from './routes.js'
import incidentRoutes from './incidents-routes.js'

/** The engine as other modules use it. */
export class EngineService {
  constructor(
    private app: FastifyInstance,
    readonly definitions: DefinitionStore,
    readonly runtime: Runtime,
    readonly poller: TimerPoller,
  ) {}

  registerHandler: Runtime['registerHandler'] = (name, fn) => this.runtime.registerHandler(name, fn)
  onStep: Runtime['onStep'] = (fn) => this.runtime.onStep(fn)

  /** Deploys XML as a new version of its key for `tenant` (unchanged XML is not a new version). */
  async deploy(xml: string, opts: { tenant?: string | null; actor?: string | null } = {}): Promise<{ definition: DefinitionRow; created: boolean }> {
    const { users, groups } = await this.receivers()
    return this.definitions.deploy(xml, {
      tenant: opts.tenant,
      actor: opts.actor,
      handlers: this.runtime.handlerNames(),
      canReceive: (r) => r.users.some((u) => users.has(u)) || r.groups.some((g) => groups.has(g)),
    })
  }

  /** Every username and every candidate-group token someone holds: who a task can reach. */
  private async receivers() {
    const rows: { username: string; roles: string; unit_code: string | null; groups: string | null }[] = await this.app
      .db('users')
      .where({ active: true })
      .select('username', 'roles', 'unit_code', 'groups')
    const users = new Set<string>()
    const groups = new Set<string>()
    for (const r of rows) {
      users.add(r.username)
      for (const g of computeGroups(JSON.parse(r.roles || '[]'), r.unit_code, JSON.parse(r.groups || '[]'))) groups.add(g)
    }
    return { users, groups }
  }

  start: Runtime['start'] = (key, opts) => this.runtime.start(key, opts)

  /** Delivers message `name` to one waiting instance (narrowed by instance or case). */
  async correlateMessage(
    name: string,
    opts: { instanceId?: string; caseId?: string; variables?: Record<string, unknown>; actor?: Actor | null; trx?: Trx },
  ): Promise<InstanceRow> {
    const run = async (trx: Trx) => {
      const q = trx('subscriptions').where({ kind: 'message', name }).orderBy('created_at').first()
      if (opts.instanceId) q.where({ instance_id: opts.instanceId })
      if (opts.caseId) q.where({ case_id: opts.caseId })
      const sub = await q
      if (!sub) throw notFound(`等待消息 ${name} 的实例 / an instance waiting for message ${name}`)
      return this.runtime.deliver(trx, sub, opts.variables ?? {}, opts.actor?.username ?? null)
    }
    return opts.trx ? run(opts.trx) : this.app.db.transaction(run)
  }

  /** Delivers signal `name` to every instance waiting for it; one transaction per instance. */
  async broadcastSignal(name: string, variables: Record<string, unknown>, actor: string | null): Promise<number> {
    const subs = await this.app.db('subscriptions').where({ kind: 'signal', name }).orderBy('created_at')
    let n = 0
    for (const sub of subs) {
      await this.app.db.transaction(async (trx) => {
        const still = await trx('subscriptions').where({ id: sub.id }).first()
        if (!still) return
        await this.runtime.deliver(trx, sub, variables, actor)
        n++
      })
    }
    return n
  }

  /** Deploys every BPMN file of a folder as the city default (idempotent). */
  async deployDirectory(dir: string): Promise<number> {
    if (!fs.existsSync(dir)) return 0
    let created = 0
    for (const file of fs.readdirSync(dir).sort()) {
      if (!file.endsWith('.bpmn')) continue
      const xml = fs.readFileSync(path.join(dir, file), 'utf8')
      const r = await this.deploy(xml, { actor: 'system' })
      if (r.created) created++
    }
    return created
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    engine: EngineService
  }
}

/** The durable BPMN engine: definitions, runtime, timers and their routes. */
export default fp<{ background: boolean }>(
  async function engineModule(app: FastifyInstance, opts) {
    const definitions = new DefinitionStore(app.db)
    const runtime = new Runtime(app.db, definitions, app.config.engineCacheSize)
    const poller = new TimerPoller(app.db, runtime, app.config.nodeId, app.config.timerPollMs, app.log)
    app.decorate('engine', new EngineService(app, definitions, runtime, poller))
    await app.register(engineRoutes)
    await app.register(incidentRoutes)

    // Deploy processes/ once every module has registered its handlers, then start firing timers.
    app.addHook('onReady', async () => {
      const n = await app.engine.deployDirectory(app.config.processesDir)
      if (n) app.log.info({ deployed: n }, 'deployed process definitions')
      if (opts.background) poller.start()
    })
    app.addHook('preClose', async () => {
      await poller.stop()
    })
  },
  { name: 'engine', dependencies: ['org'] },
)
