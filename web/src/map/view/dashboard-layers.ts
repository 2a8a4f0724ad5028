// The dashboard's and planning view's layers over the admin units (choropleth.ts): a figure per
// unit as colours, and outlined units or parcels.
import type { Map as MapLibreMap } from 'maplibre-gl'
import {
  CHOROPLETH_BEFORE,
  CHOROPLETH_FILL,
  CHOROPLETH_LAYERS,
  choroplethLayers,
  choroplethPaint,
  highlightLayers,
  KEY_VILLAGE_BEFORE,
} from '../choropleth.ts'
import type { WhenReady } from './ready.ts'
import type { MapView } from './types.ts'

export function createDashboardLayers(map: MapLibreMap, whenReady: WhenReady): Pick<MapView, 'setChoropleth' | 'setHighlight'> {
  let choroplethLevel: string | null = null
  return {
    setChoropleth(spec) {
      whenReady(() => {
        const layers = spec ? choroplethLayers(spec) : []
        // Same level: only the colours change. Otherwise the layers are made anew.
        if (spec && map.getLayer(CHOROPLETH_FILL) && choroplethLevel === spec.level) {
          map.setPaintProperty(CHOROPLETH_FILL, 'fill-color', choroplethPaint(spec) as never)
          return
        }
        for (const id of CHOROPLETH_LAYERS) if (map.getLayer(id)) map.removeLayer(id)
        choroplethLevel = spec?.level ?? null
        const before = map.getLayer(CHOROPLETH_BEFORE) ? CHOROPLETH_BEFORE : undefined
        for (const l of layers) map.addLayer(l, before)
      })
    },
    setHighlight(h) {
      whenReady(() => {
        const layers = highlightLayers(h)
        for (const l of layers) if (map.getLayer(l.id)) map.removeLayer(l.id)
        if (h.ids.length === 0) return
        const before = map.getLayer(KEY_VILLAGE_BEFORE) ? KEY_VILLAGE_BEFORE : undefined
        for (const l of layers) map.addLayer(l, before)
      })
    },
  }
}
