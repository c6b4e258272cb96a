/** HTTP helpers for the browser tests' set-up and checks (the clicking happens in Chromium). */
import type { FastifyInstance } from 'fastify'
import { login } from '../helper.js'

const sessions = new WeakMap<FastifyInstance, Map<string, { authorization: string }>>()

export async function call(app: FastifyInstance, user: string | null, method: string, url: string, payload?: unknown) {
  let headers = {}
  if (user) {
    let m = sessions.get(app)
    if (!m) sessions.set(app, (m = new Map()))
    if (!m.has(user)) m.set(user, await login(app, user))
    headers = m.get(user)!
  }
  const res = await app.inject({ method: method as any, url, headers, ...(payload !== undefined && { payload: payload as any }) })
  let body: any = null
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

/** Completes the open task of a case at `elementId` (or with that name) as `user`. */
export async function step(app: FastifyInstance, caseId: string, which: string, user: string, data: Record<string, unknown>) {
  const res = await call(app, 'admin', 'GET', `/api/tasks?caseId=${caseId}&assigned=all`)
  const task = res.body.items.find((t: any) => t.elementId === which || t.name === which)
  if (!task) throw new Error(`no open task ${which}; open: ${JSON.stringify(res.body.items.map((t: any) => t.elementId))}`)
  const done = await call(app, user, 'POST', `/api/tasks/${task.id}/complete`, { data })
  if (done.status !== 200) throw new Error(`complete ${which} as ${user}: ${done.status} ${JSON.stringify(done.body)}`)
  return task
}
