/**
 * The UI's types of the server's answers, taken from the types openapi-typescript generates from
 * the server's OpenAPI document (ui/src/generated/openapi.d.ts, kept equal to the document by
 * test/openapi/openapi.test.ts): the route schemas are their single source, so a page never
 * restates a view type, and `tsc -p ui/tsconfig.json` fails when a field a page reads is
 * missing from the documented answer or has another type there.
 *
 * The route schemas list no `required` properties, so every generated property is optional;
 * `Answer` makes them present, as the server sends its views whole. Fields the server really
 * leaves out (a page's counts after the first page) stay optional: see `Page`.
 */
import type { paths } from '../generated/openapi.js'

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never
/** The JSON body of a route's success answer (200, else 201), as documented. */
export type Ok<P extends keyof paths, M extends 'get' | 'post' | 'put'> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: infer A }
    ? Json<A>
    : R extends { 201: infer A }
      ? Json<A>
      : never
  : never
type Full<T> = T extends (infer U)[] ? Full<U>[] : T extends object ? { [K in keyof T]-?: Full<Exclude<T[K], undefined>> } : T

/** A route's answer with every documented field present. */
export type Answer<P extends keyof paths, M extends 'get' | 'post' | 'put' = 'get'> = Full<Ok<P, M>>
/** One item of a route's list answer. */
export type Item<P extends keyof paths, M extends 'get' | 'post' | 'put' = 'get'> = Answer<P, M> extends (infer U)[] ? U : never
/** A page of a list (src/lib/schemas.ts pageSchema): `total`/`totalAtLeast` come on the first page only. */
export type Page<P extends keyof paths> = Omit<Answer<P>, 'total' | 'totalAtLeast'> & Pick<Ok<P, 'get'>, 'total' | 'totalAtLeast'>
