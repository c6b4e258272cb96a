// @sqlite-only: the diff is computed from two versions' XML
import t from 'tap'
import { build, login } from '../helper.js'
import { noProcesses, process as bpmn } from '../fixtures/bpmn.js'

/**
 * GET /api/process-definitions/:id/diff: a semantic diff of two versions. The two diagrams
 * below differ in exactly these ways (worked out by hand):
 *   - task `sign` renamed 签收 → 签收确认, its candidate group `unit:xianghe-land` → `role:dispatcher`
 *   - task `handle`: form key shuoshi:handle → shuoshi:handle2, due date P7D → P5D
 *   - timer `late` on `handle`: duration P7D → P5D
 *   - task `check` added (复核), flow `f3` removed (handle → end), flows `f4` (handle → check) and
 *     `f5` (check → end) added
 *   - task `old` removed, with its flows `fo1`, `fo2`; the timer now ends at once (`f6` late → e2)
 *   - flow `f2` keeps its ends; its condition is unchanged
 * and the layout of v1 is absent on purpose (no diagram interchange either way).
 */
const v1 = bpmn(
  'proc',
  `<startEvent id="s" name="开始"/>
  <sequenceFlow id="f1" sourceRef="s" targetRef="sign"/>
  <userTask id="sign" name="签收" camunda:candidateGroups="unit:xianghe-land"/>
  <sequenceFlow id="f2" sourceRef="sign" targetRef="handle"/>
  <userTask id="handle" name="办理" camunda:candidateGroups="unit:xianghe-land" camunda:formKey="shuoshi:handle" camunda:dueDate="P7D"/>
  <boundaryEvent id="late" attachedToRef="handle" cancelActivity="false"><timerEventDefinition><timeDuration>P7D</timeDuration></timerEventDefinition></boundaryEvent>
  <sequenceFlow id="fo1" sourceRef="late" targetRef="old"/>
  <userTask id="old" name="旧督办" camunda:candidateGroups="unit:xianghe-land"/>
  <sequenceFlow id="fo2" sourceRef="old" targetRef="e2"/>
  <endEvent id="e2"/>
  <sequenceFlow id="f3" sourceRef="handle" targetRef="e"/>
  <endEvent id="e" name="结束"/>`,
)
const v2 = bpmn(
  'proc',
  `<startEvent id="s" name="开始"/>
  <sequenceFlow id="f1" sourceRef="s" targetRef="sign"/>
  <userTask id="sign" name="签收确认" camunda:candidateGroups="role:dispatcher"/>
  <sequenceFlow id="f2" sourceRef="sign" targetRef="handle"/>
  <userTask id="handle" name="办理" camunda:candidateGroups="unit:xianghe-land" camunda:formKey="shuoshi:handle2" camunda:dueDate="P5D"/>
  <boundaryEvent id="late" attachedToRef="handle" cancelActivity="false"><timerEventDefinition><timeDuration>P5D</timeDuration></timerEventDefinition></boundaryEvent>
  <sequenceFlow id="f6" sourceRef="late" targetRef="e2"/>
  <endEvent id="e2"/>
  <sequenceFlow id="f4" sourceRef="handle" targetRef="check"/>
  <userTask id="check" name="复核" camunda:candidateGroups="unit:xianghe-land"/>
  <sequenceFlow id="f5" sourceRef="check" targetRef="e"/>
  <endEvent id="e" name="结束"/>`,
)

t.test('the diff of two versions, by scope', async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const admin = await login(app, 'admin')
  const xianghe = await login(app, 'xianghe-admin')
  const guangyang = await login(app, 'guangyang-admin')
  const deploy = async (headers: any, xml: string) => {
    const r = await app.inject({ method: 'POST', url: '/api/process-definitions', headers, payload: { xml } })
    t.equal(r.statusCode, 201, r.body)
    return r.json()
  }
  const city1 = await deploy(admin, v1)
  const county1 = await deploy(xianghe, v2)
  const county2 = await deploy(xianghe, v1)
  // Guangyang's version names Guangyang's own unit: a county's version must be receivable there.
  const other = await deploy(guangyang, v2.replaceAll('unit:xianghe-land', 'unit:guangyang-centre'))
  const diff = (id: string, headers: any, against?: string) =>
    app.inject({ method: 'GET', url: `/api/process-definitions/${id}/diff${against ? `?against=${against}` : ''}`, headers })

  // Xianghe's first version against the city's version of its day.
  const r = await diff(county1.id, xianghe)
  t.equal(r.statusCode, 200, r.body)
  const d = r.json()
  t.equal(d.from.id, city1.id, "a county's first version is compared with the city version")
  t.equal(d.to.tenantName, '香河县', 'the county by name')
  t.equal(d.to.deployedByName != null && d.to.deployedByName !== 'xianghe-admin', true, `deployer's display name (${d.to.deployedByName})`)
  t.same(
    d.added.map((x: any) => x.id),
    ['check'],
  )
  t.same(d.removed.map((x: any) => x.id).sort(), ['old'])
  t.same(d.renamed, [{ id: 'sign', type: 'UserTask', name: '签收确认', from: '签收', to: '签收确认' }])
  const changes = d.changed.map((c: any) => `${c.id}.${c.field}: ${c.from} → ${c.to}`).sort()
  t.same(changes, [
    'handle.dueDate: P7D → P5D',
    'handle.formKey: shuoshi:handle → shuoshi:handle2',
    'late.timer: duration P7D → duration P5D',
    'sign.candidateGroups: unit:xianghe-land → role:dispatcher',
  ])
  t.same(d.flows.added.map((f: any) => `${f.id} ${f.source}→${f.target}`).sort(), ['f4 handle→check', 'f5 check→e', 'f6 late→e2'])
  t.same(d.flows.removed.map((f: any) => `${f.id} ${f.source}→${f.target}`).sort(), ['f3 handle→e', 'fo1 late→old', 'fo2 old→e2'])
  t.same(d.flows.changed, [])
  t.equal(d.flows.added.find((f: any) => f.id === 'f4').targetName, '复核', 'flows carry the names of their ends')

  // The county's v2 against its own v1 is the same change backwards.
  const back = (await diff(county2.id, xianghe)).json()
  t.equal(back.from.id, county1.id)
  t.same(
    back.added.map((x: any) => x.id),
    ['old'],
  )
  t.same(
    back.removed.map((x: any) => x.id),
    ['check'],
  )
  // Identical XML: nothing changed.
  const same = (await diff(county2.id, admin, city1.id)).json()
  t.same([same.added, same.removed, same.renamed, same.changed, same.flows.added, same.flows.removed, same.flows.changed], [[], [], [], [], [], [], []])
  // The city's first version: nothing before it, everything added.
  const first = (await diff(city1.id, admin)).json()
  t.equal(first.from, null)
  t.equal(first.added.length, 7, 's, sign, handle, late, old, e2, e')

  // Scope: another county's version is not found for a county administrator, either way round.
  t.equal((await diff(other.id, xianghe)).statusCode, 404)
  t.equal((await diff(county1.id, xianghe, other.id)).statusCode, 404)
  t.equal((await diff(county1.id, guangyang)).statusCode, 404)
  t.equal((await diff(other.id, admin, county1.id)).statusCode, 200, 'an administrator compares any two')
  t.equal((await diff('no-such-id', admin)).statusCode, 404)
  t.equal((await diff(county1.id, await login(app, 'grid01'))).statusCode, 403)
  t.equal((await diff(county1.id, {})).statusCode, 401)

  // Another procedure's version: 400 with a catalogue key.
  const otherKey = await deploy(admin, bpmn('proc2', `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="e"/><endEvent id="e"/>`))
  const mixed = await diff(county1.id, admin, otherKey.id)
  t.equal(mixed.statusCode, 400)
  t.equal(mixed.json().key, 'error.engine.diffOtherKey')

  // The list names the county and the deployer.
  const list = (await app.inject({ method: 'GET', url: '/api/process-definitions?key=proc', headers: xianghe })).json()
  t.same(
    list.map((v: any) => [v.tenant, v.tenantName, v.version]).sort(),
    [
      [null, null, 1],
      ['xianghe', '香河县', 1],
      ['xianghe', '香河县', 2],
    ].sort(),
  )
})
