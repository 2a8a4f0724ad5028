// The user's layer choices (switches, opacities, online basemap) and what they mean for each style
// layer: drawn or not, and its paint opacities. Plain state, no map: the style is prepared with it
// before the map exists, so nothing hidden is ever fetched; layer-switches.ts applies changes later.
import type { StyleSpecification } from 'maplibre-gl'
import type { RasterLayer } from '../basemaps.ts'
import { groupOf, isShown, type GroupId, type Opacity, type Visibility } from '../groups.ts'
import { BASEMAP_BEFORE, scaleOpacity, type StyleLayerInfo } from '../style.ts'
import { RASTER_INFO, rasterLayer, rasterSource, rasterSourceId } from './raster-basemap.ts'

export interface LayerState {
  /** Per style layer (online basemap layers included): its switch and base opacities. */
  readonly info: Record<string, StyleLayerInfo>
  visibility: Visibility
  opacity: Opacity
  basemap: readonly RasterLayer[]
  isVisible(id: string): boolean
  /** The layer's paint opacities after its group's slider (and the basemap rule for the ground). */
  opacityOf(id: string): Record<string, unknown>
  extruded(): boolean
}

export function createLayerState(layers: Readonly<Record<string, StyleLayerInfo>>, init: { visibility: Visibility; opacity: Opacity; basemap: readonly RasterLayer[] }): LayerState {
  const state: LayerState = {
    info: { ...layers },
    ...init,
    isVisible(id) {
      const switchId = state.info[id]?.switchId
      return switchId ? isShown(state.visibility, switchId) : true
    },
    opacityOf(id) {
      const li = state.info[id]
      if (!li) return {}
      const group: GroupId | null = li.switchId ? groupOf(li.switchId) : null
      // The ground tint is see-through over an online basemap, else the basemap would be hidden.
      const k = (group ? state.opacity[group] : 1) * (li.ground && state.basemap.length > 0 ? 0 : 1)
      return Object.fromEntries(Object.entries(li.opacity).map(([prop, base]) => [prop, scaleOpacity(base, k)]))
    },
    // the deck.gl 3D buildings (by safety grade) tilt the map as the style's do
    extruded: () => isShown(state.visibility, 'buildings-3d') || isShown(state.visibility, 'buildings-grade'),
  }
  return state
}

/** Puts the online basemap and the user's choices into the style before the map is made. */
export function prepareStyle(style: StyleSpecification, state: LayerState): void {
  // The online basemap (if any) goes right above the background, below the ground tint.
  if (state.basemap.length > 0) {
    const at = Math.max(1, style.layers.findIndex((l) => l.id === BASEMAP_BEFORE))
    for (const l of state.basemap) {
      style.sources[rasterSourceId(l)] = rasterSource(l)
      state.info[rasterSourceId(l)] = RASTER_INFO
    }
    style.layers.splice(at, 0, ...state.basemap.map(rasterLayer))
  }
  for (const layer of style.layers) {
    if (!state.info[layer.id]) continue
    layer.layout = { ...(layer.layout ?? {}), visibility: state.isVisible(layer.id) ? 'visible' : 'none' } as typeof layer.layout
    if (layer.type !== 'background') {
      layer.paint = { ...(layer.paint ?? {}), ...state.opacityOf(layer.id) } as typeof layer.paint
    }
  }
}
