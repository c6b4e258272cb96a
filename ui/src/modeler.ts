/**
 * The bpmn-js modeler with the Camunda 7 properties panel (candidate users/groups, assignee,
 * due date, form key, priority, conditions, timers: what Shuoshi's engine reads).
 * Loaded only by the modeler page (dynamic import from main.js).
 */
import BpmnModeler from 'bpmn-js/lib/Modeler'
import type Modeling from 'bpmn-js/lib/features/modeling/Modeling'
import type { Element } from 'bpmn-js/lib/model/Types'
import type Canvas from 'diagram-js/lib/core/Canvas'
import type ElementRegistry from 'diagram-js/lib/core/ElementRegistry'
import type Selection from 'diagram-js/lib/features/selection/Selection'
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule } from 'bpmn-js-properties-panel'
import CamundaBehaviors from 'camunda-bpmn-js-behaviors/lib/camunda-platform'
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json'
import { DiagramProblems, type Problem } from './lib/problems.js'
import { BPMN_ZH, listGroupTranslationModule, translateModule } from './lib/bpmn-zh.js'
import { getLang } from './lib/i18n.js'
import { groupChips, groupValue } from './lib/candidate-groups.js'

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

/** What this module reads of an element's business object: bpmn-js types it as `any`. */
interface BusinessObject {
  $type: string
  name?: string
  get?(property: string): unknown
}

const businessObject = (el: Element): BusinessObject => el.businessObject

export function createModeler(canvas: HTMLElement, properties: HTMLElement): ModelerHandle {
  const modeler = new BpmnModeler({
    container: canvas,
    propertiesPanel: { parent: properties },
    // The palette, menus and properties panel speak the UI's language (bpmn.io's translate service).
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviors,
      translateModule(getLang() === 'zh' ? BPMN_ZH : null),
      listGroupTranslationModule,
    ],
    moddleExtensions: { camunda: camundaModdle },
  })
  const problems = new DiagramProblems(modeler)
  // diagram-js's registry holds any element shape; bpmn-js's holds only its own.
  const element = (id: string) => modeler.get<ElementRegistry>('elementRegistry').get(id) as Element | undefined
  const selected = (): Element[] => modeler.get<Selection>('selection').get()
  // diagram-js types `center` as a Point; any truthy one (bpmn.io's own 'auto') centres the fitted diagram.
  const diagramCanvas = () => modeler.get<Canvas & { zoom(scale: 'fit-viewport', center: 'auto'): number }>('canvas')

  const selInfo = (el: Element) => {
    const bo = businessObject(el)
    const raw = bo.get ? bo.get('camunda:candidateGroups') : undefined
    return {
      id: el.id,
      type: bo.$type,
      candidateGroups: groupChips(raw == null ? null : String(raw)),
    }
  }

  return {
    async importXML(xml) {
      await modeler.importXML(xml)
      diagramCanvas().zoom('fit-viewport', 'auto')
    },
    async saveXML() {
      const { xml } = await modeler.saveXML({ format: true })
      return xml! // bpmn-js resolves with the xml or rejects: `xml` is optional only in its result type
    },
    showProblems: (p) => problems.show(p),
    clearProblems: () => problems.clear(),
    focus(id) {
      const el = element(id)
      if (!el) return
      modeler.get<Selection>('selection').select(el)
      if (!el.waypoints) diagramCanvas().scrollToElement?.(el)
    },
    onSelect(cb) {
      const emit = () => {
        const sel = selected()
        cb(sel.length === 1 ? selInfo(sel[0]) : null)
      }
      modeler.on('selection.changed', emit)
      modeler.on<{ element: Element }>('element.changed', (e) => {
        const sel = selected()
        if (sel.length === 1 && sel[0].id === e.element.id) emit()
      })
    },
    setCandidateGroups(id, groups) {
      const el = element(id)
      if (!el) return
      modeler.get<Modeling>('modeling').updateProperties(el, { 'camunda:candidateGroups': groupValue(groups) })
    },
    elementName(id) {
      const el = element(id)
      return (el && businessObject(el)?.name) ?? null
    },
    destroy() {
      modeler.destroy()
    },
  }
}
