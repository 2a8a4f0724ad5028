// The mouse over the map: where it is (once per frame), the cursor, the hover, and what a click
// does. Modes come first: a point being picked takes the click, a drawing tool takes clicks and
// the cursor, the report/survey points take their clicks; then a grid-cell point zooms in, and
// anything else is inspected.
import type { Map as MapLibreMap } from 'maplibre-gl'
import type { Meta } from '../../api.ts'
import { AGGREGATE_LAYERS, PICK_RANK } from '../style.ts'
import type { DrawingMode } from './drawing.ts'
import type { SetHover } from './hover.ts'
import { refOf, type PickFeature } from './picking.ts'
import type { PointOverlays } from './point-overlays.ts'
import type { PointPick } from './point-pick.ts'
import type { MapViewOptions } from './types.ts'

/** Picks ranked at or below this are the ground (admin units): no pointer cursor there. */
const GROUND_RANK = 20

export interface PointerDeps {
  meta: Meta
  pick: PickFeature
  setHover: SetHover
  pointPick: PointPick
  drawing: DrawingMode
  overlays: PointOverlays
  destroyed(): boolean
  opts: Pick<MapViewOptions, 'onPointer' | 'onFeatureClick'>
}

export function createPointer(map: MapLibreMap, d: PointerDeps): { destroy(): void } {
  let pending: { x: number; y: number; lng: number; lat: number } | null = null
  let frame = 0
  const onFrame = () => {
    frame = 0
    if (d.destroyed() || !pending) return
    const p = pending
    pending = null
    d.opts.onPointer?.([p.lng, p.lat])
    // terra-draw (or a point being picked) owns the cursor; only where the mouse is is reported.
    if (d.drawing.active() || d.pointPick.active()) return
    const f = d.pick(p)
    // The pointer over things to inspect; not over the bare ground (an admin unit), where the map
    // keeps its grab cursor for panning.
    map.getCanvas().style.cursor = (f && (PICK_RANK[f.layer.id] ?? 0) > GROUND_RANK) || d.overlays.hits(p) ? 'pointer' : ''
    d.setHover(f)
  }
  map.on('mousemove', (e) => {
    pending = { x: e.point.x, y: e.point.y, lng: e.lngLat.lng, lat: e.lngLat.lat }
    if (!frame) frame = requestAnimationFrame(onFrame)
  })
  map.on('mouseout', () => {
    pending = null
    d.opts.onPointer?.(null)
    map.getCanvas().style.cursor = ''
    d.setHover(null)
  })
  map.on('click', (e) => {
    if (d.pointPick.active()) return d.pointPick.end([e.lngLat.lng, e.lngLat.lat])
    if (d.drawing.active()) return
    if (d.overlays.handleClick(e.point)) return
    const f = d.pick(e.point)
    const aggregated = f ? AGGREGATE_LAYERS[f.layer.id] : undefined
    if (f && aggregated) {
      const g = f.geometry
      const center = g.type === 'Point' ? (g.coordinates as [number, number]) : ([e.lngLat.lng, e.lngLat.lat] as [number, number])
      const below = d.meta.layers.find((l) => l.id === aggregated)?.aggregateBelowZoom ?? 13
      map.easeTo({ center, zoom: Math.max(below + 0.5, map.getZoom() + 2) })
      return
    }
    d.opts.onFeatureClick?.(refOf(f))
  })
  return {
    destroy() {
      if (frame) cancelAnimationFrame(frame)
    },
  }
}
