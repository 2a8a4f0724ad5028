// The map style, built from /api/meta. Everything comes from the project's own server: the
// "basemap" is drawn from our vector tiles; there is no online basemap unless the user turns one
// on (basemaps.ts; the adapter inserts it), no sprite and no `glyphs` URL. Labels are drawn by
// MapLibre from local fonts: since MapLibre GL JS 5.11 a style without `glyphs` renders all text
// with TinySDF from the browser's fonts, `text-font` being read as a CSS font-family list (style
// spec, root `glyphs`: "omit to use local fonts").
//
// Drawing order, bottom to top, follows the layer panel: basemap (online raster, then the
// district's ground tint, reference areas, waters, roads), administrative boundaries, parcels,
// buildings, buffer zones, zones, satellite-change patches, cases; then the selection and the
// place names. (The admin units' fills are the ground the basemap is drawn on, so they sit under
// it; their boundaries sit above it.) Each layer group is its own module in style/.
import type { StyleSpecification } from 'maplibre-gl'
import type { Meta } from '../api.ts'
import { addAdminBoundaries, addAdminGround } from './style/admin.ts'
import { addBasemap } from './style/basemap.ts'
import { createStyleBuilder, type StyleLayerInfo } from './style/builder.ts'
import { addBuildings } from './style/buildings.ts'
import { addCases } from './style/cases.ts'
import { addDetections } from './style/detections.ts'
import { addLabels } from './style/labels.ts'
import { addParcels } from './style/parcels.ts'
import { addSelection } from './style/selection.ts'
import { styleSources } from './style/sources.ts'
import { addBufferZones, addZones } from './style/zones.ts'

// What the adapter, the public map and the tests import, from one place.
export { LABEL_FONTS, LABEL_SOURCE } from './base-layers.ts'
export { type StyleLayerInfo } from './style/builder.ts'
export { AGGREGATE_LAYER, AGGREGATE_LAYERS, BASEMAP_BEFORE, CASE_LAYERS, idPropertyOf, SELECTION_SOURCE } from './style/names.ts'
export { opacityPropsOf, scaleOpacity } from './style/opacity.ts'
export { PICK_RANK } from './style/pick-rank.ts'

export interface BuiltStyle {
  style: StyleSpecification
  /** Per style layer: its switch and base opacities. */
  layers: Record<string, StyleLayerInfo>
  /** Style layers whose features can be inspected (click) and highlighted (hover). */
  inspectable: string[]
}

/**
 * @param meta    the server's /api/meta
 * @param origin  the page origin; tile URLs are made absolute (they are fetched from a worker)
 */
export function buildStyle(meta: Meta, origin: string): BuiltStyle {
  const b = createStyleBuilder(new Set(meta.layers.map((l) => l.id)))
  addAdminGround(b)
  addBasemap(b)
  addAdminBoundaries(b)
  addParcels(b)
  addBuildings(b, meta)
  addBufferZones(b)
  addZones(b)
  addDetections(b)
  addCases(b)
  addSelection(b)
  addLabels(b)
  const style: StyleSpecification = {
    version: 8,
    name: 'chaiwei',
    // No `glyphs` and no `sprite` on purpose: nothing may be fetched from outside the server.
    sources: styleSources(meta, origin),
    layers: b.layers,
  }
  return { style, layers: b.info, inspectable: b.inspectable }
}
