import type { Test } from 'tap'

/**
 * A test's clock: moves the process's time forward instead of sleeping until a deadline.
 *
 * The timer poller takes its `now` as an argument, and tests pass a later one. A step, though,
 * reads the time itself, and so does bpmn-elements inside the engine (a recovered timer whose
 * expiry has passed completes at once, judged by `new Date()`), and a parameter threaded through
 * the app would not reach that. So the test clock shifts `Date` for the whole process — every
 * reader agrees on the time — and puts the real one back when the test ends. Production never
 * loads this file. Timers (setTimeout) are untouched: nothing in the app waits on one for a
 * deadline, the poller fires due rows.
 */
export function testClock(t: Test): { advance(ms: number): void; now(): Date } {
  const RealDate = globalThis.Date
  let offset = 0
  class ShiftedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + offset)
      else super(...(args as [string]))
    }
    static override now() {
      return RealDate.now() + offset
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor
  t.teardown(() => {
    globalThis.Date = RealDate
  })
  return {
    advance(ms: number) {
      if (!(ms >= 0)) throw new Error(`the test clock only moves forward: ${ms}`)
      offset += ms
    },
    now: () => new ShiftedDate(),
  }
}
