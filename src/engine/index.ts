import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Trx } from '../lib/db.js'
import { msg, problem } from '../lib/errors.js'
import { badRequest, notFound, unprocessable } from './errors.js'
import type { EngineActor, EngineDomain } from './access.js'
import { DefinitionStore, type CheckedDefinition, type DefinitionRow, type DeployCheck } from './definitions.js'
import { Runtime, type InstanceRow } from './runtime.js'
import type { SubscriptionRow } from './step-context.js'
import { TimerPoller } from './timers.js'
import { moveDeadline, openTaskElements } from './task-commands.js'
import { redateStart } from './history-commands.js'
import { ResourceStore } from './resources.js'
import type { TableWatch } from '../lib/write-invalidated.js'
import { readShipped, type ShippedFile } from './shipped.js'
import { Withdrawals, type WithdrawCheck } from './withdrawals.js'

/** The engine as other modules use it. */
export class EngineService {
  /** Variables only the platform's own steps write (see `protectVariables`). */
  private protectedNames = new Set<string>()
  /** Says whether a wait is one only its module's own routes deliver to (see `protectMessages`). */
  private messageGuards: ((trx: Trx, sub: SubscriptionRow) => Promise<boolean>)[] = []
  private businessKeyCheck: ((key: string, tenant: string | null, actor: EngineActor) => Promise<boolean>) | null = null
  private businessKeyLabels: ((keys: string[]) => Promise<Map<string, string>>) | null = null
  /** Deployed forms and decisions, versioned like definitions (src/engine/resources.ts). */
  readonly resources: ResourceStore

  /** Scope and permission answers of the embedding domain (src/engine/access.ts). */
  readonly access: EngineDomain['access']
  /** Names of deployers and tenants for versions' lists. */
  readonly directory: EngineDomain['directory']

  constructor(
    private app: FastifyInstance,
    readonly definitions: DefinitionStore,
    readonly runtime: Runtime,
    readonly poller: TimerPoller,
    private domain: EngineDomain,
    watch: TableWatch,
  ) {
    this.resources = new ResourceStore(app.db, watch)
    this.withdrawals = new Withdrawals(
      app.db,
      (key, tenant, trx) => definitions.latest(key, tenant, trx),
      (key, tenant, trx) => definitions.inForce(key, tenant, trx),
      this.withdrawChecks,
    )
    this.access = domain.access
    this.directory = domain.directory
  }

  registerHandler: Runtime['registerHandler'] = (name, fn) => this.runtime.registerHandler(name, fn)
  private checks: DeployCheck[] = []
  /** A module adds what it needs of every deployed definition (a failed check is a 400 naming what is missing). */
  addDeployCheck(check: DeployCheck) {
    this.checks.push(check)
  }
  onStep: Runtime['onStep'] = (fn) => this.runtime.onStep(fn)
  private withdrawChecks: WithdrawCheck[] = []
  /**
   * A module says which keys must not be withdrawn for a tenant (a message: the 409's sentence),
   * given the version new instances there would get instead (withdrawals.ts).
   */
  addWithdrawCheck(check: WithdrawCheck) {
    this.withdrawChecks.push(check)
  }
  /** Withdrawing and restoring keys per tenant (withdrawals.ts); who may is the caller's question (`access.mayAdminister`). */
  readonly withdrawals: Withdrawals

  /** Deploys XML as a new version of its key for `tenant` (unchanged XML is not a new version). */
  async deploy(xml: string, opts: { tenant?: string | null; actor?: string | null } = {}): Promise<{ definition: DefinitionRow; created: boolean }> {
    return this.definitions.store(await this.checkDefinition(xml, opts), { actor: opts.actor })
  }

  /**
   * Validates XML for `tenant` with every handler, deploy check and receiver known, without
   * writing (`definitions.store(checked, { trx })` writes it). `knownKeys`: process keys a call
   * activity may name besides the deployed ones (the other files of a bundle).
   */
  async checkDefinition(xml: string, opts: { tenant?: string | null; knownKeys?: ReadonlySet<string> } = {}): Promise<CheckedDefinition> {
    const { users, groups } = await this.domain.candidates.receivers(opts.tenant)
    return this.definitions.check(xml, {
      tenant: opts.tenant,
      handlers: this.runtime.handlerNames(),
      checks: this.checks,
      isProtected: (name) => this.protectedNames.has(name),
      canReceive: (r) => r.users.some((u) => users.has(u)) || r.groups.some((g) => groups.has(g)),
      knownKeys: opts.knownKeys,
    })
  }

  start: Runtime['start'] = (key, opts) => this.runtime.start(key, opts)

  /** Moves a task's due date and its deadline timer, in the caller's transaction (task-commands.ts). */
  moveDeadline = moveDeadline
  /** The element ids of an instance's open user tasks. */
  openTaskElements = openTaskElements
  /** Dates an instance's start (and its first step's rows) earlier, loading past data (history-commands.ts). */
  redateStart = redateStart

  /**
   * Names variables that only the platform's own steps (intake, handlers) may write. The engine
   * knows nothing of what they mean; a module that relies on them registers them here, and
   * every variable that arrives from outside (start, message, signal, a diagram's form fields)
   * is checked against them.
   */
  protectVariables(names: Iterable<string>) {
    for (const n of names) this.protectedNames.add(n)
  }

  /**
   * Names message waits that only the platform's own routes deliver to: a module that gives a
   * wait a meaning (cases: the extension request and 加派 boundaries) sets, with the message,
   * variables its next steps rely on, which a message from outside would not carry. Such a wait
   * refuses a message that comes from outside (`correlateMessage` with `external`). The engine
   * knows nothing of what they mean; `guard` answers for one waiting subscription.
   */
  protectMessages(guard: (trx: Trx, sub: SubscriptionRow) => Promise<boolean>) {
    this.messageGuards.push(guard)
  }

  isProtected(name: string): boolean {
    return this.protectedNames.has(name)
  }

  /**
   * The module that owns business keys (cases) says whether an actor may bind a new instance
   * to one; without such a module no request binds an instance to a key.
   */
  setBusinessKeyCheck(fn: (key: string, tenant: string | null, actor: EngineActor) => Promise<boolean>) {
    this.businessKeyCheck = fn
  }

  async mayBindBusinessKey(key: string, tenant: string | null, actor: EngineActor): Promise<boolean> {
    return this.businessKeyCheck ? this.businessKeyCheck(key, tenant, actor) : false
  }

  /**
   * The module that owns business keys names them for people (cases: the case number), for
   * lists such as incidents; without one, keys have no label.
   */
  setBusinessKeyLabels(fn: (keys: string[]) => Promise<Map<string, string>>) {
    this.businessKeyLabels = fn
  }

  async labelBusinessKeys(keys: string[]): Promise<Map<string, string>> {
    return this.businessKeyLabels && keys.length ? this.businessKeyLabels(keys) : new Map()
  }

  /** 400 naming each protected variable that `variables` (from a request) tries to set. */
  checkExternalVariables(variables: Record<string, unknown> | null | undefined) {
    const bad = Object.keys(variables ?? {}).filter((k) => this.protectedNames.has(k))
    if (bad.length) {
      throw badRequest(
        msg('error.engine.platformVariables', { names: bad.join(', ') }),
        bad.map((field) => problem(msg('error.engine.platformVariables', { names: field }), { field: `variables.${field}` })),
      )
    }
  }

  /**
   * Delivers message `name` to one waiting instance (narrowed by instance or case). `tenant`
   * (a county code) restricts the candidates to that county's instances: a county
   * administrator's message never reaches another county, with or without an instance id.
   * `external` (a message from outside: the engine API): a wait a module protects
   * (`protectMessages`) refuses it, and a message that several instances wait for must name
   * the instance or the business key — the oldest wait was taken, an arbitrary instance.
   */
  async correlateMessage(
    name: string,
    opts: {
      instanceId?: string
      caseId?: string
      tenant?: string
      variables?: Record<string, unknown>
      actor?: EngineActor | null
      trx?: Trx
      external?: boolean
    },
  ): Promise<InstanceRow> {
    const run = async (trx: Trx) => {
      const candidates = () => {
        const q = trx('subscriptions as s').where({ 's.kind': 'message', 's.name': name })
        if (opts.instanceId) q.where({ 's.instance_id': opts.instanceId })
        if (opts.caseId) q.where({ 's.case_id': opts.caseId })
        if (opts.tenant !== undefined) q.join('process_instances as pi', 'pi.id', 's.instance_id').where('pi.tenant', opts.tenant)
        return q
      }
      const sub: SubscriptionRow | undefined = await candidates().orderBy('s.created_at').first('s.*')
      if (!sub) throw notFound(msg('error.engine.noWaitingInstance', { name }))
      if (opts.external) {
        for (const guard of this.messageGuards) {
          if (await guard(trx, sub)) throw unprocessable(msg('error.engine.platformMessage', { name }))
        }
        if (!opts.instanceId && (await candidates().whereNot('s.instance_id', sub.instance_id).first('s.id'))) {
          throw unprocessable(msg('error.engine.messageAmbiguous', { name }))
        }
      }
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

  /** The shipped BPMN files (processes/): what an administrator may choose to deploy. */
  shipped(): Promise<ShippedFile[]> {
    return readShipped(this.app.config.processesDir)
  }

  /**
   * Seeds the city default from each file of `dir` whose key has no version at all. Once any
   * version of a key exists the database is the source of truth: an administrator's edit is
   * never replaced by the file on a restart.
   */
  async deployDirectory(dir: string): Promise<number> {
    let created = 0
    // A file whose exact XML is deployed has a version of its key: no need to parse it for the key.
    const deployed = async (hashes: string[]) =>
      new Set<string>((await this.app.db('process_definitions').whereIn('xml_hash', hashes).distinct('xml_hash')).map((r: { xml_hash: string }) => r.xml_hash))
    for (const file of await readShipped(dir, { skip: deployed })) {
      if (await this.definitions.hasKey(file.key)) continue
      // Two nodes seeding at once deploy the same XML: the second finds it unchanged.
      const r = await this.deploy(file.xml, { actor: 'system' })
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

/** The durable BPMN engine: definitions, runtime, timers (its routes: the engineHttp plugin, http.ts). */
export interface EngineModuleOptions {
  background: boolean
  /**
   * What the embedding domain answers (access, candidates, names): see src/engine/access.ts.
   * Called once at registration; its answers may use the app's other decorations lazily.
   */
  domain: (app: FastifyInstance) => EngineDomain
}

export default fp<EngineModuleOptions>(
  async function engineModule(app: FastifyInstance, opts) {
    // This node's deployments empty the version caches at once (resources.ts VERSION_CACHE_MS),
    // through the database's one TableWatch (the db plugin's, as `app.db` is).
    const watch = app.tableWatch
    const definitions = new DefinitionStore(app.db, watch)
    const runtime = new Runtime(app.db, definitions, app.config.engineCacheSize, app.config.engineLazyElements)
    const poller = new TimerPoller(app.db, runtime, app.config.nodeId, app.config.timerPollMs, app.log)
    app.decorate('engine', new EngineService(app, definitions, runtime, poller, opts.domain(app), watch))

    // Seed keys processes/ has and the database lacks, once every module has registered its
    // handlers and deploy checks; then start firing timers.
    app.addHook('onReady', async () => {
      const n = await app.engine.deployDirectory(app.config.processesDir)
      if (n) app.log.info({ seeded: n }, 'seeded process definitions from the shipped files')
      if (opts.background) poller.start()
    })
    app.addHook('preClose', async () => {
      await poller.stop()
    })
  },
  // No dependency on the domain's plugins: what it needs of the domain comes in `domain`, which
  // src/app.ts composes after registering the domain's organisation module.
  { name: 'engine' },
)
