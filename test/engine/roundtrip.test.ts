import t from 'tap'
import { build, login } from '../helper.js'
import { noProcesses, process as bpmn } from '../fixtures/bpmn.js'

/**
 * Round trips with Camunda Modeler (issue 14): every deployed file downloads byte for byte, and
 * Camunda 7's `POST /engine-rest/deployment/create` deploys a bundle all or nothing. The bodies
 * are built by hand as Camunda Modeler sends them (a multipart part per file, named after it).
 */
const task = (who = 'grid01') =>
  `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="u"/><userTask id="u" name="办理 Handle" camunda:assignee="${who}"/><sequenceFlow id="b" sourceRef="u" targetRef="e"/><endEvent id="e"/>`

type Part = { name: string; value: string } | { file: string; content: string | Buffer }
function multipart(parts: Part[]) {
  const boundary = '----shuoshiRoundTrip7MA4YWxk'
  const chunks: Buffer[] = []
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`))
    if ('name' in p) chunks.push(Buffer.from(`Content-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`))
    else {
      chunks.push(Buffer.from(`Content-Disposition: form-data; name="${p.file}"; filename="${p.file}"\r\nContent-Type: application/octet-stream\r\n\r\n`))
      chunks.push(Buffer.isBuffer(p.content) ? p.content : Buffer.from(p.content), Buffer.from('\r\n'))
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

t.test('round trips', async (t) => {
  const app = await build(t, { config: { processesDir: noProcesses } })
  const admin = await login(app, 'admin')
  const county = await login(app, 'xianghe-admin')
  const deploy = (headers: Record<string, string>, parts: Part[]) => {
    const m = multipart([{ name: 'deployment-name', value: 'bundle' }, { name: 'deployment-source', value: 'Camunda Modeler' }, ...parts])
    return app.inject({ method: 'POST', url: '/engine-rest/deployment/create', headers: { ...headers, ...m.headers }, payload: m.payload })
  }
  const versions = async () =>
    (await app.db('process_definitions').select('key', 'tenant', 'version').orderBy(['key', 'tenant', 'version'])).map(
      (r: any) => `${r.key}/${r.tenant}/v${r.version}`,
    )

  t.test('the version probe answers without a token, as Camunda 7 does', async (t) => {
    const r = await app.inject({ method: 'GET', url: '/engine-rest/version' })
    t.equal(r.statusCode, 200)
    t.match(r.json().version, /^7\.\d+\.\d+$/)
  })

  t.test('a deployed BPMN downloads as the same bytes, as <key>-v<version>.bpmn', async (t) => {
    // Non-ASCII in the XML: bytes equal only if nothing re-encodes it.
    const xml = bpmn('roundtrip', task(), '往返 Round trip')
    const d = await app.inject({ method: 'POST', url: '/api/process-definitions', headers: admin, payload: { xml } })
    t.equal(d.statusCode, 201)
    const r = await app.inject({ method: 'GET', url: `/api/process-definitions/${d.json().id}/xml?download=1`, headers: admin })
    t.equal(r.statusCode, 200)
    t.match(r.headers['content-type'], /^application\/xml/)
    t.equal(r.headers['content-disposition'], 'attachment; filename="roundtrip-v1.bpmn"')
    t.ok(r.rawPayload.equals(Buffer.from(xml, 'utf8')), 'the bytes are the deployed bytes')
    // Without download the JSON answer stays (the modeler page reads it).
    const json = await app.inject({ method: 'GET', url: `/api/process-definitions/${d.json().id}/xml`, headers: admin })
    t.match(json.headers['content-type'], /^application\/json/)
    t.equal(json.json().xml, xml)
    t.equal(json.json().key, 'roundtrip')
    const accept = await app.inject({ method: 'GET', url: `/api/process-definitions/${d.json().id}/xml`, headers: { ...admin, accept: 'application/xml' } })
    t.equal(accept.body, xml)
    t.notOk(accept.headers['content-disposition'], 'an attachment only when asked')
  })

  t.test('a bundle of two BPMN files deploys both; unchanged files are no new version', async (t) => {
    const before = await versions()
    const r = await deploy(admin, [
      { file: 'one.bpmn', content: bpmn('bundle_one', task()) },
      { file: 'two.bpmn20.xml', content: bpmn('bundle_two', task('dispatcher')) },
    ])
    t.equal(r.statusCode, 200, r.body)
    const body = r.json()
    t.equal(body.name, 'bundle')
    t.equal(body.source, 'Camunda Modeler')
    t.equal(body.tenantId, null)
    t.match(body.deploymentTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/)
    const defs = Object.values(body.deployedProcessDefinitions) as any[]
    t.same(defs.map((d) => `${d.key}:v${d.version}:${d.resource}`).sort(), ['bundle_one:v1:one.bpmn', 'bundle_two:v1:two.bpmn20.xml'])
    t.ok(defs.every((d) => d.deploymentId === body.id))
    t.same(await versions(), [...before, 'bundle_one//v1', 'bundle_two//v1'].sort())
    // Camunda Modeler sends deploy-changed-only: nothing changed, nothing listed, no version.
    const again = await deploy(admin, [
      { name: 'deploy-changed-only', value: 'true' },
      { file: 'one.bpmn', content: bpmn('bundle_one', task()) },
      { file: 'two.bpmn20.xml', content: bpmn('bundle_two', task('dispatcher')) },
    ])
    t.equal(again.statusCode, 200)
    t.equal(again.json().deployedProcessDefinitions, null)
    t.same(await versions(), [...before, 'bundle_one//v1', 'bundle_two//v1'].sort())
  })

  t.test('a bundle with one bad file deploys none of its files', async (t) => {
    const before = await versions()
    // Second file: a script task, refused by validation (before the transaction).
    const bad = bpmn(
      'bundle_bad',
      `<startEvent id="s"/><sequenceFlow id="a" sourceRef="s" targetRef="js"/><scriptTask id="js" scriptFormat="javascript"><script>1</script></scriptTask><sequenceFlow id="b" sourceRef="js" targetRef="e"/><endEvent id="e"/>`,
    )
    const r = await deploy(admin, [
      { file: 'one.bpmn', content: bpmn('bundle_one', task('dispatcher')) },
      { file: 'bad.bpmn', content: bad },
    ])
    t.equal(r.statusCode, 400)
    t.equal(r.json().type, 'ParseException')
    t.equal(r.json().file, 'bad.bpmn')
    t.equal(r.json().key, 'error.bundle.file')
    t.match(r.json().message, /bad\.bpmn/)
    t.ok(
      r.json().details['bad.bpmn'].errors.some((e: any) => e.mainElementId === 'js'),
      "Camunda's details name the element",
    )
    // Third file refused inside the transaction, after the BPMN was written: rolled back too.
    const r2 = await deploy(admin, [
      { file: 'one.bpmn', content: bpmn('bundle_one', task('dispatcher')) },
      { file: 'broken.form', content: '{ not json' },
    ])
    t.equal(r2.statusCode, 400)
    t.equal(r2.json().type, 'InvalidRequestException')
    t.equal(r2.json().file, 'broken.form')
    const r3 = await deploy(admin, [
      { file: 'one.bpmn', content: bpmn('bundle_one', task('dispatcher')) },
      { file: 'notes.txt', content: 'hello' },
    ])
    t.equal(r3.statusCode, 400)
    t.equal(r3.json().key, 'error.bundle.unknownType')
    t.equal(r3.json().params.file, 'notes.txt')
    const nul = await deploy(admin, [{ file: 'nul.bpmn', content: Buffer.from([0x3c, 0x00, 0x3e]) }])
    t.equal(nul.statusCode, 400, 'a NUL byte is a 400 on both databases')
    const latin1 = await deploy(admin, [{ file: 'l.bpmn', content: Buffer.from([0x3c, 0xe9, 0x3e]) }])
    t.equal(latin1.statusCode, 400, 'not UTF-8')
    t.equal((await deploy(admin, [])).json().key, 'error.bundle.empty')
    // Over 1 MB: multipart's own limit, answered as a 413 in Camunda's shape.
    const big = await deploy(admin, [{ file: 'big.bpmn', content: Buffer.alloc(1_000_001, 0x20) }])
    t.equal(big.statusCode, 413)
    t.equal(big.json().type, 'InvalidRequestException')
    t.equal(big.json().key, 'error.payloadTooLarge')
    t.same(await versions(), before, 'versions unchanged')
  })

  t.test("a county administrator's bundle lands in their county, whatever tenant-id says", async (t) => {
    const r = await deploy(county, [
      { name: 'tenant-id', value: 'guangyang' },
      { file: 'c.bpmn', content: bpmn('bundle_county', task()) },
    ])
    t.equal(r.statusCode, 200, r.body)
    t.equal(r.json().tenantId, 'xianghe')
    const [d] = Object.values(r.json().deployedProcessDefinitions) as any[]
    t.equal(d.tenantId, 'xianghe')
    t.same(await app.db('process_definitions').where({ key: 'bundle_county' }).pluck('tenant'), ['xianghe'])
    // An administrator names a county; a region that is not one is refused.
    // (Its task names a Guangyang user: a county's version must be receivable in that county.)
    const a = await deploy(admin, [
      { name: 'tenant-id', value: 'guangyang' },
      { file: 'c.bpmn', content: bpmn('bundle_county', task('guangyang-dispatcher')) },
    ])
    t.equal(a.json().tenantId, 'guangyang')
    const bad = await deploy(admin, [
      { name: 'tenant-id', value: 'atlantis' },
      { file: 'c.bpmn', content: bpmn('bundle_county', task()) },
    ])
    t.equal(bad.statusCode, 403)
    t.equal(bad.json().type, 'AuthorizationException')
  })

  t.test("only administrators deploy; errors in Camunda's shape", async (t) => {
    const parts: Part[] = [{ file: 'x.bpmn', content: bpmn('bundle_x', task()) }]
    const none = await deploy({}, parts)
    t.equal(none.statusCode, 401)
    t.equal(none.json().type, 'AuthorizationException')
    const staff = await deploy(await login(app, 'grid01'), parts)
    t.equal(staff.statusCode, 403)
    const json = await app.inject({ method: 'POST', url: '/engine-rest/deployment/create', headers: admin, payload: { a: 1 } })
    t.equal(json.statusCode, 400)
    t.equal(json.json().key, 'error.bundle.notMultipart')
    t.equal(await app.db('process_definitions').where({ key: 'bundle_x' }).first(), undefined)
  })

  t.test('forms and decisions: list, head and source, county-scoped', async (t) => {
    // The tasks module's form validator (src/tasks/form-store.ts) judges it: a form-js schema
    // whose id is `shuoshi-<name>`.
    const form =
      JSON.stringify(
        { id: 'shuoshi-rt', type: 'default', schemaVersion: 16, components: [{ type: 'textfield', key: 'note', label: '备注 / Note' }] },
        null,
        2,
      ) + '\n'
    const r = await deploy(county, [{ file: 'rt.form', content: form }])
    t.equal(r.statusCode, 200, r.body)
    const [f] = Object.values(r.json().deployedFormDefinitions) as any[]
    t.match(f, { key: 'shuoshi-rt', version: 1, tenantId: 'xianghe', resource: 'rt.form' })
    const list = await app.inject({ method: 'GET', url: '/api/resources?kind=form', headers: county })
    t.same(
      list.json().map((x: any) => `${x.key}/${x.tenant}/v${x.version}`),
      ['shuoshi-rt/xianghe/v1'],
    )
    const head = await app.inject({ method: 'GET', url: `/api/resources/${f.id}`, headers: county })
    t.match(head.json(), { id: f.id, kind: 'form', key: 'shuoshi-rt', tenant: 'xianghe', deployedBy: 'xianghe-admin' })
    // The processes page showed the county as its code (县级版本：xianghe): the list and the
    // head carry the county's name, as the seed names region xianghe.
    t.match(list.json()[0], { tenantName: '香河县', tenantNameEn: 'Xianghe County' })
    t.match(head.json(), { tenantName: '香河县', tenantNameEn: 'Xianghe County' })
    const src = await app.inject({ method: 'GET', url: `/api/resources/${f.id}/source?download=1`, headers: county })
    t.match(src.headers['content-type'], /^application\/json/)
    t.equal(src.headers['content-disposition'], 'attachment; filename="shuoshi-rt-v1.form"')
    t.ok(src.rawPayload.equals(Buffer.from(form)), 'the bytes are the deployed bytes (not re-serialized)')
    // Another county's administrator: not found, and not listed.
    const other = await login(app, 'guangyang-admin')
    t.equal((await app.inject({ method: 'GET', url: `/api/resources/${f.id}`, headers: other })).statusCode, 404)
    t.equal((await app.inject({ method: 'GET', url: `/api/resources/${f.id}/source`, headers: other })).statusCode, 404)
    t.same((await app.inject({ method: 'GET', url: '/api/resources?kind=form', headers: other })).json(), [])
    t.equal((await app.inject({ method: 'GET', url: `/api/resources/${f.id}`, headers: admin })).statusCode, 200)
    t.equal((await app.inject({ method: 'GET', url: '/api/resources', headers: await login(app, 'grid01') })).statusCode, 403)
    t.equal((await app.inject({ method: 'GET', url: '/api/resources/nope/source', headers: admin })).statusCode, 404)
    // A city version (an administrator's deploy, no tenant) has no county to name.
    const cityForm = form.replace('shuoshi-rt', 'shuoshi-rt-city')
    t.equal((await deploy(admin, [{ file: 'rt-city.form', content: cityForm }])).statusCode, 200)
    const city = (await app.inject({ method: 'GET', url: '/api/resources?kind=form&tenant=', headers: admin })).json()
    t.match(city, [{ key: 'shuoshi-rt-city', tenant: null, tenantName: null, tenantNameEn: null }])
  })
})
