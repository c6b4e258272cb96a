// @sqlite-only: deploy refusals are answered before anything is written
import t from 'tap'
import { build, login } from '../helper.js'
import { noProcesses, process as bpmn } from '../fixtures/bpmn.js'

/**
 * Deploy problems are catalogue keys with parameters (src/messages/areas/valmsg.ts): the modeler
 * translates `key` + `params` into one language; `message` stays bilingual for outside clients.
 */
t.test('a deploy refused for several reasons answers each with key, params and a bilingual message', async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const admin = await login(app, 'admin')
  // Three problems: a script task, a user task offered to a group that does not exist, and a
  // task connected to nothing (bpmnlint's no-disconnected, mapped to a key of our own).
  const xml = bpmn(
    'twoReasons',
    `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="js"/>` +
      `<scriptTask id="js" scriptFormat="javascript"><script>1</script></scriptTask><sequenceFlow id="b" sourceRef="js" targetRef="u"/>` +
      `<userTask id="u" camunda:candidateGroups="no-such-group"/><sequenceFlow id="c" sourceRef="u" targetRef="e"/><endEvent id="e"/>` +
      `<task id="lonely"/>`,
  )
  const r = await app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload: { xml } })
  t.equal(r.statusCode, 400)
  const details: any[] = r.json().details
  const of = (id: string) => details.find((d) => d.elementId === id)

  // Written out by hand from the catalogue's sentences.
  t.match(of('js'), { key: 'deploy.scriptTask', params: {}, message: '不支持脚本任务 / script tasks are not supported' }, 'the script task')
  t.match(
    of('u'),
    {
      key: 'deploy.nobodyReceives',
      params: { users: '-', groups: ['no-such-group'] },
      message:
        '没有人能收到此任务（用户 -；组 no-such-group 都不存在） / nobody can ever receive this task (none of users [-] / groups [no-such-group] exists)',
    },
    'the user task nobody can receive',
  )
  const lonely = of('lonely')
  t.equal(lonely?.key, 'lint.no-disconnected', 'a bpmnlint rule we enable has a key of its own')
  t.equal(lonely?.params?.rule, 'no-disconnected')
  t.type(lonely?.params?.detail, 'string', "the library's own text is kept as a parameter")
  t.equal(lonely?.message, '元素没有连接到流程（bpmnlint no-disconnected） / the element is not connected to the flow (bpmnlint no-disconnected)')
  for (const d of details) t.ok(d.key && d.params && / \/ /.test(d.message), `${d.elementId}: key, params and a bilingual message`)
  t.equal((await app.db('process_definitions')).length, 0, 'nothing was deployed')
})
