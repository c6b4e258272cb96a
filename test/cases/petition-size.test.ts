import t from 'tap'
import { build } from '../helper.js'
import { PUBLIC_PETITION_BODY_LIMIT } from '../../src/cases/schemas.js'

/**
 * The public intake's body limit was 16 KB while its fields allow 5,000 + 200 + 300 characters
 * (and a name): a full Chinese petition, 16,665 bytes of UTF-8, was refused with a 413. Every
 * petition its schema accepts must fit, however JSON writes its characters; a larger body is
 * still a 413.
 */

/** Every text field at its maxLength, written with `ch`. */
const maximal = (ch: string) => ({
  title: ch.repeat(200),
  description: ch.repeat(5000),
  category: 'environment.garbage',
  regionCode: 'xh-anping-v01-g1',
  address: ch.repeat(300),
  lat: -39.123456789012,
  lng: -116.123456789012,
  urgency: 'normal',
  channel: 'mini_program',
  petitioner: { type: 'organisation', name: ch.repeat(100), phone: '+86 (010) 1234-5678-9012-34567', anonymous: false },
})

/** JSON as a client that escapes every non-ASCII character writes it (Python's default json.dumps). */
const asciiJson = (v: unknown) => JSON.stringify(v).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

t.test('a full Chinese petition got a 413', async (t) => {
  const app = await build(t)
  const post = (payload: string) => app.inject({ method: 'POST', url: '/api/public/petitions', headers: { 'content-type': 'application/json' }, payload })

  for (const [what, payload] of [
    ['Chinese, UTF-8 (3 bytes a character)', JSON.stringify(maximal('诉'))],
    ['characters outside the BMP, UTF-8 (4 bytes a character)', JSON.stringify(maximal('𠮷'))],
    ['Chinese, every character escaped (6 bytes a character)', asciiJson(maximal('诉'))],
  ] as const) {
    const bytes = Buffer.byteLength(payload)
    t.ok(bytes > 16 * 1024, `${what}: ${bytes} bytes, more than the former 16 KB`)
    t.ok(bytes <= PUBLIC_PETITION_BODY_LIMIT, `${what}: within the limit`)
    const res = await post(payload)
    t.equal(res.statusCode, 201, `${what}: ${res.body.slice(0, 300)}`)
    const { caseNo } = res.json()
    const row = await app.db('cases').where({ case_no: caseNo }).first('description', 'title', 'address')
    const sent = JSON.parse(payload)
    t.same([row.description, row.title, row.address], [sent.description, sent.title, sent.address], `${what}: stored whole`)
  }

  // One character more than a field allows is the schema's 400, not the size's.
  const long = await post(JSON.stringify({ ...maximal('诉'), description: '诉'.repeat(5001) }))
  t.equal(long.statusCode, 400, long.body.slice(0, 200))

  // A body past what any valid petition needs is still refused for its size, before it is parsed.
  const big = await post(JSON.stringify({ ...maximal('诉'), description: '诉'.repeat(13000) }))
  t.ok(Buffer.byteLength(JSON.stringify({ ...maximal('诉'), description: '诉'.repeat(13000) })) > PUBLIC_PETITION_BODY_LIMIT)
  t.equal(big.statusCode, 413, big.body.slice(0, 200))
  t.equal(big.json().key, 'error.payloadTooLarge')
})
