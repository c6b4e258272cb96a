import { test } from 'tap'
import { build } from '../helper.js'
import { call } from '../api.js'

// A refused platform variable's detail read 'platform variable', English alone, in both UIs.
test('a platform variable in start variables: each detail is a catalogue sentence naming it', async (t) => {
  const app = await build(t)
  const res = await call(app, 'admin', 'POST', '/api/process-definitions/key/ordinary/start', { variables: { handlerGroup: 'unit:x', note: 'ok' } })
  t.equal(res.status, 400)
  t.equal(res.body.key, 'error.engine.platformVariables')
  t.same(
    res.body.details.map((d: any) => [d.field, d.key, d.params?.names]),
    [['variables.handlerGroup', 'error.engine.platformVariables', 'handlerGroup']],
  )
  t.match(res.body.details[0].message, /^[^A-Za-z]*handlerGroup[^A-Za-z]* \/ /, 'the Chinese half holds no English but the name')
})
