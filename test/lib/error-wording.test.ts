import t from 'tap'
import { build, onPostgres } from '../helper.js'

/**
 * What the server says when it refuses a request before any handler of ours ran (the rate limit,
 * Fastify's body parsers and router): a catalogue sentence in each language, never the library's
 * English, never a raw code. The expected sentences are written out by hand from the catalogue.
 */
const db = onPostgres ? 'PostgreSQL' : 'SQLite'

const petition = {
  description: '路灯不亮',
  category: 'other',
  regionCode: 'xh-anping',
  petitioner: { type: 'person', anonymous: true },
}

/** The Chinese half of a "中文 / English" message. */
const chinese = (message: string) => message.slice(0, message.indexOf(' / '))

t.test(`a 429 said "请 1 minute 后再试": English inside the Chinese text (${db})`, async (t) => {
  const app = await build(t)
  // The public form takes 10 a minute from one address; the 11th is refused.
  const send = () => app.inject({ method: 'POST', url: '/api/public/petitions', payload: petition })
  const statuses = []
  let res = await send()
  for (let i = 0; i < 11 && res.statusCode !== 429; i++) statuses.push((res = await send()).statusCode)
  t.equal(res.statusCode, 429)
  t.equal(statuses.length, 10, 'the 11th petition is refused')
  const body = res.json()
  t.equal(body.error, 'too_many_requests', 'the error code outside clients read is unchanged')
  const seconds = Number(res.headers['retry-after'])
  t.ok(seconds > 0 && seconds <= 60, `Retry-After is still sent (${seconds})`)
  t.equal(body.key, 'error.tooManyRequests')
  t.same(body.params, { seconds }, 'the wait is a number, the same as Retry-After')
  t.equal(body.message, `请求过于频繁，请 ${seconds} 秒后再试 / too many requests, retry in ${seconds}s`)
  t.notMatch(chinese(body.message), /[A-Za-z]/, 'no English in the Chinese text')
})
