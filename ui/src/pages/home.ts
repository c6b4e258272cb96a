import { get } from '../lib/api.js'
import type { Answer } from '../lib/api-types.js'
import { h } from '../lib/dom.js'
import { fmtPct, t } from '../lib/i18n.js'
import { navigate, type Ctx } from '../lib/router.js'

type PublicRates = Answer<'/api/public/rates'>

/**
 * `/`: the citizen's front page — say something, follow a case, see how the city answers — with
 * the staff sign-in beside it. Staff who are signed in go on to their own start page.
 */
export async function homePage(ctx: Ctx) {
  document.title = `${t('说事', 'Shuoshi')} · ${t('群众说事、干部解题', 'Citizens say it, officials solve it')}`
  const trackCase = h('input', {
    name: 'caseNo',
    required: true,
    autocapitalize: 'characters',
    'data-testid': 'home-track-case-no',
    'aria-label': t('案件编号', 'Case number'),
    placeholder: t('案件编号', 'Case number'),
  })
  const rates = h('div', { class: 'rates', 'data-testid': 'public-rates' }, h('p', { class: 'muted' }, t('加载中…', 'Loading…')))
  ctx.view.append(
    h(
      'div',
      { class: 'hero' },
      h('h1', null, t('群众说事 · 干部解题', 'Tell us, and it gets solved')),
      h('p', null, t('有事您就说，件件有回音。', 'Every matter gets an answer.')),
    ),
    h(
      'div',
      { class: 'home-grid' },
      h(
        'section',
        { class: 'card' },
        h('h2', null, t('我要说事', 'Tell us about it')),
        h(
          'p',
          { class: 'muted' },
          t('反映问题、提出诉求，可匿名，手机也能提交。', 'Report a problem or make a request, anonymously if you like, from your phone too.'),
        ),
        h('a', { class: 'button primary block', href: '/submit', 'data-testid': 'home-submit' }, t('开始填写', 'Start')),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', null, t('查询办理进度', 'Track your case')),
        h(
          'form',
          {
            onsubmit: (e: Event) => {
              e.preventDefault()
              const no = trackCase.value.trim()
              if (no) navigate(`/track/${encodeURIComponent(no)}`)
            },
          },
          trackCase,
          h('button', { type: 'submit', class: 'block', style: 'margin-top:8px' }, t('查询', 'Track')),
        ),
        h('p', { class: 'muted small' }, t('下一步需输入查询码。', 'You will be asked for the tracking code next.')),
      ),
    ),
    h('section', { class: 'card' }, h('h2', null, t('近 12 个月全市办理情况', 'The city over the last 12 months')), rates),
    h('p', { class: 'muted small staff-link' }, t('工作人员请', 'Staff: '), h('a', { href: '/login', 'data-testid': 'staff-login' }, t('登录', 'sign in'))),
  )
  try {
    const r = await get<PublicRates>('/api/public/rates')
    if (!ctx.alive()) return
    const stat = (label: string, value: string) =>
      h('div', { class: 'stat' }, h('div', { class: 'stat-value' }, value), h('div', { class: 'stat-label' }, label))
    rates.replaceChildren(
      stat(t('受理', 'Received'), String(r.received)),
      stat(t('响应率', 'Response rate'), fmtPct(r.responseRate)),
      stat(t('办结率', 'Closure rate'), fmtPct(r.closureRate)),
      stat(t('解决率', 'Resolution rate'), fmtPct(r.resolutionRate)),
      stat(t('满意率', 'Satisfaction rate'), fmtPct(r.satisfactionRate)),
    )
  } catch {
    rates.replaceChildren(h('p', { class: 'muted' }, t('暂时无法显示', 'Not available right now')))
  }
}
