import fp from 'fastify-plugin'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { DecisionService } from './service.js'
import decisionRoutes from './routes.js'
import { businessRuleCheck, businessRuleHandler } from './business-rule.js'

declare module 'fastify' {
  interface FastifyInstance {
    decisions: DecisionService
  }
}

/**
 * DMN decisions (src/decisions/README.md): the `'decision'` kind of the engine's resource store,
 * its routes, and the shipped decisions of `processes/decisions/` (seeding keys the database
 * never had). Registered after the engine and before the modules that add decision checks.
 */
export default fp(
  async function decisionsModule(app: FastifyInstance) {
    const decisions = new DecisionService(app.db, app.engine.resources)
    app.decorate('decisions', decisions)
    // Business rule tasks: run by the engine through this handler, checked at every deploy.
    app.engine.runtime.setBusinessRuleHandler(businessRuleHandler(decisions))
    app.engine.addDeployCheck(businessRuleCheck(app.db, decisions, (name) => app.engine.isProtected(name)))
    await app.register(decisionRoutes)
    // On ready: the modules registered later have added their checks and conversions by then.
    app.addHook('onReady', async () => {
      const n = await seedShippedDecisions(app)
      if (n) app.log.info({ seeded: n }, 'seeded decisions from the shipped files')
    })
  },
  { name: 'decisions', dependencies: ['engine', 'org'] },
)

/** Seeds the shipped decisions (`<processes>/decisions/*.dmn`); run once every check is registered. */
export async function seedShippedDecisions(app: FastifyInstance): Promise<number> {
  return app.decisions.deployDirectory(path.join(app.config.processesDir, 'decisions'))
}
