/**
 * Task and evaluation forms rendered by @bpmn-io/form-js-viewer: its components, conditions
 * (`conditional.hide`) and validation, with our forms' "中文 / English" labels shown in the
 * chosen language, form-js's English validation messages translated, and the server's 400
 * details shown on the fields they name (form-js has no notion of server errors).
 * Loaded only by pages that show a form (dynamic import), with /form.css.
 */
import { Errors, Form, Label } from '@bpmn-io/form-js-viewer'
import { h as ph } from 'preact'
import { useLayoutEffect, useRef } from 'preact/hooks'
import { getLang, messageText, serverText, t } from './lib/i18n.js'
import type { ErrorDetail } from './lib/api.js'
import { unitPicker } from './lib/unit-picker.js'

export interface FormComponent {
  id?: string
  key?: string
  type: string
  label?: string
  text?: string
  description?: string
  values?: { label: string; value: unknown }[]
  components?: FormComponent[]
  validate?: { required?: boolean; [k: string]: unknown }
  [k: string]: unknown
}
export interface FormSchema {
  id?: string
  type?: string
  components: FormComponent[]
  [k: string]: unknown
}

/** A detail of the server's answer to a completion: lib/api.ts's ErrorDetail. */
export type ServerDetail = ErrorDetail

export interface TaskFormHandle {
  /** form-js's submit: the data it would send, or null after showing the errors on the fields. */
  submit(): Record<string, unknown> | null
  /** Shows the server's 400 details on their fields; false when none names a field here. */
  showServerErrors(details: ServerDetail[]): boolean
  destroy(): void
}

/** Each line of a text component in the chosen language ("中文 / English" per line). */
const localText = (text: string) =>
  text
    .split('\n')
    .map((line) => {
      const m = /^(#{1,6}\s+)(.*)$/.exec(line)
      return m ? m[1] + serverText(m[2]) : serverText(line)
    })
    .join('\n')

/** The schema with every label, description and option label in the chosen language. */
export function localise(schema: FormSchema): FormSchema {
  const one = (c: FormComponent): FormComponent => ({
    ...c,
    ...(typeof c.label === 'string' && { label: serverText(c.label) }),
    ...(typeof c.description === 'string' && { description: serverText(c.description) }),
    ...(typeof c.text === 'string' && { text: localText(c.text) }),
    ...(Array.isArray(c.values) && { values: c.values.map((o) => ({ ...o, label: serverText(o.label) })) }),
    ...(Array.isArray(c.components) && { components: c.components.map(one) }),
  })
  return { ...schema, components: (schema.components ?? []).map(one) }
}

/** form-js-viewer's validation messages (Validator.js), in the chosen language. */
function translateError(message: string): string {
  // form-js's own English puts the raw pattern on screen ("Field must match pattern ^XH-[0-9]{4}$."),
  // a code no handler reads: both languages say the same sentence, as the browser's own check does (validity.ts).
  if (message.startsWith('Field must match pattern')) return getLang() === 'en' ? 'This is not in the right form.' : '格式不正确'
  if (getLang() === 'en') return message
  const n = /(-?[\d.]+)\.?$/.exec(message)?.[1]
  if (message === 'Field is required.') return '必填'
  if (message.startsWith('Field must have minimum length')) return `至少 ${n} 个字`
  if (message.startsWith('Field must have maximum length')) return `最多 ${n} 个字`
  if (message.startsWith('Field must have minimum value')) return `不能小于 ${n}`
  if (message.startsWith('Field must have maximum value')) return `不能大于 ${n}`
  if (message === 'Field must be a valid email.') return '请输入有效的电子邮箱'
  if (message.startsWith('Field must be a valid  international phone')) return '请输入有效的国际电话号码（如 +8613800000000）'
  if (message === 'Value is not a number.') return '请输入数字'
  return message
}

/** The form-js type a unit field is shown as (the browser's only: the stored form keeps its textfield). */
const UNIT_TYPE = 'shuoshi-unit'

interface UnitFieldProps {
  field: FormComponent & { multiple?: boolean }
  domId: string
  errors?: string[]
  onChange(change: { value: unknown }): void
}

/**
 * A form-js field type for fields that name units: the unit picker of the units that can take
 * `caseId`'s case, in the field's place in the form, so that form-js's own validation (required,
 * conditions) and error lines apply to it as to any field, and its value is submitted with the
 * rest: the code, codes joined by commas for `multiple` (the form declares a text field).
 */
function unitFields(caseId: string) {
  function UnitField(props: UnitFieldProps) {
    const { field, domId, errors = [] } = props
    const box = useRef<HTMLDivElement>(null)
    const latest = useRef(props)
    latest.current = props
    useLayoutEffect(() => {
      const picker = unitPicker({
        caseId,
        id: domId,
        label: field.label ?? '',
        multiple: !!field.multiple,
        onChange: (v) => latest.current.onChange({ value: Array.isArray(v) ? v.join(',') : (v ?? null) }),
      })
      picker.el.querySelector('input')?.setAttribute('aria-describedby', `${domId}-error-message`)
      box.current!.append(picker.el)
      return () => picker.el.remove()
    }, [])
    return ph(
      'div',
      { class: `fjs-form-field fjs-form-field-${UNIT_TYPE}${errors.length ? ' fjs-has-errors' : ''}` },
      // form-js's own label (typed with children a VNode, which it does not need).
      ph(Label as unknown as (p: { htmlFor: string; label?: string; required: boolean }) => null, {
        htmlFor: domId,
        label: field.label,
        required: !!field.validate?.required,
      }),
      ph('div', { ref: box }),
      ph(Errors, { id: `${domId}-error-message`, errors }),
    )
  }
  UnitField.config = {
    type: UNIT_TYPE,
    keyed: true,
    name: 'Unit',
    group: 'basic-input',
    emptyValue: null,
    sanitizeValue: ({ value }: { value: unknown }) => (typeof value === 'string' && value ? value : null),
    create: (options = {}) => ({ ...options }),
  }
  class UnitFields {
    static $inject = ['formFields']
    constructor(formFields: { register(type: string, component: unknown): void }) {
      formFields.register(UNIT_TYPE, UnitField)
    }
  }
  return { __init__: ['shuoshiUnitFields'], shuoshiUnitFields: ['type', UnitFields] }
}

/** The schema with the fields `units` names shown as unit pickers (`multiple`: several units). */
function withUnitFields(schema: FormSchema, units: Record<string, { multiple: boolean }>): FormSchema {
  const one = (c: FormComponent): FormComponent =>
    c.key && units[c.key] && (c.type === 'textfield' || c.type === 'textarea')
      ? { ...c, type: UNIT_TYPE, multiple: units[c.key].multiple }
      : Array.isArray(c.components)
        ? { ...c, components: c.components.map(one) }
        : c
  return { ...schema, components: (schema.components ?? []).map(one) }
}

/**
 * form-js (1.23) writes the few words of its own in English and has no translation hook:
 * "Select" as an empty select's text and "Search" as a searchable one's placeholder, as
 * literals in its components (upstream added a `translate` only later, bpmn-io/form-js#1549).
 * Hiding "Select" and drawing 请选择 over it by CSS left screen readers reading "Select请选择",
 * so the words themselves are replaced once rendered. An observer of this form's container
 * alone does it, since preact writes them again whenever they change (a value picked, then
 * cleared: preact sets the text back to "Select", as it compares its own previous text, never
 * the page's — which is also why replacing the text node's data does not confuse it). The
 * observer's callbacks run before the page is painted, so "Select" is never seen.
 * The hidden input a select focuses gets the word as its placeholder while the select is empty,
 * what a screen reader announces in that field. Returns the observer's stop.
 */
function localiseFormJsWords(container: HTMLElement): () => void {
  const select = t('请选择', 'Select…')
  const search = t('搜索', 'Search')
  const fix = () => {
    for (const display of container.querySelectorAll('.fjs-select-display.fjs-select-placeholder'))
      for (const node of display.childNodes) if (node instanceof Text && node.data === 'Select') node.data = select
    for (const input of container.querySelectorAll<HTMLInputElement>('input.fjs-select-hidden-input')) {
      const isEmpty = !!input.parentElement?.querySelector('.fjs-select-placeholder')
      if (isEmpty && input.placeholder !== select) input.placeholder = select
      else if (!isEmpty && input.hasAttribute('placeholder')) input.removeAttribute('placeholder')
    }
    for (const input of container.querySelectorAll<HTMLInputElement>('.fjs-input-group input[placeholder="Search"]')) input.placeholder = search
  }
  fix()
  const observer = new MutationObserver(fix)
  observer.observe(container, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['class', 'placeholder'] })
  return () => observer.disconnect()
}

export function createTaskForm(
  container: HTMLElement,
  schema: FormSchema,
  data: Record<string, unknown> = {},
  /** Fields that name units, shown as the picker of the units that can take the case. */
  units?: { caseId: string; fields: Record<string, { multiple: boolean }> },
): Promise<TaskFormHandle> {
  const form = new Form({ container, additionalModules: units ? [unitFields(units.caseId)] : [] })
  // Watching before the first render, so that no English word is ever painted.
  const stopWords = localiseFormJsWords(container)
  if (units) schema = withUnitFields(schema, units.fields)
  // The form's services that are used here, as form-js-viewer's typings leave them (get<T>).
  const fields = () => form.get<{ getAll(): { id: string; key?: string }[] }>('formFieldRegistry').getAll()
  return form.importSchema(localise(schema), data).then(() => {
    const validator = form.get<{ validateFieldInstance(instance: unknown, value: unknown): string[] }>('validator')
    const original = validator.validateFieldInstance.bind(validator)
    validator.validateFieldInstance = (instance: unknown, value: unknown) => (original(instance, value) as string[]).map(translateError)
    // form-js names fields by generated ids only: each field's box gets `data-field=<key>` and
    // its control `name=<key>`, what pages, tests and people's password managers go by. Run
    // again after every change, since a condition can bring a field (a new node) into view.
    const annotate = () => {
      for (const f of fields()) {
        if (!f.key) continue
        const control = container.querySelector(`#${CSS.escape(`fjs-form-${form._id}-${f.id}`)}`) as HTMLElement | null
        if (!control) continue
        if ('name' in control && !(control as HTMLInputElement).name) (control as HTMLInputElement).name = f.key
        control.closest('.fjs-form-field')?.setAttribute('data-field', f.key)
      }
    }
    annotate()
    form.on('changed', () => requestAnimationFrame(annotate))
    const idOf = (key: string): string | undefined => fields().find((f) => f.key === key)?.id
    return {
      submit() {
        const { data, errors } = form.submit()
        if (Object.keys(errors).length) {
          // Bring the first field with a problem into view, as a person expects after "submit".
          const first = container.querySelector(
            '.fjs-has-errors input, .fjs-has-errors textarea, .fjs-has-errors select, .fjs-has-errors [tabindex]',
          ) as HTMLElement | null
          first?.focus()
          return null
        }
        return data
      },
      showServerErrors(details) {
        const errors: Record<string, string[]> = {}
        for (const d of details) {
          // Task forms name the field (`field`); request-body details carry a path instead.
          const key = d.field ?? d.params?.missingProperty ?? ((d.path ?? '').replace(/^\/?(body\/?)?(data\/?)?/, '').split('/')[0] || null)
          const id = key ? idOf(key) : undefined
          if (id) (errors[id] ??= []).push(messageText({ key: d.key, params: d.messageParams ?? d.params, message: d.message ?? '' }))
        }
        if (!Object.keys(errors).length) return false
        // The viewer shows what is in its state's errors under each field (no public setter).
        form._setState({ errors })
        return true
      },
      destroy() {
        stopWords()
        form.destroy()
      },
    } satisfies TaskFormHandle
  })
}
