import type { FastifyInstance } from 'fastify'
import type { Knex } from 'knex'
import type { TaskRow } from '../engine/runtime.js'
import type { Actor } from '../org/index.js'
import type { CaseFilters, TaskListFacts } from '../tasks/service.js'
import type { CaseEventRow, CaseService } from './service.js'
import type { FormComponent, FormSchema } from '../tasks/forms.js'
import { modelOfInstance, taskActions } from './markers.js'
import { UNIT_FIELDS, unitCodes } from './dispatch-targets.js'

const parse = (s: unknown) => {
  if (typeof s !== 'string' || !s) return null
  try {
    return JSON.parse(s)
  } catch {
    return null
  }
}

/**
 * What a task row shows of its case (the task list, issue 12): number, title, category and
 * region names, address, procedure, channel, read in the list's own query through three left
 * joins on primary keys. Filters reuse the case list's (`CaseService.filter`), so a task list
 * and a case list filtered alike agree.
 */
export function taskListFacts(cases: CaseService): TaskListFacts {
  const join = (q: Knex.QueryBuilder, inner: boolean) =>
    inner ? q.join('cases', 'cases.id', 'tasks.case_id') : q.leftJoin('cases', 'cases.id', 'tasks.case_id')
  return {
    async filter(q, filters: CaseFilters) {
      join(q, true)
      await cases.filter(q, filters)
    },
    select(q, joined) {
      if (!joined) join(q, false)
      q.leftJoin('categories as f_cat', 'f_cat.code', 'cases.category')
        .leftJoin('regions as f_reg', 'f_reg.code', 'cases.region_code')
        .select(
          'cases.case_no as f_case_no',
          'cases.title as f_title',
          'cases.description as f_description',
          'cases.category as f_category',
          'f_cat.name as f_category_name',
          'f_cat.name_en as f_category_name_en',
          'cases.region_code as f_region',
          'f_reg.name as f_region_name',
          'f_reg.name_en as f_region_name_en',
          'cases.address as f_address',
          'cases.procedure as f_procedure',
          'cases.channel as f_channel',
          'cases.urgency as f_urgency',
          'cases.status as f_status',
          'cases.created_at as f_created_at',
        )
    },
    view(r, now) {
      if (r.f_case_no == null) return null
      const due = r.due_at as string | null
      return {
        caseNo: r.f_case_no,
        title: r.f_title ?? null,
        // A case without a title is known by its description (the row clips it on screen).
        description: r.f_title ? null : r.f_description,
        category: r.f_category,
        categoryName: r.f_category_name ?? null,
        categoryNameEn: r.f_category_name_en ?? null,
        regionCode: r.f_region,
        regionName: r.f_region_name ?? null,
        regionNameEn: r.f_region_name_en ?? null,
        address: r.f_address ?? null,
        procedure: r.f_procedure,
        channel: r.f_channel,
        urgency: r.f_urgency,
        caseStatus: r.f_status,
        filedAt: r.f_created_at,
        // Minutes to the task's deadline at read time; negative once overdue.
        dueInMinutes: due ? Math.round((Date.parse(due) - Date.parse(now)) / 60_000) : null,
      }
    },
  }
}

/**
 * What a task page shows besides the task: `context` — the steps of the case completed so far
 * with what they submitted, the case's recent events, and `decidesOn`, what this step decides
 * (an extension's days and reason for its approver, a return's reason for whoever dispatches
 * again, the plan for its approver and executor, the co-organisers' opinions for the lead) —, for a task that takes extension requests, whether one may be asked now, and for a
 * completed task `answers`, what its own form was answered with.
 * Built from the case's history, not from the form in front of the person, so a new
 * diagram's steps (a return review …) get the same context.
 */
export function taskDetails(app: FastifyInstance, cases: CaseService) {
  return async (task: TaskRow, actor: Actor): Promise<Record<string, unknown>> => {
    const out: Record<string, unknown> = {}
    if (task.status === 'open') out.extension = await extensionState(app, task)
    // Whoever may read the task's `data` reads it by its form's labels too, case or not.
    if (task.status === 'completed') out.answers = await ownAnswers(app, task)
    if (!task.case_id) return out
    const row = await cases.visible(actor, task.case_id).catch(() => null)
    if (!row) return { ...out, context: null }
    const [steps, events, model] = await Promise.all([
      app
        .db('tasks')
        .where({ case_id: row.id, status: 'completed' })
        .orderBy([
          { column: 'ended_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(20),
      app
        .db('case_events')
        .where({ case_id: row.id })
        .orderBy([
          { column: 'at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(30),
      modelOfInstance(app.engine.definitions, task.instance_id, app.db),
    ])
    const ev = events.map((e: CaseEventRow) => ({
      type: e.type,
      actor: e.actor,
      at: e.at,
      from: e.from_value,
      to: e.to_value,
      message: e.message,
      data: parse(e.data),
    }))
    const decidesOn: Record<string, unknown>[] = []
    const role = model?.roles.get(task.element_id)
    if (role === 'extensionApproval') {
      const req = ev.find((e) => e.type === 'extension_requested')
      if (req) decidesOn.push({ kind: 'extension', days: req.data?.days ?? null, reason: req.data?.reason ?? null, by: req.actor, at: req.at })
    }
    // A return nobody has dispatched since: whoever routes the case next decides on its reason.
    const lastReturn = ev.findIndex((e) => e.type === 'returned')
    const lastDispatch = ev.findIndex((e) => e.type === 'dispatched')
    if (lastReturn >= 0 && (lastDispatch < 0 || lastDispatch > lastReturn) && task.status === 'open') {
      const r = ev[lastReturn]
      decidesOn.push({ kind: 'return', reason: r.data?.reason ?? null, unit: r.data?.unit ?? r.from ?? null, by: r.actor, at: r.at })
    }
    // What each earlier step submitted, as its form asks it (see `stepFields`).
    const earlier = steps.filter((s: TaskRow) => s.id !== task.id)
    const schemas = await Promise.all(
      earlier.map((s: TaskRow) =>
        app.tasks.formFor(s).then(
          (f) => f.schema,
          () => null,
        ),
      ),
    )
    const datas = earlier.map((s: TaskRow) => parse(s.data) as Record<string, unknown> | null)
    // Submissions this step decides on, found by what they submitted (the variables a handler
    // reads) and by the markers' roles, never by element ids, which an administrator may rename.
    const submitted: { at: number; entry: Record<string, unknown> }[] = []
    const ofInstance = earlier.map((s: TaskRow, i: number) => ({ s, i })).filter(({ s }) => s.instance_id === task.instance_id)
    if (task.status === 'open' && (role === 'planApproval' || role === 'execute')) {
      // The plan `case.plan` puts in force is its measures, responsible person and milestones:
      // the latest step of this procedure that submitted them is the plan to approve or carry out.
      const plan = ofInstance.find(({ i }) => datas[i]?.measures != null)
      if (plan) submitted.push({ at: plan.i, entry: { kind: 'plan', taskId: plan.s.id } })
    }
    if (task.status === 'open' && role === 'lead') {
      // The co-organisers' opinions the lead consolidates, oldest first: their steps (marker role
      // cohandle) or, in a version without markers, the steps that submitted an opinion.
      for (const { s, i } of [...ofInstance].reverse())
        if (model?.roles.get(s.element_id) === 'cohandle' || datas[i]?.opinion != null)
          submitted.push({ at: i, entry: { kind: 'opinion', taskId: s.id, unit: unitOfGroups(s.candidate_groups) } })
    }
    for (const { at, entry } of submitted) decidesOn.push({ ...entry, by: earlier[at].completed_by, at: earlier[at].ended_at, fieldsOf: at })
    const codes = new Set<string>(decidesOn.map((d) => d.unit as string | null).filter((c): c is string => !!c))
    for (const d of datas) for (const k of UNIT_FIELDS) if (d?.[k] != null) unitCodes(d[k]).forEach((c) => codes.add(c))
    const units = await unitNames(app, codes)
    for (const d of decidesOn) if (d.unit && units.has(d.unit as string)) d.unitName = units.get(d.unit as string)
    for (const d of decidesOn) {
      if (typeof d.fieldsOf !== 'number') continue
      d.fields = stepFields(schemas[d.fieldsOf], datas[d.fieldsOf], units)
      delete d.fieldsOf
    }
    // Who acted, by name as well (the views keep the username).
    const names = await app.org.displayNames([...ev.map((e) => e.actor), ...steps.map((s: TaskRow) => s.completed_by)])
    const nameOf = (u: string | null | undefined) => (u && names.get(u)) || null
    for (const d of decidesOn) d.byName = nameOf(d.by as string | null)
    return {
      ...out,
      context: {
        decidesOn,
        steps: earlier.map((s: TaskRow, i: number) => ({
          taskId: s.id,
          name: s.name,
          elementId: s.element_id,
          completedBy: s.completed_by,
          completedByName: nameOf(s.completed_by),
          endedAt: s.ended_at,
          data: datas[i],
          fields: stepFields(schemas[i], datas[i], units),
        })),
        events: ev.map((e) => ({ ...e, actorName: nameOf(e.actor) })),
      },
    }
  }
}

type UnitName = { code: string; name: string; nameEn: string | null }

/** The unit a task was offered to (a co-organiser's `unit:<code>`), if one. */
function unitOfGroups(groups: string | null): string | null {
  const token = (groups ?? '').split(',').find((g) => g.trim().startsWith('unit:'))
  return token ? token.trim().slice('unit:'.length) : null
}

/** The units `codes` names, by code, in both languages (a code no unit has is left out). */
async function unitNames(app: FastifyInstance, codes: Set<string>): Promise<Map<string, UnitName>> {
  const rows: { code: string; name: string; name_en: string | null }[] = codes.size
    ? await app
        .db('org_units')
        .whereIn('code', [...codes])
        .select('code', 'name', 'name_en')
    : []
  return new Map(rows.map((u) => [u.code, { code: u.code, name: u.name, nameEn: u.name_en ?? null }]))
}

/**
 * What a completed task's own form was answered with, as `stepFields` gives an earlier step's:
 * the page of a completed task shows these, so the rules live here only.
 */
async function ownAnswers(app: FastifyInstance, task: TaskRow): Promise<StepField[]> {
  const data = parse(task.data) as Record<string, unknown> | null
  if (!data) return []
  const schema = await app.tasks.formFor(task).then(
    (f) => f.schema,
    () => null,
  )
  const codes = new Set<string>()
  for (const k of UNIT_FIELDS) if (data[k] != null) unitCodes(data[k]).forEach((c) => codes.add(c))
  return stepFields(schema, data, await unitNames(app, codes))
}

/** One answer of a step (an earlier one, or a completed task's own) as a reader sees it (the task page prints these, never keys). */
export interface StepField {
  key: string
  /** The form's label ("中文 / English", as forms write them). */
  label: string
  value: unknown
  /** A select's, radio's or checklist's chosen options by their labels. */
  options?: string[]
  /** A field naming units: the units by name. */
  units?: UnitName[]
}

/**
 * What a step submitted, field by field in its form's order, by the form's labels: the chosen
 * options by their labels and unit codes by the units' names. Empty answers are left out, and
 * so is what the form does not ask (a variable the platform added, a field a later version of
 * the form dropped): a reader is shown answers to questions, not variable names. The form is
 * the one its key names now (the versions a step was completed under are not recorded).
 */
export function stepFields(schema: FormSchema | null, data: Record<string, unknown> | null, units: Map<string, UnitName>): StepField[] {
  if (!schema || !data) return []
  const out: StepField[] = []
  const empty = (v: unknown) => v == null || (typeof v === 'string' && !v.trim()) || (Array.isArray(v) && !v.length)
  const walk = (components: FormComponent[]) => {
    for (const c of components) {
      if (Array.isArray(c.components)) walk(c.components)
      if (!c.key || !Object.hasOwn(data, c.key) || empty(data[c.key])) continue
      const value = data[c.key]
      const field: StepField = { key: c.key, label: c.label || c.key, value }
      if ((UNIT_FIELDS as readonly string[]).includes(c.key)) {
        field.units = unitCodes(value).map((code) => units.get(code) ?? { code, name: code, nameEn: null })
      } else if (Array.isArray(c.values) && c.values.length) {
        const chosen = Array.isArray(value) ? value : [value]
        field.options = chosen.map((v) => c.values!.find((o) => o.value === v)?.label ?? String(v))
      }
      out.push(field)
    }
  }
  walk(schema.components ?? [])
  return out
}

/**
 * Whether the handler may ask for an extension now — the same three conditions as
 * POST /api/tasks/:id/extension (a boundary that takes requests, no request awaiting
 * approval, this round's request not spent) — so the page can say so before a form is filled.
 */
async function extensionState(app: FastifyInstance, task: TaskRow) {
  const { extension } = await taskActions(app.engine.definitions, task, app.db)
  if (!extension) return null
  const pending = !!(await app.db('tasks').where({ instance_id: task.instance_id, status: 'open' }).whereIn('element_id', extension.approvals).first('id'))
  const armed = !!(await app.db('subscriptions').where({ instance_id: task.instance_id, kind: 'message', element_id: extension.boundary }).first('id'))
  return { available: !pending && armed, pending, spent: !pending && !armed }
}
