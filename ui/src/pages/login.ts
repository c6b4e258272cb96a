import { post, session, type Actor } from '../lib/api.js'
import { formValues, h } from '../lib/dom.js'
import { t } from '../lib/i18n.js'
import { navigate, onLeave, type Ctx } from '../lib/router.js'
import { errorText, field } from '../lib/ui.js'

/** What was typed, and where, while the page is drawn again in the other language. */
interface Typed {
  username: string
  password: string
  focus: string | null
}
/**
 * Set only by a language switch's leaving and taken by the drawing that follows at once, so a
 * password is held no longer than that (leaving the page any other way keeps nothing).
 */
let carried: Typed | null = null

export function loginPage(ctx: Ctx) {
  const kept = carried
  carried = null
  document.title = `${t('登录', 'Log in')} · ${t('说事', 'Shuoshi')}`
  const msg = h('div', { class: 'alert error', role: 'alert', hidden: true })
  const submit = h('button', { type: 'submit', class: 'primary block' }, t('登录', 'Log in'))
  const form = h(
    'form',
    {
      class: 'card narrow',
      'data-testid': 'login-form',
      onsubmit: async (e: Event) => {
        e.preventDefault()
        msg.hidden = true
        submit.disabled = true
        try {
          const { username, password } = formValues(form)
          const res = await post<{ token: string; user: Actor }>('/api/auth/login', { username: username.trim(), password })
          session.set(res.token, res.user)
          const next = ctx.query.get('next')
          navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', true)
        } catch (err) {
          msg.textContent = errorText(err)
          msg.hidden = false
        } finally {
          submit.disabled = false
        }
      },
    },
    h('h1', null, t('工作人员登录', 'Staff login')),
    h('p', { class: 'muted' }, t('群众说事、干部解题', 'Citizens say it, officials solve it')),
    // Sent here by a token the server stopped taking (signed out elsewhere, password reset,
    // deactivated, expired): the same words for every cause, as login's answer is.
    ctx.query.get('ended')
      ? h(
          'div',
          { class: 'alert', role: 'status', 'data-testid': 'login-ended' },
          t(
            '您的登录已结束，请重新登录。如仍无法登录，请联系管理员。',
            'Your sign-in has ended. Please sign in again; if you still cannot, ask an administrator.',
          ),
        )
      : null,
    field(t('用户名', 'Username'), h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'off', spellcheck: 'false' })),
    field(t('密码', 'Password'), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    msg,
    submit,
    h(
      'p',
      { class: 'muted small' },
      t('群众请直接', 'Citizens: '),
      h('a', { href: '/submit' }, t('提交诉求', 'submit a petition')),
      ' · ',
      h('a', { href: '/track' }, t('查询进度', 'track a case')),
    ),
  )
  ctx.view.append(form)
  const input = (name: string) => form.querySelector<HTMLInputElement>(`input[name=${name}]`)!
  let focus: string | null = null
  form.addEventListener('focusin', (e) => (focus = e.target instanceof HTMLInputElement ? e.target.name : focus))
  onLeave(({ redraw }) => {
    if (redraw) carried = { username: input('username').value, password: input('password').value, focus }
  })
  if (kept) {
    input('username').value = kept.username
    input('password').value = kept.password
  }
  const typing = input(kept?.focus === 'password' ? 'password' : 'username')
  typing.focus()
  // The caret after what was typed, as it was, not before it.
  typing.setSelectionRange(typing.value.length, typing.value.length)
}
