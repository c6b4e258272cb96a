/**
 * Task and evaluation forms rendered by @bpmn-io/form-js-viewer: its components, conditions
 * (`conditional.hide`) and validation, with our forms' "中文 / English" labels shown in the
 * chosen language, form-js's English validation messages translated, and the server's 400
 * details shown on the fields they name (form-js has no notion of server errors).
 * Loaded only by pages that show a form (dynamic import), with /form.css.
 */
import { Form } from '@bpmn-io/form-js-viewer'
import { getLang, messageText, serverText, t } from './lib/i18n.js'
import type { ErrorDetail } from './lib/api.js'

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
  if (getLang() === 'en') return message
  const n = /(-?[\d.]+)\.?$/.exec(message)?.[1]
  if (message === 'Field is required.') return '必填'
  if (message.startsWith('Field must have minimum length')) return `至少 ${n} 个字`
  if (message.startsWith('Field must have maximum length')) return `最多 ${n} 个字`
  if (message.startsWith('Field must have minimum value')) return `不能小于 ${n}`
  if (message.startsWith('Field must have maximum value')) return `不能大于 ${n}`
  if (message.startsWith('Field must match pattern')) return '格式不正确'
  if (message === 'Field must be a valid email.') return '请输入有效的电子邮箱'
  if (message.startsWith('Field must be a valid  international phone')) return '请输入有效的国际电话号码（如 +8613800000000）'
  if (message === 'Value is not a number.') return '请输入数字'
  return message
}

export function createTaskForm(container: HTMLElement, schema: FormSchema, data: Record<string, unknown> = {}): Promise<TaskFormHandle> {
  container.style.setProperty('--select-placeholder', JSON.stringify(t('请选择', 'Select…')))
  const form = new Form({ container })
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
        form.destroy()
      },
    } satisfies TaskFormHandle
  })
}
