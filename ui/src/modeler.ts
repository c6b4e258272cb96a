/**
 * The bpmn-js modeler with the Camunda 7 properties panel (candidate users/groups, assignee,
 * due date, form key, priority, conditions, timers: what Shuoshi's engine reads).
 * Loaded only by the modeler page (dynamic import from main.js).
 */
import BpmnModeler from 'bpmn-js/lib/Modeler'
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule } from 'bpmn-js-properties-panel'
import CamundaBehaviors from 'camunda-bpmn-js-behaviors/lib/camunda-platform'
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json'
import { DiagramProblems, type Problem } from './lib/problems.js'
import { BPMN_ZH, translateModule } from './lib/bpmn-zh.js'
import { getLang } from './lib/i18n.js'

export interface ModelerHandle {
  importXML(xml: string): Promise<void>
  saveXML(): Promise<string>
  showProblems(problems: Problem[]): void
  clearProblems(): void
  focus(elementId: string): void
  /** The selected element (business object type + id), or null. */
  onSelect(cb: (sel: { id: string; type: string; candidateGroups: string[] } | null) => void): void
  setCandidateGroups(elementId: string, groups: string[]): void
  elementName(id: string): string | null
  destroy(): void
}

export function createModeler(canvas: HTMLElement, properties: HTMLElement): ModelerHandle {
  const modeler: any = new (BpmnModeler as any)({
    container: canvas,
    propertiesPanel: { parent: properties },
    // The palette, menus and properties panel speak the UI's language (bpmn.io's translate service).
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviors,
      translateModule(getLang() === 'zh' ? BPMN_ZH : null),
    ],
    moddleExtensions: { camunda: camundaModdle },
  })
  const problems = new DiagramProblems(modeler)
  const registry = () => modeler.get('elementRegistry')

  const selInfo = (el: any) => {
    if (!el) return null
    const bo = el.businessObject
    const raw = bo.get ? bo.get('camunda:candidateGroups') : undefined
    return {
      id: el.id,
      type: bo.$type,
      candidateGroups: raw
        ? String(raw)
            .split(',')
            .map((s: string) => s.trim())
            .filter(Boolean)
        : [],
    }
  }

  return {
    async importXML(xml) {
      await modeler.importXML(xml)
      modeler.get('canvas').zoom('fit-viewport', 'auto')
    },
    async saveXML() {
      const { xml } = await modeler.saveXML({ format: true })
      return xml
    },
    showProblems: (p) => problems.show(p),
    clearProblems: () => problems.clear(),
    focus(id) {
      const el = registry().get(id)
      if (!el) return
      modeler.get('selection').select(el)
      if (!el.waypoints) modeler.get('canvas').scrollToElement?.(el)
    },
    onSelect(cb) {
      const emit = () => {
        const sel = modeler.get('selection').get()
        cb(sel.length === 1 ? selInfo(sel[0]) : null)
      }
      modeler.on('selection.changed', emit)
      modeler.on('element.changed', (e: any) => {
        const sel = modeler.get('selection').get()
        if (sel.length === 1 && sel[0].id === e.element.id) emit()
      })
    },
    setCandidateGroups(id, groups) {
      const el = registry().get(id)
      if (!el) return
      modeler.get('modeling').updateProperties(el, { 'camunda:candidateGroups': groups.length ? groups.join(',') : undefined })
    },
    elementName(id) {
      return registry().get(id)?.businessObject?.name ?? null
    },
    destroy() {
      modeler.destroy()
    },
  }
}
