// An online raster basemap (basemaps.ts) as style sources and layers: inserted right above the
// background, below the ground tint, when the user turns one on.
import type { LayerSpecification, RasterSourceSpecification } from 'maplibre-gl'
import type { RasterLayer } from '../basemaps.ts'
import type { StyleLayerInfo } from '../style.ts'

export const rasterSourceId = (l: RasterLayer) => `basemap-${l.id}`

export function rasterSource(l: RasterLayer): RasterSourceSpecification {
  return {
    type: 'raster',
    tiles: l.tiles,
    tileSize: l.tileSize,
    minzoom: l.minzoom,
    maxzoom: l.maxzoom,
    scheme: l.scheme,
    ...(l.attribution ? { attribution: l.attribution } : {}),
  }
}

export function rasterLayer(l: RasterLayer): LayerSpecification {
  return { id: rasterSourceId(l), type: 'raster', source: rasterSourceId(l), paint: { 'raster-opacity': 1 } }
}

export const RASTER_INFO: StyleLayerInfo = { switchId: 'basemap', opacity: { 'raster-opacity': 1 } }
