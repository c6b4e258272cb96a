/** History-API router: patterns like /tasks/:id; internal <a href="/…"> clicks navigate without reload. */
export interface Ctx {
  params: Record<string, string>
  query: URLSearchParams
  view: HTMLElement
  /** False once the user navigated elsewhere: async pages check it before touching the DOM. */
  alive(): boolean
}
export type Page = (ctx: Ctx) => void | Promise<void>
interface Route {
  re: RegExp
  keys: string[]
  page: Page
  public: boolean
}

const routes: Route[] = []
let renderSeq = 0
let renderer: (route: Route | null, ctx: Ctx) => void | Promise<void> = () => {}
/** How the page is left: `redraw` when the same page is drawn again (a language switch). */
export interface Leaving {
  redraw: boolean
}
const leaveHooks: ((how: Leaving) => void)[] = []

export function route(pattern: string, page: Page, opts: { public?: boolean } = {}) {
  const keys: string[] = []
  const re = new RegExp('^' + pattern.replace(/:(\w+)/g, (_m, k) => (keys.push(k), '([^/]+)')) + '/?$')
  routes.push({ re, keys, page, public: !!opts.public })
}

export function onRender(fn: typeof renderer) {
  renderer = fn
}

/**
 * Runs when the current page is left (destroy bpmn-js instances, timers), or drawn again in the
 * other language (`how.redraw`: a page may carry over what the reader typed).
 */
export function onLeave(fn: (how: Leaving) => void) {
  leaveHooks.push(fn)
}

export function navigate(url: string, replace = false) {
  if (replace) history.replaceState(null, '', url)
  else history.pushState(null, '', url)
  void render()
}

export function match(pathname: string) {
  for (const r of routes) {
    const m = r.re.exec(pathname)
    if (m) return { route: r, params: Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])])) }
  }
  return null
}

/** Draws the page of the current URL; `redraw` draws the page the reader is on again (a language switch). */
export async function render(opts: { redraw?: boolean } = {}) {
  const how: Leaving = { redraw: opts.redraw === true }
  for (const fn of leaveHooks.splice(0)) {
    try {
      fn(how)
    } catch {
      /* ignore */
    }
  }
  const seq = ++renderSeq
  const found = match(location.pathname)
  const view = document.getElementById('view') ?? document.body
  const ctx: Ctx = { params: found?.params ?? {}, query: new URLSearchParams(location.search), view, alive: () => seq === renderSeq }
  await renderer(found?.route ?? null, ctx)
}

export function isPublic(r: { public: boolean } | null) {
  return !!r?.public
}

export function startRouter() {
  window.addEventListener('popstate', () => void render())
  document.addEventListener('click', (e) => {
    const a = (e.target as Element).closest?.('a')
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target || a.hasAttribute('download')) return
    const href = a.getAttribute('href')
    if (!href || !href.startsWith('/') || href.startsWith('/api/') || href.startsWith('/docs')) return
    e.preventDefault()
    navigate(href)
  })
  void render()
}
