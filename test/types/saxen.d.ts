// saxen (bpmn-moddle's XML reader, which test/open311/schemas.ts uses) ships no types: its
// Parser as its README describes it, without the namespace and proxy modes the tests leave off.
declare module 'saxen' {
  type Decode = (s: string) => string
  type Context = () => { line: number; column: number; data: string }

  export class Parser {
    constructor(options?: { proxy?: false })
    on(event: 'openTag', fn: (name: string, attrs: () => Record<string, string>, decode: Decode, selfClosing: boolean, context: Context) => void): this
    on(event: 'closeTag', fn: (name: string, decode: Decode, selfClosing: boolean, context: Context) => void): this
    on(event: 'text' | 'comment' | 'attention', fn: (value: string, decode: Decode, context: Context) => void): this
    on(event: 'cdata' | 'question', fn: (value: string, context: Context) => void): this
    on(event: 'error' | 'warn', fn: (err: Error, context: Context) => void): this
    /** The error the `error` handler was given, if any (the handler may also throw). */
    parse(xml: string): Error | null
  }
}
