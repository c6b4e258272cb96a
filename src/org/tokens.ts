import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Stateless session tokens: `base64url(JSON payload) . base64url(HMAC-SHA256)`. Any node that
 * shares the database shares the secret, so every node accepts every other node's tokens and
 * no session table is needed. Revocation is the payload's `ver`: `authenticate` refuses a token
 * whose `ver` is not the user's `token_version` (bumped by logout and password change);
 * deactivating a user takes effect the same way. The user's row is kept per token for
 * ORG_CACHE_MS (5 s, src/org/service.ts): on the node that wrote the change it applies to the
 * next request, on the others within that time.
 *
 * Hand-written rather than @fastify/jwt: an HS256 JWT would be this same HMAC over a base64url
 * payload with a header in front, and would add nothing the canonical-encoding check below and
 * the version column do not; it would add algorithm negotiation (the `alg` header) that has to
 * be pinned, and a dependency that is not installed.
 */
export interface TokenPayload {
  /** user id */
  sub: string
  /** issued at, seconds since the epoch */
  iat: number
  /** expires at, seconds since the epoch */
  exp: number
  /** the user's token_version when issued (absent in tokens from before revocation: 0) */
  ver?: number
}

export const TOKEN_LIFETIME_SECONDS = 12 * 60 * 60

/** Exactly what signToken produces: unpadded base64url, one dot, a 32-byte MAC (43 characters). */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,4096}\.[A-Za-z0-9_-]{43}$/

function mac(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest()
}

export function signToken(secret: string, userId: string, lifetimeSeconds = TOKEN_LIFETIME_SECONDS, now = Date.now(), version = 0): string {
  const iat = Math.floor(now / 1000)
  const payload: TokenPayload = { sub: userId, iat, exp: iat + lifetimeSeconds, ver: version }
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
  return `${body}.${mac(secret, body).toString('base64url')}`
}

/**
 * The payload when the token is exactly as signToken wrote it, the signature is good and it
 * has not expired; otherwise null. Node's base64url decoder is lenient (it accepts `=` padding,
 * `+` and `/`, and ignores the spare bits of the last character), so several strings decode to
 * the same MAC: a token is accepted only in its one canonical spelling, so a token is one
 * string (what a log, a deny list or a cache key sees is what was issued).
 */
export function verifyToken(secret: string, token: string, now = Date.now()): TokenPayload | null {
  if (!TOKEN_SHAPE.test(token)) return null
  const dot = token.indexOf('.')
  const body = token.slice(0, dot)
  const sigText = token.slice(dot + 1)
  const given = Buffer.from(sigText, 'base64url')
  if (given.toString('base64url') !== sigText) return null
  const expected = mac(secret, body)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  const bytes = Buffer.from(body, 'base64url')
  if (bytes.toString('base64url') !== body) return null
  let payload: TokenPayload
  try {
    payload = JSON.parse(bytes.toString('utf8'))
  } catch {
    return null
  }
  if (typeof payload?.sub !== 'string' || typeof payload.exp !== 'number') return null
  if (payload.ver !== undefined && !Number.isSafeInteger(payload.ver)) return null
  if (payload.exp * 1000 <= now) return null
  return payload
}
