import path from 'node:path'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { FormStore } from './form-store.js'
import { TaskService } from './service.js'
import { releaseClaims } from '../engine/task-commands.js'
import taskRoutes from './routes.js'
import formRoutes from './form-routes.js'

declare module 'fastify' {
  interface FastifyInstance {
    tasks: TaskService
  }
}

/** User tasks as rows: lists, claim, complete (with the task's form checked on the server). */
export default fp(
  async function tasksModule(app: FastifyInstance) {
    // Protected names are read when a form is deployed, after every module has registered its own.
    const shippedForms = path.join(app.config.processesDir, 'forms')
    const forms = new FormStore(app.engine.resources, (name) => app.engine.isProtected(name), shippedForms)
    app.decorate('tasks', new TaskService(app.db, app.engine.runtime, forms))
    // A deactivated person's claimed tasks go back to their groups, so that none waits on someone
    // who can no longer sign in.
    app.org.onDeactivate(async (trx, username, by) => {
      await releaseClaims(trx, username, by)
    })
    // Moved to another unit, or given other roles or groups: the claims they no longer qualify for
    // go back too, else nobody who now receives such a task would see it; the rest stay theirs.
    const tasks = app.tasks
    app.org.onWorkChange(async (trx, user, by) => {
      await releaseClaims(trx, user.username, by, (task) => tasks.mayClaim(user, task, trx))
    })
    await app.register(taskRoutes)
    await app.register(formRoutes)
    // Forms the database has never had are seeded from processes/forms/ (files never overwrite).
    app.addHook('onReady', async () => {
      const n = await forms.seedDirectory()
      if (n) app.log.info({ seeded: n }, 'seeded task forms from the shipped files')
    })
  },
  { name: 'tasks', dependencies: ['engine', 'org'] },
)
