import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { build } from '../helper.js'
import { call } from '../api.js'
import { projectRoot } from '../../src/lib/paths.js'

/**
 * Only the citizen or callback staff may record an evaluation (case.evaluate answers anyone else
 * 403), so a version whose evaluation step is offered to no callback staff is not deployed: it
 * would sit in the handling unit's list as a task each of them is refused. The step is told by
 * its marker or by the case.evaluate it runs, never by its element id.
 */

const read = (file: string) => fs.readFileSync(path.join(projectRoot(), 'processes', file), 'utf8')

/** The shipped ordinary procedure with its evaluation task renamed and offered to `receivers`. */
const ordinaryWithEvaluation = (receivers: string) =>
  read('ordinary.bpmn')
    .replace(/(?<![\w-])ut_evaluate(?![\w-])/g, 'citizen_rating')
    .replace(/(<bpmn:userTask id="citizen_rating"[^>]*?)camunda:candidateGroups="=callbackGroup"/, `$1${receivers}`)

/** A small procedure of its own: a user task with no marker whose completion records the evaluation. */
const survey = (receivers: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_survey" targetNamespace="http://shuoshi.example/bpmn">
  <bpmn:process id="satisfaction_survey" name="回访调查 / Survey" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="ask_citizen" name="回访 / Ask the citizen" ${receivers} camunda:formKey="shuoshi:evaluation">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="gw"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:serviceTask id="record" camunda:type="external" camunda:topic="case.evaluate"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ask_citizen" />
    <bpmn:sequenceFlow id="f2" sourceRef="ask_citizen" targetRef="gw" />
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="record" />
    <bpmn:sequenceFlow id="f4" sourceRef="record" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`

t.test('a county version offering the evaluation to the handling unit was deployed, and its task could not be completed', async (t) => {
  const app = await build(t)
  const deploy = (xml: string) => call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml, tenant: 'xianghe' })

  const refused = await deploy(ordinaryWithEvaluation('camunda:candidateGroups="=handlerGroup"'))
  t.equal(refused.status, 400, JSON.stringify(refused.body))
  t.same(
    refused.body.details.map((d: any) => [d.elementId, d.key, d.params]),
    [['citizen_rating', 'deploy.evaluationNotCallback', { task: '群众评价 / Evaluation' }]],
    'the renamed evaluation task is named',
  )
  t.match(refused.body.details[0].message, /群众评价 \/ Evaluation/, 'the message names the task')
  t.equal(
    await app
      .db('process_definitions')
      .where({ key: 'ordinary', tenant: 'xianghe' })
      .count({ n: '*' })
      .first()
      .then((r: any) => Number(r.n)),
    0,
  )

  // Literal receivers: the handling unit and a handler are refused; a callback user or a token they hold is not.
  for (const receivers of ['camunda:candidateGroups="unit:xh-anping-v01"', 'camunda:candidateUsers="anping-v01"', 'camunda:assignee="=ownerUnit"']) {
    const r = await deploy(ordinaryWithEvaluation(receivers))
    t.equal(r.status, 400, `${receivers}: ${JSON.stringify(r.body)}`)
    t.same(
      r.body.details.map((d: any) => d.key),
      ['deploy.evaluationNotCallback'],
    )
  }
  for (const receivers of [
    'camunda:candidateGroups="callback@xianghe-centre"',
    'camunda:candidateUsers="xianghe-callback"',
    'camunda:candidateGroups="=callbackGroup" camunda:candidateUsers="xianghe-leader"',
  ]) {
    const r = await deploy(ordinaryWithEvaluation(receivers))
    t.equal(r.status, 201, `${receivers}: ${JSON.stringify(r.body)}`)
  }
})

t.test('a procedure of its own recording the evaluation from an unmarked task offered to a unit was deployed', async (t) => {
  const app = await build(t)
  const deploy = (xml: string) => call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml, tenant: 'xianghe' })
  for (const receivers of ['camunda:candidateGroups="unit:xh-anping-v01"', '']) {
    const r = await deploy(survey(receivers))
    t.equal(r.status, 400, `${receivers || 'no receivers (the administrators)'}: ${JSON.stringify(r.body)}`)
    t.same(
      r.body.details.map((d: any) => [d.elementId, d.key, d.params]),
      [['ask_citizen', 'deploy.evaluationNotCallback', { task: '回访 / Ask the citizen' }]],
    )
  }
  const ok = await deploy(survey('camunda:candidateGroups="role:callback"'))
  t.equal(ok.status, 201, JSON.stringify(ok.body))
  // The city's callback user works on every county: the city's token reaches them from a county version.
  t.equal((await deploy(survey('camunda:candidateUsers="callback"'))).status, 201)
})
