// dmn-js ships no type declarations. This is the part of its Modeler the decision page calls,
// written from dmn-js's README, its Manager's JSDoc (dmn-js-shared/lib/base/Manager.js) and the
// Modeler's view providers (dmn-js/lib/Modeler.js), as of dmn-js 17.
declare module 'dmn-js/lib/Modeler' {
  import type { ModuleDeclaration } from 'didi'

  /** Options for one kind of view; `additionalModules` extend or override its services. */
  export interface DmnViewerOptions {
    additionalModules?: ModuleDeclaration[]
    [option: string]: unknown
  }

  export interface DmnModelerOptions {
    container?: HTMLElement | string
    /** Given to every view. */
    common?: DmnViewerOptions
    drd?: DmnViewerOptions
    decisionTable?: DmnViewerOptions
    literalExpression?: DmnViewerOptions
    boxedExpression?: DmnViewerOptions
  }

  /** A displayable element of the imported definitions and the kind of view that opens it. */
  export interface DmnView {
    id: string
    name?: string
    type: 'drd' | 'decisionTable' | 'literalExpression' | 'boxedExpression'
    element: { $type: string; id: string }
  }

  export default class DmnModeler {
    constructor(options?: DmnModelerOptions)
    /** Rejects with an error carrying `warnings` when the XML cannot be read. */
    importXML(xml: string, options?: { open?: boolean }): Promise<{ warnings: string[] }>
    /** The views the imported definitions offer, DRD first. */
    getViews(): DmnView[]
    open(view: DmnView): Promise<{ warnings: string[] }>
    saveXML(options?: { format?: boolean; preamble?: boolean }): Promise<{ xml: string }>
    destroy(): void
  }
}
