import net from 'node:net'
import path from 'node:path'
import envSchemaLib from 'env-schema'
import type { FromSchema } from 'json-schema-to-ts'
import { projectRoot } from './lib/paths.js'
import { DEFAULT_DATABASE_URL, databaseUrlProblem, redactDatabaseUrl, sqliteFile } from './lib/database-url.js'

/** Runtime configuration, read once from the environment. */
export interface Config {
  port: number
  host: string
  /** `postgres://…` for PostgreSQL; otherwise a SQLite file path (or `:memory:`). */
  databaseUrl: string
  /** PostgreSQL schema to use (several deployments or test runs can share one database). */
  databaseSchema?: string
  /** Demo mode seeds a demo city on an empty database. On unless NODE_ENV=production. */
  demo: boolean
  /**
   * In demo mode, write a year of generated history (src/demo/history.ts) on the first start of
   * an empty database. `DEMO_HISTORY=0` turns it off; off when NODE_ENV=test (tests assert exact
   * counts on the template; one test turns it on).
   */
  demoHistory: boolean
  /** How often the timer poller looks for due timers, in ms. */
  timerPollMs: number
  /** The longest an external-task fetchAndLock long poll holds its request (asyncResponseTimeout is capped to it), ms. */
  externalTaskMaxWaitMs: number
  /** Identifies this node in timer claims (several nodes may share one PostgreSQL). */
  nodeId: string
  logLevel: string
  /**
   * Fastify's `trustProxy`: whose X-Forwarded-For to believe for `request.ip` (the rate limits'
   * key). `false` (the default), `true` (every peer) or the proxies' addresses/CIDRs.
   */
  trustProxy: boolean | string[]
  /** Secret for signing session tokens; when unset one is generated and kept in the database. */
  tokenSecret?: string
  /** Serve the built web UI from ui/dist. */
  serveUi: boolean
  /** BPMN files deployed at start-up, and their forms under forms/. */
  processesDir: string
  /** PROCESSES_DIR was set, not defaulted: a missing folder is then a mistake (src/startup-checks.ts). */
  processesDirSet?: boolean
  /** PostgreSQL: the longest opening a connection may take, ms (src/lib/db.ts). */
  dbConnectTimeoutMs: number
  /** Parked engines kept in memory for their instance's next step on this node (0: none). */
  engineCacheSize: number
  /**
   * Build a step's BPMN elements only as the step reaches them (patches/bpmn-elements, issue 13).
   * On by default; `ENGINE_LAZY_ELEMENTS=0` builds every element each step, as bpmn-elements
   * does unpatched, to compare. Either way saved states recover either way.
   */
  engineLazyElements: boolean
  /** SQLite: how often the WAL is checkpointed (and so synced) besides the commits' autocheckpoint, ms (src/plugins/db.ts). */
  sqliteCheckpointMs: number
  /** PostgreSQL: how long a query waits for a pool connection, ms (unset: src/lib/db.ts's default). */
  dbAcquireTimeoutMs?: number
  /** Citizen notices (src/notify/): the webhook gateway's URL (settings `notify.webhook_url` wins). */
  notifyWebhookUrl?: string
  notifyPollMs: number
  notifyLeaseMs: number
  notifyMaxAttempts: number
  notifyBackoffMs: number
  notifyTimeoutMs: number
  /**
   * After SIGTERM/SIGINT, how long the node keeps serving while /health answers 503, so that a
   * balancer stops sending it requests before it closes (src/server.ts); 0 closes at once.
   */
  shutdownDrainMs: number
}

const TOKEN_SECRET_MIN = 32

const int = (minimum: number, maximum = Number.MAX_SAFE_INTEGER) => ({ type: 'integer', minimum, maximum }) as const
const flag = { type: 'string', enum: ['0', '1', 'true', 'false'] } as const

/**
 * Every variable the server reads, checked at start with env-schema (ajv): a bad value stops the
 * start with a message naming the variable, where `Number('abc')` used to give NaN and a
 * server that misbehaved later (a NaN poll interval, a NaN page cache). The README's
 * configuration table lists the same names.
 */
export const envSchema = {
  type: 'object',
  properties: {
    NODE_ENV: { type: 'string', enum: ['production', 'development', 'test'] },
    PORT: int(0, 65535),
    HOST: { type: 'string', minLength: 1 },
    DATABASE_URL: { type: 'string', minLength: 1 },
    DATABASE_SCHEMA: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$' },
    DEMO: flag,
    DEMO_HISTORY: flag,
    NODE_ID: { type: 'string', minLength: 1, maxLength: 100 },
    TIMER_POLL_MS: int(10),
    EXTERNAL_TASK_MAX_WAIT_MS: int(0, 600_000),
    LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    // true, false, or a comma list of addresses/CIDRs; each entry is checked by trustProxyProblem.
    TRUST_PROXY: { type: 'string', minLength: 1, maxLength: 2000 },
    // The HMAC key that signs session tokens: anyone holding one token can try keys offline, and a
    // key a guess can find lets them sign a token for any user. 32 characters (`openssl rand -hex
    // 32` gives 64) put it beyond guessing.
    TOKEN_SECRET: { type: 'string', minLength: TOKEN_SECRET_MIN },
    SERVE_UI: flag,
    UI_DIR: { type: 'string', minLength: 1 },
    PROCESSES_DIR: { type: 'string', minLength: 1 },
    ENGINE_CACHE_SIZE: int(0, 100_000),
    ENGINE_LAZY_ELEMENTS: flag,
    SQLITE_CACHE_MB: int(0, 1_000_000),
    SQLITE_MMAP_MB: int(0, 1_000_000),
    SQLITE_WAL_AUTOCHECKPOINT: int(1, 10_000_000),
    SQLITE_CHECKPOINT_MS: int(10, 86_400_000),
    DB_POOL_MAX: int(1, 1000),
    DB_ACQUIRE_TIMEOUT_MS: int(100, 600_000),
    DB_CONNECT_TIMEOUT_MS: int(100, 600_000),
    // Empty means "keep the server's": the one variable whose empty value says something.
    PG_RANDOM_PAGE_COST: { type: 'string', pattern: '^(\\d+(\\.\\d+)?)?$' },
    NOTIFY_WEBHOOK_URL: { type: 'string', pattern: '^https?://' },
    NOTIFY_POLL_MS: int(10),
    NOTIFY_LEASE_MS: int(1000),
    NOTIFY_MAX_ATTEMPTS: int(1, 1000),
    NOTIFY_BACKOFF_MS: int(0),
    NOTIFY_TIMEOUT_MS: int(100),
    SHUTDOWN_DRAIN_MS: int(0, 600_000),
  },
} as const

/** A start stopped by a bad variable: `message` names each one and what it must be. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** The variables as envSchema types them (integers as numbers, flags as their strings), each optional. */
type Env = FromSchema<typeof envSchema>

/** The environment checked against `envSchema`; numbers come back as numbers. */
export function validateEnv(env: NodeJS.ProcessEnv): Env {
  const data: Record<string, string> = {}
  for (const name of Object.keys(envSchema.properties)) {
    const v = env[name]
    // An empty variable is an unset one (`PORT= npm start`), except where empty has a meaning.
    if (v !== undefined && (v !== '' || name === 'PG_RANDOM_PAGE_COST')) data[name] = v
  }
  let checked: Env | undefined
  let errors: string[] = []
  try {
    checked = envSchemaLib({ schema: envSchema, data, env: false, dotenv: false }) as Env
  } catch (err) {
    const found = (err as { errors?: { instancePath: string; message?: string; params?: Record<string, unknown> }[] }).errors
    if (!found) errors = [(err as Error).message]
    else
      errors = found.map((e) => {
        const name = e.instancePath.replace(/^\//, '')
        if (name === 'TOKEN_SECRET')
          return `TOKEN_SECRET must be at least ${TOKEN_SECRET_MIN} characters, as the key that signs every session (is ${[...data[name]!].length}; \`openssl rand -hex 32\` makes one)`
        const allowed = Array.isArray(e.params?.allowedValues) ? `: ${(e.params!.allowedValues as string[]).join(', ')}` : ''
        return `${name} ${e.message}${allowed} (is ${shown(name, data[name])})`
      })
  }
  const proxyProblem = data.TRUST_PROXY !== undefined && trustProxyProblem(data.TRUST_PROXY)
  if (proxyProblem) errors.push(`TRUST_PROXY ${proxyProblem} (is ${JSON.stringify(data.TRUST_PROXY)})`)
  const url = data.DATABASE_URL
  const problem = url === undefined ? null : databaseUrlProblem(url)
  if (problem) errors.push(`DATABASE_URL ${problem} (is ${shown('DATABASE_URL', url)})`)
  // One bad variable, one line; several, a line each under the heading.
  if (errors.length || !checked)
    throw new ConfigError(`Configuration not valid, the server does not start:${errors.length === 1 ? ' ' : '\n  '}${errors.join('\n  ')}`)
  return checked
}

/** A value as a message may quote it: never a secret, a database URL without its password. */
function shown(name: string, value: string | undefined): string {
  if (value === undefined) return 'unset'
  if (name === 'DATABASE_URL') return JSON.stringify(redactDatabaseUrl(value))
  if (/SECRET|PASSWORD|KEY/.test(name)) return `${[...value].length} characters`
  return JSON.stringify(value)
}

/** proxy-addr's names for address ranges, accepted as entries of TRUST_PROXY. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal']

/**
 * What is wrong with a TRUST_PROXY value, or undefined. A bare number is refused: Fastify 5
 * accepts a hop count but trusts nobody with it (a hop count cannot tell the balancer from a
 * client that connects directly and sends its own X-Forwarded-For), so it would start and
 * silently keep every citizen on the balancer's address.
 */
export function trustProxyProblem(value: string): string | undefined {
  if (value === 'true' || value === 'false') return undefined
  if (/^\d+$/.test(value)) return 'must name the proxies, not a hop count (Fastify ignores hop counts): true, false, or addresses/CIDRs separated by commas'
  for (const entry of value.split(',').map((e) => e.trim())) {
    if (PROXY_RANGES.includes(entry)) continue
    const [address, bits, ...rest] = entry.split('/')
    const family = net.isIP(address ?? '')
    const prefixOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))
    if (!family || !prefixOk || rest.length)
      return `must be true, false, or addresses/CIDRs separated by commas (${JSON.stringify(entry)} is none of ${PROXY_RANGES.join(', ')}, an IP address or a CIDR)`
  }
  return undefined
}

function trustProxyOf(value: string | undefined): boolean | string[] {
  if (value === undefined || value === 'false') return false
  return value === 'true' || value.split(',').map((e) => e.trim())
}

export function loadConfig(raw: NodeJS.ProcessEnv = process.env): Config {
  const env = validateEnv(raw)
  const production = env.NODE_ENV === 'production'
  return {
    port: env.PORT ?? 3000,
    host: env.HOST ?? '0.0.0.0',
    // A `file:` URL is read as the path it names: openDb takes PostgreSQL URLs and paths.
    databaseUrl: env.DATABASE_URL ? (sqliteFile(env.DATABASE_URL) ?? env.DATABASE_URL) : DEFAULT_DATABASE_URL,
    databaseSchema: env.DATABASE_SCHEMA || undefined,
    demo: env.DEMO !== undefined ? env.DEMO !== '0' && env.DEMO !== 'false' : !production,
    demoHistory: env.DEMO_HISTORY !== undefined ? env.DEMO_HISTORY !== '0' && env.DEMO_HISTORY !== 'false' : env.NODE_ENV !== 'test',
    timerPollMs: env.TIMER_POLL_MS ?? 1000,
    externalTaskMaxWaitMs: env.EXTERNAL_TASK_MAX_WAIT_MS ?? 60_000,
    nodeId: env.NODE_ID ?? `node-${process.pid}`,
    logLevel: env.LOG_LEVEL ?? (production ? 'info' : 'warn'),
    trustProxy: trustProxyOf(env.TRUST_PROXY),
    tokenSecret: env.TOKEN_SECRET,
    serveUi: env.SERVE_UI !== '0' && env.SERVE_UI !== 'false',
    processesDir: env.PROCESSES_DIR ?? path.join(projectRoot(), 'processes'),
    processesDirSet: env.PROCESSES_DIR !== undefined,
    dbConnectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS ?? 10_000,
    engineCacheSize: env.ENGINE_CACHE_SIZE ?? 16,
    engineLazyElements: env.ENGINE_LAZY_ELEMENTS !== '0' && env.ENGINE_LAZY_ELEMENTS !== 'false',
    sqliteCheckpointMs: env.SQLITE_CHECKPOINT_MS ?? 10_000,
    dbAcquireTimeoutMs: env.DB_ACQUIRE_TIMEOUT_MS,
    notifyWebhookUrl: env.NOTIFY_WEBHOOK_URL || undefined,
    notifyPollMs: env.NOTIFY_POLL_MS ?? 1000,
    notifyLeaseMs: env.NOTIFY_LEASE_MS ?? 60_000,
    notifyMaxAttempts: env.NOTIFY_MAX_ATTEMPTS ?? 8,
    notifyBackoffMs: env.NOTIFY_BACKOFF_MS ?? 5000,
    notifyTimeoutMs: env.NOTIFY_TIMEOUT_MS ?? 10_000,
    // A balancer that checks /health every 2-5 s takes a node out after two or three failed
    // checks: about 10 s. Elsewhere (npm start, a developer's Ctrl-C) there is nothing to drain.
    shutdownDrainMs: env.SHUTDOWN_DRAIN_MS ?? (production ? 10_000 : 0),
  }
}
