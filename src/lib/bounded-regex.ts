import vm from 'node:vm'

/**
 * Tests a regular expression a county administrator wrote (a form field's pattern) against text
 * a person typed, for at most `ms`. JavaScript's engine backtracks: `^(a|a)*$` takes 0.9 s on 24
 * characters and doubles with each one more, and `\d*\d*\d*$` grows as a power of the length.
 * Deploy refuses such patterns (tasks/pattern-hazard.ts), but a version stored before it did may
 * hold one, and a quadratic one is let through. A script run in a vm context with a timeout is
 * stopped by V8's watchdog even inside the regex engine. Hand-written rather than a library: `re2` (a
 * linear-time engine) is a native module to build, and Node's own linear engine is still behind
 * `--enable-experimental-regexp-engine`. The watchdog costs ~0.2 ms a call, so only patterns
 * come here, not the platform's own expressions.
 */
const script = new vm.Script('pattern.test(value)')
const context = vm.createContext({ pattern: /(?:)/, value: '' })

/** True or false as `pattern.test(value)`; null when it ran out of time. */
export function boundedTest(pattern: RegExp, value: string, ms = 100): boolean | null {
  context.pattern = pattern
  context.value = value
  try {
    return script.runInContext(context, { timeout: ms }) === true
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return null
    throw err
  } finally {
    context.value = ''
  }
}
