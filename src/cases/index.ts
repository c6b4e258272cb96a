import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { CaseService } from './service.js'
import { registerCaseHandlers } from './handlers.js'
import caseRoutes, { EXTENSIBLE, RETURNABLE } from './routes.js'
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
    // Handlers first: the processes deployed on ready name them.
    registerCaseHandlers(app, cases)
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
    app.tasks.addActionProvider((task) => [...(RETURNABLE.has(task.element_id) ? ['return'] : []), ...(EXTENSIBLE.has(task.element_id) ? ['extension'] : [])])

    await app.register(caseRoutes, { cases })
  },
  { name: 'cases', dependencies: ['engine', 'tasks', 'org'] },
)
