import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

/** The durable BPMN engine: definitions, runtime, timers and their routes. */
export default fp<{ background: boolean }>(async function engineModule(_app: FastifyInstance, _opts) {})
