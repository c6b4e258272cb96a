/**
 * Shuoshi web app: one small SPA bundle (plain TS + DOM). bpmn-js is loaded only by the
 * modeler page (modeler.js) and the diagram pages (viewer.js), as separate chunks.
 */
import { session, setUnauthorizedHandler } from './lib/api.js'
import { clear, h } from './lib/dom.js'
import { getLang, setLang, t } from './lib/i18n.js'
import { bell } from './lib/bell.js'
import { isPublic, navigate, onRender, render, route, startRouter } from './lib/router.js'
import { errorBox } from './lib/ui.js'
import { loginPage } from './pages/login.js'
import { taskListPage } from './pages/tasks.js'
import { taskPage } from './pages/task.js'
import { processListPage } from './pages/processes.js'
import { modelerPage, definitionPage } from './pages/modeler-page.js'
import { formEditorPage, formListPage } from './pages/forms.js'
import { casePage } from './pages/case.js'
import { intakePage } from './pages/intake.js'
import { submitPage } from './pages/submit.js'
import { trackPage } from './pages/track.js'
import { dashboardPage } from './pages/dashboard.js'
import { routingRulesPage } from './pages/routing.js'
import { decisionPage } from './pages/decision.js'
import { casesPage } from './pages/cases.js'
import { incidentsPage } from './pages/incidents.js'
import { usersPage } from './pages/users.js'
import { categoriesPage } from './pages/categories.js'
import { orgPage } from './pages/org.js'
import { homePage } from './pages/home.js'
import { installValidityMessages } from './lib/validity.js'
import { bulletinPage, publicBulletinPage, scoringItemsPage } from './pages/bulletin.js'

function homeFor() {
  if (!session.user) return '/'
  if (session.has('county_admin')) return '/admin/processes'
  if (session.has('leader', 'supervisor')) return '/dashboard'
  return '/tasks'
}

// `/` is the citizen's page; signed-in staff go on to their work.
route('/', (ctx) => (session.user ? navigate(homeFor(), true) : homePage(ctx)), { public: true })
route('/login', loginPage, { public: true })
route('/submit', submitPage, { public: true })
route('/track', trackPage, { public: true })
route('/track/:caseNo', trackPage, { public: true })
route('/gongshi', publicBulletinPage, { public: true })
route('/tasks', taskListPage)
route('/tasks/:id', taskPage)
route('/cases', casesPage)
route('/cases/:id', casePage)
route('/intake', intakePage)
route('/dashboard', dashboardPage)
route('/admin/processes', processListPage)
route('/admin/modeler', modelerPage)
route('/admin/definitions/:id', definitionPage)
route('/admin/forms', formListPage)
route('/admin/forms/edit', formEditorPage)
route('/admin/routing-rules', routingRulesPage)
route('/admin/categories', categoriesPage)
route('/admin/decision', decisionPage)
route('/admin/incidents', incidentsPage)
route('/admin/users', usersPage)
route('/admin/org', orgPage)
route('/bulletin', bulletinPage)
route('/admin/scoring-items', scoringItemsPage)

setUnauthorizedHandler((ended) => {
  session.clear()
  // The login page says why they are there: a revoked or expired sign-in otherwise reads, after
  // a failed login, as a mistyped password (login itself never says an account is deactivated).
  const next = `next=${encodeURIComponent(location.pathname + location.search)}`
  if (location.pathname !== '/login') navigate(`/login?${next}${ended ? '&ended=1' : ''}`, true)
})

function navLinks() {
  const u = session.user
  if (!u) {
    return [
      h('a', { href: '/submit' }, t('我要说事', 'Submit')),
      h('a', { href: '/track' }, t('进度查询', 'Track')),
      h('a', { href: '/gongshi' }, t('通报公示', 'Bulletins')),
      h('a', { href: '/login' }, t('工作人员登录', 'Staff login')),
    ]
  }
  const links = [h('a', { href: '/tasks' }, t('待办任务', 'Tasks')), h('a', { href: '/cases' }, t('案件', 'Cases'))]
  if (session.has('dispatcher', 'handler', 'callback', 'grid_worker')) links.push(h('a', { href: '/intake' }, t('登记案件', 'New case')))
  if (session.has('leader', 'supervisor', 'county_admin')) links.push(h('a', { href: '/dashboard' }, t('数据看板', 'Dashboard')))
  if (session.has('leader', 'supervisor', 'county_admin')) links.push(h('a', { href: '/bulletin' }, t('一月一通报', 'Bulletin')))
  if (session.has('county_admin')) {
    links.push(h('a', { href: '/admin/processes' }, t('流程管理', 'Processes')))
    links.push(h('a', { href: '/admin/routing-rules' }, t('派单规则', 'Routing rules')))
    links.push(h('a', { href: '/admin/categories' }, t('事项类别', 'Categories')))
    links.push(h('a', { href: '/admin/incidents' }, t('流程事件', 'Incidents')))
    links.push(h('a', { href: '/admin/users' }, t('用户管理', 'Users')))
    links.push(h('a', { href: '/admin/org' }, t('区域与单位', 'Regions and units')))
  }
  return links
}

function layout(publicPage: boolean) {
  const u = session.user
  const langBtn = h(
    'button',
    {
      class: 'lang',
      type: 'button',
      'data-testid': 'lang-switch',
      title: 'Language / 语言',
      onclick: () => (setLang(getLang() === 'zh' ? 'en' : 'zh'), void render({ redraw: true })),
    },
    getLang() === 'zh' ? 'EN' : '中文',
  )
  const userBox = u
    ? h(
        'span',
        { class: 'user' },
        h('span', { class: 'user-name' }, u.displayName || u.username),
        h('button', { type: 'button', class: 'link', onclick: () => (session.logout(), navigate('/login')) }, t('退出', 'Log out')),
      )
    : null
  // Staff on a phone: one row (brand, bell, language, 菜单) and the pages behind the menu button;
  // the nav wrapped to three rows there (~240 of 844 px, sticky), its last items past the edge.
  // The person's name and 退出 move into the menu at that size (app.css, max-width 640px).
  const nav = h(
    'nav',
    { class: 'nav', id: 'site-nav', 'aria-label': t('主菜单', 'Main menu') },
    ...navLinks(),
    u
      ? h(
          'div',
          { class: 'menu-user' },
          h('span', { class: 'user-name' }, u.displayName || u.username),
          h('button', { type: 'button', class: 'link', onclick: () => (session.logout(), navigate('/login')) }, t('退出', 'Log out')),
        )
      : null,
  )
  const menuBtn = u
    ? h(
        'button',
        { type: 'button', class: 'menu-btn', 'data-testid': 'menu', 'aria-expanded': 'false', 'aria-controls': 'site-nav' },
        h('span', { class: 'menu-icon', 'aria-hidden': 'true' }),
        t('菜单', 'Menu'),
      )
    : null
  const header = h(
    'header',
    { class: `top${u ? ' staff' : ''}` },
    h('a', { class: 'brand', href: '/' }, h('span', { class: 'logo' }, '说'), h('span', null, t('说事', 'Shuoshi'))),
    nav,
    h('div', { class: 'top-right' }, u ? bell() : null, langBtn, userBox, menuBtn),
  )
  if (menuBtn) {
    const setOpen = (open: boolean) => {
      header.classList.toggle('menu-open', open)
      menuBtn.setAttribute('aria-expanded', String(open))
    }
    menuBtn.onclick = () => {
      const open = !header.classList.contains('menu-open')
      setOpen(open)
      if (open) nav.querySelector<HTMLElement>('a, button')?.focus()
    }
    header.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape' || !header.classList.contains('menu-open')) return
      setOpen(false)
      menuBtn.focus()
    })
  }
  const main = h('main', { id: 'view', class: publicPage ? 'public' : '' })
  clear(document.getElementById('app')!, header, main)
  for (const a of header.querySelectorAll('nav a')) {
    if (!location.pathname.startsWith(a.getAttribute('href')!)) continue
    a.classList.add('active')
    a.setAttribute('aria-current', 'page')
  }
}

onRender(async (r, ctx) => {
  if (r && !isPublic(r) && !session.token) {
    navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, true)
    return
  }
  layout(isPublic(r) || !session.user)
  ctx.view = document.getElementById('view')!
  if (!r) {
    ctx.view.append(h('div', { class: 'card' }, h('h1', null, t('页面不存在', 'Page not found')), h('a', { href: '/' }, t('返回首页', 'Home'))))
    return
  }
  try {
    await r.page(ctx)
  } catch (err) {
    if (ctx.alive()) ctx.view.append(errorBox(err))
  }
})

installValidityMessages()
startRouter()
