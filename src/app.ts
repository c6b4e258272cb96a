import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'
import type { Db } from './lib/db.js'
import dbPlugin from './plugins/db.js'
import errorsPlugin, { clientError, frameworkError } from './plugins/errors.js'
import inputGuard from './plugins/input-guard.js'
import { parseableDateFormats } from './lib/schemas.js'
import swaggerPlugin from './plugins/swagger.js'
import rateLimitPlugin from './plugins/rate-limit.js'
import securityHeaders from './plugins/helmet.js'
import shutdownPlugin from './plugins/shutdown.js'
import healthRoutes from './health/routes.js'
import orgModule from './org/index.js'
import decisionsModule from './decisions/index.js'
import engineModule from './engine/index.js'
import { engineDomain } from './org/engine-access.js'
import engineHttp from './engine/http.js'
import tasksModule from './tasks/index.js'
import casesModule from './cases/index.js'
import staticUi from './plugins/static-ui.js'
import metricsModule from './metrics/index.js'
import bulletinModule from './bulletin/index.js'
import open311Module from './open311/index.js'
import notifyModule from './notify/index.js'
import filesModule from './files/index.js'
import demoModule from './demo/index.js'
import type { SchemaCompilers } from './lib/schema-compilers.js'
import { loggerOptions, type LogStream } from './lib/log.js'

export interface BuildOptions {
  config: Config
  db: Db
  /** Start background work (the timer poller, notices, WAL checkpoints). Tests that drive timers by hand turn it off. */
  background?: boolean
  /**
   * Schema compilers shared with other apps of this process (`sharedSchemaCompilers()` of
   * src/lib/schema-compilers.ts): the tests build an app per test and compile each route's
   * schemas once instead of once per app. Unset, the app compiles its own, as a server does.
   */
  schemaCompilers?: SchemaCompilers
  /** Where the log goes instead of stdout (tests read it). */
  logStream?: LogStream
}

/**
 * Builds the application: external libraries first (one plugin each), then the domain
 * services, then their routes. Listening is server.ts's job.
 */
export async function buildApp(opts: BuildOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(opts.config.logLevel, opts.logStream),
    // Off unless configured: behind a balancer every request comes from its address, so the
    // per-IP rate limits count a whole county as one citizen; on without a balancer in front,
    // a client writes its own X-Forwarded-For and escapes them (README, "Configuration").
    trustProxy: opts.config.trustProxy,
    bodyLimit: 2 * 1024 * 1024,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true },
      onCreate: parseableDateFormats,
    },
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
    // Fastify's typings give the factories' compilers ajv's own signature (a bare schema); Fastify
    // calls them with its route definition ({ schema, method, url, … }), as SchemaCompilers says.
    ...(opts.schemaCompilers && {
      schemaController: { compilersFactory: opts.schemaCompilers as unknown as NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'] },
    }),
    // Off: its answer while closing was a fixed English body without Retry-After; ours is
    // src/plugins/shutdown.ts's (clients still see an error body, never a hang).
    return503OnClosing: false,
    // Start-up seeds and deploys on an empty database (scrypt hashes, BPMN parsing): on a busy
    // 2-core machine that can exceed Fastify's 10 s default.
    pluginTimeout: 120_000,
  })
  app.decorate('config', opts.config)

  await app.register(errorsPlugin)
  await app.register(securityHeaders)
  // Before any route and any other preClose hook (src/plugins/shutdown.ts); after the security
  // headers, which go on every answer, this one's refusal too.
  await app.register(shutdownPlugin)
  await app.register(inputGuard)
  await app.register(dbPlugin, { db: opts.db, background: opts.background ?? true })
  await app.register(swaggerPlugin)
  await app.register(rateLimitPlugin)

  await app.register(healthRoutes)
  await app.register(orgModule)
  // The engine asks the petition domain who may see, deploy and receive (src/engine/access.ts).
  await app.register(engineModule, { background: opts.background ?? true, domain: engineDomain })
  await app.register(engineHttp)
  await app.register(decisionsModule)
  await app.register(tasksModule)
  await app.register(casesModule)
  await app.register(filesModule)
  if (opts.config.serveUi) await app.register(staticUi)
  await app.register(metricsModule)
  await app.register(bulletinModule)
  await app.register(open311Module)
  await app.register(notifyModule, { background: opts.background ?? true })
  // Last: its onReady runs after the engine's, which deploys the procedures its open cases start.
  await app.register(demoModule)

  return app
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}
