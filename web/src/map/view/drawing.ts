// Drawing with terra-draw (draw.ts, loaded on first use): while a tool is on, the mouse and the
// clicks are the drawing's, so hover and inspecting stand aside.
import type { Map as MapLibreMap } from 'maplibre-gl'
import type { DrawController, DrawOptions, DrawTool } from '../draw.ts'
import type { WhenReady } from './ready.ts'

export interface DrawingMode {
  /** Whether a drawing tool is on. */
  active(): boolean
  start(options: DrawOptions): Promise<DrawController>
}

/** @param onToolOn  a tool was turned on (the hover is cleared) */
export function createDrawingMode(map: MapLibreMap, whenReady: WhenReady, onToolOn: () => void): DrawingMode {
  let tool: DrawTool = 'none'
  return {
    active: () => tool !== 'none',
    async start(options) {
      const { createDrawing } = await import('../draw.ts')
      await new Promise<void>((resolve) => whenReady(resolve))
      const drawing = createDrawing(map, options)
      return {
        ...drawing,
        setTool(next) {
          tool = next
          if (next !== 'none') onToolOn()
          drawing.setTool(next)
        },
        destroy() {
          tool = 'none'
          drawing.destroy()
        },
      }
    },
  }
}
