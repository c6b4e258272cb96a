import fs from 'node:fs'
import path from 'node:path'
import Ajv, { type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import { Parser } from 'saxen'
import { projectRoot } from '../../src/lib/paths.js'

/**
 * The GeoReport v2 schemas of test/fixtures/open311/ (copied from ../shared/data/open311-georeport-v2/,
 * see the README there) in ajv, and a reader that turns an XML answer back into the JSON shape
 * so the same schema checks both formats.
 */
const dir = path.join(projectRoot(), 'test', 'fixtures', 'open311')
const load = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))

// strict: false — the published schemas leave out `type` next to `properties`, and the swagger
// uses its own formats (uid); `uid` is any string there.
const ajv = new (Ajv as unknown as typeof Ajv.default)({ strict: false, allErrors: true })
;(addFormats as unknown as typeof addFormats.default)(ajv)
ajv.addFormat('uid', /.*/)
ajv.addSchema(load('service.json'), 'service.json')
ajv.addSchema(load('request.json'), 'request.json')
const swagger = load('swagger.json')

const arrayOf = (schema: object) => ({ type: 'array', items: schema })
/** The published JSON schemas have no top-level `type`: each is pinned to an object here. */
const object = (schema: object) => ({ allOf: [{ type: 'object' }, schema] })

export const validators: Record<string, ValidateFunction> = {
  services: ajv.compile({ allOf: [{ type: 'array', items: { type: 'object' } }, load('services.json')] }),
  serviceDefinition: ajv.compile(object(load('service-definition.json'))),
  requests: ajv.compile({ allOf: [{ type: 'array', items: { type: 'object' } }, load('requests.json')] }),
  /** The POST answer: swagger `definitions.RequestResponse`, as a list. */
  submitted: ajv.compile(arrayOf(object(swagger.definitions.RequestResponse))),
  /** GET tokens: swagger `definitions.TokenResponse`, as a list (the wiki's JSON example is one). */
  token: ajv.compile(arrayOf(object(swagger.definitions.TokenResponse))),
  /** The error format of the GeoReport v2 wiki: `[{code, description}]`. */
  errors: ajv.compile({
    type: 'array',
    minItems: 1,
    items: { type: 'object', required: ['code', 'description'], properties: { code: { type: 'integer' }, description: { type: 'string', minLength: 1 } } },
  }),
}

export function problems(name: keyof typeof validators, value: unknown): string | null {
  const v = validators[name]!
  return v(value) ? null : ajv.errorsText(v.errors)
}

/** Lists in the GeoReport XML shapes: element → its items' element. */
const LISTS: Record<string, string> = { services: 'service', service_requests: 'request', attributes: 'attribute', values: 'value', errors: 'error' }
/** Numbers by `parent.field` (an attribute's `code` is text, an error's a number). */
const NUMBERS = new Set(['request.lat', 'request.long', 'attribute.order', 'error.code'])
const BOOLEANS = new Set(['metadata', 'variable', 'required'])

interface Node {
  name: string
  children: Node[]
  text: string
}

/**
 * Parses an XML answer (saxen, the XML reader bpmn-moddle uses; it throws on ill-formed XML)
 * and rebuilds the JSON value: list elements become arrays, empty leaves null, and the fields
 * the standard types as numbers or booleans are converted.
 */
export function fromXml(xml: string): unknown {
  const root: Node = { name: '#root', children: [], text: '' }
  const stack: Node[] = [root]
  const parser = new Parser()
  parser.on('error', (err: Error) => {
    throw err
  })
  // saxen reports a self-closing element as an open tag followed by a close tag.
  parser.on('openTag', (name: string) => {
    const node: Node = { name, children: [], text: '' }
    stack[stack.length - 1]!.children.push(node)
    stack.push(node)
  })
  parser.on('closeTag', () => {
    stack.pop()
  })
  parser.on('text', (text: string, decode: (s: string) => string) => {
    stack[stack.length - 1]!.text += decode(text)
  })
  parser.parse(xml)
  if (root.children.length !== 1) throw new Error('not one root element')
  const value = (n: Node, parent = ''): unknown => {
    if (LISTS[n.name]) {
      if (n.children.some((c) => c.name !== LISTS[n.name])) throw new Error(`<${n.name}> holds other elements than <${LISTS[n.name]}>`)
      return n.children.map((c) => value(c, n.name))
    }
    if (n.children.length) return Object.fromEntries(n.children.map((c) => [c.name, value(c, n.name)]))
    if (n.text === '') return null
    if (NUMBERS.has(`${parent}.${n.name}`)) return Number(n.text)
    if (BOOLEANS.has(n.name)) {
      if (n.text !== 'true' && n.text !== 'false') throw new Error(`<${n.name}>${n.text}</${n.name}> is not a boolean`)
      return n.text === 'true'
    }
    return n.text
  }
  const top = root.children[0]!
  return { root: top.name, value: value(top) }
}
