/**
 * @bpmn-io/form-js-editor for administrators: palette, canvas and properties panel over a
 * deployed form's form-js schema. Loaded only by the form editor page (dynamic import), with
 * /form-editor.css. form-js-editor has no translate service: its palette and panel are translated
 * by our module (lib/form-editor-i18n.ts) from the catalogue.
 */
import { FormEditor } from '@bpmn-io/form-js-editor'
import { formEditorI18nModule } from './lib/form-editor-i18n.js'

export interface FormEditorHandle {
  importSchema(schema: unknown): Promise<unknown>
  saveSchema(): Record<string, unknown>
  destroy(): void
}

export async function createFormEditor(container: HTMLElement, schema: unknown): Promise<FormEditorHandle> {
  const editor = new FormEditor({ container, additionalModules: [formEditorI18nModule()] })
  await editor.importSchema(schema)
  return {
    importSchema: (s) => editor.importSchema(s),
    saveSchema: () => editor.saveSchema(),
    destroy: () => editor.destroy(),
  }
}
