// bpmn-moddle ships types under ./types but its export map hides them from NodeNext resolution.
declare module 'bpmn-moddle' {
  /** Any moddle object: its type name, and fields that stay unknown until a reader narrows them. */
  export interface ModdleBase {
    $type: string
    [key: string]: unknown
  }
  /**
   * What fromXML resolves to. `Root` and `Element` name the shape the caller reads (src/engine's
   * ModdleElement and ModdleObject); moddle itself promises only ModdleBase.
   */
  export interface ParseResult<Root = ModdleBase, Element = ModdleBase> {
    rootElement: Root
    warnings: { message: string; element?: Element; property?: string; value?: unknown; error?: Error }[]
    references: { element: Element; property: string; id: string }[]
    elementsById: Record<string, Element>
  }
  export class BpmnModdle {
    constructor(packages?: Record<string, unknown>, options?: Record<string, unknown>)
    fromXML<Root = ModdleBase, Element = ModdleBase>(xml: string, typeName?: string): Promise<ParseResult<Root, Element>>
    toXML(element: ModdleBase, options?: Record<string, unknown>): Promise<{ xml: string }>
  }
}

// dmn-moddle ships no type declarations.
declare module 'dmn-moddle' {
  import type { ModdleBase, ParseResult } from 'bpmn-moddle'
  export class DmnModdle {
    constructor(packages?: Record<string, unknown>, options?: Record<string, unknown>)
    fromXML<Root = ModdleBase, Element = ModdleBase>(xml: string, typeName?: string): Promise<ParseResult<Root, Element>>
    toXML(element: ModdleBase, options?: Record<string, unknown>): Promise<{ xml: string }>
  }
}
