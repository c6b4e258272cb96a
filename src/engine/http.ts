import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import engineRoutes from './routes.js'
import incidentRoutes from './incidents-routes.js'
import resourceRoutes from './resource-routes.js'
import withdrawalRoutes from './withdrawal-routes.js'
import camundaRest, { camundaNotFound } from './camunda-rest.js'
import externalRoutes from './external-routes.js'
import type { EngineActor } from './access.js'

/**
 * The engine's HTTP layer as a plugin of its own, registered in src/app.ts after the engine
 * module (`app.engine`) and its domain: definitions and instances, incidents, resources, and
 * Camunda 7's REST (deployment, external tasks). Errors of the engine are mapped in
 * http-errors.ts. Without it the engine runs embedded, with no routes.
 */
export default fp(
  async function engineHttp(app: FastifyInstance) {
    // Who acts on an engine route, as the engine knows them (http-auth.ts), beside whatever the
    // domain's own routes keep on the request.
    app.decorateRequest('engineActor', null as unknown as EngineActor)
    await app.register(engineRoutes)
    await app.register(withdrawalRoutes)
    await app.register(incidentRoutes)
    await app.register(resourceRoutes)
    await app.register(camundaRest)
    await app.register(externalRoutes)
    await app.register(camundaNotFound, { prefix: '/engine-rest' })
  },
  // Each route file stays a child context of the app's, as when the engine module registered them.
  { name: 'engine-http', dependencies: ['engine'] },
)
