/**
 * GeoReport v2's XML shapes, written by hand: the documents are small, flat and fixed
 * (`<services><service>…`, `<service_requests><request>…`, `<service_definition>…`,
 * `<errors><error>…`), so a serializer is a dozen lines, while an XML library (none is a
 * dependency; moddle-xml and saxen in node_modules only read) would add a package for
 * escaping five characters. What matters is done here: text is escaped, characters XML 1.0
 * cannot carry are dropped, element names come from our own code only, and null is an empty
 * element (as the standard's examples write a missing value).
 */

export type XmlValue = string | number | boolean | null | undefined | XmlValue[] | { [k: string]: XmlValue }

/** Characters XML 1.0 cannot carry even escaped (C0 controls other than tab, LF, CR; U+FFFE/FFFF; lone surrogates). */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
}

/**
 * One element. Arrays become repeated children named by `itemNames[name]` (the standard names
 * each list's items: services → service, attributes → attribute, values → value).
 */
function element(name: string, value: XmlValue, itemNames: Record<string, string>): string {
  if (value === null || value === undefined) return `<${name}/>`
  if (Array.isArray(value)) {
    const item = itemNames[name] ?? 'item'
    return `<${name}>${value.map((v) => element(item, v, itemNames)).join('')}</${name}>`
  }
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value)
      .map(([k, v]) => element(k, v, itemNames))
      .join('')}</${name}>`
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`
}

const ITEM_NAMES: Record<string, string> = {
  services: 'service',
  service_requests: 'request',
  attributes: 'attribute',
  values: 'value',
  errors: 'error',
}

/** A whole document: `root` holding `value` (a list for services, service_requests and errors). */
export function xmlDocument(root: string, value: XmlValue): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${element(root, value, ITEM_NAMES)}`
}
