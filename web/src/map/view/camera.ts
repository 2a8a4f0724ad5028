// Where the map looks: the starting view (the district, or Beijing without one), fitting the
// district or a box, and reading the view back.
import type { Map as MapLibreMap } from 'maplibre-gl'
import type { Bbox } from '../../api.ts'
import { expandBbox } from '../../geo/expand-bbox.ts'
import type { ViewState } from '../groups.ts'
import type { MapView, Padding } from './types.ts'

export const DEFAULT_PADDING: Padding = { top: 24, right: 24, bottom: 24, left: 24 }

const corners = (b: Bbox, e = 0): [[number, number], [number, number]] => [
  [b[0] - e, b[1] - e],
  [b[2] + e, b[3] + e],
]

/** The Map constructor's view options. Without a district (an empty database) the map opens on
 *  Beijing and does nothing clever. */
export function startView(bbox: Bbox | null, padding: Padding) {
  return bbox
    ? { bounds: corners(bbox), fitBoundsOptions: { padding }, maxBounds: expandBbox(bbox, 1) }
    : { center: [116.4, 39.9] as [number, number], zoom: 8 }
}

export type Camera = Pick<MapView, 'view' | 'fitDistrict' | 'fitBounds' | 'jumpTo'>

export function createCamera(map: MapLibreMap, bbox: Bbox | null, padding: Padding): Camera {
  return {
    view(): ViewState {
      const c = map.getCenter()
      return { zoom: map.getZoom(), center: [c.lng, c.lat] }
    },
    fitDistrict(animate = true, pad = padding) {
      if (!bbox) return
      map.fitBounds(corners(bbox), { padding: pad, animate, pitch: map.getPitch() })
    },
    fitBounds(b, options = {}) {
      const maxZoom = options.maxZoom ?? 17
      const pad = options.padding ?? padding
      // A point (a box of no size) is widened a little; maxZoom then decides the zoom.
      const e = b[0] === b[2] && b[1] === b[3] ? 1e-6 : 0
      map.fitBounds(corners(b, e), { padding: pad, maxZoom, pitch: map.getPitch() })
    },
    jumpTo(v) {
      map.jumpTo({ center: v.center, zoom: v.zoom })
    },
  }
}
