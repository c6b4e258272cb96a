import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Stateless session tokens: `base64url(JSON payload) . base64url(HMAC-SHA256)`. Any node that
 * shares the database shares the secret, so every node accepts every other node's tokens and
 * no session table is needed. Logging out is the client forgetting the token; deactivating a
 * user takes effect at once because `authenticate` reloads the user on each request.
 */
export interface TokenPayload {
  /** user id */
  sub: string
  /** issued at, seconds since the epoch */
  iat: number
  /** expires at, seconds since the epoch */
  exp: number
}

export const TOKEN_LIFETIME_SECONDS = 12 * 60 * 60

function mac(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest()
}

export function signToken(secret: string, userId: string, lifetimeSeconds = TOKEN_LIFETIME_SECONDS, now = Date.now()): string {
  const iat = Math.floor(now / 1000)
  const payload: TokenPayload = { sub: userId, iat, exp: iat + lifetimeSeconds }
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
  return `${body}.${mac(secret, body).toString('base64url')}`
}

/** The payload when the signature is good and the token has not expired; otherwise null. */
export function verifyToken(secret: string, token: string, now = Date.now()): TokenPayload | null {
  const dot = token.indexOf('.')
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return null
  const body = token.slice(0, dot)
  const given = Buffer.from(token.slice(dot + 1), 'base64url')
  const expected = mac(secret, body)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  let payload: TokenPayload
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (typeof payload?.sub !== 'string' || typeof payload.exp !== 'number') return null
  if (payload.exp * 1000 <= now) return null
  return payload
}
