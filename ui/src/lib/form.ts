/**
 * Renders the form-js component subset our forms use (text, textfield, textarea, number,
 * select, radio, checkbox, checklist, datetime, group) from a task's form-js schema, validates
 * it in the browser with the same rules the server applies (required, min/maxLength, min/max,
 * pattern), and shows the server's 400 details on the fields they name.
 */
import { h } from './dom.js'
import { messageText, serverText, t } from './i18n.js'

export interface FormComponent {
  key?: string
  type: string
  label?: string
  text?: string
  description?: string
  defaultValue?: unknown
  values?: { label: string; value: string | number | boolean }[]
  validate?: { required?: boolean; minLength?: number; maxLength?: number; min?: number; max?: number; pattern?: string }
  components?: FormComponent[]
  readonly?: boolean
  disabled?: boolean
  subtype?: string
}

export interface RenderedForm {
  el: HTMLElement
  /** The values, or null after marking the invalid fields. */
  collect(): Record<string, unknown> | null
  showServerErrors(details: { field?: string | null; path?: string; message?: string; params?: any; key?: string; messageParams?: Record<string, unknown> }[]): boolean
}

function md(text: string) {
  // Headings and paragraphs are all our forms' text components use.
  const out = h('div', { class: 'form-text' })
  for (const line of text.split(/\n+/)) {
    const m = /^(#{1,6})\s+(.*)$/.exec(line.trim())
    if (m) out.append(h(m[1].length <= 3 ? 'h3' : 'h4', null, serverText(m[2])))
    else if (line.trim()) out.append(h('p', null, serverText(line.trim())))
  }
  return out
}

/** A control a page puts in place of a field's default one (the unit picker for unit fields). */
export type CustomField = (c: FormComponent, id: string) => { control: HTMLElement; get(): unknown; focus(): void; label?: string } | null

export function renderForm(schema: { components?: FormComponent[] } | null | undefined, initial: Record<string, unknown> = {}, custom?: CustomField): RenderedForm {
  const root = h('div', { class: 'task-form', 'data-testid': 'task-form' })
  const fields: { c: FormComponent; get(): unknown; wrap: HTMLElement; err: HTMLElement; focus(): void }[] = []

  function add(parent: HTMLElement, c: FormComponent) {
    if (c.type === 'text') return void parent.append(md(c.text ?? ''))
    if (c.type === 'group' || c.type === 'dynamiclist') {
      const box = h('fieldset', { class: 'group' }, c.label ? h('legend', null, serverText(c.label)) : null)
      for (const child of c.components ?? []) add(box, child)
      return void parent.append(box)
    }
    if (c.type === 'separator') return void parent.append(h('hr'))
    if (c.type === 'spacer') return
    if (!c.key) return
    const required = !!c.validate?.required
    let label = serverText(c.label ?? c.key)
    const init = initial[c.key] ?? c.defaultValue
    const id = `f-${c.key}`
    const err = h('div', { class: 'field-error', role: 'alert' })
    let control: HTMLElement
    let get: () => unknown
    let focus = () => control.focus()
    const v = c.validate ?? {}
    const own = custom?.(c, id)
    if (own) {
      control = own.control
      get = own.get
      focus = own.focus
      if (own.label) label = own.label
    } else switch (c.type) {
      case 'textarea': {
        const el = h('textarea', { id, name: c.key, value: init ?? '', maxlength: v.maxLength, minlength: v.minLength, readOnly: c.readonly, disabled: c.disabled })
        control = el
        get = () => el.value
        break
      }
      case 'number': {
        const el = h('input', { id, name: c.key, type: 'number', inputmode: 'decimal', value: init ?? '', min: v.min, max: v.max, step: 'any' })
        control = el
        get = () => (el.value === '' ? undefined : Number(el.value))
        break
      }
      case 'select': {
        const el = h('select', { id, name: c.key }, h('option', { value: '' }, t('请选择', 'Choose…')), (c.values ?? []).map((o) => h('option', { value: String(o.value), selected: String(init ?? '') === String(o.value) }, serverText(o.label))))
        control = el
        get = () => {
          const o = (c.values ?? []).find((x) => String(x.value) === el.value)
          return o ? o.value : undefined
        }
        break
      }
      case 'radio': {
        const group = h('div', { class: 'radio-row', id, role: 'radiogroup' }, (c.values ?? []).map((o) => h('label', null, h('input', { type: 'radio', name: c.key, value: String(o.value), checked: String(init ?? '') === String(o.value) }), serverText(o.label))))
        control = group
        get = () => {
          const sel = group.querySelector('input:checked') as HTMLInputElement | null
          return sel ? (c.values ?? []).find((x) => String(x.value) === sel.value)?.value : undefined
        }
        focus = () => (group.querySelector('input') as HTMLInputElement | null)?.focus()
        break
      }
      case 'checkbox': {
        const el = h('input', { id, name: c.key, type: 'checkbox', checked: init === true })
        const wrap = h('div', { class: 'field', 'data-field': c.key }, h('label', { class: 'check' }, el, label, required ? h('b', { class: 'req' }, ' *') : null), err)
        fields.push({ c, get: () => el.checked, wrap, err, focus: () => el.focus() })
        return void parent.append(wrap)
      }
      case 'checklist':
      case 'taglist': {
        const initArr = Array.isArray(init) ? init.map(String) : []
        const group = h('div', { class: 'radio-row', id }, (c.values ?? []).map((o) => h('label', null, h('input', { type: 'checkbox', value: String(o.value), checked: initArr.includes(String(o.value)) }), serverText(o.label))))
        control = group
        get = () => [...group.querySelectorAll('input:checked')].map((i) => (c.values ?? []).find((x) => String(x.value) === (i as HTMLInputElement).value)?.value)
        focus = () => (group.querySelector('input') as HTMLInputElement | null)?.focus()
        break
      }
      case 'datetime': {
        const kind = c.subtype === 'date' ? 'date' : c.subtype === 'time' ? 'time' : 'datetime-local'
        const el = h('input', { id, name: c.key, type: kind, value: init ?? '' })
        control = el
        get = () => (el.value === '' ? undefined : kind === 'datetime-local' ? new Date(el.value).toISOString() : el.value)
        break
      }
      default: {
        const el = h('input', { id, name: c.key, value: init ?? '', maxlength: v.maxLength, minlength: v.minLength, pattern: v.pattern, readOnly: c.readonly, disabled: c.disabled })
        control = el
        get = () => el.value
      }
    }
    const wrap = h(
      'div',
      { class: 'field', 'data-field': c.key },
      h('label', { class: 'field-label', for: id }, label, required ? h('b', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
      control,
      c.description ? h('small', { class: 'hint' }, serverText(c.description)) : null,
      err,
    )
    fields.push({ c, get, wrap, err, focus })
    parent.append(wrap)
  }

  for (const c of schema?.components ?? []) add(root, c)
  // A field's message goes away as soon as the person changes it.
  const clearFor = (e: Event) => {
    const wrap = (e.target as Element).closest?.('[data-field]')
    const f = fields.find((x) => x.wrap === wrap)
    if (f) {
      f.err.textContent = ''
      f.wrap.classList.remove('invalid-field')
    }
  }
  root.addEventListener('input', clearFor)
  root.addEventListener('change', clearFor)

  function check(c: FormComponent, value: unknown): string | null {
    const v = c.validate ?? {}
    const empty = value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0) || (c.type === 'checkbox' && value === false)
    if (empty) return v.required ? t('必填', 'Required') : null
    if (typeof value === 'string') {
      if (v.minLength !== undefined && value.length < v.minLength) return t(`至少 ${v.minLength} 个字`, `At least ${v.minLength} characters`)
      if (v.maxLength !== undefined && value.length > v.maxLength) return t(`最多 ${v.maxLength} 个字`, `At most ${v.maxLength} characters`)
      if (v.pattern && !new RegExp(`^(?:${v.pattern})$`).test(value)) return t('格式不正确', 'Wrong format')
    }
    if (typeof value === 'number') {
      if (Number.isNaN(value)) return t('请输入数字', 'Enter a number')
      if (v.min !== undefined && value < v.min) return t(`不能小于 ${v.min}`, `At least ${v.min}`)
      if (v.max !== undefined && value > v.max) return t(`不能大于 ${v.max}`, `At most ${v.max}`)
    }
    return null
  }

  return {
    el: root,
    collect() {
      const data: Record<string, unknown> = {}
      let firstBad: (typeof fields)[number] | null = null
      for (const f of fields) {
        let value = f.get()
        if (typeof value === 'string') value = value.trim()
        const problem = check(f.c, value)
        f.err.textContent = problem ?? ''
        f.wrap.classList.toggle('invalid-field', !!problem)
        if (problem && !firstBad) firstBad = f
        const empty = value === undefined || value === '' || (Array.isArray(value) && value.length === 0)
        if (!empty) data[f.c.key!] = value
        else if (f.c.type === 'checkbox') data[f.c.key!] = false
      }
      if (firstBad) {
        firstBad.focus()
        return null
      }
      return data
    },
    showServerErrors(details) {
      let shown = false
      for (const d of details) {
        // The server names the field (`field`); ajv-shaped details carry a path instead.
        const key = d.field ?? ((d.path ?? '').replace(/^\/?(data\/?)?/, '').split('/')[0] || d.params?.missingProperty)
        const f = fields.find((x) => x.c.key === key)
        if (f) {
          f.err.textContent = messageText({ key: d.key, params: d.messageParams ?? d.params, message: d.message ?? '' })
          f.wrap.classList.add('invalid-field')
          shown = true
        }
      }
      return shown
    },
  }
}
