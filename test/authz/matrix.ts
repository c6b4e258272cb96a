import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { isDeepStrictEqual } from 'node:util'
import { call, openTask, signIn, step } from '../api.js'

/**
 * The authorisation matrix of issue 9: rows of actor × request → expected status class, plus,
 * where a request is allowed (or refused), a check that its effect stayed inside the caller's
 * remit. Expectations come from the rules written down in the issue, not from today's answers.
 *
 * The files test/authz/*.test.ts each build one app and print their part of the matrix
 * (`npx tap test/authz/*.test.ts`, then with TEST_DATABASE_URL for PostgreSQL).
 */

/** `deny` is 403 or 404 where the rules only say "may not" (a role that may not see the task learns nothing of it). */
export type Expect = '2xx' | 400 | 403 | 404 | 409 | 422 | 'deny'

export interface Req {
  method: 'GET' | 'POST' | 'PUT'
  url: string
  payload?: unknown
}

export interface Row {
  /** The demo user, or null for a citizen without login. */
  who: string | null
  /** Route as the contract writes it, e.g. `POST /api/tasks/:id/complete`. */
  route: string
  /** What is asked, in a few words. */
  what: string
  expect: Expect
  /** For an expected 400: a field that `details` (or the message) must name. */
  field?: string
  /** The issue's rule this row follows (1–8), for the printed table. */
  rule?: number
  /** The request, built when the row runs (its fixtures are made up front). */
  req: () => Req | Promise<Req>
  /** Runs after the status matched: the effect stayed inside the remit, or a refusal changed nothing. */
  effect?: (t: Check, body: any) => Promise<unknown>
  /** Skip with this message (e.g. a route that does not exist yet). */
  skip?: string
}

/** The assertions of one row, collected and then reported to tap in one go (and summed up in the table). */
export class Check {
  readonly results: { ok: boolean; msg: string }[] = []
  ok(v: unknown, msg: string) {
    this.results.push({ ok: !!v, msg })
    return !!v
  }
  notOk(v: unknown, msg: string) {
    return this.ok(!v, msg)
  }
  equal(found: unknown, wanted: unknown, msg: string) {
    return this.ok(found === wanted, found === wanted ? msg : `${msg} (found ${JSON.stringify(found)}, wanted ${JSON.stringify(wanted)})`)
  }
  not(found: unknown, unwanted: unknown, msg: string) {
    return this.ok(found !== unwanted, found !== unwanted ? msg : `${msg} (found ${JSON.stringify(found)})`)
  }
  same(found: unknown, wanted: unknown, msg: string) {
    const ok = isDeepStrictEqual(JSON.parse(JSON.stringify(found ?? null)), JSON.parse(JSON.stringify(wanted ?? null)))
    return this.ok(ok, ok ? msg : `${msg} (found ${JSON.stringify(found)}, wanted ${JSON.stringify(wanted)})`)
  }
}

const matches = (expect: Expect, status: number) =>
  expect === '2xx' ? status >= 200 && status < 300 : expect === 'deny' ? status === 403 || status === 404 : status === expect

/** Whether the router knows a route (incidents are being added on another branch). */
export function hasRoute(app: FastifyInstance, method: 'GET' | 'POST', url: string) {
  return app.hasRoute({ method, url })
}

/**
 * Runs the rows in order, one subtest each, and prints the matrix as a table at the end.
 * Rows do not depend on each other: a row that may change state acts on a case of its own;
 * rows refused both today and by the rules share one (`Fixtures.shared`) and check it is unchanged.
 */
export async function runMatrix(t: Test, app: FastifyInstance, title: string, rows: Row[]) {
  const started = Date.now()
  await signIn(app, [...new Set(rows.flatMap((r) => (r.who ? [r.who] : [])))])
  const lines: string[] = []
  const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length))
  for (const row of rows) {
    const label = `${row.who ?? '(citizen)'} ${row.route} ${row.what} → ${row.expect}${row.field ? ` (${row.field})` : ''}`
    if (row.skip) {
      t.skip(label, { skip: row.skip } as any)
      lines.push(`${pad(row.who ?? '(citizen)', 22)} ${pad(row.route, 44)} ${pad(row.what, 48)} ${pad(String(row.expect), 5)} skip`)
      continue
    }
    let got = '-'
    let pass = false
    await t.test(label, async (t) => {
      const c = new Check()
      try {
        const req = await row.req()
        const res = await call(app, row.who, req.method, req.url, req.payload)
        got = String(res.status)
        c.ok(res.status < 500, `no server error (${res.status})`)
        let status = c.ok(matches(row.expect, res.status), `expected ${row.expect}, got ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`)
        if (status && row.expect === 400 && row.field) {
          const said = JSON.stringify(res.body?.details ?? []) + String(res.body?.message ?? '')
          status = c.ok(said.includes(row.field), `the 400 names ${row.field}: ${said.slice(0, 300)}`)
        }
        if (status && row.effect) await row.effect(c, res.body)
      } catch (err) {
        c.ok(false, `the row ran: ${(err as Error).stack ?? err}`)
      }
      for (const r of c.results) t.ok(r.ok, r.msg)
      pass = c.results.every((r) => r.ok)
    })
    lines.push(
      `${pad(row.who ?? '(citizen)', 22)} ${pad(row.route, 44)} ${pad(row.what, 48)} ${pad(String(row.expect), 5)} ${pad(got, 4)} ${pass ? 'ok' : 'FAIL'}${row.rule ? `  r${row.rule}` : ''}`,
    )
  }
  t.comment(
    [
      `${title} (${rows.length} rows, ${Date.now() - started} ms)`,
      `${pad('actor', 22)} ${pad('route', 44)} ${pad('request', 48)} ${pad('want', 5)} ${pad('got', 4)} result`,
      ...lines,
    ].join('\n'),
  )
}

// ── fixtures: cases in a known state, made through the API ─────────────────────

export type County = 'xh' | 'gy'

/**
 * Where a case of each county lands. Category `environment.pollution` in a Xianghe grid is
 * routed by rule to the county environment bureau; `urban.stall` in a Guangyang grid to its
 * urban management bureau; `policy.insurance` at township level has no rule, so the township
 * centre dispatches it (see test/cases/access.test.ts).
 */
export const PLACE = {
  xh: {
    county: 'xianghe',
    routed: { category: 'environment.pollution', regionCode: 'xh-anping-v01-g1' },
    dispatched: { category: 'policy.insurance', regionCode: 'xh-anping' },
    handler: 'env-officer',
    handlerUnit: 'xianghe-environment',
    dispatcher: 'anping-dispatcher',
  },
  gy: {
    county: 'guangyang',
    routed: { category: 'urban.stall', regionCode: 'gy-xinyuan-v01-g1' },
    dispatched: { category: 'policy.insurance', regionCode: 'gy-xinyuan' },
    handler: 'gy-urban-officer',
    handlerUnit: 'guangyang-urban',
    dispatcher: 'xinyuan-dispatcher',
  },
} as const

export type Stage = 'dispatch' | 'signfor' | 'handle' | 'evaluate'
const ELEMENT: Record<Stage, string> = { dispatch: 'ut_dispatch', signfor: 'ut_signfor', handle: 'ut_handle', evaluate: 'ut_evaluate' }

export interface Fixture {
  caseId: string
  caseNo: string
  county: County
  /** The open task of the stage (at the time the fixture was made). */
  taskId: string
  instanceId: string
  /** The process variables when the fixture was made. */
  vars: Record<string, any>
}

let seq = 0

/** A case of `county` brought to `stage` by the users who would do it (city dispatcher files it). */
export async function caseAt(app: FastifyInstance, county: County, stage: Stage): Promise<Fixture> {
  const place = PLACE[county]
  const where = stage === 'dispatch' ? place.dispatched : place.routed
  const res = await call(app, 'dispatcher', 'POST', '/api/cases', {
    channel: 'hotline',
    description: `authz fixture ${++seq}`,
    ...where,
    petitioner: { type: 'person', name: '测试', phone: '13900000000', anonymous: false },
  })
  if (res.status !== 201) throw new Error(`fixture intake ${county}: ${res.status} ${JSON.stringify(res.body)}`)
  const caseId: string = res.body.id
  if (stage === 'handle' || stage === 'evaluate') await step(app, caseId, 'ut_signfor', place.handler, { signOutcome: 'accept' })
  if (stage === 'evaluate') await step(app, caseId, 'ut_handle', place.handler, { outcome: 'resolved', result: '已处理 / done' })
  const task = await openTask(app, caseId, ELEMENT[stage])
  if (!task) throw new Error(`fixture ${county}/${stage}: no open ${ELEMENT[stage]}`)
  return { caseId, caseNo: res.body.caseNo, county, taskId: task.id, instanceId: task.instanceId, vars: await variables(app, task.instanceId) }
}

/**
 * Fixtures asked for while the rows are written and made together before they run, so every
 * row that changes state has a case of its own and rows never depend on one another.
 */
export class Fixtures {
  private wanted: { county: County; stage: Stage; then?: (f: Fixture) => Promise<void>; made?: Fixture }[] = []

  /** A case of `county` at `stage` (then `then`), readable once `make` has run. */
  need(county: County, stage: Stage, then?: (f: Fixture) => Promise<void>): () => Fixture {
    const w: (typeof this.wanted)[number] = { county, stage, then }
    this.wanted.push(w)
    return () => {
      if (!w.made) throw new Error('fixture read before make()')
      return w.made
    }
  }

  private sharedOnes = new Map<string, () => Fixture>()

  /**
   * One case per county and stage for rows that are refused: a refusal changes nothing (each
   * such row checks that), so they need no case of their own. Rows that may change state use `need`.
   */
  shared(county: County, stage: Stage, then?: { label: string; fn: (f: Fixture) => Promise<void> }): () => Fixture {
    const key = `${county}/${stage}/${then?.label ?? ''}`
    let f = this.sharedOnes.get(key)
    if (!f) this.sharedOnes.set(key, (f = this.need(county, stage, then?.fn)))
    return f
  }

  /** Returns how long it took (printed with the matrix: set-up is most of a file's time). */
  async make(app: FastifyInstance): Promise<string> {
    const started = Date.now()
    await signIn(app, ['admin', 'dispatcher', ...Object.values(PLACE).flatMap((p) => [p.handler, p.dispatcher])])
    for (const w of this.wanted) {
      w.made = await caseAt(app, w.county, w.stage)
      if (w.then) await w.then(w.made)
    }
    return `${this.wanted.length} fixture cases made in ${Date.now() - started} ms`
  }
}

/** Process variables of an instance, read as the city administrator. */
export async function variables(app: FastifyInstance, instanceId: string): Promise<Record<string, any>> {
  const res = await call(app, 'admin', 'GET', `/api/process-instances/${instanceId}`)
  if (res.status !== 200) throw new Error(`instance ${instanceId}: ${res.status}`)
  return res.body.variables
}

export async function instance(app: FastifyInstance, instanceId: string) {
  return (await call(app, 'admin', 'GET', `/api/process-instances/${instanceId}`)).body
}

export async function task(app: FastifyInstance, taskId: string) {
  return (await call(app, 'admin', 'GET', `/api/tasks/${taskId}`)).body
}

/** Open tasks of a case, as the city administrator sees them. */
export async function openTasks(app: FastifyInstance, caseId: string): Promise<any[]> {
  return (await call(app, 'admin', 'GET', `/api/tasks?caseId=${caseId}&assigned=all`)).body.items
}

/** The platform-owned variables a user's data must never change (rule 3). */
export const PLATFORM_VARIABLES = [
  'caseId',
  'caseNo',
  'tenant',
  'category',
  'regionCode',
  'level',
  'ownerUnit',
  'handlerGroup',
  'dispatcherGroup',
  'leaderGroup',
  'callbackGroup',
  'supervisorGroup',
  'gridGroup',
  'responseDue',
  'resolveDue',
  'responseLimit',
  'resolveLimit',
  'handlingRounds',
  'procedure',
] as const

export const pick = (vars: Record<string, any>, keys: readonly string[]) => Object.fromEntries(keys.filter((k) => k in vars).map((k) => [k, vars[k]]))

/** A date no deadline legitimately reaches: what a hostile request would set one to. */
export const FUTURE = '2099-01-01T00:00:00.000Z'

/** A refused request left the task open, unclaimed (or as it was) and the platform's variables as they were. */
export const unchanged =
  (app: FastifyInstance, f: () => Fixture, assignee: string | null = null) =>
  async (t: Check) => {
    const task1 = await task(app, f().taskId)
    t.equal(task1.status, 'open', 'the task is still open')
    t.equal(task1.assignee, assignee, 'nobody new holds it')
    t.same(pick(await variables(app, f().instanceId), PLATFORM_VARIABLES), pick(f().vars, PLATFORM_VARIABLES), 'platform variables unchanged')
  }

/** After an allowed step: every open task of the case is offered inside the case's county (or the city). */
export const staysInCounty = (app: FastifyInstance, f: () => Fixture, also?: (t: Check, open: any[]) => unknown) => async (t: Check) => {
  const open = await openTasks(app, f().caseId)
  for (const o of open) t.ok(tokensInside(o.candidateGroups, f().county) || o.assignee, `${o.elementId} offered inside the county: ${o.candidateGroups}`)
  const vars = await variables(app, f().instanceId)
  for (const k of ['caseId', 'caseNo', 'tenant', 'regionCode', 'category', 'callbackGroup', 'supervisorGroup', 'leaderGroup', 'gridGroup'] as const) {
    if (k in f().vars) t.same(vars[k], f().vars[k], `${k} unchanged`)
  }
  if (also) await also(t, open)
}

/** Every group token names something of `county` or of the city (never the other county). */
export function tokensInside(tokens: string[], county: County): boolean {
  const other = county === 'xh' ? /(guangyang|^gy-|[@:]gy-)/ : /(xianghe|^xh-|[@:]xh-)/
  return tokens.length > 0 && tokens.every((g) => !other.test(g))
}
