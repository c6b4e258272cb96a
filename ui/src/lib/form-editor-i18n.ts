/**
 * The form editor in the chosen language. @bpmn-io/form-js-editor 1.x has no translate service
 * (bpmn-io/form-js#77 is open; a translation PR, #1513, was closed unmerged), so its English texts
 * are looked up in the catalogue (`formeditor.*`, src/messages/areas/formeditor.ts, whose English
 * entries are the library's own texts) through the hooks the editor does offer, in this order of
 * preference:
 *
 * 1. the `formFields` registry: each field type is re-registered with its `config.name`/`label`
 *    translated (the palette's entries, the palette's "Create …" and the context pad's "Remove …"
 *    titles, the properties panel's header read them), and its `create` giving a new field a
 *    bilingual default label ("单行文本 / Text field", as the platform's form labels are written);
 * 2. a properties-panel provider registered last: it translates each group's `label`, hands the
 *    groups the `translate` prop @bpmn-io/properties-panel's Group/ListGroup take for their own
 *    tooltips, and wraps each entry's component so that the texts the entry passes to the panel's
 *    components (label, description, tooltip, validation message, select options) are translated
 *    before Preact renders them;
 * 3. what has no hook at all — the palette's header, search box and group titles (a constant inside
 *    the palette), the empty canvas, the "Repeatable" footer, the panel's header type "Form", its
 *    placeholder and FEEL buttons — is translated by a Preact `options.vnode` hook (Preact's
 *    documented extension point, called as each element is created) limited to elements carrying
 *    the library's own class names for those parts. That keeps the user's form content (rendered in
 *    the canvas by the same components) out of reach, and translates before rendering, so Preact's
 *    DOM and ours never disagree. The hook is installed while an editor lives and removed after.
 *
 * Texts are looked up in the current language as the editor renders them; switching the language
 * re-renders the page, which builds a new editor.
 */
import { options, type VNode } from 'preact'
import { OPTIONS_SOURCES, OPTIONS_SOURCES_DEFAULTS } from '@bpmn-io/form-js-viewer'
import { en as feEn } from '../../../src/messages/areas/formeditor.js'
import { zh as catalogueZh } from '../../../src/messages/catalogue.js'
import { tk } from './i18n.js'

type Key = keyof typeof feEn
type Props = Record<string, unknown>
type Component = ((props: Props) => unknown) & { prototype?: { render?: unknown } }

/** English text → catalogue key, and the parametrised sentences as patterns. */
const byEnglish = new Map<string, Key>()
const patterns: { re: RegExp; names: string[]; key: Key }[] = []
/** Texts whose English another entry shares, translated only where their element is known (CHROME). */
const BY_ELEMENT_ONLY = new Set<Key>(['formeditor.canvas.selectPlaceholder'])
for (const [key, text] of Object.entries(feEn) as [Key, string][]) {
  if (BY_ELEMENT_ONLY.has(key)) continue
  const names = [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1])
  if (!names.length) byEnglish.set(text, key)
  else {
    const source = text
      .split(/\{\{\w+\}\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('(.+)')
    patterns.push({ re: new RegExp(`^${source}$`), names, key })
  }
}

/** A text the editor shows, in the chosen language (unknown texts unchanged). */
export function translateEditorText(text: string): string {
  const key = byEnglish.get(text)
  if (key) return tk(key)
  for (const p of patterns) {
    const m = p.re.exec(text)
    if (m) return tk(p.key, Object.fromEntries(p.names.map((n, i) => [n, m[i + 1]])))
  }
  return text
}

/** @bpmn-io/properties-panel's `translate(template, replacements)` ({name} placeholders). */
function panelTranslate(template: string, replacements: Record<string, unknown> = {}) {
  return translateEditorText(template).replace(/\{(\w+)\}/g, (_m, name: string) => String(replacements[name] ?? `{${name}}`))
}

const TEXT_PROPS = ['label', 'description', 'tooltip', 'title', 'placeholder', 'text', 'aria-label'] as const

const isVNode = (x: unknown): x is VNode<Props> => typeof x === 'object' && x !== null && 'props' in x && 'type' in x

/** Function props whose results are texts: wrapped once per function, so their identity is stable for hooks' dependencies. */
const wrappedFns = new WeakMap<object, unknown>()
function wrapFn<F extends (...args: never[]) => unknown>(fn: F, map: (result: ReturnType<F>) => unknown): F {
  let w = wrappedFns.get(fn) as F | undefined
  if (!w) {
    w = ((...args: Parameters<F>) => map(fn(...args) as ReturnType<F>)) as F
    wrappedFns.set(fn, w)
  }
  return w
}
interface Option {
  label?: unknown
  children?: Option[]
}
const translateOptions = (opts: unknown): unknown =>
  Array.isArray(opts)
    ? (opts as Option[]).map((o) => ({
        ...o,
        ...(typeof o.label === 'string' && { label: translateEditorText(o.label) }),
        ...(Array.isArray(o.children) && { children: translateOptions(o.children) }),
      }))
    : opts

/**
 * Translates the texts in a tree of elements an entry component returned, before it is rendered:
 * text props, text children, an error a validator returns, select options. Only the elements the
 * entry itself created are here (the panel's components render theirs from these props later).
 */
function translateTree(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(translateTree)
  if (!isVNode(node)) return
  const p = node.props
  for (const name of TEXT_PROPS) {
    const v = p[name]
    if (typeof v === 'string') p[name] = translateEditorText(v)
    else if (isVNode(v) || Array.isArray(v)) translateTree(v)
  }
  // The panel's Description and TooltipWrapper take their text as `value` beside a `forId`
  // (an input's `value`, the user's, never comes with one).
  if (typeof node.type === 'function' && typeof p.forId === 'string' && typeof p.value === 'string') p.value = translateEditorText(p.value)
  if (typeof p.children === 'string') p.children = translateEditorText(p.children)
  else translateTree(p.children)
  if (typeof p.validate === 'function') p.validate = wrapFn(p.validate as (v: unknown) => unknown, (r) => (typeof r === 'string' ? translateEditorText(r) : r))
  if (typeof p.getOptions === 'function') p.getOptions = wrapFn(p.getOptions as (e: unknown) => unknown, translateOptions)
  // SelectEntry has called getOptions already and hands the panel's Select the list.
  if (Array.isArray(p.options)) p.options = translateOptions(p.options)
}

/** An entry component whose output is translated; one wrapper per component, so Preact keeps the entry mounted across renders. */
const wrappedComponents = new WeakMap<Component, Component>()
function translatedComponent(C: Component): Component {
  if (typeof C !== 'function' || C.prototype?.render) return C
  let w = wrappedComponents.get(C)
  if (!w) {
    // Called as a plain function inside the wrapper's render, as form-js itself calls
    // TextfieldEntry & co.: the hooks C uses belong to the wrapper, always in the same order.
    w = (props: Props) => {
      const out = C(props)
      translateTree(out)
      return out
    }
    wrappedComponents.set(C, w)
  }
  return w
}

interface Entry {
  component?: Component
  [k: string]: unknown
}
interface Group {
  label?: unknown
  tooltip?: unknown
  entries?: Entry[]
  items?: { entries?: Entry[]; [k: string]: unknown }[]
  [k: string]: unknown
}
const translateEntries = (entries: Entry[] | undefined) => entries?.map((e) => (e.component ? { ...e, component: translatedComponent(e.component) } : e))

type EditField = (field: Props, path: unknown, value?: unknown) => unknown

/**
 * The options' "add" and the options source's switch to static, giving a new option as newOption
 * does. "add" is the static options list's own (the ListGroup's `add` prop); the switch is the
 * source select entry's `editField`, whose static default is form-js's exported constant.
 */
function withOwnOptions(g: Group, field: Props, editField: EditField): Partial<Group> {
  if (g.id === 'staticOptions' && typeof g.add === 'function') {
    return {
      add: (e: Event) => {
        e.stopPropagation()
        const values = Array.isArray(field.values) ? (field.values as OptionValue[]) : []
        editField(field, ['values'], [...values, newOption(values)])
      },
    }
  }
  if (g.id === 'valuesSource' && g.entries) {
    const staticDefault = OPTIONS_SOURCES_DEFAULTS[OPTIONS_SOURCES.STATIC]
    return {
      entries: g.entries.map((e) =>
        typeof e.editField === 'function'
          ? {
              ...e,
              editField: (f: Props, props: unknown, value?: unknown) =>
                (e.editField as EditField)(
                  f,
                  props && typeof props === 'object' && (props as Props).values === staticDefault ? { ...(props as Props), values: [newOption([])] } : props,
                  value,
                ),
            }
          : e,
      ),
    }
  }
  return {}
}

function translateGroup(g: Group, field?: Props, editField?: EditField): Group {
  if (field && editField) g = { ...g, ...withOwnOptions(g, field, editField) }
  return {
    ...g,
    ...(typeof g.label === 'string' && { label: translateEditorText(g.label) }),
    ...(typeof g.tooltip === 'string' && { tooltip: translateEditorText(g.tooltip) }),
    translate: panelTranslate,
    ...(g.entries && { entries: translateEntries(g.entries) }),
    // A list item's own label is the user's (an option's label): only its entries are ours.
    ...(g.items && { items: g.items.map((item) => ({ ...item, ...(item.entries && { entries: translateEntries(item.entries) }) })) }),
  }
}

/** Elements of the editor's own chrome with no hook: class name → which of its texts are the library's. */
const CHROME: Record<string, 'self' | 'children' | Key> = {
  'fjs-palette-header': 'self',
  'fjs-palette-search': 'self',
  'fjs-palette-search-clear': 'self',
  'fjs-palette-group-title': 'self',
  'fjs-palette-no-entries': 'self',
  'fjs-palette-field': 'self',
  'fjs-context-pad-item': 'self',
  'fjs-empty-component-text': 'self',
  'fjs-empty-editor-card': 'children',
  'fjs-repeat-render-footer': 'children',
  'bio-properties-panel-header-type': 'self',
  'bio-properties-panel-placeholder-text': 'self',
  'bio-properties-panel-feel-icon': 'self',
  'bio-properties-panel-open-feel-popup': 'self',
  // An empty select in the canvas says "Select", which the lookup would read as the field type's name.
  'fjs-select-placeholder': 'formeditor.canvas.selectPlaceholder',
}
function translateOwnTexts(v: VNode<Props>) {
  const p = v.props
  for (const name of ['title', 'placeholder', 'aria-label'] as const) if (typeof p[name] === 'string') p[name] = translateEditorText(p[name] as string)
  if (typeof p.children === 'string') p.children = translateEditorText(p.children)
}
function chromeHook(v: VNode<Props>) {
  if (typeof v.type !== 'string') return
  const cls = v.props.class ?? v.props.className
  if (typeof cls !== 'string') return
  for (const c of cls.split(/\s+/)) {
    const how = CHROME[c]
    if (!how) continue
    if (how !== 'self' && how !== 'children') {
      if (v.props.children === feEn[how]) v.props.children = tk(how)
      return
    }
    translateOwnTexts(v)
    // The children were created before their parent: still unrendered, so still ours to change.
    if (how === 'children') [v.props.children].flat().forEach((child) => isVNode(child) && typeof child.type === 'string' && translateOwnTexts(child))
    return
  }
}

interface FieldConfig {
  name?: string
  label?: string
  create?: (options?: Props) => Props
  [k: string]: unknown
}
type FormField = Component & { config: FieldConfig }
interface FormFields {
  _formFields: Record<string, FormField>
  register(type: string, field: FormField): void
}

/** "单行文本 / Text field": a new field's default label in both languages, as platform labels are written. */
function bilingualDefault(english: string) {
  const key = byEnglish.get(english)
  if (!key) return english
  const zh = (catalogueZh as Record<string, string>)[key]
  return zh && zh !== english ? `${zh} / ${english}` : english
}

/**
 * A new option of a select, radio, checklist or tag list. form-js makes it {label: "Value 2",
 * value: "value2"} in English whatever the language (StaticOptionsSourceEntry's getIndexedEntry,
 * the fields' createEmptyOptions, the options source's static default): the label is written in
 * both languages as platform labels are ("选项 2 / Option 2"), the value stays an ASCII code (a
 * variable's value, never shown to a citizen) that no other option has.
 */
interface OptionValue {
  label?: unknown
  value?: unknown
}
export function newOption(values: OptionValue[]): { label: string; value: string } {
  let n = values.length + 1
  while (values.some((v) => v.value === `option${n}` || v.label === optionLabel(n))) n++
  return { label: optionLabel(n), value: `option${n}` }
}
const optionLabel = (n: number) =>
  `${catalogueZh['formeditor.default.option'].replace('{{n}}', String(n))} / ${feEn['formeditor.default.option'].replace('{{n}}', String(n))}`

/** The library's one default option, as a field, a source switch or an "add" would get it. */
const isLibraryDefault = (values: unknown) =>
  Array.isArray(values) && values.length === 1 && (values[0] as OptionValue)?.label === 'Value' && (values[0] as OptionValue)?.value === 'value'

function translateConfig(config: FieldConfig): FieldConfig {
  const create = config.create
  return {
    ...config,
    ...(config.name && { name: translateEditorText(config.name) }),
    ...(config.label && { label: translateEditorText(config.label) }),
    ...(create && {
      create: (opts?: Props) => {
        let made = create(opts)
        // A new option field's one option, unless the caller gave the options.
        if (!opts?.values && isLibraryDefault(made.values)) made = { ...made, values: [newOption([])] }
        return typeof made.label === 'string' && !opts?.label ? { ...made, label: bilingualDefault(made.label) } : made
      },
    }),
  }
}

/** The editor service of this module: set up by form-js's injector (`additionalModules`). */
class FormEditorI18n {
  static $inject = ['formFields', 'propertiesPanel', 'eventBus']
  constructor(
    formFields: FormFields,
    propertiesPanel: { registerProvider(p: { getGroups(field: Props, editField: EditField): (groups: Group[]) => Group[] }, priority: number): void },
    eventBus: { on(event: string, fn: () => void): void },
  ) {
    // The registry has no "list" call; its map is what the palette itself reads (collectPaletteEntries).
    for (const [type, field] of Object.entries(formFields._formFields)) {
      const config = translateConfig(field.config)
      // A proxy keeps the component itself (what the canvas renders) and answers the translated config.
      formFields.register(type, new Proxy(field, { get: (target, prop, recv) => (prop === 'config' ? config : Reflect.get(target, prop, recv)) }))
    }
    // Priority 1: after every other provider (higher priorities are asked first), so it sees all groups.
    propertiesPanel.registerProvider({ getGroups: (field, editField) => (groups) => groups.map((g) => translateGroup(g, field, editField)) }, 1)
    const previous = options.vnode
    const hook = (v: VNode) => {
      chromeHook(v as VNode<Props>)
      previous?.(v)
    }
    options.vnode = hook
    eventBus.on('form.destroy', () => {
      if (options.vnode === hook) options.vnode = previous
    })
  }
}

/** form-js's `additionalModules` entry (in English too: the same lookup, and bilingual default labels). */
export function formEditorI18nModule() {
  return { __init__: ['shuoshiFormEditorI18n'], shuoshiFormEditorI18n: ['type', FormEditorI18n] }
}
