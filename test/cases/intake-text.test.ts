import t from 'tap'
import { build, onPostgres } from '../helper.js'
import { call, caseByNo, garbageReport, petition, streetLight } from '../api.js'
import { cutText } from '../../src/lib/text.js'

/**
 * A petitioner's text at intake, on both databases: kept whole where it is stored, cut only
 * between characters where the platform summarises it (the automatic title), refused with a 400
 * naming the field when no database can store it as sent or it says nothing at all.
 */
const db = onPostgres ? 'PostgreSQL' : 'SQLite'

const ROAD = '路'.repeat(39)

t.test(`the automatic title is cut between characters, not inside an emoji (${db})`, async (t) => {
  const app = await build(t)
  const cases = [
    // 39 + 1 characters: the 40th is the emoji, whose second half was the 41st UTF-16 unit.
    { description: ROAD + '😀后面的内容', title: ROAD + '😀' },
    // A family is one character of five code points (joined by ZWJ), a flag one of two.
    { description: ROAD + '👨‍👩‍👧后面', title: ROAD + '👨‍👩‍👧' },
    { description: ROAD + '🇨🇳后面', title: ROAD + '🇨🇳' },
    // e + a combining accent: the accent stays with its letter.
    { description: 'e\u0301'.repeat(45), title: 'e\u0301'.repeat(40) },
  ]
  for (const c of cases) {
    const p = await petition(app, { ...streetLight, description: c.description })
    const track = await call(app, null, 'GET', `/api/public/track/${p.caseNo}?code=${p.trackingCode}`)
    t.equal(track.body.title, c.title, `public: ${JSON.stringify(c.title.slice(-12))}`)
    t.ok(track.body.title.isWellFormed(), 'a well-formed title')
    t.equal((await caseByNo(app, p.caseNo)).description, c.description, 'the description whole')
  }
  const staff = await call(app, 'dispatcher', 'POST', '/api/cases', { ...garbageReport, title: undefined, description: ROAD + '😀后面的内容' })
  t.equal(staff.status, 201)
  t.equal(staff.body.title, ROAD + '😀', 'staff intake: the same title')
  // One letter under 300 accents is one character: the title still keeps to its 200 code points.
  const heavy = await petition(app, { ...streetLight, description: 'a' + '\u0301'.repeat(300) })
  const title = (await caseByNo(app, heavy.caseNo)).title as string
  t.equal([...title].length, 200, 'at most 200 code points')
})

t.test('cutText keeps whole characters within both limits', async (t) => {
  t.equal(cutText('abc', { graphemes: 5 }), 'abc')
  t.equal(cutText('ab😀c', { graphemes: 3 }), 'ab😀')
  t.equal(cutText('ab😀c', { codePoints: 2 }), 'ab', 'an emoji that does not fit is left out whole')
  t.equal(cutText('a😀', { codePoints: 2 }), 'a😀', 'an emoji is one code point')
  t.equal(cutText('e\u0301e\u0301', { codePoints: 3 }), 'e\u0301', 'a letter keeps its accent')
  t.equal(cutText('🇨🇳🇨🇳', { graphemes: 1 }), '🇨🇳')
  t.equal(cutText('x'.repeat(666) + '😀', { codePoints: 666 }), 'x'.repeat(666))
  t.equal(cutText('x'.repeat(665) + '😀', { codePoints: 666 }), 'x'.repeat(665) + '😀')
})
