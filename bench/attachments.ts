/**
 * Photos and files over PostgreSQL (src/files/README.md): how long an upload (content check,
 * image re-encode, insert of the bytes and the case event in one transaction) and a download
 * (select of the bytea, send) take for files of a few MB, on one node over a fresh schema.
 *
 *   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/test node --import tsx bench/attachments.ts
 *
 * Prints median milliseconds of 5 runs per file; nothing else is running in the app.
 */
import { randomUUID } from 'node:crypto'
import knex from 'knex'
import sharp from 'sharp'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { openDb } from '../src/lib/db.js'
import { emit, fmt, median } from './lib.js'

const URL_ = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const RUNS = 5

async function form(name: string, bytes: Buffer) {
  const fd = new FormData()
  // A copy: Blob takes only bytes over a plain ArrayBuffer, and a Buffer's may be shared.
  fd.append('file', new Blob([new Uint8Array(bytes)]), name)
  const req = new Request('http://local/', { method: 'POST', body: fd })
  return { payload: Buffer.from(await req.arrayBuffer()), contentType: req.headers.get('content-type')! }
}

const schema = `bench_files_${randomUUID().slice(0, 8)}`
const admin = knex({ client: 'pg', connection: URL_, pool: { min: 0, max: 1 } })
await admin.raw('CREATE SCHEMA ??', [schema])
const db = await openDb(URL_, { schema })
const config: Config = { ...loadConfig({ NODE_ENV: 'test' }), databaseUrl: URL_, demo: true, logLevel: 'silent', serveUi: false }
const app = await buildApp({ config, db, background: false })
await app.ready()
try {
  const token = (await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'dispatcher', password: 'demo' } })).json().token
  const auth = { authorization: `Bearer ${token}` }
  // A noisy photo compresses like a real one: 4000×3000 (12 MP, a phone's), JPEG at quality 92.
  const noise = Buffer.alloc(4000 * 3000 * 3)
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24
  const photo = await sharp(noise, { raw: { width: 4000, height: 3000, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer()
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(8 * 1024 * 1024 - 9, 0x20)])
  const files = [
    { name: 'photo.jpg', bytes: photo },
    { name: 'scan.pdf', bytes: pdf },
  ]
  const result: Record<string, { bytes: number; stored: number; uploadMs: number; downloadMs: number }> = {}
  for (const f of files) {
    const up: number[] = []
    const down: number[] = []
    let stored = 0
    for (let i = 0; i < RUNS; i++) {
      // a case per run: the per-case limits would stop a sixth file
      const c = await app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: auth,
        payload: {
          channel: 'hotline',
          description: '附件基准测试',
          category: 'environment.garbage',
          regionCode: 'xh-anping-v01-g1',
          petitioner: { type: 'person', anonymous: true },
        },
      })
      const caseId = c.json().id
      const { payload, contentType } = await form(f.name, f.bytes)
      let t0 = performance.now()
      const res = await app.inject({ method: 'POST', url: `/api/cases/${caseId}/attachments`, headers: { ...auth, 'content-type': contentType }, payload })
      up.push(performance.now() - t0)
      if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${res.body}`)
      const a = res.json().items[0]
      stored = a.size
      t0 = performance.now()
      const got = await app.inject({ method: 'GET', url: `/api/cases/${caseId}/attachments/${a.id}`, headers: auth })
      down.push(performance.now() - t0)
      if (got.rawPayload.length !== a.size) throw new Error('short download')
    }
    result[f.name] = { bytes: f.bytes.length, stored, uploadMs: median(up), downloadMs: median(down) }
    console.log(
      `${f.name.padEnd(10)} ${fmt(f.bytes.length / 1024 / 1024, 1)} MB → stored ${fmt(stored / 1024 / 1024, 1)} MB   upload p50 ${fmt(median(up))} ms   download p50 ${fmt(median(down))} ms`,
    )
  }
  emit('attachments', result)
} finally {
  await app.close()
  await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema])
  await admin.destroy()
}
