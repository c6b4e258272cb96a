import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Db } from '../lib/db.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
  }
}

/** Makes the knex instance available as `app.db` and closes it with the app. */
export default fp<{ db: Db }>(async function db(app: FastifyInstance, opts) {
  app.decorate('db', opts.db)
  app.addHook('onClose', async () => {
    await opts.db.destroy()
  })
})
