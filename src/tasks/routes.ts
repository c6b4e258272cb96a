import type { FastifyInstance } from 'fastify'
import { bearer, errorSchema as errorRef, pageSchema, typed } from '../lib/schemas.js'
import { taskView } from './service.js'
import { claimManyBody, claimManyResponse, completeBody, listQuery, taskIdParams, taskSchema } from './schemas.js'

export default async function taskRoutes(fastify: FastifyInstance) {
  const app = typed(fastify)
  const tasks = app.tasks

  app.get(
    '/api/tasks',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['tasks'],
        summary: "任务列表 / list tasks (mine, my groups', all I may see)",
        security: bearer,
        querystring: listQuery,
        response: { 200: pageSchema(taskSchema) },
      },
    },
    async (request) => {
      const page = await tasks.list(request.actor, request.query)
      // Who claimed each task, by name (one query for the page's assignees).
      const names = await app.org.displayNames(page.items.map((x) => x.assignee))
      return { ...page, items: page.items.map((x) => ({ ...x, assigneeName: (x.assignee && names.get(x.assignee)) || null })) }
    },
  )

  app.get(
    '/api/tasks/:id',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['tasks'],
        summary: '任务详情（含表单与案件摘要）/ a task with its form and case summary',
        security: bearer,
        params: taskIdParams,
        response: { 200: taskSchema, 404: errorRef },
      },
    },
    async (request) => {
      const { id } = request.params
      const task = await tasks.get(request.actor, id)
      const form = await tasks.formFor(task)
      const schema = await tasks.forms.forBrowser(form)
      const names = await app.org.displayNames([task.assignee, task.completed_by])
      return {
        ...taskView(task),
        assigneeName: (task.assignee && names.get(task.assignee)) || null,
        completedByName: (task.completed_by && names.get(task.completed_by)) || null,
        // The empty form (a task that takes no data) is no form to show.
        form: form.schema.components.length
          ? {
              key: task.form_key,
              schema,
              versionId: form.versionId,
              version: form.version,
              tenant: form.tenant,
              // The values its conditions read that the server knows (the check reads the same).
              facts: task.status === 'open' ? await tasks.formFacts(task, form) : {},
            }
          : null,
        case: task.case_id ? await tasks.caseSummary(task.case_id, request.actor) : null,
        actions: task.status === 'open' ? await tasks.actionsFor(task) : [],
        ...(await tasks.detailsFor(task, request.actor)),
      }
    },
  )

  app.post(
    '/api/tasks/:id/claim',
    {
      onRequest: app.authenticate,
      schema: { tags: ['tasks'], summary: '签收 / claim', security: bearer, params: taskIdParams, response: { 200: taskSchema } },
    },
    async (request) => taskView(await tasks.claim(request.actor, request.params.id)),
  )

  app.post(
    '/api/tasks/claim',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['tasks'],
        summary: '批量签收（逐条检查，互不影响）/ claim several tasks, each checked as a single claim',
        security: bearer,
        body: claimManyBody,
        response: { 200: claimManyResponse },
      },
    },
    async (request) => tasks.claimMany(request.actor, request.body.ids),
  )

  app.post(
    '/api/tasks/:id/unclaim',
    {
      onRequest: app.authenticate,
      schema: { tags: ['tasks'], summary: '退回签收 / unclaim', security: bearer, params: taskIdParams, response: { 200: taskSchema } },
    },
    async (request) => taskView(await tasks.unclaim(request.actor, request.params.id)),
  )

  app.post(
    '/api/tasks/:id/complete',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['tasks'],
        summary: '办理完成 / complete with form data',
        security: bearer,
        params: taskIdParams,
        body: completeBody,
        response: { 200: taskSchema },
      },
    },
    async (request) => {
      const { id } = request.params
      const { data } = request.body ?? {}
      return taskView(await tasks.complete(request.actor, id, data ?? {}))
    },
  )
}
