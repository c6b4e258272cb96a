/**
 * A start that cannot go on, for a reason the message says in one line (what failed and what to
 * do): src/server.ts prints it as it is, without a stack, which would only bury it.
 */
export class StartupError extends Error {
  override name = 'StartupError'
}
