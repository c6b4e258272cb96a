import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { MetricsService } from './service.js'
import metricsRoutes from './routes.js'

export { MetricsService, metricsScope, parseBound, cstMonth, rateBlock } from './service.js'
export type { RatesQuery, RatesResult, RateBlock, Group, GroupBy } from './service.js'
export { DEFAULT_DEFINITIONS, type MetricDefinitions } from './definitions.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: MetricsService
  }
}

/** 三率 and the dashboard figures: read-only aggregates over the cases table. */
export default fp(
  async function metricsModule(app: FastifyInstance) {
    const metrics = new MetricsService(app.db)
    await metrics.loadDefinitions()
    app.decorate('metrics', metrics)
    await app.register(metricsRoutes)
  },
  { name: 'metrics', dependencies: ['org'] },
)
