// The four procedures driven from intake to closure through the HTTP API, step by step on apps
// (nodes) that share one database, and what an observer sees of each: shared by the tests that
// check a node setting or a saved-state form changes nothing of it (lazy-elements.test.ts,
// saved-state.test.ts).
import type { Test } from 'tap'
import { Engine } from 'bpmn-engine'
import { stripEngineSettings } from '../../src/engine/persistence.js'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { openDb, type Db } from '../../src/lib/db.js'
import { onPostgres, openTestDb } from '../helper.js'
import { templateSpec } from '../template.js'
import { call, caseByNo, getCase, openTask, petition, step } from '../api.js'

export const baseConfig = (lazy: boolean, schema?: string): Config => ({
  ...loadConfig({ NODE_ENV: 'test' }),
  demo: true,
  logLevel: 'silent',
  serveUi: false,
  externalTaskMaxWaitMs: 1000,
  databaseSchema: schema,
  // No parked engines: every step recovers the state the previous step saved.
  engineCacheSize: 0,
  engineLazyElements: lazy,
})

/**
 * The database's close belongs to the test, not to an app: two apps share it as two nodes (or a
 * server and its restart) would.
 */
function shared(db: Db): Db {
  return new Proxy(db, { get: (target, key, receiver) => (key === 'destroy' ? async () => undefined : Reflect.get(target, key, receiver)) })
}

/** A database of its own, and a way to start apps (nodes) over it with the setting on or off. */
export async function cluster(t: Test) {
  const { db, url, schema } = await openTestDb(t, { template: templateSpec(baseConfig(true)) })
  t.teardown(() => db.destroy())
  return async (lazy: boolean): Promise<FastifyInstance> => {
    // On PostgreSQL each node has its own pool; SQLite in memory is one connection.
    const nodeDb = onPostgres ? await openDb(url, { schema }) : shared(db)
    const app = await buildApp({ config: baseConfig(lazy, schema), db: nodeDb, background: false })
    await app.ready()
    t.teardown(() => app.close())
    return app
  }
}

/** One step of a procedure, on whichever node the run gives it. */
export type Act = (app: FastifyInstance, caseId: string) => Promise<unknown>

export interface Procedure {
  petition: Record<string, unknown>
  acts: Act[]
}

/** Completes the open task at `elementId` offered to `group` (several are open at once). */
async function stepFor(app: FastifyInstance, caseId: string, elementId: string, group: string, user: string, data: Record<string, unknown>) {
  const tasks = (await call(app, 'admin', 'GET', `/api/tasks?caseId=${caseId}&assigned=all`)).body.items
  const task = tasks.find((x: any) => x.elementId === elementId && x.candidateGroups.includes(group))
  if (!task) throw new Error(`no open ${elementId} for ${group}`)
  const res = await call(app, user, 'POST', `/api/tasks/${task.id}/complete`, { data })
  if (res.status !== 200) throw new Error(`complete ${elementId}: ${res.status} ${JSON.stringify(res.body)}`)
}

export async function ok(res: Promise<{ status: number; body: unknown }>, status = 200) {
  const r = await res
  if (r.status !== status) throw new Error(`${r.status} ${JSON.stringify(r.body)}`)
  return r.body
}

const evaluate: Act = (app, id) => ok(call(app, 'callback', 'POST', `/api/cases/${id}/evaluation`, { resolved: true, satisfaction: 'satisfied' }))
export const DAY = 86400e3

/** The four procedures, each driven from intake to closure as the procedure tests drive them. */
export const procedures: Record<string, Procedure> = {
  // With the sign-for deadline's timer (a boundary timer) and an extension (a boundary message).
  ordinary: {
    petition: {
      description: '楼道瓷砖脱落',
      category: 'housing.property',
      regionCode: 'xh-anping-v01-g1',
      petitioner: { type: 'person', name: '江先生', anonymous: false },
    },
    acts: [
      (app) => app.engine.poller.poll(new Date(Date.now() + 20 * DAY)),
      (app, id) => step(app, id, 'ut_signfor', 'housing-officer', { signOutcome: 'accept' }),
      async (app, id) => {
        const handle = await openTask(app, id, 'ut_handle')
        return ok(call(app, 'housing-officer', 'POST', `/api/tasks/${handle.id}/extension`, { days: 5, reason: '需等待施工队' }), 202)
      },
      (app, id) => step(app, id, 'ut_handle_ext_approve', 'anping-leader', { extensionDecision: 'approve', extensionComment: '同意' }),
      (app, id) => step(app, id, 'ut_handle', 'housing-officer', { outcome: 'resolved', result: '已更换瓷砖' }),
      evaluate,
    ],
  },
  // Co-organisers in parallel (a multi-instance task the lead waits for).
  joint: {
    petition: {
      description: '小区排水与道路共同问题',
      category: 'housing.old_estate',
      regionCode: 'xh-anping-v01-g1',
      petitioner: { type: 'person', name: '李', anonymous: false },
    },
    acts: [
      (app, id) => step(app, id, 'ut_signfor', 'housing-officer', { signOutcome: 'accept' }),
      (app, id) => step(app, id, 'ut_handle', 'housing-officer', { outcome: 'joint', reason: '涉及水务、城管' }),
      (app, id) => step(app, id, 'ut_coordinate', 'anping-dispatcher', { leadUnit: 'xianghe-housing', coUnits: 'xianghe-water, xianghe-urban' }),
      (app, id) => stepFor(app, id, 'ut_cohandle', 'unit:xianghe-water', 'water-officer', { opinion: '疏通排水管' }),
      (app, id) => stepFor(app, id, 'ut_cohandle', 'unit:xianghe-urban', 'urban-officer', { opinion: '修复路面' }),
      (app, id) => step(app, id, 'ut_lead', 'housing-officer', { result: '三部门联合整改', meeting: 'yes' }),
      (app, id) => step(app, id, 'ut_meeting', 'anping-dispatcher', { minutes: '居民代表参会', result: '分期整改' }),
      evaluate,
    ],
  },
  escalation: {
    petition: {
      description: '村道被占用',
      category: 'neighbour.building',
      regionCode: 'xh-anping-v01-g1',
      petitioner: { type: 'person', anonymous: true },
    },
    acts: [
      (app, id) => step(app, id, 'ut_signfor', 'grid01', { signOutcome: 'accept' }),
      (app, id) => step(app, id, 'ut_handle', 'grid01', { outcome: 'escalate', reason: '超出网格职权' }),
      (app, id) => step(app, id, 'ut_review', 'anping-v01', { decision: 'send_back', reviewComment: '网格可办' }),
      (app, id) => step(app, id, 'ut_handle', 'grid01', { outcome: 'escalate', reason: '确需上级', escalateLevel: 'county' }),
      (app, id) => step(app, id, 'ut_review', 'xianghe-dispatcher', { decision: 'accept', targetUnit: 'xianghe-centre' }),
      (app, id) => step(app, id, 'ut_handle', 'xianghe-dispatcher', { outcome: 'resolved', result: '县里协调解决' }),
      evaluate,
    ],
  },
  // The unreasonable demand: one case, one plan, with its weekly follow-up timer.
  unreasonable: {
    petition: {
      description: '反复要求超标准补偿',
      category: 'land.contract',
      regionCode: 'xh-anping-v01-g1',
      petitioner: { type: 'person', name: '赵', anonymous: false },
    },
    acts: [
      (app, id) => step(app, id, 'ut_signfor', 'land-officer', { signOutcome: 'accept' }),
      (app, id) => step(app, id, 'ut_handle', 'land-officer', { outcome: 'unreasonable', reason: '诉求超出政策标准' }),
      (app, id) => step(app, id, 'ut_consult', 'grid01', { consultation: '网格员与村委会会商' }),
      (app, id) => step(app, id, 'ut_plan', 'land-officer', { measures: '政策解释', responsible: '赵敏', milestones: '一周内入户' }),
      (app, id) => step(app, id, 'ut_plan_approve', 'xianghe-leader', { planDecision: 'reject', planComment: '补充帮扶措施' }),
      (app, id) => step(app, id, 'ut_plan', 'land-officer', { measures: '政策解释、法律援助', responsible: '赵敏', milestones: '一月内回访' }),
      (app, id) => step(app, id, 'ut_plan_approve', 'xianghe-leader', { planDecision: 'approve' }),
      (app) => app.engine.poller.poll(new Date(Date.now() + 7 * DAY + 60e3)),
      (app, id) => step(app, id, 'ut_execute', 'land-officer', { result: '当事人接受帮扶方案' }),
      evaluate,
    ],
  },
}

// ISO instants, and the same written in a sentence (src/messages/formats.ts: "2026-12-06 08:14").
const TIME = /\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d+)?Z| \d\d:\d\d)/g
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Times and generated ids differ between runs by nature; the rest must not. */
function normal(value: unknown, own: Map<string, string>): unknown {
  if (typeof value === 'string') {
    if (own.has(value)) return own.get(value)
    if (UUID.test(value)) return '<id>'
    return value.replace(TIME, '<time>')
  }
  if (Array.isArray(value)) return value.map((v) => normal(v, own))
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'id' && !k.endsWith('Id') && !k.endsWith('At'))
        .map(([k, v]) => [k, normal(v, own)]),
    )
  }
  return value
}

/** What a case looks like from outside after a step: its state and its open tasks. */
async function snapshot(app: FastifyInstance, caseId: string) {
  const c = await getCase(app, caseId)
  return {
    status: c.status,
    procedure: c.procedure,
    level: c.level,
    ownerUnit: c.ownerUnit,
    overdue: c.overdue,
    tasks: c.activeTasks.map((x: any) => `${x.elementId} ${x.candidateGroups.join(',')}`).sort(),
  }
}

/**
 * Drives one procedure from intake to closure, step i on `nodeFor(i)`, and returns what an
 * observer sees: the case after every step, then its history, task rows and instance variables.
 */
export async function drive(proc: Procedure, nodeFor: (i: number) => Promise<FastifyInstance>) {
  let app = await nodeFor(0)
  const p = await petition(app, proc.petition)
  const c = await caseByNo(app, p.caseNo)
  const own = new Map([
    [p.caseNo, '<caseNo>'],
    [p.trackingCode, '<trackingCode>'],
  ])
  const after = [await snapshot(app, c.id)]
  for (const [i, act] of proc.acts.entries()) {
    app = await nodeFor(i + 1)
    const result = await act(app, c.id)
    after.push({ ...(await snapshot(app, c.id)), ...(typeof result === 'number' && { timersFired: result }) })
  }
  const history = (await call(app, 'admin', 'GET', `/api/cases/${c.id}/history`)).body
  const instances = await app.db('process_instances').where({ case_id: c.id }).orderBy('started_at').orderBy('id')
  const tasks = await app.db('tasks').where({ case_id: c.id })
  return normal(
    {
      after,
      // The engine's entries in their order (history rows are numbered as written); the case's as
      // a set: entries of one step share their time, and their ids (random) then order them.
      // Between the two sources the merged list has no order within a millisecond either.
      history: history.filter((h: any) => h.source === 'engine').map((h: any) => ({ ...h, at: undefined })),
      caseEvents: history
        .filter((h: any) => h.source !== 'engine')
        .map((h: any) => JSON.stringify(normal({ ...h, at: undefined }, own)))
        .sort(),
      instances: instances.map((i: any) => ({
        key: i.key,
        status: i.status,
        variables: JSON.parse(i.variables),
        activities: JSON.parse(i.activities ?? '[]'),
      })),
      // As a set: tasks one step creates (a co-organiser's each) may or may not share a millisecond,
      // so their creation times do not order them; the history above keeps the order of events.
      tasks: tasks.map((x: any) => JSON.stringify([x.element_id, x.status, x.assignee, x.candidate_groups, x.completed_by])).sort(),
    },
    own,
  )
}

/**
 * The full form of every state a step saves, by instance name: what the engine's getState
 * returned, less the source and the node's settings, as persistence.ts wrote it before
 * compactState. Recorded from now until `stop()`.
 */
export function recordFullStates(): { states: Map<string, string>; stop(): void } {
  const states = new Map<string, string>()
  const getState = Engine.prototype.getState
  Engine.prototype.getState = async function (this: Engine) {
    const raw = await getState.call(this)
    const copy = JSON.parse(JSON.stringify(raw))
    for (const d of copy.definitions ?? []) delete d.source
    stripEngineSettings(copy)
    states.set(this.name, JSON.stringify(copy))
    return raw
  }
  return {
    states,
    stop: () => {
      Engine.prototype.getState = getState
    },
  }
}
