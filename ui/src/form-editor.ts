/**
 * @bpmn-io/form-js-editor for administrators: palette, canvas and properties panel over a
 * deployed form's form-js schema. Loaded only by the form editor page (dynamic import), with
 * /form-editor.css. form-js-editor has no translate service for its palette and panel (only a
 * few properties-panel tooltips take one), so the page's own chrome carries the language.
 */
import { FormEditor } from '@bpmn-io/form-js-editor'

export interface FormEditorHandle {
  importSchema(schema: unknown): Promise<void>
  saveSchema(): Record<string, unknown>
  destroy(): void
}

export async function createFormEditor(container: HTMLElement, schema: unknown): Promise<FormEditorHandle> {
  const editor: any = new (FormEditor as any)({ container })
  await editor.importSchema(schema)
  return {
    importSchema: (s) => editor.importSchema(s),
    saveSchema: () => editor.saveSchema(),
    destroy: () => editor.destroy(),
  }
}
