import type { FastifyInstance } from 'fastify'
import { badRequest, msg } from '../lib/errors.js'
import { decodeUtf8 } from '../lib/text.js'

/**
 * The standard's POST body is `application/x-www-form-urlencoded`. @fastify/formbody is not
 * installed (and helpers may not add packages), and what it does is URLSearchParams over the
 * body, which is what this does — plus the one thing the standard needs beyond it: the
 * `attribute[code]=value` (and `attribute[code][]=value`) keys of a service's attributes become
 * an `attribute` object, so the route's JSON Schema checks the body like any other.
 * Registered inside the Open311 plugin only, so other routes still take JSON alone.
 *
 * Both objects have no prototype: on a plain object `attribute[__proto__]=x` assigned the
 * prototype instead of a key (a string is ignored there), so the attribute vanished instead of
 * being refused as unknown, and `attribute[__proto__][]=x` made the object an array.
 */
export function parseForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null)
  const attributes: Record<string, string | string[]> = Object.create(null)
  let hasAttributes = false
  for (const [key, value] of formPairs(text)) {
    const attr = /^attribute\[([^\][]*)\](\[\])?$/.exec(key)
    if (attr) {
      hasAttributes = true
      const code = attr[1]!
      if (attr[2]) {
        const list = attributes[code]
        attributes[code] = Array.isArray(list) ? [...list, value] : list === undefined ? [value] : [list, value]
      } else attributes[code] = value
      continue
    }
    // A field given twice keeps its first value: no Open311 field is a list.
    if (!(key in out)) out[key] = value
  }
  if (hasAttributes) out.attribute = attributes
  return out
}

/**
 * The pairs of an urlencoded text as URLSearchParams reads them (WHATWG: `&`-separated, the
 * first `=` splits, `+` is a space, a `%` without two hex digits stays as it is), but percent
 * escapes that are not UTF-8 decode to a lone surrogate (decodeUtf8) instead of U+FFFD, so the
 * input guard refuses the field with a 400 where URLSearchParams replaced the bytes silently.
 */
function* formPairs(text: string): Generator<[string, string]> {
  const decode = (s: string) => s.replace(/\+/g, ' ').replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => decodeUtf8(Buffer.from(run.replace(/%/g, ''), 'hex')))
  for (const pair of text.split('&')) {
    if (!pair) continue
    const eq = pair.indexOf('=')
    yield eq < 0 ? [decode(pair), ''] : [decode(pair.slice(0, eq)), decode(pair.slice(eq + 1))]
  }
}

export function registerFormParser(app: FastifyInstance, bodyLimit: number) {
  // Bytes, decoded by decodeUtf8 for the same reason as the escapes above.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => {
    try {
      done(null, parseForm(decodeUtf8(body as Buffer)))
    } catch {
      done(badRequest(msg('error.open311.badForm')), undefined)
    }
  })
}
