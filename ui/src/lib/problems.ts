/** Deploy problems ({elementId, key, params, message}) drawn on the diagram: a red marker plus a note on the element. */
import type BaseViewer from 'bpmn-js/lib/BaseViewer'
import type Canvas from 'diagram-js/lib/core/Canvas'
import type ElementRegistry from 'diagram-js/lib/core/ElementRegistry'
import type Overlays from 'diagram-js/lib/features/overlays/Overlays'
import { messageText, t } from './i18n.js'

export interface Problem {
  elementId?: string | null
  key?: string | null
  params?: Record<string, unknown> | null
  message: string
}

export class DiagramProblems {
  private marked: string[] = []
  /** Any bpmn-js viewer or modeler: the registry, canvas and overlays are diagram-js's. */
  constructor(private diagram: BaseViewer) {}

  show(problems: Problem[]) {
    this.clear()
    const registry = this.diagram.get<ElementRegistry>('elementRegistry')
    const overlays = this.diagram.get<Overlays>('overlays')
    const canvas = this.diagram.get<Canvas>('canvas')
    const byElement = new Map<string, string[]>()
    for (const p of problems) {
      if (!p.elementId || !registry.get(p.elementId)) continue
      byElement.set(p.elementId, [...(byElement.get(p.elementId) ?? []), messageText(p)])
    }
    for (const [id, msgs] of byElement) {
      const el = registry.get(id)! // the loop above kept only the ids the registry has
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
    const canvas = this.diagram.get<Canvas>('canvas')
    for (const id of this.marked) {
      try {
        canvas.removeMarker(id, 'has-problem')
      } catch {
        /* element removed since */
      }
    }
    this.marked = []
    this.diagram.get<Overlays>('overlays').remove({ type: 'problem' })
  }
}
