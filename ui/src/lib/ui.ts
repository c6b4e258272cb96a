import { ApiError } from './api.js'
import { h, type Attrs, type Child } from './dom.js'
import { messageText, t } from './i18n.js'

export function pageHead(title: string, ...extra: Child[]) {
  document.title = `${title} · ${t('说事', 'Shuoshi')}`
  return h('div', { class: 'page-head' }, h('h1', null, title), extra.length ? h('div', { class: 'page-actions' }, ...extra) : null)
}

export function errorText(err: unknown) {
  if (err instanceof ApiError) {
    // Validation details carry ajv's own `params`; the catalogue's are `messageParams` there.
    const details = (err.details ?? [])
      .map((d) => {
        // A validation sentence names its field; other details get the field, row or element in front.
        if (typeof d.key === 'string' && d.key.startsWith('error.validation.')) return messageText({ key: d.key, params: d.messageParams ?? d.params })
        const where = d.elementId ?? (typeof d.index === 'number' ? `#${d.index + 1} ${d.field ?? ''}`.trim() : (d.field ?? d.path))
        return [where, messageText({ key: d.key, params: d.messageParams ?? d.params, message: d.message })].filter(Boolean).join(': ')
      })
      .filter(Boolean)
    return [messageText({ key: err.key, params: err.params, message: err.message }), ...details].join('\n')
  }
  return err instanceof Error ? err.message : String(err)
}

export function errorBox(err: unknown) {
  return h('div', { class: 'alert error', role: 'alert' }, errorText(err))
}

export function loading() {
  return h('p', { class: 'muted loading' }, t('加载中…', 'Loading…'))
}

let toastTimer: number | undefined
export function toast(text: string, kind: 'ok' | 'error' = 'ok') {
  let el = document.getElementById('toast')
  if (!el) {
    el = h('div', { id: 'toast', role: 'status', 'aria-live': 'polite' })
    document.body.appendChild(el)
  }
  el.className = `toast show ${kind}`
  el.textContent = text
  clearTimeout(toastTimer)
  toastTimer = window.setTimeout(() => el!.classList.remove('show'), 3500)
}

/**
 * A cell's heading inside the cell, for a `phone-blocks` table: shown only where the table's head
 * is not (a phone's blocks). Hidden from screen readers, which read the head on both.
 */
export function cellLabel(text: string) {
  return h('span', { class: 'cell-label', 'aria-hidden': 'true' }, text, t('：', ': '))
}

export function badge(text: string, kind = '') {
  return h('span', { class: `badge ${kind}` }, text)
}

/** A labelled form row. */
export function field(label: string, control: HTMLElement, hint?: string, required = false) {
  // A <label> only around a single control; groups (radios, cascades) get a div (no nested labels).
  const single = /^(INPUT|SELECT|TEXTAREA)$/.test(control.tagName)
  return h(
    single ? 'label' : 'div',
    { class: 'field', ...(!single && { role: 'group', 'aria-label': label }) },
    h('span', { class: 'field-label' }, label, required ? h('b', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    control,
    hint ? h('small', { class: 'hint' }, hint) : null,
  )
}

/** Disables a button while an async action runs; shows the error inline or as a toast. */
export async function busy<T>(btn: HTMLButtonElement | null, fn: () => Promise<T>): Promise<T | undefined> {
  if (btn) btn.disabled = true
  try {
    return await fn()
  } catch (err) {
    toast(errorText(err), 'error')
    return undefined
  } finally {
    if (btn) btn.disabled = false
  }
}

/** Loads a stylesheet once (bpmn-js styles are only needed on the diagram pages). */
export function loadCss(href: string) {
  if (document.querySelector(`link[data-css="${href}"]`)) return Promise.resolve()
  return new Promise<void>((resolve) => {
    const link = h('link', { rel: 'stylesheet', href, 'data-css': href })
    link.addEventListener('load', () => resolve())
    link.addEventListener('error', () => resolve())
    document.head.appendChild(link)
  })
}

/** Past this many characters or lines, what a person wrote is shown collapsed (`userText`). */
const LONG_CHARS = 300
const LONG_LINES = 6
let clampIds = 0

/**
 * What a person wrote (a description, a reason, an answer), whole and as written, in a `tag`
 * element. Long text shows its first lines and a toggle (展开全文 / Show all): a 4,000-character
 * description pushed the task's form some 6,000 px down a phone's page. The text is never cut:
 * all of it stays in the element and CSS only clamps what shows, so searching the page, copying
 * and screen readers get it whole.
 */
export function userText(text: string, tag: 'dd' | 'span' | 'p' | 'div' = 'span', attrs: Attrs = {}) {
  const cls = `user-text ${attrs.class ?? ''}`.trim()
  if (text.length <= LONG_CHARS && text.split('\n').length <= LONG_LINES) return h(tag, { ...attrs, class: cls }, text)
  const id = `clamp-${++clampIds}`
  const body = h('span', { class: 'clamp-body', id }, text)
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'link clamp-toggle',
      'aria-expanded': 'false',
      'aria-controls': id,
      onclick: () => {
        const open = box.classList.toggle('expanded')
        toggle.setAttribute('aria-expanded', String(open))
        toggle.textContent = open ? t('收起', 'Show less') : t('展开全文', 'Show all')
      },
    },
    t('展开全文', 'Show all'),
  )
  const box = h(tag, { ...attrs, class: `${cls} clamped` }, body, toggle)
  return box
}
