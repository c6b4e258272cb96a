/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750's scheme, case-insensitive),
 * or null when the header is absent or says something else. Both the organisation's sign-in
 * check and the engine's routes read credentials through this one parser, so a header one
 * accepts the other accepts too.
 */
export function bearerToken(headers: { authorization?: string | string[] }): string | null {
  const header = headers.authorization
  if (typeof header !== 'string') return null
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return m ? m[1] : null
}
