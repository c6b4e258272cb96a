import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Open311Keys } from './keys.js'
import { Open311Service } from './service.js'
import georeportRoutes from './routes.js'
import keyRoutes from './keys-routes.js'

/**
 * Open311 GeoReport v2: the interchange format of citizen-reporting apps, over cases
 * (src/open311/README.md). Requests become cases through the cases module's intake.
 */
export default fp(
  async function open311Module(app: FastifyInstance) {
    const keys = new Open311Keys(app.db, app.config.demo)
    const open311 = new Open311Service(app)
    await app.register(keyRoutes, { keys })
    // Not wrapped in fastify-plugin: its error format and form parser stay with its routes.
    await app.register(georeportRoutes, { prefix: '/open311/v2', open311, keys })
  },
  { name: 'open311', dependencies: ['cases', 'org'] },
)
