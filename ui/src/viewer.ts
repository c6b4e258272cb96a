/** Read-only bpmn-js viewer (case diagrams, older process versions). Loaded only by those pages. */
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer'
import type Canvas from 'diagram-js/lib/core/Canvas'
import type ElementRegistry from 'diagram-js/lib/core/ElementRegistry'
import type Overlays from 'diagram-js/lib/features/overlays/Overlays'
import { DiagramProblems, type Problem } from './lib/problems.js'

export interface Activity {
  id: string
  state: string
}

export interface ViewerHandle {
  importXML(xml: string): Promise<void>
  markActivities(activities: Activity[], label: (state: string) => string): void
  showProblems(p: Problem[]): void
  destroy(): void
}

/**
 * The diagram with each element's `name` passed through `label`: a case page shows the half of
 * an administrator's "中文 / English" name for the reader's language, where bpmn-js would draw
 * both. Only the viewer's copy changes; nothing here is saved.
 */
export function relabel(xml: string, label: (name: string) => string): string {
  const doc = new DOMParser().parseFromString(xml, 'application/xml')
  if (doc.getElementsByTagName('parsererror').length) return xml
  let changed = false
  for (const el of Array.from(doc.getElementsByTagName('*'))) {
    const name = el.getAttribute('name')
    if (!name) continue
    const shown = label(name)
    if (shown && shown !== name) {
      el.setAttribute('name', shown)
      changed = true
    }
  }
  return changed ? new XMLSerializer().serializeToString(doc) : xml
}

export function createViewer(container: HTMLElement, opts: { label?: (name: string) => string } = {}): ViewerHandle {
  const viewer = new NavigatedViewer({ container })
  const problems = new DiagramProblems(viewer)
  return {
    async importXML(xml) {
      await viewer.importXML(opts.label ? relabel(xml, opts.label) : xml)
      // diagram-js types `center` as a Point; any truthy one (bpmn.io's own 'auto') centres the fitted diagram.
      viewer.get<Canvas & { zoom(scale: 'fit-viewport', center: 'auto'): number }>('canvas').zoom('fit-viewport', 'auto')
    },
    markActivities(activities, label) {
      const canvas = viewer.get<Canvas>('canvas')
      const overlays = viewer.get<Overlays>('overlays')
      const registry = viewer.get<ElementRegistry>('elementRegistry')
      for (const a of activities) {
        const el = registry.get(a.id)
        if (!el) continue
        const state = a.state === 'completed' || a.state === 'done' ? 'done' : a.state === 'overdue' ? 'overdue' : a.state === 'active' ? 'active' : a.state
        canvas.addMarker(a.id, `state-${state}`)
        if (!el.waypoints && state !== 'done') {
          const b = document.createElement('span')
          b.className = `state-badge ${state}`
          b.textContent = label(state)
          overlays.add(a.id, 'state', { position: { top: -12, right: 12 }, html: b })
        }
      }
    },
    showProblems: (p) => problems.show(p),
    destroy() {
      viewer.destroy()
    },
  }
}
