/**
 * The dmn-js editor, opened on a file's decision table (the DRD view needs diagram
 * interchange the generated routing table does not carry). Loaded only by the decision page
 * (dynamic import), so dmn-js stays out of the main bundle.
 */
import DmnModeler from 'dmn-js/lib/Modeler'
import { translateModule } from './lib/bpmn-zh.js'
import { DMN_ZH } from './lib/dmn-zh.js'
import { getLang } from './lib/i18n.js'

export interface DmnEditorHandle {
  importXML(xml: string): Promise<void>
  saveXML(): Promise<string>
  destroy(): void
}

export function createDmnEditor(container: HTMLElement): DmnEditorHandle {
  const translate = translateModule(getLang() === 'zh' ? DMN_ZH : null)
  const modeler: any = new (DmnModeler as any)({
    container,
    common: { additionalModules: [translate] },
    decisionTable: { additionalModules: [translate] },
    drd: { additionalModules: [translate] },
    literalExpression: { additionalModules: [translate] },
  })
  return {
    async importXML(xml) {
      await modeler.importXML(xml)
      const table = modeler.getViews().find((v: any) => v.type === 'decisionTable')
      if (table) await modeler.open(table)
    },
    async saveXML() {
      const { xml } = await modeler.saveXML({ format: true })
      return xml
    },
    destroy: () => modeler.destroy(),
  }
}
