/** Deploy problems ({elementId, key, params, message}) drawn on the diagram: a red marker plus a note on the element. */
import { messageText, t } from './i18n.js'

export interface Problem {
  elementId?: string | null
  key?: string | null
  params?: Record<string, unknown> | null
  message: string
}

export class DiagramProblems {
  private marked: string[] = []
  constructor(private diagram: any) {}

  show(problems: Problem[]) {
    this.clear()
    const registry = this.diagram.get('elementRegistry')
    const overlays = this.diagram.get('overlays')
    const canvas = this.diagram.get('canvas')
    const byElement = new Map<string, string[]>()
    for (const p of problems) {
      if (!p.elementId || !registry.get(p.elementId)) continue
      byElement.set(p.elementId, [...(byElement.get(p.elementId) ?? []), messageText(p)])
    }
    for (const [id, msgs] of byElement) {
      const el = registry.get(id)
      // Markers on the element (and for labels, the labelled element's own shape).
      canvas.addMarker(id, 'has-problem')
      this.marked.push(id)
      const note = document.createElement('div')
      note.className = 'problem-overlay'
      note.dataset.elementId = id
      note.textContent = msgs.join(t('；', '; '))
      const position = el.waypoints ? { top: -28, left: 0 } : { bottom: -6, left: 0 }
      overlays.add(id, 'problem', { position, html: note })
    }
  }

  clear() {
    const canvas = this.diagram.get('canvas')
    for (const id of this.marked) {
      try {
        canvas.removeMarker(id, 'has-problem')
      } catch {
        /* element removed since */
      }
    }
    this.marked = []
    this.diagram.get('overlays').remove({ type: 'problem' })
  }
}
