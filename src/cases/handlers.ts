import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Trx } from '../lib/db.js'
import { nowIso } from '../lib/db.js'
import { badRequest, forbidden, msg, problem as problemDetail, unprocessable } from '../lib/errors.js'
import { setClause, sqlFirst, sqlRun } from '../lib/hot-sql.js'
import { eventMessage, names, notificationMessage, type EventType, type Params } from '../messages/index.js'
import type { HandlerContext } from '../engine/runtime.js'
import type { CaseRow, CaseService } from './service.js'
import { modelOfInstance } from './markers.js'
import { addDuration, ancestry, isDuration, LEVELS, PROCEDURES, unitGroup, type UnitRow } from './routing.js'
import { chooser, unitProblem, type Chooser } from './dispatch-targets.js'
import { EXTENSION_MAX_DAYS } from './schemas.js'
import { cstMonth } from '../metrics/service.js'
import { writeNotices } from '../notify/outbox.js'
import { userView } from '../org/service.js'

/**
 * The `case.*` service-task handlers the procedures call. Each runs inside the engine step's
 * transaction, writes the case row and its events, and returns the variables it changes.
 * Variables contract: see src/cases/README.md.
 */

const str = (v: unknown): string | null => (v == null || v === '' ? null : String(v))
const tokens = (v: unknown): string[] =>
  String(v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

/**
 * A return's reason (退单理由): the sign-for form's `returnReason`, else the handling form's
 * `reason`, trimmed; null when neither holds any text.
 */
export function returnReason(v: Record<string, unknown>): string | null {
  for (const k of ['returnReason', 'reason']) {
    const text = typeof v[k] === 'string' ? (v[k] as string).trim() : ''
    if (text) return v[k] as string
  }
  return null
}

export function registerCaseHandlers(app: FastifyInstance, cases: CaseService) {
  const engine = app.engine

  /**
   * The case of the handler's own instance (its business key), never one named by a variable:
   * a diagram started with `{caseId: <another county's case>}` must not reach that case.
   */
  async function caseRow(ctx: HandlerContext): Promise<CaseRow> {
    const row =
      cases.takeFresh(ctx.trx, ctx.caseId)?.row ??
      (ctx.caseId ? await sqlFirst<CaseRow>(ctx.trx, 'select * from "cases" where "id" = ? limit 1', [ctx.caseId]) : null)
    if (!row) throw unprocessable(msg('error.case.noCase'))
    if (row.tenant !== (ctx.tenant ?? '')) throw unprocessable(msg('error.case.otherCounty'))
    return row
  }
  async function update(trx: Trx, id: string, values: Partial<CaseRow>) {
    const set = setClause({ ...values, updated_at: nowIso() })
    await sqlRun(trx, `update "cases" set ${set.sql} where "id" = ?`, [...set.bindings, id])
  }
  async function unit(trx: Trx, code: string | null): Promise<UnitRow> {
    const u = code ? await trx('org_units').where({ code }).first() : null
    if (!u) throw unprocessable(msg('error.org.unknownUnit', { unit: code ?? '-' }))
    return u
  }
  /**
   * A unit a person chose (dispatcher, reviewer, coordinator): checked again here, whatever
   * path the variable came by, since the task-data check guards only task forms.
   */
  async function chosenUnit(trx: Trx, row: CaseRow, code: string | null, by: Chooser): Promise<UnitRow> {
    const problem = code ? await unitProblem(trx, app.org, row, code, by) : null
    if (problem) throw unprocessable(problem, [problemDetail(problem, { field: 'targetUnit' })])
    return unit(trx, code)
  }
  const isDepartment = (u: UnitRow) => ['department', 'section', 'station'].includes(u.kind)
  /**
   * A case event: `type` names its sentence in the catalogue (event.<type>), `data` holds every
   * value the sentence needs and the person's text verbatim; `message` is rendered from them.
   */
  const event = (
    ctx: HandlerContext,
    row: CaseRow,
    type: EventType,
    opts: Omit<NonNullable<Parameters<CaseService['event']>[3]>, 'message' | 'data'> & { data?: Params } = {},
  ) => cases.event(ctx.trx, row.id, type, { actor: ctx.actor, ...opts, message: eventMessage(type, opts.data) })

  /**
   * A notification carries its sentence's parameters (`params`, migration 022: the case number and
   * what the kind names) and a person's text after the sentence, whole; `message` is rendered from them.
   */
  async function notify(trx: Trx, caseId: string, recipients: string[], kind: string, params: Params & { caseNo: string }, text?: string | null) {
    const now = nowIso()
    const message = notificationMessage(kind, params, text)
    const stored = JSON.stringify(params)
    const rows = [...new Set(recipients)].map((recipient) => ({
      id: randomUUID(),
      recipient,
      case_id: caseId,
      kind,
      message,
      params: stored,
      created_at: now,
      read_at: null,
    }))
    if (rows.length) await trx('notifications').insert(rows)
  }

  /** The return awaiting the dispatcher's review on this case, if any. */
  const pendingReturn = (trx: Trx, caseId: string) => trx('case_returns').where({ case_id: caseId, status: 'pending' }).orderBy('returned_at', 'desc').first()

  /** Assigns the owning unit: after intake by rule, after a dispatcher's choice, or on accepting an escalation. */
  engine.registerHandler('case.assign', async (ctx) => {
    const v = ctx.variables
    // At intake (mode=rule) a case no rule covers is the dispatcher's, whom the flow leaving the
    // task reaches: nothing to assign yet. Without the mode a dispatch must name a unit (below).
    if (ctx.inputs.mode === 'rule' && v.needsDispatch === true) return {}
    // Right after intake (the first handler of its step): the row and the unit routing chose are
    // in hand, and a case registered in this transaction has no return to review.
    const fresh = cases.takeFresh(ctx.trx, ctx.caseId)
    const row = fresh?.row ?? (await caseRow(ctx))
    if (fresh && row.tenant !== (ctx.tenant ?? '')) throw unprocessable(msg('error.case.otherCounty'))
    const now = new Date()
    if (ctx.inputs.mode === 'escalation') {
      const target = str(v.targetUnit)
        ? await chosenUnit(ctx.trx, row, str(v.targetUnit), await chooser(ctx.trx, ctx.actor))
        : await unit(ctx.trx, str(v.escalateCentre))
      const level = str(v.nextLevel) ?? row.level
      // The case's resolution deadline runs on across an escalation: the citizen's deadline does
      // not move because the case went up a level, so the time the request waited for review
      // counts (and the review, a step with its own deadline, is supervised when late). Only a
      // level reached with less than the response limit left gets a fresh resolution limit, as a
      // centre's re-dispatch does (below). It was reset to now + the limit on every acceptance.
      const responseDue = addDuration(now, String(v.responseLimit ?? 'PT24H'))
      const resolveDue = row.resolve_due_at && row.resolve_due_at >= responseDue ? row.resolve_due_at : addDuration(now, String(v.resolveLimit ?? 'P7D'))
      await update(ctx.trx, row.id, {
        level,
        owner_unit: target.code,
        department: isDepartment(target) ? target.code : row.department,
        resolve_due_at: resolveDue,
        status: row.status === 'received' || row.status === 'dispatched' ? 'in_progress' : row.status,
        dispatcher_group: str(v.escalateGroup),
      })
      await event(ctx, row, 'escalation_accepted', { from: row.level, to: level, data: { level, unit: target.code, ...names('unit', target) }, public: true })
      return {
        level,
        ownerUnit: target.code,
        handlerGroup: unitGroup(target),
        dispatcherGroup: str(v.escalateGroup) ?? v.dispatcherGroup,
        resolveDue,
        targetUnit: null,
        decision: null,
        outcome: null,
      }
    }
    const chosen = str(v.targetUnit)
    // A version deployed before the return review has no flow for a rejection and reaches
    // here with it: refuse rather than dispatch what the dispatcher meant to send back.
    if (v.returnDecision === 'reject') {
      const m = msg('error.return.oldVersion')
      throw unprocessable(m, [problemDetail(m, { field: 'returnDecision' })])
    }
    const ret = fresh ? undefined : await pendingReturn(ctx.trx, row.id)
    if (!chosen && (v.needsDispatch === true || ret)) {
      const m = msg('error.return.nameUnit')
      throw unprocessable(m, [problemDetail(m, { field: 'targetUnit' })])
    }
    if (ret && chosen === ret.unit) {
      const m = msg('error.return.sameUnit')
      throw unprocessable(m, [problemDetail(m, { field: 'targetUnit' })])
    }
    const owner = str(v.ownerUnit)
    const target = chosen
      ? await chosenUnit(ctx.trx, row, chosen, await chooser(ctx.trx, ctx.actor))
      : fresh?.owner && fresh.owner.code === owner
        ? fresh.owner
        : await unit(ctx.trx, owner)
    if (ret) {
      // Dispatching elsewhere accepts the return: it was not that unit's remit.
      await ctx
        .trx('case_returns')
        .where({ id: ret.id })
        .update({ status: 'accepted', decided_by: ctx.actor, decided_at: nowIso(), decision_reason: str(v.returnDecisionReason) ?? str(v.dispatchNote) })
      await event(ctx, row, 'return_accepted', {
        from: ret.unit,
        to: target.code,
        data: {
          returnId: ret.id,
          unit: ret.unit,
          to: target.code,
          ...names('unit', target),
          reason: str(v.returnDecisionReason) ?? str(v.dispatchNote),
          returnReason: ret.reason,
        },
      })
    }
    const level = chosen ? target.level : (str(v.level) ?? target.level)
    const out: Record<string, unknown> = {
      ownerUnit: target.code,
      level,
      handlerGroup: unitGroup(target),
      targetUnit: null,
      needsDispatch: false,
      returnDecision: null,
      returnDecisionReason: null,
    }
    const values: Partial<CaseRow> = {
      owner_unit: target.code,
      level,
      department: isDepartment(target) ? target.code : null,
      status: row.status === 'received' ? 'dispatched' : row.status,
    }
    if (chosen) {
      // Re-dispatched by a centre: the response limit runs from now.
      const responseDue = addDuration(now, String(v.responseLimit ?? 'PT24H'))
      values.response_due_at = row.responded_at ? row.response_due_at : responseDue
      out.responseDue = responseDue
      if (row.resolve_due_at && row.resolve_due_at < responseDue) {
        out.resolveDue = addDuration(now, String(v.resolveLimit ?? 'P7D'))
        values.resolve_due_at = out.resolveDue as string
      }
    }
    await update(ctx.trx, row.id, values)
    await event(ctx, row, 'dispatched', {
      from: row.owner_unit && row.owner_unit !== target.code ? row.owner_unit : row.status,
      to: 'dispatched',
      data: { unit: target.code, ...names('unit', target), level, by: chosen ? 'dispatcher' : 'rule', note: str(v.dispatchNote) },
      public: true,
      // A rule's dispatch is the platform's, not the act of whoever's step reached it (the citizen
      // whose petition it was, the clerk who registered a call).
      actor: chosen ? ctx.actor : null,
    })
    // 办结告知: the citizen is told once that the matter was accepted (its first dispatch or sign-for).
    await writeNotices(ctx.trx, row, 'accepted', {}, { once: true })
    return out
  })

  engine.registerHandler('case.respond', async (ctx) => {
    const row = await caseRow(ctx)
    const now = nowIso()
    await update(ctx.trx, row.id, { responded_at: row.responded_at ?? now, status: 'in_progress' })
    const reply = str(ctx.variables.firstReply)
    await event(ctx, row, 'signed_for', { from: row.status, to: 'in_progress', data: { reply }, public: true })
    await writeNotices(ctx.trx, row, 'accepted', {}, { once: true })
    return { signOutcome: null }
  })

  /**
   * 退单: the unit gives the case back as not its remit. Each return is a `case_returns` row
   * (the assessment counts returns and rejected returns per unit) awaiting the dispatcher's
   * review at the dispatch task: accepted by dispatching it elsewhere (case.assign), or
   * rejected with a reason (case.returnRejected), which sends it back to the step it was
   * returned from.
   */
  engine.registerHandler('case.return', async (ctx) => {
    const row = await caseRow(ctx)
    const reason = returnReason(ctx.variables)
    // The return route and the task-data check ask for it; a county diagram that reaches here
    // another way must not record a return nobody explained.
    if (!reason) {
      const m = msg('error.return.reasonRequired')
      throw badRequest(m, [problemDetail(m, { field: 'returnReason' })])
    }
    const now = nowIso()
    const stage = await returnedStage(ctx, row)
    const id = randomUUID()
    await ctx.trx('case_returns').insert({
      id,
      case_id: row.id,
      tenant: row.tenant,
      unit: row.owner_unit ?? '',
      month: cstMonth(now),
      reason,
      returned_by: ctx.actor,
      returned_at: now,
      status: 'pending',
    })
    await update(ctx.trx, row.id, { status: 'received', owner_unit: null, department: null })
    await event(ctx, row, 'returned', {
      from: row.owner_unit,
      to: null,
      data: { returnId: id, unit: row.owner_unit, reason, stage },
    })
    await event(ctx, row, 'redispatching', { to: 'received', public: true, actor: null })
    // The dispatchers' bell: the reason is on the dispatch task's page (its context), not copied here.
    const from = row.owner_unit ? await ctx.trx('org_units').where({ code: row.owner_unit }).first('name', 'name_en') : null
    await notify(ctx.trx, row.id, tokens(ctx.variables.dispatcherGroup), 'return', { caseNo: row.case_no, stage, ...names('unit', from) })
    return {
      needsDispatch: true,
      targetUnit: null,
      ownerUnit: null,
      outcome: null,
      signOutcome: null,
      returnReason: null,
      returnDecision: null,
      returnDecisionReason: null,
      returnId: id,
      returnedUnit: row.owner_unit,
      returnedBy: ctx.actor,
      returnedReason: reason,
      returnStage: stage,
    }
  })

  /**
   * The step the unit returned the case from, told by the marker role of the task being
   * completed (sign-for or handling), so a rejected return goes back there. The engine marks
   * that task's row completed after the step, so here it is still the instance's open
   * sign-for or handling task. Without one (a diagram that returns from elsewhere) the case's
   * own record decides.
   */
  async function returnedStage(ctx: HandlerContext, row: CaseRow): Promise<'signFor' | 'handle'> {
    const open = await engine.openTaskElements(ctx.trx, ctx.instanceId)
    const model = open.length ? await modelOfInstance(engine.definitions, ctx.instanceId, ctx.trx) : null
    const roles = open.map((element) => model?.roles.get(element))
    if (roles.includes('signFor')) return 'signFor'
    if (roles.includes('handle') || roles.includes('lead')) return 'handle'
    return row.responded_at ? 'handle' : 'signFor'
  }

  /**
   * The dispatcher rejected the return: the case goes back to the unit that returned it, with
   * the reason, and the return counts as rejected (penalised in the assessment). The deadlines
   * run on: the time spent on a wrong return is the unit's.
   */
  engine.registerHandler('case.returnRejected', async (ctx) => {
    const row = await caseRow(ctx)
    const ret = await pendingReturn(ctx.trx, row.id)
    if (!ret) throw unprocessable(msg('error.return.nonePending'), [problemDetail(msg('error.return.nonePending'), { field: 'returnDecision' })])
    const reason = str(ctx.variables.returnDecisionReason)
    if (!reason || !reason.trim()) {
      throw unprocessable(msg('error.return.reasonNeeded'), [problemDetail(msg('error.return.reasonNeeded'), { field: 'returnDecisionReason' })])
    }
    const back = await unit(ctx.trx, ret.unit)
    const now = nowIso()
    await ctx.trx('case_returns').where({ id: ret.id }).update({ status: 'rejected', decided_by: ctx.actor, decided_at: now, decision_reason: reason })
    const status = row.responded_at ? 'in_progress' : 'dispatched'
    await update(ctx.trx, row.id, { owner_unit: back.code, department: isDepartment(back) ? back.code : null, status })
    await event(ctx, row, 'return_rejected', {
      from: row.status,
      to: back.code,
      data: { returnId: ret.id, unit: back.code, reason, returnReason: ret.reason, returnedBy: ret.returned_by },
    })
    await event(ctx, row, 'dispatched', { to: status, data: { unit: back.code, ...names('unit', back), by: 'return_rejected' }, public: true, actor: null })
    // The unit reads why, whole, after the sentence (notificationText gives it back to the API).
    await notify(ctx.trx, row.id, [unitGroup(back)], 'return_rejected', { caseNo: row.case_no, ...names('unit', back) }, reason)
    return {
      ownerUnit: back.code,
      handlerGroup: unitGroup(back),
      needsDispatch: false,
      returnDecision: null,
      returnDecisionReason: null,
      targetUnit: null,
      outcome: null,
      signOutcome: null,
    }
  })

  engine.registerHandler('case.resolve', async (ctx) => {
    const row = await caseRow(ctx)
    const now = nowIso()
    const result = str(ctx.variables.result)
    await update(ctx.trx, row.id, { resolved_at: now, responded_at: row.responded_at ?? now, result })
    await event(ctx, row, 'resolved', { data: { level: row.level, unit: row.owner_unit, result } })
    // Input feedback: the shipped diagrams record the result and feed it back in one task, one
    // activity less per step for the engine; a diagram with a case.feedback task of its own leaves it out.
    if (ctx.inputs.feedback === true || ctx.inputs.feedback === 'true') return feedBack(ctx, row)
    return {}
  })

  /**
   * The citizen has the county's evaluation period to answer (settings
   * `cases.evaluation_period.<county>`, else `cases.evaluation_period`, else P5D — Beijing's
   * practice is a few days); the evaluation task's deadline and its expiry timer read `evaluationDue`.
   */
  async function evaluationPeriod(trx: Trx, tenant: string): Promise<string> {
    const keys = [...(tenant ? [`cases.evaluation_period.${tenant}`] : []), 'cases.evaluation_period']
    const rows: { key: string; value: string }[] = await trx('settings').whereIn('key', keys)
    for (const k of keys) {
      const v = rows.find((r) => r.key === k)?.value
      if (v && isDuration(v)) return v
    }
    return 'P5D'
  }

  engine.registerHandler('case.feedback', async (ctx) => feedBack(ctx, await caseRow(ctx)))

  /** The result goes back to the citizen, who is asked to evaluate it (case.feedback, case.resolve's input feedback). */
  async function feedBack(ctx: HandlerContext, row: CaseRow) {
    const evaluationDue = addDuration(new Date(), await evaluationPeriod(ctx.trx, row.tenant))
    await update(ctx.trx, row.id, { status: 'awaiting_evaluation' })
    const result = str(ctx.variables.result)
    await event(ctx, row, 'feedback', { from: row.status, to: 'awaiting_evaluation', data: { evaluationDue, result }, public: true })
    // The result now; a reminder to evaluate a day before the period ends (half-way through a
    // shorter period), written now so it cannot be lost, delivered when due and dropped by the
    // worker if the citizen has evaluated by then.
    await writeNotices(ctx.trx, row, 'result', { result, evaluationDue })
    const left = new Date(evaluationDue).getTime() - Date.now()
    const remindAt = new Date(new Date(evaluationDue).getTime() - Math.min(86400e3, left / 2)).toISOString()
    await writeNotices(ctx.trx, row, 'evaluation_due', { evaluationDue }, { notBefore: remindAt })
    return { evaluationDue }
  }

  /**
   * The evaluation period ran out: the case closes as not evaluated. It counts as closed (the
   * unit's result stands) and apart from the evaluated cases: neither satisfied nor dissatisfied.
   */
  engine.registerHandler('case.evaluationExpired', async (ctx) => {
    const row = await caseRow(ctx)
    if (row.status === 'closed') return {}
    const now = nowIso()
    await update(ctx.trx, row.id, { status: 'closed', closed_at: now, resolved_level: row.level, evaluation_expired_at: now })
    await event(ctx, row, 'evaluation_expired', {
      from: row.status,
      to: 'closed',
      data: { resolvedLevel: row.level },
      public: true,
    })
    return {}
  })

  /**
   * Where the evaluation being recorded came from. The assessment is the citizen's answer, given
   * by the citizen or taken down by callback staff, never the handling unit's own: whoever a
   * county's diagram routes the evaluation task to, and whichever task carries the evaluation
   * form, only those two are recorded. `evaluationSource` is set by the evaluation routes in this
   * very step (and cleared below); a task completed otherwise counts if its actor is callback staff.
   */
  async function evaluationSource(ctx: HandlerContext): Promise<'citizen' | 'callback'> {
    const given = ctx.variables.evaluationSource
    if (given === 'citizen' || given === 'callback') return given
    // In the step's transaction (SQLite has one connection); read as org reads a user (userView).
    const user = ctx.actor ? await ctx.trx('users').where({ username: ctx.actor, active: true }).first() : undefined
    if (user && userView(user).roles.includes('callback')) return 'callback'
    throw forbidden(msg('error.case.evaluationNotCallback'))
  }

  engine.registerHandler('case.evaluate', async (ctx) => {
    const row = await caseRow(ctx)
    const v = ctx.variables
    const source = await evaluationSource(ctx)
    const satisfaction = str(v.satisfaction)
    const rounds = Number(v.handlingRounds ?? 0)
    await update(ctx.trx, row.id, {
      eval_resolved: v.resolved === true,
      eval_satisfaction: satisfaction,
      eval_comment: str(v.comment),
      evaluated_at: nowIso(),
      evaluated_by: ctx.actor,
    })
    await event(ctx, row, 'evaluated', {
      to: satisfaction,
      data: { resolved: v.resolved === true, satisfaction, source },
      public: true,
    })
    // A later round's evaluation must prove its source again.
    return { rehandle: satisfaction === 'dissatisfied' && rounds < 1, evaluationSource: null }
  })

  engine.registerHandler('case.rehandle', async (ctx) => {
    const row = await caseRow(ctx)
    const resolveDue = addDuration(new Date(), String(ctx.variables.resolveLimit ?? 'P7D'))
    await update(ctx.trx, row.id, { status: 'in_progress', resolve_due_at: resolveDue, resolved_at: null })
    await event(ctx, row, 'rehandle', { from: row.status, to: 'in_progress', public: true })
    return { handlingRounds: Number(ctx.variables.handlingRounds ?? 0) + 1, resolveDue, rehandle: false, outcome: null }
  })

  engine.registerHandler('case.close', async (ctx) => {
    const row = await caseRow(ctx)
    const now = nowIso()
    await update(ctx.trx, row.id, { status: 'closed', closed_at: now, resolved_level: row.level })
    await event(ctx, row, 'closed', { from: row.status, to: 'closed', data: { resolvedLevel: row.level }, public: true })
    return {}
  })

  /** 督办: overdue sign-for or handling. Flags the case, records it, tells the unit and its supervisors. */
  engine.registerHandler('case.supervise', async (ctx) => {
    const row = await caseRow(ctx)
    if (row.status === 'closed') return {}
    const stage = str(ctx.inputs.stage) ?? 'resolve'
    const due = stage === 'response' ? row.response_due_at : row.resolve_due_at
    await update(ctx.trx, row.id, { overdue: true })
    await ctx.trx('case_supervisions').insert({ id: randomUUID(), case_id: row.id, stage, unit: row.owner_unit, due_at: due, created_at: nowIso() })
    await notify(ctx.trx, row.id, [...tokens(ctx.variables.handlerGroup), ...tokens(ctx.variables.supervisorGroup)], 'supervision', {
      caseNo: row.case_no,
      stage,
      dueAt: due ?? null,
    })
    // The platform's: a deadline passed. A timer already past at intake fires in the intake's own
    // step, whose actor (the citizen) did not supervise anyone.
    await event(ctx, row, 'supervision', { data: { stage, unit: row.owner_unit, due }, actor: null })
    return { overdue: true }
  })

  /**
   * The leader's decision on an extension: approved moves resolveDue, the task's due date and
   * its deadline timer. Which task: the one whose extension boundary (shuoshi:extension) leads
   * to this service task; its deadline is its shuoshi:deadline timer (src/cases/markers.ts).
   */
  engine.registerHandler('case.extend', async (ctx) => {
    const row = await caseRow(ctx)
    const v = ctx.variables
    const model = await modelOfInstance(engine.definitions, ctx.instanceId, ctx.trx)
    const task = model?.extensionFor.get(ctx.elementId)
    // Deploy refuses a case.extend no extension boundary leads to; a version deployed before that check may still have one.
    if (!task) throw unprocessable(msg('error.case.extendMisplaced', { element: ctx.elementId }))
    const timer = model!.deadlineTimer.get(task)
    const days = Number(v.extensionDays ?? 0)
    if (v.extensionDecision !== 'approve') {
      await event(ctx, row, 'extension_refused', { data: { days, comment: str(v.extensionComment) } })
      return { extensionDecision: null }
    }
    // Only the extension route writes extensionDays (a platform variable), within its schema's
    // bounds; an instance that got another value (or none: a request that did not come by the
    // route) before it was protected is told so, and the leader can still refuse. An approval
    // is never recorded as a refusal.
    if (!Number.isInteger(days) || days < 1 || days > EXTENSION_MAX_DAYS) {
      const m =
        v.extensionDays == null || v.extensionDays === ''
          ? msg('error.case.extensionNoDays')
          : msg('error.case.extensionDays', { days: String(v.extensionDays), max: EXTENSION_MAX_DAYS })
      throw unprocessable(m, [problemDetail(m, { field: 'extensionDecision' })])
    }
    const from = str(v.resolveDue) ?? row.resolve_due_at ?? nowIso()
    const resolveDue = addDuration(new Date(from), `P${days}D`)
    await engine.moveDeadline(ctx.trx, { instanceId: ctx.instanceId, taskElementId: task, timerElementId: timer, dueAt: resolveDue })
    await update(ctx.trx, row.id, { resolve_due_at: resolveDue })
    await event(ctx, row, 'extension_approved', { from, to: resolveDue, data: { days }, public: true })
    return { resolveDue, extensionDecision: null }
  })

  /** Ends this procedure and starts another on the same case, keeping the case and its history. */
  engine.registerHandler('case.switch', async (ctx) => {
    const row = await caseRow(ctx)
    const to = str(ctx.inputs.procedure)
    if (!to || !(PROCEDURES as readonly string[]).includes(to)) throw unprocessable(msg('error.case.unknownProcedure', { procedure: to }))
    const from = row.procedure
    const reason = str(ctx.variables.reason)
    await event(ctx, row, 'procedure_switch', { from, to, data: { reason, procedure: to }, public: true })
    const variables = { ...ctx.variables, procedure: to, switchedFrom: from, switchReason: reason, outcome: null, atTop: false, decision: null }
    await update(ctx.trx, row.id, { procedure: to })
    const instance = await engine.start(to, { tenant: row.tenant || null, variables, caseId: row.id, actor: ctx.actor, trx: ctx.trx })
    await ctx.trx('cases').where({ id: row.id }).update({ instance_id: instance.id })
    return { switchedTo: to }
  })

  /** Finds the centre of the next level up that has a dispatcher; atTop when there is none. */
  engine.registerHandler('case.escalate', async (ctx) => {
    const row = await caseRow(ctx)
    const v = ctx.variables
    const levels: readonly string[] = LEVELS
    const current = Math.max(0, levels.indexOf(row.level ?? 'grid'))
    const level = str(v.escalateLevel)
    const asked = levels.indexOf(level ?? '')
    // The level asked for is where the case goes, or nowhere: one not above the case's own went
    // silently to the next one up (a county case "to the village" reached the city).
    if (level && asked < 0) {
      const m = msg('error.case.escalateLevelUnknown', { level })
      throw unprocessable(m, [problemDetail(m, { field: 'escalateLevel' })])
    }
    if (level && asked <= current) {
      const m = msg('error.case.escalateNotAbove', { level, current: levels[current] })
      throw unprocessable(m, [problemDetail(m, { field: 'escalateLevel' })])
    }
    const start = Math.max(current + 1, asked)
    const regions = await ancestry(ctx.trx, row.region_path)
    const reason = str(v.reason) ?? str(v.escalateReason)
    for (let i = start; i < LEVELS.length; i++) {
      const level = LEVELS[i]
      const region = regions.get(level)
      if (!region) continue
      const centre: UnitRow | undefined = await ctx
        .trx('org_units')
        .where({ region_code: region.code })
        .whereIn('kind', level === 'village' ? ['village_committee'] : ['centre'])
        .first()
      if (!centre) continue
      const staffed = await ctx
        .trx('users')
        .where({ unit_code: centre.code, active: true })
        .whereRaw("roles like ? escape '\\'", ['%"dispatcher"%'])
        .first('id')
      if (!staffed) continue
      await event(ctx, row, 'escalation_requested', {
        from: row.level,
        to: level,
        data: { reason, centre: centre.code, ...names('centre', centre) },
        public: true,
      })
      return {
        atTop: false,
        nextLevel: level,
        escalateCentre: centre.code,
        escalateGroup: `dispatcher@${centre.code}`,
        escalateReason: reason,
        escalateLevel: null,
        decision: null,
        targetUnit: null,
      }
    }
    await event(ctx, row, 'escalation_at_top', { from: row.level, data: { reason } })
    return { atTop: true, escalateReason: reason, escalateLevel: null }
  })

  engine.registerHandler('case.sendBack', async (ctx) => {
    const row = await caseRow(ctx)
    const comment = str(ctx.variables.reviewComment)
    await event(ctx, row, 'escalation_sent_back', { to: row.level, data: { atTop: ctx.variables.atTop === true, comment }, public: true })
    return { decision: null, outcome: null, atTop: false }
  })

  engine.registerHandler('case.joint', async (ctx) => {
    const row = await caseRow(ctx)
    // Who chose: read once for the lead and every co-organiser.
    const by = await chooser(ctx.trx, ctx.actor)
    const lead = await chosenUnit(ctx.trx, row, str(ctx.variables.leadUnit), by)
    const codes = [...new Set(tokens(ctx.variables.coUnits))].filter((c) => c !== lead.code)
    if (!codes.length) throw unprocessable(msg('error.case.noCoUnit'))
    const coUnits: UnitRow[] = []
    for (const c of codes) coUnits.push(await chosenUnit(ctx.trx, row, c, by))
    // The case is handled where its lead is: a county case led by a city bureau kept "county"
    // (and was recorded as resolved at county level) as the record of where it was resolved.
    await update(ctx.trx, row.id, {
      owner_unit: lead.code,
      level: lead.level,
      department: isDepartment(lead) ? lead.code : row.department,
      status: 'in_progress',
      responded_at: row.responded_at ?? nowIso(),
    })
    await event(ctx, row, 'joint_organised', {
      to: lead.code,
      data: {
        lead: lead.code,
        ...names('unit', lead),
        coUnits: codes,
        coUnitNames: coUnits.map((u) => u.name),
        coUnitNamesEn: coUnits.map((u) => u.name_en || u.name),
      },
      public: true,
    })
    await writeNotices(ctx.trx, row, 'accepted', {}, { once: true })
    return { leadGroup: unitGroup(lead), coUnits: codes, ownerUnit: lead.code, handlerGroup: unitGroup(lead), level: lead.level }
  })

  /**
   * 加派: co-organisers added to a running joint case (POST /api/cases/:id/co-units delivers
   * `addedCoUnits` to the lead's shuoshi:addCoUnits boundary). Checked again here, whatever path
   * the variable came by: each must be able to take the case, and not be its lead.
   */
  engine.registerHandler('case.addCoUnits', async (ctx) => {
    const row = await caseRow(ctx)
    const codes = [
      ...new Set(tokens(Array.isArray(ctx.variables.addedCoUnits) ? (ctx.variables.addedCoUnits as unknown[]).join(',') : ctx.variables.addedCoUnits)),
    ].filter((c) => c !== row.owner_unit)
    if (!codes.length) throw unprocessable(msg('error.coUnits.noneNew'), [problemDetail(msg('error.coUnits.noneNew'), { field: 'units' })])
    const added: UnitRow[] = []
    const by = await chooser(ctx.trx, ctx.actor)
    for (const c of codes) added.push(await chosenUnit(ctx.trx, row, c, by))
    const before = tokens(Array.isArray(ctx.variables.coUnits) ? (ctx.variables.coUnits as unknown[]).join(',') : ctx.variables.coUnits)
    await event(ctx, row, 'co_units_added', {
      to: codes.join(','),
      data: { units: codes, coUnitNames: added.map((u) => u.name), coUnitNamesEn: added.map((u) => u.name_en || u.name) },
      public: true,
    })
    return { addedCoUnits: codes, coUnits: [...new Set([...before, ...codes])] }
  })

  engine.registerHandler('case.plan', async (ctx) => {
    const row = await caseRow(ctx)
    const v = ctx.variables
    await update(ctx.trx, row.id, { status: 'in_progress', responded_at: row.responded_at ?? nowIso() })
    await event(ctx, row, 'plan_approved', {
      data: { measures: v.measures as Params[string], responsible: v.responsible as Params[string], milestones: v.milestones as Params[string] },
    })
    await event(ctx, row, 'plan_in_force', { to: 'in_progress', public: true, actor: null })
    return {}
  })

  engine.registerHandler('case.followup', async (ctx) => {
    const row = await caseRow(ctx)
    if (row.status === 'closed') return {}
    await notify(ctx.trx, row.id, [...tokens(ctx.variables.handlerGroup), ...tokens(ctx.variables.leaderGroup)], 'followup', { caseNo: row.case_no })
    await event(ctx, row, 'plan_followup', { data: { caseNo: row.case_no } })
    return {}
  })
}
