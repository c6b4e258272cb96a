// @sqlite-only: a token's signature and encoding are checked before any user is read
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, login } from '../helper.js'

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

async function me(app: FastifyInstance, token: string) {
  return (await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } })).statusCode
}

async function loginToken(app: FastifyInstance, username: string, password = 'demo') {
  return (await login(app, username, password)).authorization.slice('Bearer '.length)
}

test('a token re-encoded (= appended, spare bits flipped, padded parts) no longer authenticates', async (t) => {
  const app = await build(t)
  const token = await loginToken(app, 'dispatcher')
  t.equal(await me(app, token), 200, 'the token as issued works')

  const [body, sig] = token.split('.')
  // The last of 43 characters carries 4 bits of the 32-byte MAC and 2 spare bits: flipping the
  // lowest spare bit spells the same bytes differently.
  const last = B64URL.indexOf(sig.at(-1)!)
  const sameBytes = sig.slice(0, -1) + B64URL[last ^ 1]
  t.same(Buffer.from(sameBytes, 'base64url'), Buffer.from(sig, 'base64url'), 'the variant decodes to the same MAC')
  const variants = {
    'padding appended': `${token}=`,
    'two padding characters': `${token}==`,
    'spare bits flipped': `${body}.${sameBytes}`,
    'standard base64 alphabet': `${body}.${Buffer.from(sig, 'base64url').toString('base64')}`,
    'padding inside': `${body}=.${sig}`,
  }
  for (const [name, variant] of Object.entries(variants)) {
    if (variant === token) continue
    t.equal(await me(app, variant), 401, name)
  }
})

test('logout revokes every token of the user and only that user', async (t) => {
  const app = await build(t)
  const first = await loginToken(app, 'grid01')
  // Another session: a different lifetime makes it a different string from the first.
  const second = await app.org.issueToken((await app.org.getUser('grid01'))!.id, 3600)
  t.not(second, first)
  const other = await loginToken(app, 'dispatcher')
  t.equal(await me(app, first), 200)
  t.equal(await me(app, second), 200)

  const out = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${first}` } })
  t.equal(out.statusCode, 204)
  t.equal(await me(app, first), 401, 'the token that logged out is revoked')
  t.equal(await me(app, second), 401, "the user's other session is revoked too")
  t.equal(await me(app, other), 200, "another user's token still works")
  const again = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${first}` } })
  t.equal(again.statusCode, 401, 'a revoked token cannot log out again')

  const fresh = await loginToken(app, 'grid01')
  t.equal(await me(app, fresh), 200, 'logging in again gives a working token')
  t.equal((await app.inject({ method: 'POST', url: '/api/auth/logout' })).statusCode, 401, 'logout needs a token')
})

test('a password change revokes the old tokens and the old password', async (t) => {
  const app = await build(t)
  const old = await loginToken(app, 'leader')
  const elsewhere = await app.org.issueToken((await app.org.getUser('leader'))!.id, 3600)
  t.not(elsewhere, old)
  const auth = { authorization: `Bearer ${old}` }

  const wrong = await app.inject({
    method: 'POST',
    url: '/api/auth/password',
    headers: auth,
    payload: { currentPassword: 'not-demo', newPassword: 'a-new-secret' },
  })
  t.equal(wrong.statusCode, 403, 'the current password is checked')
  t.match(wrong.json().message, /current password/)
  t.equal(await me(app, old), 200, 'a refused change revokes nothing')

  const short = await app.inject({ method: 'POST', url: '/api/auth/password', headers: auth, payload: { currentPassword: 'demo', newPassword: 'short' } })
  t.equal(short.statusCode, 400, 'a new password under 8 characters is refused')

  const res = await app.inject({ method: 'POST', url: '/api/auth/password', headers: auth, payload: { currentPassword: 'demo', newPassword: 'a-new-secret' } })
  t.equal(res.statusCode, 200)
  t.equal(res.json().user.username, 'leader')
  t.equal(await me(app, old), 401, 'the token that changed it is replaced')
  t.equal(await me(app, elsewhere), 401, 'other sessions are revoked')
  t.equal(await me(app, res.json().token), 200, 'the new token works')

  const oldPassword = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'leader', password: 'demo' } })
  t.equal(oldPassword.statusCode, 401, 'the old password no longer logs in')
  t.equal(await me(app, await loginToken(app, 'leader', 'a-new-secret')), 200, 'the new password does')
})
