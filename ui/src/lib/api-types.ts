/**
 * The UI's response types checked against the types openapi-typescript generates from the
 * server's OpenAPI document (ui/src/generated/openapi.d.ts, kept up to date by
 * test/openapi/openapi.test.ts). Nothing here runs: `tsc -p ui/tsconfig.json` fails when a field
 * the UI reads is missing from the documented answer or has another type there.
 *
 * The route schemas list no `required` properties, so every generated property is optional;
 * `Full` makes them present for the comparison. What this proves is names and types, not that
 * the server always sends a field.
 */
import type { paths } from '../generated/openapi.js'
import type { Definition, Resource, Shipped } from '../pages/processes.js'
import type { TaskList } from '../pages/tasks.js'
import type { TaskDetail } from '../pages/task.js'
import type { CasePage } from '../pages/cases.js'
import type { Overview } from '../pages/dashboard.js'

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never
/** The JSON body of a route's success answer (200, else 201). */
export type Ok<P extends keyof paths, M extends 'get' | 'post' | 'put'> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: infer A }
    ? Json<A>
    : R extends { 201: infer A }
      ? Json<A>
      : never
  : never
type Full<T> = T extends (infer U)[] ? Full<U>[] : T extends object ? { [K in keyof T]-?: Full<Exclude<T[K], undefined>> } : T

// Each function is a compile-time assignment: the documented answer, as the UI's type.
export const checks = {
  definitions: (b: Full<Ok<'/api/process-definitions', 'get'>>): Definition[] => b,
  shipped: (b: Full<Ok<'/api/process-definitions/shipped', 'get'>>): Shipped[] => b,
  resources: (b: Full<Ok<'/api/resources', 'get'>>): Resource[] => b,
  tasks: (b: Full<Ok<'/api/tasks', 'get'>>): TaskList => b,
  // `context` (what earlier steps submitted) is documented as a free-form object: not compared.
  task: (b: Full<Ok<'/api/tasks/{id}', 'get'>>): Omit<TaskDetail, 'context'> => b,
  cases: (b: Full<Ok<'/api/cases', 'get'>>): CasePage => b,
  metrics: (b: Full<Ok<'/api/metrics/overview', 'get'>>): Overview => b,
}
