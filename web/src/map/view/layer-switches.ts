// Applies the user's layer choices to the live map: visibility, opacity sliders, swapping the
// online basemap. The choices themselves are held in layer-state.ts.
import type { Map as MapLibreMap } from 'maplibre-gl'
import type { RasterLayer } from '../basemaps.ts'
import { groupOf, type GroupId, type Opacity, type Visibility } from '../groups.ts'
import { BASEMAP_BEFORE } from '../style.ts'
import type { LayerState } from './layer-state.ts'
import { RASTER_INFO, rasterLayer, rasterSource, rasterSourceId } from './raster-basemap.ts'
import type { WhenReady } from './ready.ts'

export interface LayerSwitches {
  setVisibility(visibility: Visibility): void
  setOpacity(opacity: Opacity): void
  setBasemap(layers: readonly RasterLayer[]): void
}

/** @param afterVisibility  run after the layers were shown or hidden (the extrusion follows) */
export function createLayerSwitches(map: MapLibreMap, state: LayerState, whenReady: WhenReady, afterVisibility: () => void): LayerSwitches {
  const applyPaint = (id: string) => {
    if (!map.getLayer(id)) return
    for (const [prop, value] of Object.entries(state.opacityOf(id))) {
      map.setPaintProperty(id, prop as Parameters<typeof map.setPaintProperty>[1], value as never)
    }
  }
  const applyVisibility = () => {
    for (const id of Object.keys(state.info)) {
      if (!map.getLayer(id)) continue
      const want = state.isVisible(id) ? 'visible' : 'none'
      if (map.getLayoutProperty(id, 'visibility') !== want) map.setLayoutProperty(id, 'visibility', want)
    }
    afterVisibility()
  }
  const replaceBasemap = (old: readonly RasterLayer[], next: readonly RasterLayer[]) => {
    for (const l of old) {
      const id = rasterSourceId(l)
      if (map.getLayer(id)) map.removeLayer(id)
      if (map.getSource(id)) map.removeSource(id)
      delete state.info[id]
    }
    const before = map.getLayer(BASEMAP_BEFORE) ? BASEMAP_BEFORE : map.getStyle().layers[1]?.id
    for (const l of next) {
      const id = rasterSourceId(l)
      map.addSource(id, rasterSource(l))
      state.info[id] = RASTER_INFO
      const layer = rasterLayer(l)
      layer.layout = { visibility: state.isVisible(id) ? 'visible' : 'none' }
      map.addLayer(layer, before)
      applyPaint(id)
    }
    // The ground tint turns see-through (or back).
    for (const [id, li] of Object.entries(state.info)) if (li.ground) applyPaint(id)
  }
  return {
    setVisibility(next) {
      state.visibility = next
      whenReady(applyVisibility)
    },
    setOpacity(next) {
      const changed = (Object.keys(next) as GroupId[]).filter((g) => next[g] !== state.opacity[g])
      state.opacity = next
      whenReady(() => {
        for (const id of Object.keys(state.info)) {
          const switchId = state.info[id]?.switchId
          if (switchId && changed.includes(groupOf(switchId))) applyPaint(id)
        }
      })
    },
    setBasemap(next) {
      const old = state.basemap
      state.basemap = next
      whenReady(() => replaceBasemap(old, next))
    },
  }
}
