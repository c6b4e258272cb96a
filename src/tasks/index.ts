import path from 'node:path'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { FormRegistry } from './forms.js'
import { TaskService } from './service.js'
import taskRoutes from './routes.js'

declare module 'fastify' {
  interface FastifyInstance {
    tasks: TaskService
  }
}

/** User tasks as rows: lists, claim, complete (with the task's form checked on the server). */
export default fp(
  async function tasksModule(app: FastifyInstance) {
    const forms = new FormRegistry()
    forms.loadDirectory(path.join(app.config.processesDir, 'forms'))
    app.decorate('tasks', new TaskService(app.db, app.engine.runtime, forms))
    await app.register(taskRoutes)
  },
  { name: 'tasks', dependencies: ['engine', 'org'] },
)
