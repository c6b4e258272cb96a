import path from 'node:path'
import { projectRoot } from './lib/paths.js'

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
  /** Identifies this node in timer claims (several nodes may share one PostgreSQL). */
  nodeId: string
  logLevel: string
  /** Secret for signing session tokens; when unset one is generated and kept in the database. */
  tokenSecret?: string
  /** Serve the built web UI from ui/dist. */
  serveUi: boolean
  /** BPMN files deployed at start-up, and their forms under forms/. */
  processesDir: string
  /** Parked engines kept in memory for their instance's next step on this node (0: none). */
  engineCacheSize: number
  /** Citizen notices (src/notify/): the webhook gateway's URL (settings `notify.webhook_url` wins). */
  notifyWebhookUrl?: string
  notifyPollMs: number
  notifyLeaseMs: number
  notifyMaxAttempts: number
  notifyBackoffMs: number
  notifyTimeoutMs: number
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production'
  return {
    port: Number(env.PORT ?? 3000),
    host: env.HOST ?? '0.0.0.0',
    databaseUrl: env.DATABASE_URL ?? 'data/shuoshi.sqlite',
    databaseSchema: env.DATABASE_SCHEMA || undefined,
    demo: env.DEMO !== undefined ? env.DEMO !== '0' && env.DEMO !== 'false' : !production,
    demoHistory: env.DEMO_HISTORY !== undefined ? env.DEMO_HISTORY !== '0' && env.DEMO_HISTORY !== 'false' : env.NODE_ENV !== 'test',
    timerPollMs: Number(env.TIMER_POLL_MS ?? 1000),
    nodeId: env.NODE_ID ?? `node-${process.pid}`,
    logLevel: env.LOG_LEVEL ?? (production ? 'info' : 'warn'),
    tokenSecret: env.TOKEN_SECRET,
    serveUi: env.SERVE_UI !== '0',
    processesDir: env.PROCESSES_DIR ?? path.join(projectRoot(), 'processes'),
    engineCacheSize: Number(env.ENGINE_CACHE_SIZE ?? 16),
    notifyWebhookUrl: env.NOTIFY_WEBHOOK_URL || undefined,
    notifyPollMs: Number(env.NOTIFY_POLL_MS ?? 1000),
    notifyLeaseMs: Number(env.NOTIFY_LEASE_MS ?? 60_000),
    notifyMaxAttempts: Number(env.NOTIFY_MAX_ATTEMPTS ?? 8),
    notifyBackoffMs: Number(env.NOTIFY_BACKOFF_MS ?? 5000),
    notifyTimeoutMs: Number(env.NOTIFY_TIMEOUT_MS ?? 10_000),
  }
}
