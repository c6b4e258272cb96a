import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { HttpError, msg } from '../lib/errors.js'

/**
 * Where a node is in its stop (src/server.ts drives it): `serving`; `draining`, after a signal,
 * when /health says 503 so that a balancer stops sending requests here while the ones it still
 * sends are served; `closing`, once `app.close()` began: in-flight requests finish, new ones are
 * refused with our 503.
 */
export type StopPhase = 'serving' | 'draining' | 'closing'

export interface Shutdown {
  readonly phase: StopPhase
  /** Begins the drain; the caller closes the app when it is over. */
  drain(): void
}

/** The answer to a request that reaches a node already closing: try again shortly (elsewhere). */
export const shuttingDown = () => new HttpError(503, 'unavailable', msg('error.shuttingDown'))

/**
 * Registered at the root before any route, so its hook runs first for every request (the 404
 * handler's too). Fastify's own answer while closing (`return503OnClosing`) was a fixed English
 * body without Retry-After; the app turns it off and answers here instead, through the error
 * handler of the route's context (the API's shape, Open311's, Camunda's), and the onSend hook of
 * src/plugins/errors.ts adds Retry-After to it as to every 503.
 */
export default fp(async function shutdown(app: FastifyInstance) {
  let phase: StopPhase = 'serving'
  app.decorate('shutdown', {
    get phase() {
      return phase
    },
    drain() {
      if (phase === 'serving') phase = 'draining'
    },
  } satisfies Shutdown)
  // Fastify marks itself closing just before it runs the preClose hooks, and this one first.
  app.addHook('preClose', async () => {
    phase = 'closing'
  })
  app.addHook('onRequest', async (request) => {
    if (phase === 'closing' && !request.routeOptions.config.answersWhileClosing) throw shuttingDown()
  })
  // Every answer once the stop began ends its connection, that of a request that came before it
  // too: a kept-alive connection carried the balancer's next request into the close (a 503 or a
  // reset where a fresh connection would reach a node that serves), and one idle after its
  // answer held the close until Node's keep-alive timeout (72 s), past the 10 s the close may take.
  app.addHook('onSend', async (_request, reply) => {
    if (phase !== 'serving') reply.header('connection', 'close')
  })
})

declare module 'fastify' {
  interface FastifyInstance {
    shutdown: Shutdown
  }
  interface FastifyContextConfig {
    /** The route answers for itself while the node closes (/health: its own 503). */
    answersWhileClosing?: boolean
  }
}
