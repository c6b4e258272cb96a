import t from 'tap'
import { build } from '../helper.js'
import { bilingual } from '../../src/messages/index.js'
import { call, caseByNo, petition } from '../api.js'
import { pickRule, type RuleRow } from '../../src/cases/routing.js'
import { DEFAULT_RULES } from '../../src/cases/seed.js'
import { convertRoutingRules, routingHit, rulesToDmn } from '../../src/cases/routing-decision.js'
import { process as bpmn } from '../fixtures/bpmn.js'

/**
 * Decision tables through the HTTP API: deploy, evaluate per hit policy (expected outputs worked
 * out by hand beside each call), scope, hostile files; then routing as the `routing` decision.
 */

const NS = 'https://www.omg.org/spec/DMN/20191111/MODEL/'

/**
 * The discount table every hit policy is tried on (age, member → discount), rules in this order:
 *   r1: age >= 60,  -     → 10
 *   r2: age < 18,   -     → 5
 *   r3: -,          true  → 7
 *   r4: -,          -     → 0
 * outputValues 10, 7, 5, 0 (the priority order of PRIORITY / OUTPUT ORDER).
 */
function discount(key: string, hitPolicy: string, aggregation?: string, opts: { outputValues?: boolean } = {}) {
  const rules = [
    ['>= 60', '-', '10'],
    ['< 18', '-', '5'],
    ['-', 'true', '7'],
    ['-', '-', '0'],
  ]
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="${NS}" id="defs_${key}" name="Discount" namespace="test">
  <decision id="${key}" name="Discount">
    <decisionTable id="t_${key}" hitPolicy="${hitPolicy}"${aggregation ? ` aggregation="${aggregation}"` : ''}>
      <input id="i_age" label="Age"><inputExpression typeRef="number"><text>age</text></inputExpression></input>
      <input id="i_member" label="Member"><inputExpression typeRef="boolean"><text>member</text></inputExpression></input>
      <output id="o_discount" name="discount" typeRef="number">${opts.outputValues === false ? '' : '<outputValues><text>10, 7, 5, 0</text></outputValues>'}</output>
${rules.map((r, i) => `      <rule id="r${i + 1}"><inputEntry><text>${r[0].replace('<', '&lt;').replace('>', '&gt;')}</text></inputEntry><inputEntry><text>${r[1]}</text></inputEntry><outputEntry><text>${r[2]}</text></outputEntry></rule>`).join('\n')}
    </decisionTable>
  </decision>
</definitions>`
}

/** A one-table file with the given input/output entries text (hostile cases). */
function oneRule(key: string, inputEntry: string, outputEntry = '"x"', extra = '') {
  return `<definitions xmlns="${NS}" id="d_${key}" name="x" namespace="test">${extra}
  <decision id="${key}" name="x"><decisionTable hitPolicy="FIRST">
    <input id="i1"><inputExpression typeRef="string"><text>a</text></inputExpression></input>
    <output id="o1" name="out" typeRef="string"/>
    <rule id="r1"><inputEntry><text>${inputEntry}</text></inputEntry><outputEntry><text>${outputEntry}</text></outputEntry></rule>
  </decisionTable></decision></definitions>`
}

t.test('decision tables over HTTP', async (t) => {
  const app = await build(t)
  const deploy = (xml: string, user = 'admin', tenant?: string | null) =>
    call(app, user, 'POST', '/api/decisions', { xml, ...(tenant !== undefined && { tenant }) })
  const evaluate = (key: string, variables: Record<string, unknown>, user = 'admin', tenant?: string) =>
    call(app, user, 'POST', `/api/decisions/key/${key}/evaluate`, { variables, ...(tenant && { tenant }) })

  t.test('every hit policy, outputs worked out by hand', async (t) => {
    for (const [key, policy, agg] of [
      ['d_unique', 'UNIQUE'],
      ['d_first', 'FIRST'],
      ['d_priority', 'PRIORITY'],
      ['d_any', 'ANY'],
      ['d_collect', 'COLLECT'],
      ['d_sum', 'COLLECT', 'SUM'],
      ['d_min', 'COLLECT', 'MIN'],
      ['d_max', 'COLLECT', 'MAX'],
      ['d_count', 'COLLECT', 'COUNT'],
      ['d_rule', 'RULE ORDER'],
      ['d_output', 'OUTPUT ORDER'],
    ]) {
      const r = await deploy(discount(key!, policy!, agg))
      t.equal(r.status, 201, `${key} deploys`)
    }
    const result = async (key: string, age: number, member: boolean) => {
      const r = await evaluate(key, { age, member })
      return r.status === 200 ? r.body.result : { status: r.status, key: r.body.key, params: r.body.params }
    }
    // 30, not a member: only r4 → 0. 65 and a member: r1, r3, r4. 10 and a member: r2, r3, r4.
    t.equal(await result('d_unique', 30, false), 0, 'UNIQUE, one hit (r4)')
    t.match(
      await result('d_unique', 65, true),
      { status: 422, key: 'error.dmn.uniqueViolated', params: { rules: 'r1, r3, r4' } },
      'UNIQUE with three hits is a 422 naming them',
    )
    t.equal(await result('d_first', 65, true), 10, 'FIRST: r1')
    t.equal(await result('d_first', 10, true), 5, 'FIRST: r2')
    t.equal(await result('d_priority', 10, true), 7, 'PRIORITY: 5, 7, 0 hit; 7 comes first in "10, 7, 5, 0"')
    t.equal(await result('d_priority', 65, true), 10, 'PRIORITY: 10, 7, 0 hit; 10 first')
    t.equal(await result('d_any', 30, false), 0, 'ANY, one hit')
    t.match(await result('d_any', 65, true), { status: 422, key: 'error.dmn.anyViolated' }, 'ANY with different outputs is a 422')
    t.same(await result('d_collect', 65, true), [10, 7, 0], 'COLLECT: rule order')
    t.equal(await result('d_sum', 65, true), 17, 'COLLECT SUM: 10 + 7 + 0')
    t.equal(await result('d_sum', 10, false), 5, 'COLLECT SUM: 5 + 0')
    t.equal(await result('d_min', 65, true), 0, 'COLLECT MIN')
    t.equal(await result('d_max', 10, true), 7, 'COLLECT MAX: of 5, 7, 0')
    t.equal(await result('d_count', 65, true), 3, 'COLLECT COUNT')
    t.same(await result('d_rule', 10, true), [5, 7, 0], 'RULE ORDER')
    t.same(await result('d_output', 10, true), [7, 5, 0], 'OUTPUT ORDER: by "10, 7, 5, 0"')
    const detail = await evaluate('d_first', { age: 65, member: true })
    t.same(detail.body.matchedRules, ['r1'])
    t.same(detail.body.entries, [{ discount: 10 }])
    t.match(await result('d_first', 'old' as never, true), { status: 422, key: 'error.dmn.inputType' }, 'a number column given text')
  })

  t.test('no hit, input values, a required decision and a literal expression', async (t) => {
    const xml = `<definitions xmlns="${NS}" id="fee_defs" name="Fee" namespace="test">
  <decision id="fee" name="Fee">
    <variable name="fee" typeRef="number"/>
    <informationRequirement><requiredDecision href="#rate"/></informationRequirement>
    <literalExpression><text>base * (100 - rate) / 100</text></literalExpression>
  </decision>
  <decision id="rate" name="rate">
    <decisionTable hitPolicy="UNIQUE">
      <input id="i_tier" label="Tier"><inputExpression typeRef="string"><text>tier</text></inputExpression><inputValues><text>"gold","silver","bronze"</text></inputValues></input>
      <output id="o_rate" name="rate" typeRef="number"/>
      <rule id="gold"><inputEntry><text>"gold"</text></inputEntry><outputEntry><text>20</text></outputEntry></rule>
      <rule id="silver"><inputEntry><text>"silver"</text></inputEntry><outputEntry><text>10</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>`
    const r = await deploy(xml)
    t.equal(r.status, 201)
    t.equal(r.body.key, 'fee', 'the key is the decision no other requires')
    t.equal((await evaluate('fee', { tier: 'gold', base: 200 })).body.result, 160, '200 × (100 − 20) / 100')
    t.equal((await evaluate('fee', { tier: 'silver', base: 50 })).body.result, 45, '50 × 90 / 100')
    t.equal((await evaluate('fee', { tier: 'bronze', base: 50 })).body.result, null, 'no rule for bronze: rate null, so fee null')
    const bad = await evaluate('fee', { tier: 'platinum', base: 50 })
    t.equal(bad.status, 422)
    t.equal(bad.body.key, 'error.dmn.inputNotAllowed')
    const one = await call(app, 'admin', 'POST', '/api/decisions/key/fee/evaluate', { variables: { tier: 'silver' }, decision: 'rate' })
    t.equal(one.body.result, 10, 'a required decision on its own')
    const again = await deploy(xml)
    t.equal(again.status, 200, 'the same file again is not a new version')
    t.equal(again.body.version, 1)
    const got = await call(app, 'admin', 'GET', `/api/decisions/${r.body.id}`)
    t.equal(got.body.xml, xml)
    t.same(
      got.body.decisions.map((d: any) => [d.id, d.kind]),
      [
        ['fee', 'literal'],
        ['rate', 'table'],
      ],
    )
  })

  t.test('scope: county administrators deploy and test for their county only', async (t) => {
    const city = discount('d_scope', 'FIRST')
    t.equal((await deploy(city)).status, 201)
    const county = discount('d_scope', 'FIRST').replace('<text>10</text>', '<text>20</text>').replace('10, 7, 5, 0', '20, 7, 5, 0')
    const own = await deploy(county, 'xianghe-admin')
    t.equal(own.status, 201)
    t.equal(own.body.tenant, 'xianghe', 'a county administrator’s deploy is their county’s')
    t.equal((await deploy(county, 'xianghe-admin', 'guangyang')).status, 403, 'not another county')
    const defaulted = await deploy(county, 'xianghe-admin', null)
    t.equal(defaulted.body.tenant, 'xianghe', 'no tenant given: their own county, never the city')
    t.equal((await deploy(county, 'grid01')).status, 403, 'a grid worker deploys nothing')
    t.equal((await evaluate('d_scope', { age: 65, member: false }, 'xianghe-admin')).body.result, 20, 'Xianghe uses its own version')
    t.equal((await evaluate('d_scope', { age: 65, member: false }, 'admin', 'guangyang')).body.result, 10, 'Guangyang the city’s')
    t.equal((await evaluate('d_scope', { age: 65, member: false }, 'xianghe-admin', 'guangyang')).status, 403)
    const list = (await call(app, 'guangyang-admin', 'GET', '/api/decisions?key=d_scope')).body
    t.same(
      list.map((v: any) => v.tenant),
      [null],
      'another county’s version is not listed to a county administrator',
    )
    t.equal((await call(app, 'guangyang-admin', 'GET', `/api/decisions/${own.body.id}`)).status, 404)
  })

  t.test('hostile decisions are a 400 naming what is wrong, never a hang', async (t) => {
    const cases: [string, string, string][] = [
      ['not XML', 'hello', 'error.dmn.parse'],
      ['a DOCTYPE', `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${oneRule('h1', '"a"')}`, 'error.dmn.doctype'],
      ['a for loop', oneRule('h2', 'count(for i in 1..100000000 return i) > 0'), 'error.dmn.expressionRefused'],
      ['a loop in an output', oneRule('h3', '-', 'string(count(for i in 1..100000000 return i))'), 'error.dmn.expressionRefused'],
      ['a backtracking regular expression', oneRule('h4', 'matches(?, "^(a+)+$")'), 'error.dmn.expressionRefused'],
      ['a function definition', oneRule('h5', '-', '(function(n) n)(1)'), 'error.dmn.expressionRefused'],
      ['a function nobody provides', oneRule('h6', 'svc.find(?)'), 'error.dmn.expressionRefused'],
      ['FEEL that does not parse', oneRule('h7', '&gt;&gt;&gt; ((('), 'error.dmn.expression'],
      ['a long expression', oneRule('h8', `"${'x'.repeat(2100)}"`.replace(/^"/, 'string length(?) = 1 or ? = "')), 'error.dmn.expressionTooLong'],
      ['a business knowledge model', oneRule('h9', '-', '"x"', '<businessKnowledgeModel id="bkm" name="bkm"/>'), 'error.dmn.unsupported'],
      ['an unknown hit policy', oneRule('h10', '-').replace('hitPolicy="FIRST"', 'hitPolicy="SOMETIMES"'), 'error.dmn.hitPolicy'],
      ['an aggregation on FIRST', oneRule('h11', '-').replace('hitPolicy="FIRST"', 'hitPolicy="FIRST" aggregation="SUM"'), 'error.dmn.hitPolicy'],
      ['entries that do not fit the columns', oneRule('h12', '-').replace('<outputEntry><text>"x"</text></outputEntry>', ''), 'error.dmn.entryCount'],
      ['no decision', `<definitions xmlns="${NS}" id="d" name="x" namespace="t"/>`, 'error.dmn.noDecision'],
      [
        'decisions requiring each other',
        `<definitions xmlns="${NS}" id="d" name="x" namespace="t"><decision id="a" name="a"><informationRequirement><requiredDecision href="#b"/></informationRequirement><literalExpression><text>b</text></literalExpression></decision><decision id="b" name="b"><informationRequirement><requiredDecision href="#a"/></informationRequirement><literalExpression><text>a</text></literalExpression></decision></definitions>`,
        'error.dmn.cycle',
      ],
      [
        '2,001 rules',
        oneRule('h13', '-').replace(
          /<rule id="r1">.*<\/rule>/,
          Array.from(
            { length: 2001 },
            (_, i) => `<rule id="r${i}"><inputEntry><text>-</text></inputEntry><outputEntry><text>"x"</text></outputEntry></rule>`,
          ).join(''),
        ),
        'error.dmn.tooMany',
      ],
      [
        // Each such entry is parsed by feelin on every evaluation: 10,000 of them (`> 5`, under
        // 512 KB) took 0.4 s per evaluation of the table, which intake does once per case.
        '501 entries only feelin can run',
        oneRule('h14', '-').replace(
          /<rule id="r1">.*<\/rule>/,
          Array.from(
            { length: 501 },
            (_, i) => `<rule id="r${i}"><inputEntry><text>string length(?) &gt; ${i}</text></inputEntry><outputEntry><text>"x"</text></outputEntry></rule>`,
          ).join(''),
        ),
        'error.dmn.tooManyFeel',
      ],
    ]
    for (const [what, xml, key] of cases) {
      const started = Date.now()
      const r = await deploy(xml)
      t.equal(r.status, 400, what)
      t.equal(r.body.key, key, `${what}: ${r.body.message}`)
      t.ok(Date.now() - started < 5000, `${what}: answered at once`)
    }
    t.equal((await deploy('x'.repeat(600 * 1024))).status, 413, 'a file over the body limit')
    const fiveHundred = oneRule('h15', '-').replace(
      /<rule id="r1">.*<\/rule>/,
      Array.from(
        { length: 500 },
        (_, i) => `<rule id="r${i}"><inputEntry><text>string length(?) &gt; ${i}</text></inputEntry><outputEntry><text>"x"</text></outputEntry></rule>`,
      ).join(''),
    )
    t.equal((await deploy(fiveHundred)).status, 201, '500 such entries deploy')
  })

  t.test('a business rule task evaluates a deployed decision inside a step', async (t) => {
    // d_collect (COLLECT, rules r1–r4 above) and d_first are deployed by the first subtest.
    const ruleTask = (id: string, attrs: string) =>
      bpmn(
        id,
        `<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="decide"/>
  <businessRuleTask id="decide" ${attrs}/><sequenceFlow id="f2" sourceRef="decide" targetRef="wait"/>
  <userTask id="wait" camunda:candidateGroups="role:dispatcher"/><sequenceFlow id="f3" sourceRef="wait" targetRef="e"/><endEvent id="e"/>`,
      )
    const run = async (id: string, attrs: string, variables: Record<string, unknown>) => {
      const d = await call(app, 'admin', 'POST', '/api/process-definitions', { xml: ruleTask(id, attrs) })
      t.ok(d.status === 201, `${id} deploys: ${JSON.stringify(d.body)}`)
      const s = await call(app, 'admin', 'POST', `/api/process-definitions/key/${id}/start`, { variables })
      return s
    }
    const vars = (r: any) => r.body.variables
    // age 65, member: d_first → r1 (10); d_collect → r1, r3, r4 → 10, 7, 0.
    let r = await run('brt_entry', 'camunda:decisionRef="d_first" camunda:resultVariable="discount" camunda:mapDecisionResult="singleEntry"', {
      age: 65,
      member: true,
    })
    t.equal(r.status, 201)
    t.equal(vars(r).discount, 10, 'singleEntry: the value')
    t.same(
      r.body.activeTasks.map((x: any) => x.elementId),
      ['wait'],
      'the step went on to the next task',
    )
    r = await run('brt_result', 'camunda:decisionRef="d_first" camunda:resultVariable="hit" camunda:mapDecisionResult="singleResult"', {
      age: 65,
      member: true,
    })
    t.same(vars(r).hit, { discount: 10 }, 'singleResult: the output context')
    r = await run('brt_collect', 'camunda:decisionRef="d_collect" camunda:resultVariable="all" camunda:mapDecisionResult="collectEntries"', {
      age: 65,
      member: true,
    })
    t.same(vars(r).all, [10, 7, 0], 'collectEntries: the values')
    r = await run('brt_list', 'camunda:decisionRef="d_collect" camunda:resultVariable="rows"', { age: 10, member: false })
    t.same(vars(r).rows, [{ discount: 5 }, { discount: 0 }], 'resultList (the default): r2, r4')
    const tooMany = await call(app, 'admin', 'POST', '/api/process-definitions/key/brt_entry/start', { variables: { age: 65, member: true, x: 1 } })
    t.equal(tooMany.status, 201, 'one hit on FIRST is fine')
    const d = await call(app, 'admin', 'POST', '/api/process-definitions', {
      xml: ruleTask('brt_many', 'camunda:decisionRef="d_collect" camunda:resultVariable="v" camunda:mapDecisionResult="singleEntry"'),
    })
    t.equal(d.status, 201)
    const many = await call(app, 'admin', 'POST', '/api/process-definitions/key/brt_many/start', { variables: { age: 65, member: true } })
    t.equal(many.status, 422, 'three results do not fit singleEntry: a clear 422, nothing started')
    t.equal(many.body.key, 'error.dmn.resultMapping')

    const unknown = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', {
      xml: ruleTask('brt_bad', 'camunda:decisionRef="no_such_table" camunda:resultVariable="v"'),
    })
    t.equal(unknown.status, 400, 'an unknown decision')
    t.match(unknown.body.details, [{ elementId: 'decide', message: /no_such_table/ }], 'named with the element, beside any other problem of the diagram')
    for (const [what, attrs, key] of [
      ['a platform variable as the result', 'camunda:decisionRef="d_first" camunda:resultVariable="handlerGroup"', 'error.dmn.protectedResult'],
      ['an unknown mapping', 'camunda:decisionRef="d_first" camunda:resultVariable="v" camunda:mapDecisionResult="everything"', 'error.dmn.mapping'],
      ['another tenant’s decision', 'camunda:decisionRef="d_first" camunda:decisionRefTenantId="guangyang"', 'error.dmn.refTenant'],
    ]) {
      const refused = await call(app, 'xianghe-admin', 'POST', '/api/process-definitions', { xml: ruleTask('brt_bad', attrs!) })
      t.equal(refused.status, 400, what!)
      const detail = refused.body.details?.find((x: any) => x.elementId === 'decide')
      t.ok(detail, `${what}: names the element`)
      t.equal(detail?.message, bilingual(key as any, { element: 'decide', ref: 'no_such_table', name: 'handlerGroup', mapping: 'everything' }))
    }
    const noRef = await call(app, 'admin', 'POST', '/api/process-definitions', { xml: ruleTask('brt_noref', '') })
    t.equal(noRef.status, 400, 'a business rule task without decisionRef is still refused')
  })

  t.test('routing is the shipped decision; a county overrides one rule', async (t) => {
    const versions = (await call(app, 'admin', 'GET', '/api/decisions?key=routing')).body
    t.same(
      versions.map((v: any) => [v.tenant, v.version, v.deployedBy]),
      [[null, 1, 'system']],
      'seeded from processes/decisions/routing.dmn',
    )
    const land = { description: '有人在耕地上建房', category: 'land.use', petitioner: { type: 'person', anonymous: true } }
    // The city's rule "land → @county:land" resolves to the case's county land bureau.
    const before = await caseByNo(app, (await petition(app, { ...land, regionCode: 'xh-anping-v01-g1' })).caseNo)
    t.equal(before.ownerUnit, 'xianghe-land')

    const current = (await call(app, 'xianghe-admin', 'GET', '/api/decisions/key/routing')).body
    t.equal(current.tenant, null, 'Xianghe starts from the city’s table')
    const edited = current.xml.replace(/(<rule id="rule_10">(?:(?!<\/rule>).)*?)"@county:land"/, '$1"@county:housing"')
    t.not(edited, current.xml, 'the land rule was found and changed')
    const dep = await call(app, 'xianghe-admin', 'POST', '/api/decisions', { xml: edited })
    t.equal(dep.status, 201, JSON.stringify(dep.body))
    t.equal(dep.body.tenant, 'xianghe')

    const after = await caseByNo(app, (await petition(app, { ...land, regionCode: 'xh-anping-v01-g1' })).caseNo)
    t.equal(after.ownerUnit, 'xianghe-housing', 'the next Xianghe land case goes to the unit the county chose')
    const gy = await caseByNo(app, (await petition(app, { ...land, regionCode: 'gy-xinyuan-v01-g1' })).caseNo)
    t.equal(gy.ownerUnit, 'guangyang-land', 'Guangyang keeps the city’s rule')

    const foreign = current.xml.replace('"@county:land"', '"guangyang-land"')
    const refused = await call(app, 'xianghe-admin', 'POST', '/api/decisions', { xml: foreign })
    t.equal(refused.status, 400, 'a county table may not send cases to another county’s unit')
    t.equal(refused.body.key, 'error.dmn.routingOwner')
    const badLevel = await call(app, 'admin', 'POST', '/api/decisions', { xml: current.xml.replace('"county"', '"galaxy"') })
    t.equal(badLevel.body.key, 'error.dmn.routingValue')
    const noColumns = await call(app, 'admin', 'POST', '/api/decisions', { xml: oneRule('routing', '-') })
    t.equal(noColumns.body.key, 'error.dmn.routingColumns')

    // PUT /api/routing-rules (the old page's route) writes its rules through as Xianghe's next version.
    const put = await call(app, 'xianghe-admin', 'PUT', '/api/routing-rules', { rules: [{ category: 'land', owner: '@county:civil', level: 'county' }] })
    t.equal(put.status, 200)
    const via = await caseByNo(app, (await petition(app, { ...land, regionCode: 'xh-anping-v01-g1' })).caseNo)
    t.equal(via.ownerUnit, 'xianghe-civil')
    const stall = await caseByNo(app, (await petition(app, { ...land, category: 'urban.stall', regionCode: 'xh-anping-v01-g1' })).caseNo)
    t.equal(stall.ownerUnit, 'xianghe-urban', 'what Xianghe’s rules leave out falls to the city’s table (urban → @county:urban)')
  })

  t.test('the decision picks what pickRule picked (most specific first), and edited rules convert once', async (t) => {
    // A county's rules over the city's seed: a sub-category, a group, a region and a catch-all.
    const now = new Date().toISOString()
    const row = (over: Partial<RuleRow>, sort: number): RuleRow => ({
      id: `00000000-0000-4000-8000-${String(sort).padStart(12, '0')}`,
      tenant: 'xianghe',
      category: null,
      region: null,
      owner: '@centre',
      level: null,
      procedure: null,
      response_limit: null,
      resolve_limit: null,
      sort,
      updated_at: now,
      updated_by: 'test',
      ...over,
    })
    const county: RuleRow[] = [
      row({ category: 'roads', owner: '@county:urban' }, 0),
      row({ category: 'roads.damage', region: 'xh-anping', owner: '@township:safety' }, 1),
      row({ category: 'roads.damage', owner: '@county:transport', resolve_limit: 'P3D' }, 2),
      row({ region: 'xh-anping-v01', owner: '@village' }, 3),
      row({ category: 'safety', region: 'xh-anping', owner: '@grid' }, 4),
    ]
    const city: RuleRow[] = DEFAULT_RULES.map((r, i) => ({ ...row({ category: r.category, owner: r.owner, level: r.level ?? null }, 100 + i), tenant: '' }))
    await app.db('routing_rules').where({ tenant: 'xianghe' }).delete()
    await app.db('resource_definitions').where({ kind: 'decision', key: 'routing', tenant: 'xianghe' }).delete()
    await app.db('routing_rules').insert(county)
    t.equal(await convertRoutingRules(app.db, app.decisions, DEFAULT_RULES), 1, 'Xianghe’s rules become a version; the city’s seed is left to the shipped file')
    t.equal(await convertRoutingRules(app.db, app.decisions, DEFAULT_RULES), 0, 'once')
    const categories: string[] = (await app.db('categories').select('code')).map((c: { code: string }) => c.code)
    const paths = [
      '/langfang/xianghe/xh-anping/xh-anping-v01/xh-anping-v01-g1/',
      '/langfang/xianghe/xh-anping/xh-anping-v02/xh-anping-v02-g1/',
      '/langfang/xianghe/xh-shuyang/xh-shuyang-v01/xh-shuyang-v01-g1/',
      '/langfang/guangyang/gy-xinyuan/gy-xinyuan-v01/gy-xinyuan-v01-g1/',
    ]
    let compared = 0
    for (const path of paths) {
      const tenant = path.split('/')[2]
      for (const category of categories) {
        const old = pickRule([...county, ...city], category, path, tenant)
        const hit = await routingHit(app.db, app.decisions, { category, path, tenant, urgency: 'normal' })
        t.equal(hit?.owner ?? null, old?.owner ?? null, `${category} at ${path}`)
        t.equal(hit?.resolveLimit ?? null, old?.resolve_limit ?? null)
        compared++
      }
    }
    t.ok(compared > 100)
    // A rule on a category with sub-categories matches them too (the FEEL "starts with" entry).
    t.match(rulesToDmn([{ category: 'a.b', owner: '@grid' }], { parents: new Set(['a.b']) }), /"a\.b", starts with\(\?, "a\.b\."\)/)
  })

  t.test(
    "a county's routing version from before today's checks: its petitions are routed by the city's table, and the version is shown with its problem",
    async (t) => {
      // Every petition of the county answered 500, and so did the decision page and its test button.
      const land = { description: '有人在耕地上建房', category: 'land.use', petitioner: { type: 'person', anonymous: true } }
      const city = (await call(app, 'admin', 'GET', '/api/decisions/key/routing')).body
      t.equal(city.tenant, null)
      const own = city.xml.replace(/(<rule id="rule_10">(?:(?!<\/rule>).)*?)"@county:land"/, '$1"@county:housing"')
      const dep = await call(app, 'guangyang-admin', 'POST', '/api/decisions', { xml: own })
      t.equal(dep.status, 201)
      const head = await app.db('resource_definitions').where({ id: dep.body.id }).first()
      // As a database from before the check holds it: written to the table, past the deploy check.
      const old = head.source.replace('<text>"environment.garbage"</text>', '<text>count(for i in 1..10 return i) &gt; 0</text>')
      t.not(old, head.source)
      await app.db('resource_definitions').insert({ ...head, id: `${head.id}-old`, version: head.version + 1, source: old, source_hash: 'old' })

      const p = await call(app, null, 'POST', '/api/public/petitions', { ...land, regionCode: 'gy-xinyuan-v01-g1' })
      t.equal(p.status, 201, `the petition is taken: ${JSON.stringify(p.body).slice(0, 200)}`)
      const c = await caseByNo(app, p.body.caseNo)
      t.equal(c.ownerUnit, 'guangyang-land', "routed by the city's rule (the county's usable version said housing)")

      const shown = await call(app, 'guangyang-admin', 'GET', '/api/decisions/key/routing')
      t.equal(shown.status, 200, 'the version is shown, so that it can be mended')
      t.match(shown.body, { version: head.version + 1, tenant: 'guangyang', xml: old, decisions: [], problem: { key: 'error.dmn.expressionRefused' } })
      t.equal((await call(app, 'guangyang-admin', 'GET', `/api/decisions/${head.id}-old`)).body.problem?.key, 'error.dmn.expressionRefused')
      const ev = await call(app, 'guangyang-admin', 'POST', '/api/decisions/key/routing/evaluate', { variables: { category: 'land.use' } })
      t.equal(ev.status, 422)
      t.equal(ev.body.key, 'error.dmn.expressionRefused')
    },
  )
})
