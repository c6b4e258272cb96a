import { toProblem, type ModdleObject, type Problem } from './validate.js'
import { msg } from '../lib/errors.js'

/**
 * Deploy-time check that no form a diagram declares (`camunda:formData` fields) writes a
 * variable the platform keeps for its own steps: whoever completes that task could otherwise
 * set a deadline, a candidate group or an assessment. Separate from validate.ts because the
 * protected names come from the modules that rely on them, not from BPMN.
 */
export function protectedFieldProblems(definitions: ModdleObject, isProtected: (name: string) => boolean): Problem[] {
  const problems: Problem[] = []
  const visit = (container: ModdleObject) => {
    for (const el of container.flowElements ?? []) {
      for (const ext of el.extensionElements?.values ?? []) {
        if (ext.$type !== 'camunda:FormData') continue
        for (const f of ext.fields ?? []) {
          if (typeof f.id === 'string' && isProtected(f.id)) {
            problems.push(toProblem(el.id, msg('deploy.protectedField', { field: f.id })))
          }
        }
      }
      if (el.flowElements) visit(el)
    }
  }
  for (const root of definitions.rootElements ?? []) if (root.$type === 'bpmn:Process') visit(root)
  return problems
}
