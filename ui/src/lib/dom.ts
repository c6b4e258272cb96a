/** A tiny DOM builder: h('div', {class: 'x', onclick}, 'text', child). No framework. */
export type Child = Node | string | number | null | undefined | false | Child[]
export type Attrs = Record<string, unknown> & { class?: string; style?: string }

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener)
      else if (k === 'dataset') Object.assign(el.dataset, v)
      else if (k === 'value' && 'value' in el) (el as HTMLInputElement).value = String(v)
      else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'required' || k === 'readOnly')
        (el as HTMLInputElement & HTMLOptionElement)[k] = Boolean(v)
      else el.setAttribute(k, v === true ? '' : String(v))
    }
  }
  append(el, children)
  return el
}

export function append(el: Node, children: Child[]) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    if (Array.isArray(c)) append(el, c)
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c)
  }
}

export function clear(el: Element, ...children: Child[]) {
  el.replaceChildren()
  append(el, children)
  return el
}

export function $(sel: string, root: ParentNode = document) {
  return root.querySelector(sel) as HTMLElement | null
}

/** Serialises a form's named controls into a plain object. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of new FormData(form).entries()) out[k] = String(v)
  return out
}
