import type { Knex } from 'knex'
import type { Db, Trx } from '../lib/db.js'
import { withRetry } from '../lib/retry.js'
import { sqlFirst } from '../lib/hot-sql.js'
import { countUpTo, isPostgres, nowIso } from '../lib/db.js'
import { badRequest, conflict, forbidden, HttpError, msg, notFound } from '../lib/errors.js'
import { RevisionConflict } from '../engine/errors.js'
import { toHttpError } from '../engine/http-errors.js'
import { claimTask, unclaimTask } from '../engine/task-commands.js'
import { decodeCursor, encodeCursor, TOTAL_CAP, totalFields } from '../lib/cursor.js'
import type { Actor } from '../org/index.js'
import type { Params } from '../messages/index.js'
import type { Runtime, TaskRow } from '../engine/runtime.js'
import { compileForm, formFromFields, type Form } from './forms.js'
import type { FormStore } from './form-store.js'
import { isSystemAdmin, workTenant, worksOnTenant } from '../org/policy.js'

export type { TaskStatus } from '../engine/task-view.js'
// A task row's API view is the engine's (its rows); re-exported for the modules that list tasks.
export { taskView, type TaskView } from '../engine/task-view.js'
import type { TaskView } from '../engine/task-view.js'
import { taskView } from '../engine/task-view.js'

export interface TaskQuery {
  assigned?: 'me' | 'candidate' | 'all'
  /** Filters on the task's case (the cases module answers them, see TaskListFacts). */
  q?: string
  category?: string
  region?: string
  procedure?: string
  channel?: string
  from?: string
  to?: string
  caseId?: string
  instanceId?: string
  overdue?: boolean
  status?: 'open' | 'completed' | 'cancelled'
  sort?: 'created' | 'due'
  limit?: number
  cursor?: string
  offset?: number
}

/** A task's row by id (SQL text, read by every completion: src/lib/hot-sql.ts). */
const TASK_BY_ID = 'select * from "tasks" where "id" = ? limit 1'

/** The case filters of a task query (the rest are the task's own). */
export const CASE_FILTERS = ['q', 'category', 'region', 'procedure', 'channel', 'from', 'to'] as const
export type CaseFilters = Partial<Pick<TaskQuery, (typeof CASE_FILTERS)[number]>>

/**
 * What a task row shows of its case, supplied by the cases module (tasks know nothing of the
 * case schema): joins the case onto a task query, filters by it, and reads the facts back,
 * all in the list's one query rather than one per row.
 */
export interface TaskListFacts {
  /** Restricts `q` (which reads `tasks`) to tasks whose case matches `filters`. */
  filter(q: Knex.QueryBuilder, filters: CaseFilters): Promise<void>
  /** Adds the fact columns to the page query; `joined` says `filter` already joined the case. */
  select(q: Knex.QueryBuilder, joined: boolean): void
  /** The facts of one row of that query (null for a task without a case). */
  view(row: Record<string, unknown>, now: string): Record<string, unknown> | null
}

/**
 * What the HTTP contract (../shared/api.md, "Tasks") says each list row carries of its case:
 * its number, title, category and region names, at the row's top level where channel apps and
 * county systems read them; `facts` keeps the whole set the task list shows.
 */
const CONTRACT_FACTS = ['caseNo', 'title', 'categoryName', 'categoryNameEn', 'regionName', 'regionNameEn'] as const
function contractFacts(facts: Record<string, unknown> | null): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of CONTRACT_FACTS) out[k] = facts ? (facts[k] ?? null) : null
  return out
}

/**
 * Task rows: who sees them, claim / unclaim / complete. Completion hands the engine the
 * submitted data in the same transaction that marks the task.
 */
/** A module's check of what a task's submitted data means (see `addDataCheck`). */
export type DataCheck = (trx: Db | Trx, task: TaskRow, data: Record<string, unknown>, actor: Actor | null) => Promise<void>

export class TaskService {
  private caseSummaryProvider: ((caseId: string, actor: Actor) => Promise<Record<string, unknown> | null>) | null = null
  private actionProviders: ((task: TaskRow) => string[] | Promise<string[]>)[] = []
  private dataChecks: DataCheck[] = []
  private factSources: { names: string[]; read: (trx: Db | Trx, task: TaskRow) => Promise<Record<string, unknown>> }[] = []
  private declaredForms = new Map<string, Form>()
  private listFacts: TaskListFacts | null = null
  private detailProviders: ((task: TaskRow, actor: Actor) => Promise<Record<string, unknown>>)[] = []
  /** Whether each user's last counted task list was wider than TOTAL_CAP (list(): how its pages are read). */
  private wideViews = new Map<string, boolean>()

  /** The cases module tells tasks how to join, filter and show a task's case in lists. */
  setListFacts(facts: TaskListFacts) {
    this.listFacts = facts
  }

  /** Modules add what a task page shows besides the task (its context, the extension state …). */
  addDetailProvider(fn: (task: TaskRow, actor: Actor) => Promise<Record<string, unknown>>) {
    this.detailProviders.push(fn)
  }

  async detailsFor(task: TaskRow, actor: Actor): Promise<Record<string, unknown>> {
    const parts = await Promise.all(this.detailProviders.map((p) => p(task, actor)))
    return Object.assign({}, ...parts)
  }

  /** The cases module tells tasks how to summarise a case for a task page. */
  setCaseSummaryProvider(fn: (caseId: string, actor: Actor) => Promise<Record<string, unknown> | null>) {
    this.caseSummaryProvider = fn
  }

  /** Modules add the actions a task offers besides completing it (return, extension, …). */
  addActionProvider(fn: (task: TaskRow) => string[] | Promise<string[]>) {
    this.actionProviders.push(fn)
  }

  async caseSummary(caseId: string, actor: Actor) {
    return this.caseSummaryProvider ? this.caseSummaryProvider(caseId, actor) : null
  }

  async actionsFor(task: TaskRow): Promise<string[]> {
    // Async: a provider may read the task's definition (cases reads its markers).
    const lists = await Promise.all(this.actionProviders.map((p) => p(task)))
    return ['complete', ...new Set(lists.flat())]
  }

  constructor(
    private db: Db,
    private runtime: Runtime,
    readonly forms: FormStore,
  ) {}

  /**
   * Restricts a task query to what `actor` receives (mirrors org's groupsMatch in SQL), plus,
   * with `assignee`, the tasks assigned to them. One `tasks.id IN (… UNION …)`: both
   * databases turn it into a semi-join from the candidate index, where an OR of subqueries
   * made PostgreSQL scan every task (1M cases: 80 ms → a few). `openOnly`: a list of open
   * tasks starts from the open candidate rows, not from every task the groups ever had.
   * `probe` (SQLite): the task id is compared through `+` so that the planner cannot drive the
   * query from the list of visible ids, and walks the sort order's index instead, probing the
   * list per task until the page is full (list()). The tenant is not checked here: every caller
   * goes through `inScope` first.
   */
  private candidateFilter(q: Knex.QueryBuilder, actor: Actor, opts: { openOnly?: boolean; assignee?: boolean; probe?: boolean } = {}) {
    const db = this.db
    const open = (b: Knex.QueryBuilder) => (opts.openOnly ? b.where('c.open', true) : b)
    const parts: Knex.QueryBuilder[] = [open(db('task_candidates as c').select('c.task_id').where({ 'c.kind': 'user', 'c.value': actor.username }))]
    if (actor.groups.length) parts.push(open(db('task_candidates as c').select('c.task_id').where('c.kind', 'group').whereIn('c.value', actor.groups)))
    if (opts.assignee) parts.push(db('tasks as at').select('at.id').where('at.assignee', actor.username))
    const [first, ...rest] = parts
    const visible = rest.length ? first.union(rest) : first
    if (opts.probe) q.whereRaw('+?? in ?', ['tasks.id', visible])
    else q.whereIn('tasks.id', visible)
  }

  /**
   * Restricts a task query to the tenant whose tasks may reach `actor` at all (policy's
   * `workTenant`): whatever a county's user holds, and however a task names them, another
   * county's or the city's task is not theirs. Every way to a task row (lists, a task by id,
   * claim, complete, the modules' own actions through `get` / `mayAct`) passes here or
   * through `worksOnTenant`, its one-row form.
   */
  private inScope(q: Knex.QueryBuilder, actor: Actor) {
    const own = workTenant(actor)
    if (own !== undefined) q.where('tasks.tenant', own)
  }

  /** Whether `actor` may see (and, when open, act on) a task. */
  async canSee(actor: Actor, task: TaskRow, trx: Db | Trx = this.db): Promise<boolean> {
    if (isSystemAdmin(actor)) return true
    if (!worksOnTenant(actor, task.tenant)) return false
    if (task.assignee === actor.username || task.completed_by === actor.username) return true
    return this.isCandidate(actor, task, trx)
  }

  /**
   * Whether `actor` may act on an open task nobody holds: one of its candidates, in their
   * scope. For modules' own task actions (extension) as for claim and complete.
   */
  async isCandidate(actor: Actor, task: TaskRow, trx: Db | Trx = this.db): Promise<boolean> {
    const q = trx('tasks').where('tasks.id', task.id).first('tasks.id')
    this.inScope(q, actor)
    this.candidateFilter(q, actor)
    return !!(await q)
  }

  /** Whether `actor` may claim (and so keep holding) an open task: the administrator any, others as its candidates. */
  async mayClaim(actor: Actor, task: TaskRow, trx: Db | Trx = this.db): Promise<boolean> {
    return isSystemAdmin(actor) || this.isCandidate(actor, task, trx)
  }

  async list(
    actor: Actor,
    query: TaskQuery,
  ): Promise<{ items: (TaskView & { facts?: Record<string, unknown> | null })[]; total?: number; totalAtLeast?: number; next: string | null }> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500)
    // One time for the filter and the views' overdue flags, so that they agree.
    const now = nowIso()
    const { base, joined } = await this.filtered(actor, query, now, false)
    const total = query.cursor ? null : await countUpTo(this.db, base, TOTAL_CAP)
    // A view of more than TOTAL_CAP open tasks (a city dispatcher sees every centre's) pages
    // faster by walking the sort order and probing the visible ids than by sorting all of them:
    // at 1,000,000 cases the dispatcher's page read every visible task (~18 ms). A narrow view
    // (a unit's few tasks among thousands) is the other way round. The first page's count
    // decides; later pages (not counted) follow what the actor's last first page found.
    let wide = false
    if (!isPostgres(this.db) && !joined) {
      if (total !== null) {
        if (this.wideViews.size >= 1000) this.wideViews.clear()
        this.wideViews.set(actor.username, total > TOTAL_CAP)
      }
      wide = this.wideViews.get(actor.username) ?? false
    }
    const pageBase = wide ? (await this.filtered(actor, query, now, true)).base : base
    const sortCol = query.sort === 'due' ? 'tasks.due_at' : 'tasks.created_at'
    // Tasks without a deadline sort last: compare on a value that is never a real time.
    const dueExpr = "COALESCE(tasks.due_at, '9999')"
    const order = (q: Knex.QueryBuilder) =>
      query.sort === 'due' ? q.orderByRaw(`${dueExpr} asc, tasks.id asc`) : q.orderBy([{ column: sortCol }, { column: 'tasks.id' }])
    const page = pageBase.clone().select('tasks.*')
    if (query.cursor) {
      const [v, id] = decodeCursor(query.cursor)
      if (query.sort === 'due') page.whereRaw(`(${dueExpr} > ? OR (${dueExpr} = ? AND tasks.id > ?))`, [v, v, id])
      else page.where((w) => w.where(sortCol, '>', v).orWhere((x) => x.where(sortCol, v).where('tasks.id', '>', id)))
    }
    order(page)
    if (query.offset && !query.cursor) page.offset(query.offset)
    page.limit(limit + 1)
    let rows: (TaskRow & Record<string, unknown>)[]
    if (this.listFacts && !joined) {
      // The page of tasks first, then each one's case facts. Joined in the same SELECT, SQLite
      // joined every task the actor may see to its case, category and region before sorting
      // and cutting the page: the city dispatcher's list at 1,000,000 cases read ~24 ms for 51
      // rows (bench/bigdata.ts, "all I receive").
      const outer = this.db.select('tasks.*').from(page.as('tasks'))
      this.listFacts.select(outer, false)
      rows = await order(outer)
    } else {
      this.listFacts?.select(page, joined)
      rows = await page
    }
    const more = rows.length > limit
    const items = rows.slice(0, limit)
    const last = items[items.length - 1]
    const lastSort = last ? (query.sort === 'due' ? (last.due_at ?? '9999') : last.created_at) : ''
    return {
      items: items.map((t) => {
        if (!this.listFacts) return taskView(t, now)
        const facts = this.listFacts.view(t, now)
        return { ...taskView(t, now), ...contractFacts(facts), facts }
      }),
      ...totalFields(total),
      next: more && last ? encodeCursor(lastSort, last.id) : null,
    }
  }

  /** The list's query before sorting and paging: what `actor` may see that `query` asks for. */
  private async filtered(actor: Actor, query: TaskQuery, now: string, probe: boolean): Promise<{ base: Knex.QueryBuilder; joined: boolean }> {
    const base = this.db('tasks').where('tasks.status', query.status ?? 'open')
    const caseFilters: CaseFilters = {}
    for (const k of CASE_FILTERS) if (query[k] !== undefined && query[k] !== '') caseFilters[k] = query[k]
    const joined = !!this.listFacts && Object.keys(caseFilters).length > 0
    if (joined) await this.listFacts!.filter(base, caseFilters)
    else if (Object.keys(caseFilters).length) base.whereRaw('1 = 0')
    if (query.caseId) base.where('tasks.case_id', query.caseId)
    if (query.instanceId) base.where('tasks.instance_id', query.instanceId)
    if (query.overdue === true) base.whereNotNull('tasks.due_at').where('tasks.due_at', '<', now)
    if (query.overdue === false) base.where((w) => w.whereNull('tasks.due_at').orWhere('tasks.due_at', '>=', now))
    this.inScope(base, actor)
    const assigned = query.assigned ?? 'all'
    const openOnly = (query.status ?? 'open') === 'open'
    if (assigned === 'me') base.where('tasks.assignee', actor.username)
    else if (assigned === 'candidate') {
      base.whereNull('tasks.assignee')
      this.candidateFilter(base, actor, { openOnly, probe })
    } else if (!isSystemAdmin(actor)) {
      this.candidateFilter(base, actor, { openOnly, assignee: true, probe })
    }
    return { base, joined }
  }

  private async row(id: string, trx: Db | Trx): Promise<TaskRow> {
    const task = await sqlFirst<TaskRow>(trx, TASK_BY_ID, [id])
    if (!task) throw notFound(msg('error.task.notFound', { id }))
    return task
  }

  async get(actor: Actor, id: string, trx: Db | Trx = this.db): Promise<TaskRow> {
    const task = await sqlFirst<TaskRow>(trx, TASK_BY_ID, [id])
    // Someone who may not see a task learns nothing of it, not even that it exists.
    if (!task || !(await this.canSee(actor, task, trx))) throw notFound(msg('error.task.notFound', { id }))
    return task
  }

  async claim(actor: Actor, id: string): Promise<TaskRow> {
    return this.db.transaction(async (trx) => {
      const task = await this.get(actor, id, trx)
      if (task.status !== 'open') throw conflict(msg(task.status === 'completed' ? 'error.task.completed' : 'error.task.cancelled'))
      if (task.assignee === actor.username) return task
      if (task.assignee) throw conflict(msg('error.task.claimedBy', { assignee: task.assignee }))
      if (!(await this.mayClaim(actor, task, trx))) throw forbidden(msg('error.task.notCandidate'))
      const claimed = await claimTask(trx, task, actor.username)
      if (!claimed) throw conflict(msg('error.task.claimedByOther'))
      return claimed
    })
  }

  /**
   * Claims several tasks, each exactly as a single claim (its own transaction and checks), so
   * one task taken by someone else does not undo the others. Per id: the claimed task or the
   * status and message the single claim would have answered.
   */
  async claimMany(actor: Actor, ids: string[]) {
    const results: { id: string; status: number; task?: TaskView; error?: string; message?: string; key?: string; params?: Params }[] = []
    for (const id of [...new Set(ids)]) {
      try {
        results.push({ id, status: 200, task: taskView(await this.claim(actor, id)) })
      } catch (raw) {
        const err = toHttpError(raw)
        if (!(err instanceof HttpError) || err.statusCode >= 500) throw err
        results.push({ id, status: err.statusCode, error: err.code, message: err.message, ...(err.key && { key: err.key, params: err.params ?? {} }) })
      }
    }
    return { results }
  }

  async unclaim(actor: Actor, id: string): Promise<TaskRow> {
    return this.db.transaction(async (trx) => {
      const task = await this.get(actor, id, trx)
      if (task.status !== 'open') throw conflict(msg('error.task.ended'))
      if (!task.assignee) return task
      if (task.assignee !== actor.username && !isSystemAdmin(actor)) throw conflict(msg('error.task.claimedBy', { assignee: task.assignee }))
      return unclaimTask(trx, task, actor.username)
    })
  }

  /**
   * Checks the submitted data against what the task declares: its form (`shuoshi:<name>`), or
   * its diagram's `camunda:formData` fields; a task that declares neither takes no data. 400
   * names each field that is wrong or not declared. What passes is exactly what becomes process
   * variables, so nobody sets a variable through a task that its form does not offer.
   */
  async validateData(
    task: TaskRow,
    data: Record<string, unknown>,
    trx: Db | Trx = this.db,
    actor: Actor | null = null,
  ): Promise<{ clean: Record<string, unknown>; form: Form }> {
    const form = await this.formFor(task, trx)
    const { problems, clean } = form.check(data, await this.formFacts(task, form, trx))
    if (problems.length) throw badRequest(msg('error.form.invalid'), problems)
    for (const check of this.dataChecks) await check(trx, task, clean, actor)
    return { clean, form }
  }

  /**
   * The form a task declares: its `shuoshi:<name>` form, the newest version deployed for the
   * task's tenant (county first, then the city's; see form-store.ts), else one made from its
   * diagram's `camunda:formData` fields (compiled once per definition version and element),
   * else the empty form, which takes no data.
   */
  async formFor(task: TaskRow, trx: Db | Trx = this.db): Promise<Form> {
    // A completed task is read by the version its answers were checked against (migration 033):
    // a later version may have relabelled or reused a key.
    if (task.form_version) {
      const answered = await this.forms.forVersion(task.form_version, trx)
      if (answered) return answered
    }
    const own = await this.forms.forKey(task.form_key, task.tenant, trx)
    if (own) return own
    const found = await this.runtime.taskElement(trx, task)
    const key = `${found?.definitionId}\u0000${task.element_id}`
    let form = this.declaredForms.get(key)
    if (!form) {
      form = compileForm(task.form_key ?? task.element_id, formFromFields(found?.element?.formFields ?? []))
      if (this.declaredForms.size > 1000) this.declaredForms.clear()
      this.declaredForms.set(key, form)
    }
    return form
  }

  /**
   * Modules supply values a form's conditions may read besides its fields, by name (cases:
   * `pendingReturn`, whether a return awaits review). A form cannot know them from what the
   * person typed, and a client must not decide them: the browser gets them as the form's initial
   * data (`GET /api/tasks/:id` → `form.facts`) and the server's check reads its own. They are
   * never task data: form-js submits only the form's fields, and a key the form does not
   * declare is refused, so no completion turns one into a process variable. Read only for a
   * form whose conditions name one, so other completions pay no query for them.
   */
  addFormFacts(names: string[], read: (trx: Db | Trx, task: TaskRow) => Promise<Record<string, unknown>>) {
    this.factSources.push({ names, read })
  }

  /** The facts `form`'s conditions read for `task` (only the names each source declared). */
  async formFacts(task: TaskRow, form: Form, trx: Db | Trx = this.db): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {}
    for (const { names, read } of this.factSources) {
      if (!names.some((n) => form.reads(n))) continue
      const values = await read(trx, task)
      for (const n of names) out[n] = values[n] ?? null
    }
    return out
  }

  /**
   * Modules check what a form's fields mean (a dispatch target in the case's county, …) before
   * the engine moves on; a check throws a 400 naming the field. `actor` is who submits (null
   * when nobody is named: a check then applies what holds for everyone).
   */
  addDataCheck(fn: DataCheck) {
    this.dataChecks.push(fn)
  }

  /**
   * Completes a task: checks, then moves the engine on, all in one transaction.
   * `trx` lets a caller (e.g. cases' return/escalate actions) add its own writes to the same step.
   */
  async complete(
    actor: Actor,
    id: string,
    data: Record<string, unknown>,
    opts: {
      trx?: Trx
      /** The platform's own step (return, …) sends data no form declares. */
      skipForm?: boolean
      /** Variables the platform's own step adds to what the person submitted (checked against the form). */
      platform?: Record<string, unknown>
      /**
       * The calling route has already established that `actor` may complete exactly this task
       * (the public evaluation route checked the tracking code), so no candidate check applies.
       */
      authorised?: boolean
    } = {},
  ): Promise<TaskRow> {
    const run = async (trx: Trx) => {
      const task = opts.authorised ? await this.row(id, trx) : await this.get(actor, id, trx)
      if (task.status !== 'open') throw conflict(msg(task.status === 'completed' ? 'error.task.completed' : 'error.task.cancelled'))
      if (!opts.authorised) {
        if (task.assignee && task.assignee !== actor.username && !isSystemAdmin(actor)) {
          throw conflict(msg('error.task.claimedBy', { assignee: task.assignee }))
        }
        if (!task.assignee && !isSystemAdmin(actor) && !(await this.isCandidate(actor, task, trx))) throw forbidden(msg('error.task.notCandidate'))
      }
      // What passes the form is what becomes variables (an empty select's null is dropped).
      const checked = opts.skipForm ? { clean: data, form: null } : await this.validateData(task, data, trx, actor)
      const output = opts.platform ? { ...checked.clean, ...opts.platform } : checked.clean
      // A deployed form's version (a diagram's own fields have none: their definition version is the instance's).
      const formVersion = checked.form?.versionId ?? null
      await this.runtime.completeTask(trx, task, output, actor.username, { formVersion })
      return {
        ...task,
        status: 'completed',
        completed_by: actor.username,
        data: JSON.stringify(output),
        form_version: formVersion,
        ended_at: nowIso(),
      } as TaskRow
    }
    if (opts.trx) return run(opts.trx)
    // Two different tasks of one instance completed at once: the loser re-runs on the new
    // state. The same task twice still ends in 409, because the retry sees it completed.
    return withRetry(this.db, run, { retryOn: (err) => err instanceof RevisionConflict, attempts: 3 })
  }
}
