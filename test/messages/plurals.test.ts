// @sqlite-only: the message catalogue and its renderers; no database is opened.
/**
 * English said "1 days", "1 hours" and "the definition has 1 problem(s)": the catalogue had one
 * form per message. Now English has its singulars (src/messages/plurals.ts), picked by the
 * message's number as i18next picks them in the UI, and the server's `message` reads the same.
 */
import t from 'tap'
import i18next from 'i18next'
import { bilingual, render } from '../../src/messages/index.js'
import { i18nextOptions } from '../../src/messages/i18next-options.js'
import { enSingulars, pluralCount } from '../../src/messages/plurals.js'
import type { MessageKey } from '../../src/messages/catalogue.js'

t.test('English singular for one, plural otherwise; Chinese has one form', async (t) => {
  t.equal(render('en', 'duration.days', { count: 1 }), '1 day')
  t.equal(render('en', 'duration.days', { count: 2 }), '2 days')
  t.equal(render('en', 'duration.days', { count: 0 }), '0 days', 'zero is plural in English')
  t.equal(render('en', 'duration.hours', { count: 1 }), '1 hour')
  t.equal(render('zh-CN', 'duration.days', { count: 1 }), '1 天')
  t.equal(bilingual('error.engine.definitionProblems', { count: 1 }), '流程定义有 1 个问题 / the definition has 1 problem')
  t.equal(bilingual('error.engine.definitionProblems', { count: 3 }), '流程定义有 3 个问题 / the definition has 3 problems')
  // An extension's event counts its days (events written before keep `days`).
  t.equal(bilingual('event.extension_approved', { days: 1 }), '延期 1 天已批准 / Extension of 1 day approved')
  t.equal(bilingual('event.extension_requested', { days: 5 }), '申请延期 5 天 / Extension of 5 days requested')
  t.equal(render('en', 'duration.days', { count: '1' as unknown as number }), '1 days', 'a number written as text is not counted (no guess)')
})

t.test("i18next, configured as the UI configures it, picks the same form as the server's renderer", async (t) => {
  const i18n = i18next.createInstance()
  await i18n.init(i18nextOptions)
  const keys = Object.keys(enSingulars).map((k) => k.replace(/_one$/, '') as MessageKey)
  t.ok(keys.length >= 10)
  for (const key of keys)
    for (const n of [0, 1, 2, 11])
      for (const lng of ['zh-CN', 'en'] as const) {
        const params = { count: n, days: n }
        const ui = i18n.t(key, { lng, ...params, count: pluralCount(key, params) })
        t.equal(ui, render(lng, key, params), `${key} ${n} ${lng}`)
      }
})
