import fs from 'node:fs'
import path from 'node:path'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { msg, problem, validationMsg } from '../lib/errors.js'
import type { Params } from '../messages/index.js'

/** A form-js schema (the subset our forms use). */
export interface FormSchema {
  id?: string
  type: 'default'
  components: FormComponent[]
}
export interface FormComponent {
  key?: string
  type: string
  label?: string
  validate?: { required?: boolean; min?: number; max?: number; minLength?: number; maxLength?: number; pattern?: string }
  values?: { label: string; value: string | number | boolean }[]
  components?: FormComponent[]
}

export interface Form {
  name: string
  schema: FormSchema
  jsonSchema: Record<string, unknown>
  validate: ValidateFunction
}

/** Form-js components become JSON Schema properties, so the server checks what the browser checked. */
export function toJsonSchema(form: FormSchema): Record<string, unknown> {
  const properties: Record<string, unknown> = {}
  const required: string[] = []
  const visit = (components: FormComponent[]) => {
    for (const c of components) {
      if (c.components) visit(c.components)
      if (!c.key) continue
      const v = c.validate ?? {}
      let prop: Record<string, unknown>
      switch (c.type) {
        case 'number':
          prop = { type: 'number', ...(v.min != null && { minimum: v.min }), ...(v.max != null && { maximum: v.max }) }
          break
        case 'checkbox':
          prop = { type: 'boolean' }
          break
        case 'checklist':
        case 'taglist':
          prop = { type: 'array', items: c.values ? { enum: c.values.map((x) => x.value) } : {} }
          break
        case 'select':
        case 'radio':
          prop = c.values ? { enum: c.values.map((x) => x.value) } : {}
          break
        case 'datetime':
          prop = { type: 'string', minLength: 1 }
          break
        default:
          prop = {
            type: 'string',
            maxLength: v.maxLength ?? 10000,
            ...(v.minLength != null && { minLength: v.minLength }),
            ...(v.pattern && { pattern: v.pattern }),
            ...(v.required && { minLength: Math.max(1, v.minLength ?? 1) }),
          }
      }
      properties[c.key] = { ...prop, title: c.label }
      if (v.required) required.push(c.key)
    }
  }
  visit(form.components)
  // Only what the form declares: a field it does not have would otherwise become a process
  // variable (a handler moving its own deadline, or choosing who evaluates its work).
  return { type: 'object', properties, required, additionalProperties: false }
}

/**
 * A Camunda 7 generated form (`camunda:formData` fields) as a form-js schema, so the browser
 * renders it and the server checks it like any form of ours.
 */
export function formFromFields(fields: { id: string; label?: string; type?: string; required?: boolean; values?: { id: string; name?: string }[] }[]): FormSchema {
  const type = (t?: string) => (t === 'long' ? 'number' : t === 'boolean' ? 'checkbox' : t === 'enum' ? 'select' : t === 'date' ? 'datetime' : 'textfield')
  return {
    type: 'default',
    components: fields
      .filter((f) => f.id)
      .map((f) => ({
        key: f.id,
        type: type(f.type),
        label: f.label ?? f.id,
        ...(f.required && { validate: { required: true } }),
        ...(f.type === 'enum' && { values: (f.values ?? []).map((v) => ({ label: v.name ?? v.id, value: v.id })) }),
      })),
  }
}

/** 400 details from ajv errors: each names the field that is wrong, unknown fields included. */
export function formErrors(errors: ErrorObject[] | null | undefined): { field: string | null; message: string | undefined; key: string; params?: Params }[] {
  return (errors ?? []).map((e) => {
    const params = e.params as { missingProperty?: string; additionalProperty?: string }
    if (e.keyword === 'additionalProperties') return problem(msg('error.form.undeclared'), { field: params.additionalProperty ?? null })
    const field = e.instancePath.replace(/^\//, '') || params.missingProperty || null
    // `message` stays ajv's English text (clients read it); the UI reads the keyword's key.
    return { ...problem(validationMsg(e.keyword, e.instancePath.replace(/^\//, ''), e.params as Record<string, unknown>), { field }), message: e.message }
  })
}

/** Forms named by `camunda:formKey="shuoshi:<name>"`, loaded from processes/forms/<name>.form. */
export class FormRegistry {
  private forms = new Map<string, Form>()
  private ajv = new Ajv({ allErrors: true, strict: false })

  loadDirectory(dir: string) {
    if (!fs.existsSync(dir)) return
    for (const file of fs.readdirSync(dir)) {
      if (!file.endsWith('.form')) continue
      this.add(path.basename(file, '.form'), JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')))
    }
  }

  add(name: string, schema: FormSchema) {
    this.forms.set(name, this.build(name, schema))
  }

  /** A form with its JSON Schema compiled, not registered under a key (forms a diagram declares). */
  build(name: string, schema: FormSchema): Form {
    const jsonSchema = toJsonSchema(schema)
    return { name, schema, jsonSchema, validate: this.ajv.compile(jsonSchema) }
  }

  /** The form for a task's form key, or undefined when the key names no form of ours. */
  forKey(formKey: string | null | undefined): Form | undefined {
    if (!formKey) return undefined
    const m = /^shuoshi:(.+)$/.exec(formKey)
    return m ? this.forms.get(m[1]) : undefined
  }

  names(): string[] {
    return [...this.forms.keys()]
  }
}
