import t from 'tap'
import { serverDatabaseEnv } from '../helper.js'
import { noProcesses, timed } from '../fixtures/bpmn.js'
import { api, sleep, startServer } from '../server-process.js'

const serve = (env: Record<string, string>) => startServer({ name: 'crash', env: { ...env, TIMER_POLL_MS: '200', PROCESSES_DIR: noProcesses } })

t.test('kill -9 with a task and a 2 s boundary timer pending: after restart the timer fires exactly once and the task completes', async (t) => {
  const env: Record<string, string> = { ...serverDatabaseEnv(t, 'crash') }

  let { child, base } = await serve(env)
  t.teardown(() => void child.kill('SIGKILL'))
  const token = (await api(base, 'POST', '/api/auth/login', undefined, { username: 'admin', password: 'demo' })).json.token
  const dep = await api(base, 'POST', '/api/process-definitions', token, { xml: timed('crashy', 'PT2S', false) })
  t.equal(dep.status, 201)
  const inst = (await api(base, 'POST', '/api/process-definitions/key/crashy/start', token, { tenant: 'xianghe' })).json
  t.equal(inst.activeTasks.length, 1)

  child.kill('SIGKILL')
  await new Promise((r) => child.once('exit', r))
  await sleep(3000) // past the timer's due time while no server runs

  ;({ child, base } = await serve(env))
  const token2 = (await api(base, 'POST', '/api/auth/login', undefined, { username: 'admin', password: 'demo' })).json.token
  let fired = 0
  for (let i = 0; i < 50 && fired === 0; i++) {
    await sleep(200)
    const hist = (await api(base, 'GET', `/api/process-instances/${inst.id}/history`, token2)).json
    fired = hist.filter((h: any) => h.type === 'timer_fired').length
  }
  t.equal(fired, 1, 'the timer fired after the restart')
  await sleep(1000) // several more poll cycles
  const hist = (await api(base, 'GET', `/api/process-instances/${inst.id}/history`, token2)).json
  t.equal(hist.filter((h: any) => h.type === 'timer_fired').length, 1, 'exactly once')
  const now = (await api(base, 'GET', `/api/process-instances/${inst.id}`, token2)).json
  t.same(now.activeTasks.map((x: any) => x.elementId).sort(), ['supervise', 'work'], 'the supervision task exists once, the work task is still open')
  const work = now.activeTasks.find((x: any) => x.elementId === 'work')
  const grid = (await api(base, 'POST', '/api/auth/login', undefined, { username: 'grid01', password: 'demo' })).json.token
  const done = await api(base, 'POST', `/api/tasks/${work.id}/complete`, grid, { data: { result: '已处理' } })
  t.equal(done.status, 200, 'the task is still completable')

  // Graceful stop: SIGTERM lets in-flight work finish and exits 0.
  child.kill('SIGTERM')
  const code = await new Promise((r) => child.once('exit', r))
  t.equal(code, 0, 'graceful shutdown exits 0')
})
