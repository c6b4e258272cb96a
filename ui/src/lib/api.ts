/** fetch wrapper for the Shuoshi HTTP API: JSON in and out, Bearer token, errors as ApiError. */

/**
 * One item of an error answer's `details` (src/lib/schemas.ts errorSchema leaves them open
 * objects): the fields the pages read, whichever a detail has.
 */
export interface ErrorDetail {
  field?: string | null
  path?: string
  index?: number
  elementId?: string
  message?: string
  key?: string
  /** ajv's params on a validation detail (`missingProperty` for a missing one), a sentence's otherwise. */
  params?: { missingProperty?: string; [key: string]: unknown }
  /** The catalogue sentence's parameters where `params` are ajv's. */
  messageParams?: Record<string, unknown>
  [key: string]: unknown
}

/** An error answer's body (src/lib/schemas.ts errorSchema), every field optional. */
export interface ErrorBody {
  error?: string
  message?: string
  key?: string
  params?: Record<string, unknown>
  details?: ErrorDetail[]
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    /** The catalogue key and parameters of the message (src/messages); absent on older answers. */
    readonly key?: string,
    readonly params?: Record<string, unknown>,
  ) {
    super(message)
  }
}

export interface Actor {
  id: string
  username: string
  displayName: string
  roles: string[]
  unitCode: string | null
  regionCode: string | null
  regionPath: string
  tenant: string | null
  groups: string[]
}

const TOKEN = 'shuoshi.token'
const USER = 'shuoshi.user'
export const session = {
  get token() {
    return localStorage.getItem(TOKEN)
  },
  get user(): Actor | null {
    try {
      return JSON.parse(localStorage.getItem(USER) ?? 'null')
    } catch {
      return null
    }
  },
  set(token: string, user: Actor) {
    localStorage.setItem(TOKEN, token)
    localStorage.setItem(USER, JSON.stringify(user))
  },
  clear() {
    localStorage.removeItem(TOKEN)
    localStorage.removeItem(USER)
  },
  /** Revokes the user's tokens on the server (a copied token stops working too), then forgets them here. */
  logout() {
    if (this.token) void api('POST', '/api/auth/logout').catch(() => {})
    this.clear()
  },
  has(...roles: string[]) {
    const u = this.user
    return !!u && (u.roles.includes('admin') || roles.some((r) => u.roles.includes(r)))
  },
}

/** What the app does on a 401; `ended`: the request carried a token, which the server no longer takes. */
let onUnauthorized: (ended: boolean) => void = () => {}
export function setUnauthorizedHandler(fn: (ended: boolean) => void) {
  onUnauthorized = fn
}

export async function api<T = unknown>(method: string, url: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { ...extraHeaders, accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const token = session.token
  if (token && !url.startsWith('/api/public/')) headers.authorization = `Bearer ${token}`
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  let json: unknown
  try {
    json = text ? JSON.parse(text) : null
  } catch {
    json = null
  }
  if (!res.ok) {
    if (res.status === 401 && !url.startsWith('/api/auth/')) onUnauthorized(headers.authorization !== undefined)
    const e = json as ErrorBody | null
    throw new ApiError(res.status, e?.error ?? 'http_' + res.status, e?.message ?? res.statusText, e?.details, e?.key, e?.params)
  }
  return json as T
}
export const get = <T = unknown>(url: string, headers?: Record<string, string>) => api<T>('GET', url, undefined, headers)
export const post = <T = unknown>(url: string, body?: unknown, headers?: Record<string, string>) => api<T>('POST', url, body ?? {}, headers)
export const put = <T = unknown>(url: string, body?: unknown) => api<T>('PUT', url, body ?? {})
export const patch = <T = unknown>(url: string, body?: unknown) => api<T>('PATCH', url, body ?? {})
export const del = <T = unknown>(url: string) => api<T>('DELETE', url)

export function qs(params: Record<string, unknown>) {
  const u = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v))
  const s = u.toString()
  return s ? `?${s}` : ''
}

/** 32 hex characters from getRandomValues (crypto.randomUUID needs HTTPS; a county LAN may not have it). */
export function idempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')
}
