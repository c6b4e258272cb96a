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
  const modeler = new DmnModeler({
    container,
    common: { additionalModules: [translate] },
    decisionTable: { additionalModules: [translate] },
    drd: { additionalModules: [translate] },
    literalExpression: { additionalModules: [translate] },
  })
  return {
    async importXML(xml) {
      await modeler.importXML(withEntryIds(xml))
      const table = modeler.getViews().find((v) => v.type === 'decisionTable')
      if (table) await modeler.open(table)
    },
    async saveXML() {
      const { xml } = await modeler.saveXML({ format: true })
      return xml
    },
    destroy: () => modeler.destroy(),
  }
}

/**
 * dmn-js keys every table cell by its entry's id (its change listeners, its element registry):
 * entries without one (the generated routing table's) all share `undefined`, and an edited cell
 * kept showing its old text after a click away although the model held the new value. Entries
 * get the ids dmn-js gives the ones it creates itself; the rest of the file is left as it is.
 */
export function withEntryIds(xml: string): string {
  const doc = new DOMParser().parseFromString(xml, 'application/xml')
  if (doc.getElementsByTagName('parsererror').length) return xml // dmn-js reports the error itself
  const taken = new Set([...doc.querySelectorAll('[id]')].map((e) => e.getAttribute('id')))
  let added = 0
  for (const entry of doc.querySelectorAll('inputEntry:not([id]), outputEntry:not([id])')) {
    const prefix = entry.localName === 'inputEntry' ? 'UnaryTests' : 'LiteralExpression'
    let n = taken.size
    while (taken.has(`${prefix}_${n}`)) n++
    taken.add(`${prefix}_${n}`)
    entry.setAttribute('id', `${prefix}_${n}`)
    added++
  }
  return added ? new XMLSerializer().serializeToString(doc) : xml
}
