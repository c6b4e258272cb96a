// autocannon 9 ships no types and @types/autocannon is not a dependency: the options and results
// bench/http.ts uses, as autocannon's README ("API", "Results") describes them.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  namespace autocannon {
    /** One request of the sequence; `setupRequest` may rewrite it before each send. */
    interface Request {
      method?: string
      path?: string
      headers?: Record<string, string>
      body?: string | Buffer
    }
    interface RequestStep extends Request {
      setupRequest?: (req: Request, context: Record<string, unknown>) => Request | null | undefined
    }
    interface Options {
      url: string
      connections?: number
      pipelining?: number
      /** Seconds to wait for an answer. */
      timeout?: number
      /** Seconds to run; `amount` takes precedence. */
      duration?: number
      amount?: number
      overallRate?: number
      method?: string
      headers?: Record<string, string>
      body?: string | Buffer
      requests?: RequestStep[]
    }
    /** hdr-histogram-percentiles-obj's shape. */
    interface Histogram {
      min: number
      max: number
      average: number
      stddev: number
      total: number
      p50: number
      p90: number
      p99: number
    }
    interface Result {
      /** Seconds. */
      duration: number
      errors: number
      timeouts: number
      non2xx: number
      '2xx': number
      latency: Histogram
      requests: Histogram & { sent: number }
      throughput: Histogram
    }
  }

  function autocannon(opts: autocannon.Options, cb: (err: Error | null, result: autocannon.Result) => void): EventEmitter
  export = autocannon
}
