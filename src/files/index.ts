import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Attachments } from './service.js'
import fileRoutes from './routes.js'

declare module 'fastify' {
  interface FastifyInstance {
    attachments: Attachments
  }
}

/** Photos and files on cases: the citizen's, intake's and handling's (src/files/README.md). */
export default fp(
  async function filesModule(app: FastifyInstance) {
    const attachments = new Attachments(app, app.cases)
    app.decorate('attachments', attachments)
    await app.register(fileRoutes, { attachments, cases: app.cases })
  },
  { name: 'files', dependencies: ['cases', 'org'] },
)
