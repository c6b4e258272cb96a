import fs from 'node:fs/promises'
import fsSync from 'node:fs'
import path from 'node:path'
import type { Db, Trx } from '../lib/db.js'
import { EngineError } from '../engine/errors.js'
import type { ResourceHead, ResourceRow, ResourceStore } from '../engine/resources.js'
import {
  checkFormSource,
  compileForm,
  formIdFor,
  formNameOf,
  formPatterns,
  parseFormSource,
  protectedSignature,
  servedSchema,
  type Form,
  type FormComponent,
  type FormSchema,
} from './forms.js'
import { patternHazards } from './pattern-hazard.js'
import { cutText } from '../lib/text.js'

/**
 * Task forms as deployed resources (kind 'form' in the engine's ResourceStore): versioned per
 * scope, a county's newest version of a form winning for that county's tasks, the city's ('')
 * for the rest.
 *
 * Keys: a form's `id` is `shuoshi-<name>` and is its resource key; a task names it with
 * `camunda:formKey="shuoshi:<name>"` (the form-js id may not contain ':').
 *
 * Which version a task uses: the newest for the task's tenant at the moment the task is shown
 * (`GET /api/tasks/:id`) and again when it is completed. A form deployed while someone has the
 * page open applies to their submit (the 400 then names the new field): simple, and the same
 * rule on every node, since nothing is pinned anywhere.
 */
export class FormStore {
  /** Compiled forms by version id: a version is immutable, so its compiled check is too. */
  private compiled = new Map<string, Form>()
  /** What a browser gets of each compiled form (`forBrowser`); goes with its form. */
  private served = new WeakMap<Form, FormSchema>()

  /** formId → key → signature of each platform-variable field the shipped files declare. */
  private platform: Map<string, Map<string, string>> | null = null

  constructor(
    private resources: ResourceStore,
    private isProtected: (name: string) => boolean,
    private shippedDir: string,
  ) {
    resources.register('form', async (source) => {
      const { key, schema, name } = await checkFormSource(source, this.isProtected, (id, k) => this.platformFields().get(id)?.get(k))
      return { key, name: title(schema) ?? name }
    })
  }

  /**
   * The shipped forms' fields that write platform variables (the evaluation's answers): the
   * only place a form may declare one. Read once, from the files (trusted, part of the release).
   */
  private platformFields(): Map<string, Map<string, string>> {
    if (this.platform) return this.platform
    const out = new Map<string, Map<string, string>>()
    let files: string[] = []
    try {
      files = fsSync.readdirSync(this.shippedDir).filter((f) => f.endsWith('.form'))
    } catch {
      // no shipped forms: no form may declare a platform variable
    }
    for (const file of files) {
      const schema = JSON.parse(fsSync.readFileSync(path.join(this.shippedDir, file), 'utf8')) as FormSchema
      const fields = new Map<string, string>()
      const walk = (components: FormComponent[], cond: boolean) => {
        for (const c of components ?? []) {
          if (c.type === 'group') walk(c.components ?? [], cond || !!c.conditional?.hide)
          else if (typeof c.key === 'string' && this.isProtected(c.key)) fields.set(c.key, protectedSignature(c, cond))
        }
      }
      walk(schema.components, false)
      if (typeof schema.id === 'string') out.set(schema.id, fields)
    }
    return (this.platform = out)
  }

  /** The form `formKey` names for `tenant`'s work, or undefined when it names no form of ours. */
  async forKey(formKey: string | null | undefined, tenant: string | null | undefined, trx?: Db | Trx): Promise<Form | undefined> {
    const name = formNameOf(formKey)
    if (!name) return undefined
    let head: ResourceHead
    try {
      // The version's head only: each completion of a form task resolves its form, and the
      // source (the form's JSON, a few KB decoded per completion) is needed once per version.
      head = await this.resources.resolveHead('form', formIdFor(name), tenant || null, trx)
    } catch (err) {
      if (err instanceof EngineError && err.code === 'not_found') return undefined
      throw err
    }
    return this.compiled.get(head.id) ?? this.compile(await this.resources.get(head.id, trx))
  }

  /** One version of a form by its id (a completed task's, migration 033); undefined when it is gone. */
  async forVersion(id: string, trx?: Db | Trx): Promise<Form | undefined> {
    const cached = this.compiled.get(id)
    if (cached) return cached
    try {
      const row = await this.resources.get(id, trx)
      return row.kind === 'form' ? this.compile(row) : undefined
    } catch (err) {
      if (err instanceof EngineError && err.code === 'not_found') return undefined
      throw err
    }
  }

  private compile(row: ResourceRow): Form {
    let form = this.compiled.get(row.id)
    if (!form) {
      // Validated when deployed; parsed again only once per version and node.
      const schema = JSON.parse(row.source) as FormSchema
      form = compileForm(row.key.replace(/^shuoshi-/, ''), schema, { id: row.id, version: row.version, tenant: row.tenant || null })
      if (this.compiled.size >= 500) this.compiled.clear()
      this.compiled.set(row.id, form)
    }
    return form
  }

  /**
   * The schema of `form` to hand to a browser (`servedSchema`): a version stored before patterns
   * were analysed at deploy may hold one that hangs it. Asked outside any transaction: the first
   * analysis on a node starts recheck (~1–2 s).
   */
  async forBrowser(form: Form): Promise<FormSchema> {
    let schema = this.served.get(form)
    if (!schema) {
      const patterns = formPatterns(form.schema)
      schema = patterns.length ? servedSchema(form.schema, new Set((await patternHazards(patterns)).keys())) : form.schema
      this.served.set(form, schema)
    }
    return schema
  }

  /**
   * Seeds the city version of each `dir/*.form` whose key the database has never had. Files
   * seed, never overwrite: once a form has any version, administrators own it (as with BPMN).
   */
  async seedDirectory(dir = this.shippedDir): Promise<number> {
    let files: string[]
    try {
      files = (await fs.readdir(dir)).filter((f) => f.endsWith('.form')).sort()
    } catch {
      return 0
    }
    let created = 0
    for (const file of files) {
      const source = await fs.readFile(path.join(dir, file), 'utf8')
      const { key } = parseFormSource(source, this.isProtected, (id, k) => this.platformFields().get(id)?.get(k))
      if (await this.resources.hasKey('form', key)) continue
      // Two nodes seeding at once store the same source: the second finds it unchanged.
      const r = await this.resources.deploy('form', source, { actor: 'system' })
      if (r.created) created++
    }
    return created
  }
}

/** A form's display name: the first heading of its first text component (`### 办理 / Handle`). */
function title(schema: FormSchema): string | null {
  for (const c of schema.components) {
    if (c.type !== 'text' || typeof c.text !== 'string') continue
    const m = /^#{1,6}\s+(.+)$/m.exec(c.text)
    if (m) return cutText(m[1].trim(), { codePoints: 200 })
  }
  return null
}
