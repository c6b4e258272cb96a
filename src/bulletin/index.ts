import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { BulletinService } from './service.js'
import bulletinRoutes from './routes.js'

export { BulletinService } from './service.js'
export type { Bulletin, UnitRow } from './service.js'

declare module 'fastify' {
  interface FastifyInstance {
    bulletins: BulletinService
  }
}

/** The monthly bulletin (一月一通报): scoring items as data, rankings, export, publication. */
export default fp(
  async function bulletinModule(app: FastifyInstance) {
    app.decorate('bulletins', new BulletinService(app.db, app.metrics))
    await app.register(bulletinRoutes)
  },
  { name: 'bulletin', dependencies: ['org', 'metrics'] },
)
