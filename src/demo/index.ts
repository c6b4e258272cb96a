import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { planHistory, writeHistory } from './history.js'

/**
 * The demo's year of history (src/demo/history.ts), written on the first start of a demo
 * database whose cases table is empty, after the shipped procedures are deployed (its open
 * cases start them). `demoHistory` turns it off; tests leave it off unless they ask.
 */
export default fp(
  async function demoModule(app: FastifyInstance) {
    if (!app.config.demo || !app.config.demoHistory) return
    app.addHook('onReady', async () => {
      if (await app.db('cases').first('id')) return
      if (await app.db('settings').where({ key: 'demo.history' }).first('key')) return
      // Demo data never stops a server from starting: a failure is logged and the app serves on
      // (the closed history commits as a whole; an open case that failed its intake is missing).
      try {
        const plan = await planHistory(app.db, app.decisions)
        const done = await writeHistory(app, plan)
        if (done) app.log.info(done, 'wrote the demo history')
      } catch (err) {
        app.log.error({ err }, 'the demo history could not be written')
      }
    })
  },
  { name: 'demo', dependencies: ['engine', 'cases', 'org', 'decisions'] },
)
