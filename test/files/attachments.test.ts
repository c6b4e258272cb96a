import { createHash } from 'node:crypto'
import t from 'tap'
import sharp from 'sharp'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { openDb } from '../../src/lib/db.js'
import { build, onPostgres, openTestDb } from '../helper.js'
import { templateSpec } from '../template.js'
import { as, call, caseByNo, openTask, petition, step } from '../api.js'

/**
 * Photos and files on cases through the HTTP API: what is stored is judged by content, images
 * come back re-encoded without their EXIF, and each file reaches only those who may see it.
 */

/** A multipart body as a browser's FormData sends it (fields first, then the files). */
async function form(fields: Record<string, string>, files: Array<{ name: string; bytes: Buffer; type?: string }>) {
  const fd = new FormData()
  for (const [k, v] of Object.entries(fields)) fd.append(k, v)
  // A copy: Blob takes only bytes over a plain ArrayBuffer, and a Buffer's may be shared.
  for (const f of files) fd.append('file', new Blob([new Uint8Array(f.bytes)], { type: f.type ?? 'application/octet-stream' }), f.name)
  const req = new Request('http://local/', { method: 'POST', body: fd })
  return { payload: Buffer.from(await req.arrayBuffer()), contentType: req.headers.get('content-type')! }
}

async function upload(
  app: FastifyInstance,
  url: string,
  headers: Record<string, string>,
  fields: Record<string, string>,
  files: Array<{ name: string; bytes: Buffer; type?: string }>,
) {
  const { payload, contentType } = await form(fields, files)
  const res = await app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': contentType }, payload })
  return { status: res.statusCode, body: res.json() }
}

// A phone photo: 64×48, with the camera's make and a GPS position (香河县 39°45′N 116°59′E) in its EXIF.
const gpsJpeg = () =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: '#c33' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'TestPhone' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '39/1 45/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '116/1 59/1 0/1' },
    })
    .toBuffer()
const png = (w: number, h: number, colour = '#2a6') =>
  sharp({ create: { width: w, height: h, channels: 3, background: colour } })
    .png()
    .toBuffer()
// The GPS IFD pointer tag (0x8825) in either byte order: present means the file carries a position.
const hasGpsTag = (b: Buffer) => b.includes(Buffer.from([0x88, 0x25])) || b.includes(Buffer.from([0x25, 0x88]))
// A minimal PDF: file-type knows it by its "%PDF-" signature; documents are kept byte for byte.
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n',
)

const PETITION = {
  title: '路灯不亮',
  description: '村口路灯坏了一周，晚上看不清路',
  category: 'environment.garbage',
  regionCode: 'xh-anping-v01-g1',
  petitioner: { type: 'person', anonymous: true },
}

t.test("attachments: content checks, EXIF, scope, the citizen's view", async (t) => {
  const app = await build(t)
  const p = await petition(app, PETITION)
  const c = await caseByNo(app, p.caseNo)
  const code = { 'x-tracking-code': p.trackingCode }
  const jpeg = await gpsJpeg()
  t.ok(hasGpsTag(jpeg) && jpeg.includes(Buffer.from('Exif\0\0')), 'the fixture carries EXIF with a GPS block')
  const small = await png(30, 20)

  let citizenJpegId = ''
  t.test('the citizen attaches a GPS-tagged photo and a PNG named .pdf', async (t) => {
    const res = await upload(app, `/api/public/track/${p.caseNo}/attachments`, code, {}, [
      { name: '../../etc/门口 路灯.jpg', bytes: jpeg, type: 'image/jpeg' },
      { name: 'scan.pdf', bytes: small, type: 'application/pdf' },
    ])
    t.equal(res.status, 201, JSON.stringify(res.body))
    const [a, b] = res.body.items
    t.match(a, { kind: 'petition', mediaType: 'image/jpeg', fileName: '门口 路灯.jpg', width: 64, height: 48, own: true })
    // judged by content: a PNG stays a PNG whatever its name said, and is named so
    t.match(b, { mediaType: 'image/png', fileName: 'scan.png', width: 30, height: 20 })
    citizenJpegId = a.id

    const list = await call(app, 'dispatcher', 'GET', `/api/cases/${c.id}/attachments`)
    t.equal(list.status, 200)
    t.equal(list.body.items.length, 2)
    t.equal(list.body.items[0].uploadedBy, null, 'the citizen is nobody on the staff list')

    const got = await app.inject({ method: 'GET', url: `/api/cases/${c.id}/attachments/${a.id}`, headers: await as(app, 'dispatcher') })
    t.equal(got.statusCode, 200)
    t.equal(got.headers['content-type'], 'image/jpeg')
    t.equal(got.headers['x-content-type-options'], 'nosniff')
    t.equal(got.headers['content-disposition'], `inline; filename="__ __.jpg"; filename*=UTF-8''${encodeURIComponent('门口 路灯.jpg')}`)
    const bytes = got.rawPayload
    t.equal(bytes.length, a.size)
    t.equal(createHash('sha256').update(bytes).digest('hex'), a.sha256, 'the bytes served are the bytes listed')
    const meta = await sharp(bytes).metadata()
    t.same([meta.format, meta.width, meta.height], ['jpeg', 64, 48], "decoded: the original's dimensions")
    t.equal(meta.exif, undefined, 'no EXIF left')
    t.notOk(hasGpsTag(bytes) || bytes.includes(Buffer.from('TestPhone')), 'neither the position nor the camera')

    // PNG is lossless: the pixels that come back are the pixels sent.
    const back = await app.inject({ method: 'GET', url: `/api/cases/${c.id}/attachments/${b.id}`, headers: await as(app, 'dispatcher') })
    t.equal(back.headers['content-type'], 'image/png')
    t.same(await sharp(back.rawPayload).raw().toBuffer(), await sharp(small).raw().toBuffer(), 'the same pixels')
  })

  t.test('a text file named .jpg is refused by its content', async (t) => {
    const res = await upload(app, `/api/public/track/${p.caseNo}/attachments`, code, {}, [
      { name: 'photo.jpg', bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), type: 'image/jpeg' },
    ])
    t.equal(res.status, 415)
    t.equal(res.body.key, 'error.attachment.type')
    // a JPEG signature followed by garbage: sniffed as JPEG, but it does not decode
    const fake = await upload(app, `/api/public/track/${p.caseNo}/attachments`, code, {}, [
      { name: 'x.jpg', bytes: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]) },
    ])
    t.equal(fake.status, 415)
    t.equal(fake.body.key, 'error.attachment.undecodable')
    const json = await app.inject({ method: 'POST', url: `/api/public/track/${p.caseNo}/attachments`, headers: code, payload: { file: 'x' } })
    t.equal(json.statusCode, 415, 'not multipart')
    t.equal(json.json().key, 'error.attachment.notMultipart')
  })

  t.test('staff attach a document at intake: kept byte for byte, served only as a download', async (t) => {
    const res = await upload(app, `/api/cases/${c.id}/attachments`, await as(app, 'dispatcher'), {}, [{ name: '现场记录.pdf', bytes: PDF }])
    t.equal(res.status, 201, JSON.stringify(res.body))
    const d = res.body.items[0]
    t.match(d, { kind: 'intake', mediaType: 'application/pdf', image: false, uploadedBy: { username: 'dispatcher' } })
    const got = await app.inject({ method: 'GET', url: `/api/cases/${c.id}/attachments/${d.id}`, headers: await as(app, 'admin') })
    t.ok(got.rawPayload.equals(PDF), 'the same bytes')
    t.match(got.headers['content-disposition'], /^attachment; /)
    // a document cannot be shown to the citizen
    const pub = await call(app, 'dispatcher', 'PATCH', `/api/cases/${c.id}/attachments/${d.id}`, { published: true })
    t.equal(pub.status, 422)
    t.equal(pub.body.key, 'error.attachment.onlyImages')
  })

  t.test('too big is 413, too many is refused', async (t) => {
    // 10 MB + 1 byte, the first bytes a PNG's signature: the size limit answers before any check
    const big = Buffer.concat([small, Buffer.alloc(10 * 1024 * 1024 + 1 - small.length)])
    const res = await upload(app, `/api/public/track/${p.caseNo}/attachments`, code, {}, [{ name: 'big.png', bytes: big }])
    t.equal(res.status, 413)
    t.equal(res.body.key, 'error.attachment.tooLarge')
    // the citizen has 2 of their 6; five more would be 7
    const five = await Promise.all([1, 2, 3, 4, 5].map((i) => png(8 + i, 8)))
    const many = await upload(
      app,
      `/api/public/track/${p.caseNo}/attachments`,
      code,
      {},
      five.map((b, i) => ({ name: `${i}.png`, bytes: b })),
    )
    t.equal(many.status, 422)
    t.same(many.body.params, { limit: 6 })
    // seven in one request: over the per-request limit of 6
    const seven = await upload(
      app,
      `/api/cases/${c.id}/attachments`,
      await as(app, 'dispatcher'),
      {},
      [...five, ...five.slice(0, 2)].map((b, i) => ({ name: `${i}.png`, bytes: b })),
    )
    t.equal(seven.status, 413)
    t.equal(seven.body.key, 'error.attachment.tooManyInRequest')
    const list = await call(app, 'admin', 'GET', `/api/cases/${c.id}/attachments`)
    t.equal(list.body.items.length, 3, 'nothing of the refused uploads was kept')
  })

  t.test("another county's staff and a wrong code see nothing", async (t) => {
    // guangyang users do not see a Xianghe case: 404 as for a case that does not exist
    for (const user of ['guangyang-dispatcher', 'gy-land-officer']) {
      t.equal((await call(app, user, 'GET', `/api/cases/${c.id}/attachments`)).status, 404, `${user}: list`)
      t.equal((await call(app, user, 'GET', `/api/cases/${c.id}/attachments/${citizenJpegId}`)).status, 404, `${user}: file`)
      const up = await upload(app, `/api/cases/${c.id}/attachments`, await as(app, user), {}, [{ name: 'a.png', bytes: small }])
      t.equal(up.status, 404, `${user}: upload`)
    }
    const wrong = await call(app, null, 'GET', `/api/public/track/${p.caseNo}/attachments`)
    t.equal(wrong.status, 404, 'no code')
    const other = await app.inject({
      method: 'GET',
      url: `/api/public/track/${p.caseNo}/attachments/${citizenJpegId}`,
      headers: { 'x-tracking-code': 'ABCDEFGH' },
    })
    t.equal(other.statusCode, 404, 'a wrong code')
  })

  t.test("handling photos: on the handler's task; the citizen sees their own and the published ones", async (t) => {
    await step(app, c.id, 'ut_signfor', 'anping-v01', { signOutcome: 'accept', firstReply: '马上去看' })
    const handle = await openTask(app, c.id, 'ut_handle')
    const before = await png(40, 30, '#555')
    const after = await png(40, 30, '#ee5')
    // someone who is not the task's receiver cannot put photos on it
    const notMine = await upload(app, `/api/cases/${c.id}/attachments`, await as(app, 'grid01'), { taskId: handle.id, kind: 'after' }, [
      { name: 'a.png', bytes: after },
    ])
    t.equal(notMine.status, 403)
    t.equal(notMine.body.key, 'error.attachment.notYourTask')
    const h = await as(app, 'anping-v01')
    const b = await upload(app, `/api/cases/${c.id}/attachments`, h, { taskId: handle.id, kind: 'before' }, [{ name: 'before.png', bytes: before }])
    const a = await upload(app, `/api/cases/${c.id}/attachments`, h, { taskId: handle.id, kind: 'after', published: 'true' }, [
      { name: 'after.png', bytes: after },
    ])
    t.equal(b.status, 201)
    t.equal(a.status, 201)
    t.match(a.body.items[0], { kind: 'after', published: true, taskId: handle.id })
    const pub = await call(app, null, 'GET', `/api/public/track/${p.caseNo}/attachments?code=x`)
    t.equal(pub.status, 404, "the code is the header's, as tracking")
    const seen = await app.inject({ method: 'GET', url: `/api/public/track/${p.caseNo}/attachments`, headers: code })
    const items = seen.json().items
    // own: the JPEG and the PNG; published: the after photo; not: the before photo and the PDF
    t.same(
      items.map((i: any) => [i.kind, i.own, i.published]),
      [
        ['petition', true, false],
        ['petition', true, false],
        ['after', false, true],
      ],
    )
    t.equal(items[2].fileName, null, "a staff file's name stays with staff")
    const hidden = await app.inject({ method: 'GET', url: `/api/public/track/${p.caseNo}/attachments/${b.body.items[0].id}`, headers: code })
    t.equal(hidden.statusCode, 404, "an unpublished handling photo is not the citizen's")
    const shown = await app.inject({ method: 'GET', url: `/api/public/track/${p.caseNo}/attachments/${a.body.items[0].id}`, headers: code })
    t.equal(shown.statusCode, 200)
    t.equal(shown.headers['content-type'], 'image/png')
    // withdrawn by a dispatcher, it leaves the citizen's view; the timeline says it was published
    t.equal((await call(app, 'dispatcher', 'PATCH', `/api/cases/${c.id}/attachments/${a.body.items[0].id}`, { published: false })).status, 200)
    const again = await app.inject({ method: 'GET', url: `/api/public/track/${p.caseNo}/attachments`, headers: code })
    t.equal(again.json().items.length, 2)
    const track = await app.inject({ method: 'GET', url: `/api/public/track/${p.caseNo}`, headers: code })
    const types = track.json().timeline.map((e: any) => e.type)
    t.ok(types.includes('attachments_added') && types.includes('attachments_published'), types.join(','))
    t.notOk(types.includes('attachments_withdrawn'), 'a withdrawal is staff-only')
    // a grid worker may not publish someone else's photo
    const gw = await call(app, 'grid01', 'PATCH', `/api/cases/${c.id}/attachments/${a.body.items[0].id}`, { published: true })
    t.equal(gw.status, 403)
    // the task done, the photos stay on it; no more handling photos on a completed task
    await step(app, c.id, 'ut_handle', 'anping-v01', { outcome: 'resolved', result: '已修好路灯' })
    const late = await upload(app, `/api/cases/${c.id}/attachments`, h, { taskId: handle.id }, [{ name: 'late.png', bytes: after }])
    t.equal(late.status, 403)
  })
})

t.test(
  'two app instances over one PostgreSQL schema see the same file',
  { skip: onPostgres ? false : 'PostgreSQL only: two nodes need a shared server database' },
  async (t) => {
    const config: Config = { ...loadConfig({ NODE_ENV: 'test' }), demo: true, logLevel: 'silent', serveUi: false }
    const { db, url, schema } = await openTestDb(t, { template: templateSpec(config) })
    const a = await buildApp({ config, db, background: false })
    await a.ready()
    const b = await buildApp({ config, db: await openDb(url, { schema }), background: false })
    await b.ready()
    t.teardown(async () => {
      await a.close()
      await b.close()
    })
    const p = await petition(a, PETITION)
    const photo = await gpsJpeg()
    const up = await upload(a, `/api/public/track/${p.caseNo}/attachments`, { 'x-tracking-code': p.trackingCode }, {}, [{ name: 'p.jpg', bytes: photo }])
    t.equal(up.status, 201)
    const id = up.body.items[0].id
    const got = await b.inject({ method: 'GET', url: `/api/public/track/${p.caseNo}/attachments/${id}`, headers: { 'x-tracking-code': p.trackingCode } })
    t.equal(got.statusCode, 200, 'node b serves what node a stored')
    t.equal(createHash('sha256').update(got.rawPayload).digest('hex'), up.body.items[0].sha256)
  },
)
