// The style's sources: one vector source per published collection (from /api/meta), and the two
// GeoJSON sources the adapter fills (place-name points, the inspected feature).
import type { SourceSpecification } from 'maplibre-gl'
import type { Meta } from '../../api.ts'
import { LABEL_SOURCE } from '../base-layers.ts'
import { idPropertyOf, SELECTION_SOURCE } from './names.ts'

/** Makes a root-relative URL template absolute without `new URL`, which would escape the braces. */
function absoluteTemplate(template: string, origin: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(template)) return template
  return origin.replace(/\/$/, '') + (template.startsWith('/') ? template : `/${template}`)
}

export function styleSources(meta: Meta, origin: string): Record<string, SourceSpecification> {
  const sources: Record<string, SourceSpecification> = {}
  for (const layer of meta.layers) {
    sources[layer.id] = {
      type: 'vector',
      // OGC API Tiles order: {z}/{y}/{x} (row, then column). MapLibre fills the tokens by name.
      tiles: [absoluteTemplate(layer.tiles, origin)],
      minzoom: layer.minzoom,
      // Tiles hold full detail at maxzoom (16); MapLibre overzooms them beyond.
      maxzoom: layer.maxzoom,
      // Feature ids for feature-state (hover) and the inspector: admin units by code, the rest by id.
      promoteId: idPropertyOf(layer.id),
      ...(meta.district ? { bounds: meta.district.bbox } : {}),
    }
  }
  sources[LABEL_SOURCE] = { type: 'geojson', data: { type: 'FeatureCollection', features: [] } }
  sources[SELECTION_SOURCE] = { type: 'geojson', data: { type: 'FeatureCollection', features: [] } }
  return sources
}
