import type { Problem } from './validate.js'

/**
 * Deploy-time check that no form a diagram declares (`camunda:formData` fields) writes a
 * variable the platform keeps for its own steps: whoever completes that task could otherwise
 * set a deadline, a candidate group or an assessment. Separate from validate.ts because the
 * protected names come from the modules that rely on them, not from BPMN.
 */
export function protectedFieldProblems(definitions: any, isProtected: (name: string) => boolean): Problem[] {
  const problems: Problem[] = []
  const visit = (container: any) => {
    for (const el of container?.flowElements ?? []) {
      for (const ext of el.extensionElements?.values ?? []) {
        if (ext.$type !== 'camunda:FormData') continue
        for (const f of ext.fields ?? []) {
          if (typeof f.id === 'string' && isProtected(f.id)) {
            problems.push({ elementId: el.id, message: `表单字段 ${f.id} 是平台变量，只能由平台设置 / form field ${f.id} is a platform variable, set by the platform only` })
          }
        }
      }
      if (el.flowElements) visit(el)
    }
  }
  for (const root of definitions?.rootElements ?? []) if (root.$type === 'bpmn:Process') visit(root)
  return problems
}
