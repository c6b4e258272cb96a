import { URLSearchParams } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { badRequest, msg } from '../lib/errors.js'

/**
 * The standard's POST body is `application/x-www-form-urlencoded`. @fastify/formbody is not
 * installed (and helpers may not add packages), and what it does is URLSearchParams over the
 * body, which is what this does — plus the one thing the standard needs beyond it: the
 * `attribute[code]=value` (and `attribute[code][]=value`) keys of a service's attributes become
 * an `attribute` object, so the route's JSON Schema checks the body like any other.
 * Registered inside the Open311 plugin only, so other routes still take JSON alone.
 */
export function parseForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const attributes: Record<string, string | string[]> = {}
  let hasAttributes = false
  for (const [key, value] of new URLSearchParams(text)) {
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

export function registerFormParser(app: FastifyInstance, bodyLimit: number) {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    try {
      done(null, parseForm(body as string))
    } catch {
      done(badRequest(msg('error.open311.badForm')), undefined)
    }
  })
}
