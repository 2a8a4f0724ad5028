// The feature open in the inspector, drawn from its full geometry (SELECTION_SOURCE).
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl'
import type { Geometry } from 'geojson'
import { SELECTION_SOURCE } from '../style.ts'
import type { Readiness } from './ready.ts'
import type { MapView } from './types.ts'

export function createSelection(map: MapLibreMap, ready: Readiness): Pick<MapView, 'setSelection' | 'selectionDrawn'> {
  return {
    setSelection(feature) {
      ready.whenReady(() => {
        const source = map.getSource<GeoJSONSource>(SELECTION_SOURCE)
        const features = feature?.geometry
          ? [{ type: 'Feature' as const, properties: {}, geometry: feature.geometry as Geometry }]
          : []
        source?.setData({ type: 'FeatureCollection', features })
      })
    },
    selectionDrawn() {
      if (!ready.isReady()) return false
      const layers = ['selection-line', 'selection-point'].filter((id) => map.getLayer(id))
      try {
        return map.queryRenderedFeatures({ layers }).length > 0
      } catch {
        return false
      }
    },
  }
}
