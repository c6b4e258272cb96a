import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { CaseService } from './service.js'
import { registerCaseHandlers } from './handlers.js'
import caseRoutes from './routes.js'
import { checkPlatformMarkers, taskActions } from './markers.js'
import { seedCases } from './seed.js'

declare module 'fastify' {
  interface FastifyInstance {
    cases: CaseService
  }
}

/**
 * Cases (案件): intake from every channel, routing, the four handling procedures' handlers,
 * scoped reads, public tracking and evaluation. See src/cases/README.md.
 */
export default fp(
  async function casesModule(app: FastifyInstance) {
    const cases = new CaseService(app)
    app.decorate('cases', cases)
    // Handlers and the marker check first: the processes seeded on ready name the one and need the other.
    registerCaseHandlers(app, cases)
    app.engine.addDeployCheck(checkPlatformMarkers)
    if (app.config.demo && (await seedCases(app.db))) app.log.info('seeded case categories and routing rules')

    app.tasks.setCaseSummaryProvider(async (caseId, actor) => {
      try {
        const row = await cases.visible(actor, caseId)
        const personal = await cases.seesPersonalData(actor, row)
        return cases.view(row, personal)
      } catch {
        return null
      }
    })
    app.tasks.addActionProvider(async (task) => {
      const { returnable, extension } = await taskActions(app.engine.definitions, task, app.db)
      return [...(returnable ? ['return'] : []), ...(extension ? ['extension'] : [])]
    })

    await app.register(caseRoutes, { cases })
  },
  { name: 'cases', dependencies: ['engine', 'tasks', 'org'] },
)
