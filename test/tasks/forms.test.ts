import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { build } from '../helper.js'
import { call, caseByNo, getCase, openTask, petition, step } from '../api.js'
import { projectRoot } from '../../src/lib/paths.js'

/**
 * Task forms as deployed resources, and the server's check of task data against them (the same
 * rules as the form-js viewer). One app for the file: each subtest works on cases of its own.
 */
const handleSource = fs.readFileSync(path.join(projectRoot(), 'processes/forms/handle.form'), 'utf8')
const handle = JSON.parse(handleSource)

/** A case at its handle step: grid cases sign for themselves (xianghe: grid01). */
async function atHandle(app: any, regionCode: string, signer: string) {
  const p = await petition(app, { description: '村道被占用', category: 'neighbour.building', regionCode, petitioner: { type: 'person', anonymous: true } })
  const c = await caseByNo(app, p.caseNo)
  await step(app, c.id, 'ut_signfor', signer, { signOutcome: 'accept' })
  const task = await openTask(app, c.id, 'ut_handle')
  return { c, p, task }
}

/** The handle form with one more required text field (what an administrator adds in the editor). */
function withField(key: string, label: string) {
  return JSON.stringify({ ...handle, components: [...handle.components, { key, type: 'textfield', label, validate: { required: true, maxLength: 200 } }] })
}

t.test('task forms', async (t) => {
  const app = await build(t)

  t.test('shipped forms are seeded as the city versions, listed for administrators', async (t) => {
    const list = await call(app, 'admin', 'GET', '/api/forms')
    t.equal(list.status, 200)
    const h = list.body.filter((f: any) => f.key === 'shuoshi-handle')
    t.equal(h.length, 1, 'one version of the handle form: the shipped file')
    t.match(h[0], { formKey: 'shuoshi:handle', version: 1, tenant: null, deployedBy: 'system', name: '办理 / Handle' })
    // 14 files in processes/forms, each a key of its own.
    t.equal(new Set(list.body.map((f: any) => f.key)).size, fs.readdirSync(path.join(projectRoot(), 'processes/forms')).length)
    const one = await call(app, 'admin', 'GET', `/api/forms/${h[0].id}`)
    t.same(JSON.parse(one.body.source), handle, 'the source is the file')
    t.equal((await call(app, 'grid01', 'GET', '/api/forms')).status, 403, 'a handler does not manage forms')
  })

  t.test("a county override: the county's tasks use its version, other counties keep the city's", async (t) => {
    const city = await call(app, 'admin', 'POST', '/api/forms', { source: withField('cityNote', '市级备注 / City note') })
    t.equal(city.status, 201)
    t.match(city.body, { key: 'shuoshi-handle', version: 2, tenant: null })
    const county = await call(app, 'xianghe-admin', 'POST', '/api/forms', { source: withField('siteCheck', '现场核查情况 / Site check') })
    t.equal(county.status, 201)
    t.match(county.body, { key: 'shuoshi-handle', version: 1, tenant: 'xianghe' }, 'a county administrator deploys for their county')
    const again = await call(app, 'xianghe-admin', 'POST', '/api/forms', { source: withField('siteCheck', '现场核查情况 / Site check') })
    t.equal(again.status, 200, 'the same source is not a new version')
    t.equal((await call(app, 'xianghe-admin', 'POST', '/api/forms', { source: handleSource, tenant: 'guangyang' })).status, 403, 'not for another county')
    t.equal((await call(app, 'guangyang-admin', 'GET', `/api/forms/${county.body.id}`)).status, 404, "another county's version is not there for them")
    const gyList = (await call(app, 'guangyang-admin', 'GET', '/api/forms?key=shuoshi-handle')).body
    t.same(
      gyList.map((f: any) => f.tenant),
      [null, null],
      'guangyang sees the two city versions only',
    )

    const xh = await atHandle(app, 'xh-anping-v01-g1', 'grid01')
    const xhForm = (await call(app, 'grid01', 'GET', `/api/tasks/${xh.task.id}`)).body.form
    t.match(xhForm, { key: 'shuoshi:handle', tenant: 'xianghe', version: 1, versionId: county.body.id })
    const keys = xhForm.schema.components.map((c: any) => c.key)
    t.ok(keys.includes('siteCheck') && !keys.includes('cityNote'), 'the county version wins for a Xianghe task')
    const missing = await call(app, 'grid01', 'POST', `/api/tasks/${xh.task.id}/complete`, { data: { outcome: 'resolved', result: '已修复' } })
    t.equal(missing.status, 400)
    t.same(
      missing.body.details.map((d: any) => [d.field, d.key]),
      [['siteCheck', 'error.validation.required']],
    )
    const city400 = await call(app, 'grid01', 'POST', `/api/tasks/${xh.task.id}/complete`, {
      data: { outcome: 'resolved', result: '已修复', siteCheck: '已核实', cityNote: 'x' },
    })
    t.same(
      city400.body.details.map((d: any) => [d.field, d.key]),
      [['cityNote', 'error.form.undeclared']],
      "the city's field is not on Xianghe's form",
    )
    t.equal(
      (await call(app, 'grid01', 'POST', `/api/tasks/${xh.task.id}/complete`, { data: { outcome: 'resolved', result: '已修复', siteCheck: '已核实' } })).status,
      200,
    )
    t.equal((await getCase(app, xh.c.id)).status, 'awaiting_evaluation')

    const gy = await atHandle(app, 'gy-xinyuan-v01-g1', 'admin')
    const gyForm = (await call(app, 'admin', 'GET', `/api/tasks/${gy.task.id}`)).body.form
    t.match(gyForm, { tenant: null, version: 2, versionId: city.body.id }, "Guangyang has no version of its own: the city's newest")
    t.ok(gyForm.schema.components.some((c: any) => c.key === 'cityNote'))
    t.equal(
      (await call(app, 'admin', 'POST', `/api/tasks/${gy.task.id}/complete`, { data: { outcome: 'resolved', result: '已修复', cityNote: '好' } })).status,
      200,
    )
  })

  t.test('escalation without the reason its label requires is refused (conditional required)', async (t) => {
    // Restore the shipped handle form for the city and Xianghe (a new version of the same source).
    await call(app, 'admin', 'POST', '/api/forms', { source: handleSource })
    await call(app, 'xianghe-admin', 'POST', '/api/forms', { source: handleSource })
    const { task } = await atHandle(app, 'xh-anping-v01-g1', 'grid01')
    const bare = await call(app, 'grid01', 'POST', `/api/tasks/${task.id}/complete`, { data: { outcome: 'escalate' } })
    t.equal(bare.status, 400, 'the reason shows for an escalation and is required there')
    t.same(
      bare.body.details.map((d: any) => [d.field, d.key]),
      [['reason', 'error.validation.required']],
    )
    const blank = await call(app, 'grid01', 'POST', `/api/tasks/${task.id}/complete`, { data: { outcome: 'escalate', reason: '' } })
    t.equal(blank.status, 400, 'an empty reason is no reason')
  })

  t.test('conditional hide on the server: a hidden field is neither required nor accepted', async (t) => {
    const { task, c } = await atHandle(app, 'xh-anping-v01-g1', 'grid01')
    // escalateLevel shows only for outcome = "escalate"; reason only for return/escalate/joint/unreasonable.
    const level = await call(app, 'grid01', 'POST', `/api/tasks/${task.id}/complete`, {
      data: { outcome: 'resolved', result: '已修复', escalateLevel: 'city' },
    })
    t.equal(level.status, 400)
    t.same(
      level.body.details.map((d: any) => [d.field, d.key]),
      [['escalateLevel', 'error.form.hidden']],
    )
    const reason = await call(app, 'grid01', 'POST', `/api/tasks/${task.id}/complete`, { data: { outcome: 'resolved', result: '已修复', reason: '顺便' } })
    t.same(
      reason.body.details.map((d: any) => [d.field, d.key]),
      [['reason', 'error.form.hidden']],
    )
    // What form-js submits for a resolved outcome: hidden fields absent, an empty select as null.
    const ok = await call(app, 'grid01', 'POST', `/api/tasks/${task.id}/complete`, { data: { outcome: 'resolved', result: '已修复' } })
    t.equal(ok.status, 200, 'the hidden required reason is not required')
    t.equal((await getCase(app, c.id)).status, 'awaiting_evaluation')
  })

  t.test('callback staff can record "not resolved" (the checkbox is not a "must tick" box)', async (t) => {
    const { task, c } = await atHandle(app, 'xh-anping-v01-g1', 'grid01')
    await call(app, 'grid01', 'POST', `/api/tasks/${task.id}/complete`, { data: { outcome: 'resolved', result: '已修复' } })
    const evalTask = await openTask(app, c.id, 'ut_evaluate')
    const form = (await call(app, 'callback', 'GET', `/api/tasks/${evalTask.id}`)).body.form
    t.notOk(form.schema.components.find((x: any) => x.key === 'resolved').validate?.required, 'not a required checkbox: form-js would demand a tick')
    const res = await call(app, 'callback', 'POST', `/api/tasks/${evalTask.id}/complete`, {
      data: { resolved: false, satisfaction: 'dissatisfied', comment: '' },
    })
    t.equal(res.status, 200)
    const after = await getCase(app, c.id)
    t.match(after.evaluation, { resolved: false, satisfaction: 'dissatisfied' }, 'recorded as not resolved')
    // Not resolved and dissatisfied: the procedure sends the case back for handling.
    t.equal(after.status, 'in_progress')
    t.ok(await openTask(app, c.id, 'ut_handle'), 'handled again')
  })

  t.test("the citizen's empty evaluation is a 400 naming the missing answers", async (t) => {
    const { task, p } = await atHandle(app, 'xh-anping-v01-g1', 'grid01')
    await call(app, 'grid01', 'POST', `/api/tasks/${task.id}/complete`, { data: { outcome: 'resolved', result: '已修复' } })
    const res = await call(app, null, 'POST', `/api/public/track/${p.caseNo}/evaluation`, { code: p.trackingCode })
    t.equal(res.status, 400)
    const fields = res.body.details.map((d: any) => d.params?.missingProperty).join(' ')
    t.match(fields, /resolved/)
    t.match(fields, /satisfaction/)
    const ok = await call(app, null, 'POST', `/api/public/track/${p.caseNo}/evaluation`, {
      code: p.trackingCode,
      resolved: false,
      satisfaction: 'basically_satisfied',
    })
    t.equal(ok.status, 200, 'and "not resolved" goes through for the citizen too')
  })

  t.test('hostile form sources are a 400, never stored', async (t) => {
    const before = (await call(app, 'admin', 'GET', '/api/forms')).body.length
    const deploy = (source: string) => call(app, 'admin', 'POST', '/api/forms', { source })
    const form = (components: unknown[], id = 'shuoshi-probe') => JSON.stringify({ id, type: 'default', components })
    const cases: [string, string, RegExp][] = [
      ['bad JSON', '{"id": "shuoshi-x", "components": [', /error\.forms\.badJson/],
      ['not a form', JSON.stringify({ id: 'shuoshi-x', type: 'default' }), /error\.forms\.notForm/],
      ['huge', form([{ type: 'text', text: 'x'.repeat(250_000) }]), /error\.forms\.tooLarge/],
      [
        'deep',
        form([[1, 2, 3, 4, 5].reduce((inner: any) => ({ type: 'group', components: [inner] }), { key: 'a', type: 'textfield' })]),
        /error\.forms\.tooDeep/,
      ],
      ['too many', form(Array.from({ length: 250 }, (_, i) => ({ key: `f${i}`, type: 'textfield' }))), /error\.forms\.tooMany/],
      ['protected key', form([{ key: 'handlerGroup', type: 'textfield', label: 'x' }]), /error\.forms\.protectedKey/],
      ['prototype key', form([{ key: '__proto__', type: 'textfield' }]), /error\.forms\.badKey/],
      ['dotted key', form([{ key: 'a.b', type: 'textfield' }]), /error\.forms\.badKey/],
      ['unsupported', form([{ key: 'f', type: 'filepicker' }]), /error\.forms\.unsupported/],
      ['bad id', form([], 'handle'), /error\.forms\.badId/],
      ['bad condition', form([{ key: 'f', type: 'textfield', conditional: { hide: '=(((' } }]), /error\.forms\.badCondition/],
      [
        'looping condition',
        form([{ key: 'f', type: 'textfield', conditional: { hide: '=count(for i in 1..100000000 return i) > 0' } }]),
        /error\.forms\.slowCondition/,
      ],
      ['catastrophic pattern', form([{ key: 'f', type: 'textfield', validate: { pattern: '^(a+)+$' } }]), /error\.forms\.patternExponential/],
      ['pattern that does not compile', form([{ key: 'f', type: 'textfield', validate: { pattern: '([a-' } }]), /error\.forms\.badPattern/],
      ['dynamic options', form([{ key: 'f', type: 'select', valuesKey: 'handlerGroup' }]), /error\.forms\.dynamicValues/],
    ]
    for (const [what, source, key] of cases) {
      const res = await deploy(source)
      t.equal(res.status, 400, what)
      t.match(JSON.stringify(res.body), key, what)
    }
    t.equal((await call(app, 'admin', 'GET', '/api/forms')).body.length, before, 'nothing was stored')
  })

  t.test("a county may reword the evaluation's answers, not change what they accept", async (t) => {
    const evaluation = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'processes/forms/evaluation.form'), 'utf8'))
    const edit = (fn: (c: any) => void) => {
      const copy = structuredClone(evaluation)
      fn(copy.components.find((c: any) => c.key === 'satisfaction'))
      return JSON.stringify(copy)
    }
    const reworded = await call(app, 'xianghe-admin', 'POST', '/api/forms', { source: edit((c) => (c.label = '您对办理结果满意吗？ / Are you satisfied?')) })
    t.equal(reworded.status, 201, 'a new label for a platform variable is fine')
    // A fourth option would feed the satisfaction rate a value it does not count; a condition
    // or dropping "required" would let the answer go missing.
    for (const [what, source] of [
      ['another option', edit((c) => c.values.push({ label: '非常满意', value: 'delighted' }))],
      ['not required', edit((c) => (c.validate = { required: false }))],
      ['a condition', edit((c) => (c.conditional = { hide: '=resolved' }))],
    ] as const) {
      const res = await call(app, 'xianghe-admin', 'POST', '/api/forms', { source })
      t.equal(res.status, 400, what)
      t.same(
        res.body.details.map((d: any) => [d.field, d.key]),
        [['satisfaction', 'error.forms.protectedKey']],
        what,
      )
    }
    // The same field in another form is a platform variable like any other.
    const elsewhere = await call(app, 'admin', 'POST', '/api/forms', {
      source: JSON.stringify({ ...handle, components: [...handle.components, evaluation.components.find((c: any) => c.key === 'satisfaction')] }),
    })
    t.equal(elsewhere.status, 400, 'not on the handle form')
  })

  t.test('the checks form-js makes: pattern, lengths, numbers, options, email', async (t) => {
    const probe = JSON.stringify({
      id: 'shuoshi-handle',
      type: 'default',
      components: [
        ...handle.components,
        { key: 'plate', type: 'textfield', validate: { pattern: '^[A-Z]{2}\\d{3}$', minLength: 5 } },
        { key: 'people', type: 'number', validate: { min: 1, max: 9 } },
        { key: 'mail', type: 'textfield', validate: { validationType: 'email' } },
        { key: 'ok', type: 'checkbox', validate: { required: true } },
      ],
    })
    t.equal((await call(app, 'xianghe-admin', 'POST', '/api/forms', { source: probe })).status, 201)
    const { task } = await atHandle(app, 'xh-anping-v01-g1', 'grid01')
    const bad = await call(app, 'grid01', 'POST', `/api/tasks/${task.id}/complete`, {
      data: { outcome: 'done', result: 7, plate: 'ab12', people: 12, mail: 'nobody', ok: false, extra: 1 },
    })
    t.equal(bad.status, 400)
    t.same(bad.body.details.map((d: any) => [d.field, d.key]).sort(), [
      ['extra', 'error.form.undeclared'],
      ['mail', 'error.validation.format'],
      ['ok', 'error.validation.required'], // form-js: a required checkbox must be ticked
      ['outcome', 'error.validation.enum'],
      ['people', 'error.validation.maximum'],
      ['plate', 'error.validation.minLength'],
      ['result', 'error.validation.type'],
    ])
    const good = await call(app, 'grid01', 'POST', `/api/tasks/${task.id}/complete`, {
      data: { outcome: 'resolved', result: '好', plate: 'AB123', people: 3, mail: 'a@b.cn', ok: true, escalateLevel: null },
    })
    t.equal(good.status, 200, 'null for a hidden select (what form-js leaves) is no value')
  })

  t.test('a form version from before the condition limits: its looping condition is not run', async (t) => {
    // A county form stored before function definitions and loops were refused in conditions is
    // not checked again when loaded: its hide condition ran on every completion, on the one thread.
    const source = JSON.stringify({
      ...handle,
      components: [...handle.components, { key: 'note', type: 'textfield', label: '备注', validate: { required: true }, conditional: { hide: '=true' } }],
    })
    t.equal((await call(app, 'xianghe-admin', 'POST', '/api/forms', { source })).status, 201)
    const head = await app.db('resource_definitions').where({ kind: 'form', key: 'shuoshi-handle', tenant: 'xianghe' }).orderBy('version', 'desc').first()
    const slow = source.replace('"=true"', '"=count(for i in 1..20000000 return i) > 0"')
    t.not(slow, source)
    await app.db('resource_definitions').insert({ ...head, id: `${head.id}-old`, version: head.version + 1, source: slow, source_hash: 'old' })
    const { task } = await atHandle(app, 'xh-anping-v01-g1', 'grid01')
    const t0 = Date.now()
    const refused = await call(app, 'grid01', 'POST', `/api/tasks/${task.id}/complete`, { data: { outcome: 'resolved', result: '好' } })
    t.ok(Date.now() - t0 < 10_000, `answered without running the condition (${Date.now() - t0} ms)`)
    t.equal(refused.status, 400, 'a condition that is not run does not hide its field: the field is required')
    t.same(
      refused.body.details.map((d: any) => [d.field, d.key]),
      [['note', 'error.validation.required']],
    )
    const ok = await call(app, 'grid01', 'POST', `/api/tasks/${task.id}/complete`, { data: { outcome: 'resolved', result: '好', note: '已处理' } })
    t.equal(ok.status, 200)
  })

  t.test('a pattern that backtracks for ever answers 400 in bounded time and leaves the server serving', async (t) => {
    // Alternatives that match the same text, repeated: no nested repetition for the shape check to
    // see; on 40 a's and a "!" the regex engine backtracks 2^40 times (0.9 s at 24), and the
    // completion held the server's one thread for hours. Deploy now refuses it (exponential: the
    // form-js viewer in a handler's browser would hang on it), so the version here is one stored
    // before that check, written to the table as an old database holds it.
    const source = JSON.stringify({ ...handle, components: [...handle.components, { key: 'code', type: 'textfield', validate: { pattern: '^(a|a)*$' } }] })
    const deployedAt = Date.now()
    const refused = await call(app, 'xianghe-admin', 'POST', '/api/forms', { source })
    t.equal(refused.status, 400, 'refused at deploy')
    t.same(
      refused.body.details.map((d: any) => [d.field, d.key]),
      [['code', 'error.forms.patternExponential']],
    )
    t.ok(Date.now() - deployedAt < 10_000, `without running the pattern out (${Date.now() - deployedAt} ms)`)
    for (const pattern of ['^1[3-9]\\d{9}$', '^[A-Z]{2}\\d{4}$', '^(ab|a)*$']) {
      const fine = JSON.stringify({ ...handle, components: [...handle.components, { key: 'code', type: 'textfield', validate: { pattern } }] })
      t.equal((await call(app, 'xianghe-admin', 'POST', '/api/forms', { source: fine })).status, 201, `${pattern} deploys`)
    }
    const head = await app.db('resource_definitions').where({ kind: 'form', key: 'shuoshi-handle', tenant: 'xianghe' }).orderBy('version', 'desc').first()
    await app.db('resource_definitions').insert({ ...head, id: `${head.id}-old`, version: head.version + 1, source, source_hash: 'old-pattern' })
    const { task } = await atHandle(app, 'xh-anping-v01-g1', 'grid01')
    const t0 = Date.now()
    const slow = await call(app, 'grid01', 'POST', `/api/tasks/${task.id}/complete`, {
      data: { outcome: 'resolved', result: '好', code: 'a'.repeat(40) + '!' },
    })
    const ms = Date.now() - t0
    t.equal(slow.status, 400)
    t.same(
      slow.body.details.map((d: any) => [d.field, d.key]),
      [['code', 'error.forms.patternTimeout']],
    )
    t.ok(ms < 10_000, `answered without running the pattern out (${ms} ms)`)
    t.equal((await call(app, 'grid01', 'GET', '/api/tasks')).status, 200, 'the server still answers')
    const ok = await call(app, 'grid01', 'POST', `/api/tasks/${task.id}/complete`, { data: { outcome: 'resolved', result: '好', code: 'aaa' } })
    t.equal(ok.status, 200, 'text the pattern matches completes the task')
  })

  t.test('a pattern whose time grows as a cube of the text is refused at deploy, and a stored one is not handed to the browser', async (t) => {
    // Each of these deployed before: the probes are 33 characters long, too short for a power to
    // show. Measured in Node 20: `^.*a.*b.*c$` takes 198 s on "ab" × 5,000 (a text field takes
    // 10,000 characters), `\d*\d*\d*$` 8.5 s on 300 digits and a letter.
    const withPattern = (pattern: string) =>
      JSON.stringify({ ...handle, components: [...handle.components, { key: 'code', type: 'textfield', validate: { pattern } }] })
    for (const [pattern, degree] of [
      ['^.*a.*b.*c$', 3],
      ['\\d*\\d*\\d*$', 4],
    ] as const) {
      const res = await call(app, 'xianghe-admin', 'POST', '/api/forms', { source: withPattern(pattern) })
      t.equal(res.status, 400, `${pattern} is refused`)
      t.same(
        res.body.details.map((d: any) => [d.field, d.key, d.params?.degree]),
        [['code', 'error.forms.patternPolynomial', degree]],
        `${pattern}: its degree is named`,
      )
      t.match(res.body.details[0].message, new RegExp(`${degree} 次方`), 'in words')
    }
    // A user name (nested repetition, yet linear: the old shape rule refused it) and "contains foo"
    // (quadratic: ~0.2 s on the worst 10,000 characters) deploy.
    for (const pattern of ['^[a-z0-9]+([._-][a-z0-9]+)*$', '^.*foo.*$']) {
      t.equal((await call(app, 'xianghe-admin', 'POST', '/api/forms', { source: withPattern(pattern) })).status, 201, `${pattern} deploys`)
    }

    // A version stored before the analysis: the browser gets the form without that pattern, the
    // other fields' checks as they were; the server still checks it, within its bound.
    const cubic = JSON.parse(withPattern('^.*a.*b.*c$'))
    cubic.components.push({ key: 'plate', type: 'textfield', validate: { pattern: '^[A-Z]{2}\\d{4}$' } })
    const head = await app.db('resource_definitions').where({ kind: 'form', key: 'shuoshi-handle', tenant: 'xianghe' }).orderBy('version', 'desc').first()
    await app
      .db('resource_definitions')
      .insert({ ...head, id: `${head.id}-cubic`, version: head.version + 1, source: JSON.stringify(cubic), source_hash: 'old-cubic' })
    const { task } = await atHandle(app, 'xh-anping-v01-g1', 'grid01')
    const view = await call(app, 'grid01', 'GET', `/api/tasks/${task.id}`)
    t.equal(view.status, 200)
    t.equal(view.body.form.version, head.version + 1, 'the stored version is the one shown')
    const field = (key: string) => view.body.form.schema.components.find((c: any) => c.key === key)
    t.equal(field('code').validate?.pattern, undefined, 'the cubic pattern is not handed to the browser')
    t.equal(field('plate').validate.pattern, '^[A-Z]{2}\\d{4}$', 'a linear one is')
    const wrong = await call(app, 'grid01', 'POST', `/api/tasks/${task.id}/complete`, {
      data: { outcome: 'resolved', result: '好', code: 'xyz', plate: 'AB1234' },
    })
    t.same(
      wrong.body.details?.map((d: any) => [d.field, d.key]),
      [['code', 'error.validation.pattern']],
      'the server still checks the pattern it did not hand out',
    )
    const ok = await call(app, 'grid01', 'POST', `/api/tasks/${task.id}/complete`, {
      data: { outcome: 'resolved', result: '好', code: 'a b c', plate: 'AB1234' },
    })
    t.equal(ok.status, 200)
  })
})
