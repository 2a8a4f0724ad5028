// Hover: the feature under the mouse gets feature-state `hover` (the style's hover lines and
// colours read it), and the app hears of the change.
import type { Map as MapLibreMap, MapGeoJSONFeature } from 'maplibre-gl'
import type { FeatureRef } from '../groups.ts'
import { AGGREGATE_LAYERS } from '../style.ts'
import { refOf } from './picking.ts'

export type SetHover = (f: MapGeoJSONFeature | null) => void

export function createHover(map: MapLibreMap, onHover?: (ref: FeatureRef | null) => void): SetHover {
  let hovered: { source: string; id: string | number } | null = null
  return (f) => {
    const next = f && f.id !== undefined && f.id !== null && !(f.layer.id in AGGREGATE_LAYERS) ? { source: f.source, id: f.id } : null
    if (hovered && next && hovered.source === next.source && hovered.id === next.id) return
    if (hovered && map.getSource(hovered.source)) {
      map.setFeatureState({ source: hovered.source, sourceLayer: hovered.source, id: hovered.id }, { hover: false })
    }
    hovered = next
    if (next) map.setFeatureState({ source: next.source, sourceLayer: next.source, id: next.id }, { hover: true })
    onHover?.(refOf(f))
  }
}
