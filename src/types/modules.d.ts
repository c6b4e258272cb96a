// bpmn-moddle ships types under ./types but its export map hides them from NodeNext resolution.
declare module 'bpmn-moddle' {
  export class BpmnModdle {
    constructor(packages?: Record<string, unknown>, options?: Record<string, unknown>)
    fromXML(xml: string, typeName?: string): Promise<{ rootElement: any; warnings: any[]; references: any[]; elementsById: Record<string, any> }>
    toXML(element: any, options?: Record<string, unknown>): Promise<{ xml: string }>
  }
}

// dmn-moddle ships no type declarations.
declare module 'dmn-moddle' {
  export class DmnModdle {
    constructor(packages?: Record<string, unknown>, options?: Record<string, unknown>)
    fromXML(xml: string, typeName?: string): Promise<{ rootElement: any; warnings: any[]; references: any[]; elementsById: Record<string, any> }>
    toXML(element: any, options?: Record<string, unknown>): Promise<{ xml: string }>
  }
}
