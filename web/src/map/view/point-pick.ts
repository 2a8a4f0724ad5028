// Picking a point: the next click on the map as lon/lat (a crosshair cursor until then), e.g. to
// place a 待定位 case; null when cancelled (Escape, cancel, or another pick started).
import type { Map as MapLibreMap } from 'maplibre-gl'

export interface PointPick {
  /** Whether a pick is waiting for its click. */
  active(): boolean
  start(): Promise<[number, number] | null>
  /** Ends the pick with this point (null: cancelled). */
  end(p: [number, number] | null): void
}

export function createPointPick(map: MapLibreMap): PointPick {
  let picking: ((p: [number, number] | null) => void) | null = null
  const end = (p: [number, number] | null) => {
    const done = picking
    picking = null
    map.getCanvas().style.cursor = ''
    window.removeEventListener('keydown', onKey)
    done?.(p)
  }
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') end(null)
  }
  return {
    active: () => picking !== null,
    start() {
      end(null)
      return new Promise((resolve) => {
        picking = resolve
        map.getCanvas().style.cursor = 'crosshair'
        window.addEventListener('keydown', onKey)
      })
    },
    end,
  }
}
