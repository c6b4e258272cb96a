import type { FastifyInstance } from 'fastify'
import { login } from './helper.js'

/** HTTP helpers for tests that act as the demo users (cases, browser set-up): everything goes through the API. */
export type Headers = { authorization: string }

const sessions = new WeakMap<FastifyInstance, Map<string, Headers>>()

export async function as(app: FastifyInstance, username: string, password = 'demo'): Promise<Headers> {
  let m = sessions.get(app)
  if (!m) sessions.set(app, (m = new Map()))
  let h = m.get(username)
  if (!h) m.set(username, (h = await login(app, username, password)))
  return h
}

/**
 * Signs users in with tokens from `app.org.issueToken` instead of the login route: for tests that
 * act as dozens of users, where one scrypt per login costs seconds on a busy machine.
 */
export async function signIn(app: FastifyInstance, usernames: string[]) {
  let m = sessions.get(app)
  if (!m) sessions.set(app, (m = new Map()))
  for (const username of usernames) {
    if (m.has(username)) continue
    const row = await app.db('users').where({ username }).first('id')
    if (!row) throw new Error(`no user ${username}`)
    m.set(username, { authorization: `Bearer ${await app.org.issueToken(row.id)}` })
  }
}

export async function call(app: FastifyInstance, user: string | null, method: string, url: string, payload?: unknown) {
  const headers = user ? await as(app, user) : {}
  const res = await app.inject({ method: method as any, url, headers, ...(payload !== undefined && { payload: payload as any }) })
  let body: any
  try {
    body = res.json()
  } catch {
    body = res.body
  }
  return { status: res.statusCode, body }
}

export async function petition(app: FastifyInstance, payload: Record<string, unknown>) {
  const res = await call(app, null, 'POST', '/api/public/petitions', payload)
  if (res.status !== 201) throw new Error(`petition failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body as { caseNo: string; trackingCode: string }
}

export async function caseByNo(app: FastifyInstance, caseNo: string) {
  const list = await call(app, 'admin', 'GET', `/api/cases?q=${encodeURIComponent(caseNo)}`)
  const item = list.body.items.find((c: any) => c.caseNo === caseNo)
  if (!item) throw new Error(`no case ${caseNo}`)
  return (await call(app, 'admin', 'GET', `/api/cases/${item.id}`)).body
}

/** The open task of a case at `elementId` (as admin sees it). */
export async function openTask(app: FastifyInstance, caseId: string, elementId: string) {
  const res = await call(app, 'admin', 'GET', `/api/tasks?caseId=${caseId}&assigned=all`)
  return res.body.items.find((t: any) => t.elementId === elementId) ?? null
}

export async function complete(app: FastifyInstance, user: string, taskId: string, data: Record<string, unknown>) {
  const res = await call(app, user, 'POST', `/api/tasks/${taskId}/complete`, { data })
  if (res.status !== 200) throw new Error(`complete ${taskId} as ${user}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

/** Completes the open task at `elementId` as `user` (who must receive it). */
export async function step(app: FastifyInstance, caseId: string, elementId: string, user: string, data: Record<string, unknown>) {
  const task = await openTask(app, caseId, elementId)
  if (!task) {
    const c = await call(app, 'admin', 'GET', `/api/cases/${caseId}`)
    throw new Error(`no open ${elementId}; active: ${JSON.stringify(c.body.activeTasks?.map((t: any) => t.elementId))}`)
  }
  return complete(app, user, task.id, data)
}

export async function getCase(app: FastifyInstance, id: string, user = 'admin') {
  return (await call(app, user, 'GET', `/api/cases/${id}`)).body
}

/** The elements a case's open tasks wait at (`GET /api/cases/:id`'s `activeTasks`), in the answer's order. */
export const waitingAt = (c: { activeTasks: { elementId: string }[] }) => c.activeTasks.map((x) => x.elementId)

/** An anonymous report of a dark street light in 安平 (Xianghe): the demo routing rules send it to the county's urban management. */
export const streetLight = {
  description: '路灯不亮',
  category: 'roads.lighting',
  regionCode: 'xh-anping-v01-g1',
  petitioner: { type: 'person', anonymous: true },
}

/** An anonymous hotline report of rubbish left for a week in 安平 (Xianghe): the ordinary procedure, to the village. */
export const garbageReport = {
  channel: 'hotline',
  title: '小区垃圾无人清理',
  description: '楼下垃圾堆放一周无人清理',
  category: 'environment.garbage',
  regionCode: 'xh-anping-v01-g1',
  petitioner: { type: 'person', anonymous: true },
}

/** A named caller's hotline report of a street light out in 安平 (Xianghe): a case whose citizen is told (notices). */
export const streetLightCall = {
  channel: 'hotline',
  title: '路灯不亮',
  description: '村口路灯连续三晚不亮',
  category: 'roads.lighting',
  regionCode: 'xh-anping-v01-g1',
  petitioner: { type: 'person', name: '赵六', phone: '13600000000', anonymous: false },
}

/** Counts the SELECTs from any of `tables` the app makes while `fn` runs (per-node read caches). */
export async function readsOf(app: FastifyInstance, tables: string[], fn: () => Promise<unknown>): Promise<number> {
  const from = new RegExp(`^\\s*select\\b[\\s\\S]*?\\bfrom\\s+[\`"](${tables.join('|')})[\`"]`, 'i')
  let n = 0
  const count = (q: { sql?: string }) => {
    if (from.test(String(q.sql ?? ''))) n++
  }
  app.db.on('query', count)
  try {
    await fn()
  } finally {
    app.db.off('query', count)
  }
  return n
}
