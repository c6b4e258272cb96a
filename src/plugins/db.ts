import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { isPostgres, type Db } from '../lib/db.js'
import { PollLoop } from '../lib/poll-loop.js'
import { TableWatch } from '../lib/write-invalidated.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
    /**
     * The one TableWatch of `db` (src/lib/write-invalidated.ts): modules make their write-emptied
     * caches with `app.tableWatch.cache(tables, …)`; one query listener serves them all.
     */
    tableWatch: TableWatch
  }
}

/**
 * Makes the knex instance available as `app.db` and closes it with the app, and its one
 * TableWatch as `app.tableWatch` (every module's caches of rarely written tables). On SQLite, with
 * background work on, it also checkpoints the WAL every SQLITE_CHECKPOINT_MS: a commit checkpoints
 * only once the WAL holds SQLITE_WAL_AUTOCHECKPOINT pages (src/lib/db.ts), which on a quiet day
 * can be hours of steps, and with synchronous=NORMAL the WAL is synced only by a checkpoint; the
 * loop bounds what a power cut could take back to that interval. A checkpoint with nothing new
 * to copy costs a few system calls; under load the autocheckpoint comes first and the loop finds
 * little left.
 */
export default fp<{ db: Db; background?: boolean }>(async function db(app: FastifyInstance, opts) {
  app.decorate('db', opts.db)
  const watch = new TableWatch(opts.db)
  app.decorate('tableWatch', watch)
  const sqlite = !isPostgres(opts.db)
  const checkpoints =
    sqlite && opts.background
      ? new PollLoop(
          () => opts.db.raw('PRAGMA wal_checkpoint(PASSIVE)'),
          app.config.sqliteCheckpointMs,
          (err) => app.log.warn({ err }, 'WAL checkpoint failed'),
        )
      : null
  if (checkpoints) app.addHook('onReady', async () => checkpoints.start())
  app.addHook('onClose', async () => {
    await checkpoints?.stop()
    watch.close()
    await opts.db.destroy()
  })
})
